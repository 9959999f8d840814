"""What the interface's lists offer, from the reports as they are now, without Gradio: the rows of
the reports table, the choices of each filter, and which of a user's picks still stand after an
upload or a removal (a pick that is gone would fail the next question with Gradio's "Value not in
the list of choices"). A report is always shown by its title, never by its id or file name (the
seed corpus's files are named by hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .documents import ReportRecord, source_link
from .render import esc
from .targets import Target


@dataclass(frozen=True)
class ChatChoices:
    offices: list[str]
    years: list[str]
    reports: list[tuple[str, str]]  # (title, report id) of the remove dropdown


def chat_choices(reports: list[ReportRecord], words: dict | None = None) -> ChatChoices:
    return ChatChoices(offices=sorted({r.office for r in reports}),
                       years=sorted({str(y) for r in reports for y in r.years}),
                       reports=list(zip(report_labels(reports, words), (r.id for r in reports))))


def report_labels(reports: list[ReportRecord], words: dict | None = None) -> list[str]:
    """Each report's title; two reports with one title are told apart by number (第2份)."""
    seen: dict[str, int] = {}
    labels = []
    for r in reports:
        seen[r.title] = seen.get(r.title, 0) + 1
        n = seen[r.title]
        labels.append(r.title if n == 1 or words is None else words["report_option_dup"].format(title=r.title, n=n))
    return labels


def removed_choices(entries, words: dict) -> list[tuple[str, str]]:
    """(label, file) of each version kept in data/removed (library.list_removed, newest first):
    its title, when and why it went (2024-05-06 10:21 移除)."""
    return [(words["removed_entry"].format(title=e.title, when=e.at.replace("T", " ")[:16],
                                           why=words.get(f"why_{e.why}", e.why)), e.file) for e in entries]


def still_there(picked, available) -> list:
    """The user's picks that are still offered, in the order picked."""
    have = set(available)
    return [p for p in picked or () if p in have]


def report_rows(reports: list[ReportRecord], words: dict) -> list[list]:
    """The reports table: the title (HTML: a link that opens the report in the source viewer),
    office, region, years, kind, passages and the file's format (TXT, PDF, DOCX)."""
    return [[f'<a class="report-src" href="{esc(source_link(r.id))}" target="_blank" rel="noopener">'
             f'{esc(title)}</a>', r.office, r.region, "、".join(map(str, r.years)),
             words.get(f"kind_{r.kind}", r.kind), r.chunks, Path(r.source).suffix.lstrip(".").upper()]
            for r, title in zip(reports, report_labels(reports, words))]


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
