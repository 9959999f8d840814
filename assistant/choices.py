"""What the interface's lists offer, from the reports as they are now, without Gradio: the rows of
the reports table, the choices of each filter, and which of a user's picks still stand after an
upload or a removal (a pick that is gone would fail the next question with Gradio's "Value not in
the list of choices")."""

from __future__ import annotations

from dataclasses import dataclass

from .documents import ReportRecord
from .targets import Target


@dataclass(frozen=True)
class ChatChoices:
    offices: list[str]
    years: list[str]
    reports: list[tuple[str, str]]  # (label, report id) of the remove dropdown


def chat_choices(reports: list[ReportRecord]) -> ChatChoices:
    return ChatChoices(offices=sorted({r.office for r in reports}),
                       years=sorted({str(y) for r in reports for y in r.years}),
                       reports=[(f"{r.title}（{r.id}）", r.id) for r in reports])


def still_there(picked, available) -> list:
    """The user's picks that are still offered, in the order picked."""
    have = set(available)
    return [p for p in picked or () if p in have]


def report_rows(reports: list[ReportRecord], words: dict) -> list[list]:
    return [[r.title, r.office, r.region, "、".join(map(str, r.years)), words.get(f"kind_{r.kind}", r.kind),
             r.chunks, r.source] for r in reports]


@dataclass(frozen=True)
class TargetChoices:
    offices: list[str]
    years: list[tuple[str, str]]  # (label, value); "" is every year
    topics: list[tuple[str, str]]  # (label, topic); "" is every topic


def target_choices(targets: list[Target], words: dict) -> TargetChoices:
    """The choices of the Targets tab's office, year and topic filters: what the statements have."""
    present = {t.topic for t in targets}
    order = [k[len("topic_"):] for k in words if k.startswith("topic_") and k != "topic_all"]
    topics = [k for k in order if k in present] + sorted(present - set(order))
    return TargetChoices(offices=sorted({t.office for t in targets}),
                         years=[(words["year_all"], ""), *sorted((y, y) for y in {str(t.year) for t in targets if t.year})],
                         topics=[(words["topic_all"], "")] + [(words.get(f"topic_{k}", k), k) for k in topics])


def kept_target_filters(choices: TargetChoices, offices, year: str, topic: str) -> tuple[list[str], str, str]:
    """The Targets tab's picks that still stand: offices, year and topic ("" when gone)."""
    return (still_there(offices, choices.offices),
            year if year in {v for _, v in choices.years[1:]} else "",
            topic if topic in {v for _, v in choices.topics} else "")
