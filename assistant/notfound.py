"""What a not-found reply offers beyond "not found", without Gradio: the filters set in the page
named as a user reads them (年份「2023」、内容「总结」), and which of them kept the answer out, found
by asking the question again without each one (then without all), so the page can offer to ask
without it. Only the page's filters are tried: what the question itself names stays."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .documents import Filters

DIMENSIONS = ("offices", "years", "phase")  # the filters the chat tab sets, in the order shown
EMPTY = {"offices": (), "years": (), "phase": ""}


@dataclass(frozen=True)
class FilterBlame:
    dropped: tuple[str, ...]  # the filters that kept the answer out (DIMENSIONS names)
    without: Filters  # the filters with those dropped: asking with these finds an answer


def blame_filters(assistant, question: str, history: list[str], filters: Filters) -> FilterBlame | None:
    """The fewest of the page's filters whose dropping lets the reports answer ``question``:
    each one alone first (keeping the others), then all of them. None when none is set or the
    reports do not answer even without them. Costs one question per try (at most four)."""
    present = [d for d in DIMENSIONS if getattr(filters, d)]
    tries = [(d,) for d in present] + ([tuple(present)] if len(present) > 1 else [])
    for dropped in tries:
        without = replace(filters, **{d: EMPTY[d] for d in dropped})
        if assistant.ask(question, history, without).status == "answered":
            return FilterBlame(dropped, without)
    return None


def filter_names(filters: Filters, words: dict, only: tuple[str, ...] = DIMENSIONS) -> str:
    """The filters as the page shows them: 街道「铁西街道」、年份「2023、2024」、内容「总结」."""
    sep, parts = words["list_sep"], []
    if "offices" in only and filters.offices:
        parts.append(words["page_filter_office"].format(value=sep.join(filters.offices)))
    if "years" in only and filters.years:
        parts.append(words["page_filter_year"].format(value=sep.join(map(str, filters.years))))
    if "phase" in only and filters.phase:
        parts.append(words["page_filter_phase"].format(value=words.get(f"phase_{filters.phase}", filters.phase)))
    return sep.join(parts)


def filters_note(filters: Filters, blame: FilterBlame | None, words: dict) -> str:
    """The line a not-found reply adds when the page's filters are set ("" when none is)."""
    if not any(getattr(filters, d) for d in DIMENSIONS):
        return ""
    named = filter_names(filters, words)
    if blame is None:
        return words["not_found_filters"].format(filters=named)
    return words["not_found_filtered_drop"].format(filters=named, which=filter_names(filters, words, blame.dropped))


def drop_label(filters: Filters, blame: FilterBlame, words: dict) -> str:
    """The button's text: 去掉年份「2023」，重新提问."""
    return words["drop_filter"].format(which=filter_names(filters, words, blame.dropped))
