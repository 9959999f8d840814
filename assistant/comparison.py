"""The comparison answerer: questions that compare offices ("各街道2024年的就业目标", "Compare
the offices' 2024 investment targets") answered with a table built from the targets records,
every cell cited."""

from __future__ import annotations

import re

from .documents import Answer, Citation, cite
from .extractive import key_terms
from .figures import UNIT_SYNONYMS, states_new
from .index import Index
from .labels import say
from .query import Query
from .retrieve import Hit
from .settings import Settings
from .textnorm import search_form
from .targets import Target, folded_targets

COMPARE_CUES = re.compile(r"各街道|各个街道|各办事处|各单位|各是|各为|各有|各自|分别|比较|对比|相比|哪边|哪个街道更|哪家|"
                          r"compare|comparison|each office|each sub-?district|the offices|across offices|"
                          r"versus|\bvs\b", re.I)
MAX_ROWS_PER_OFFICE = 4  # a table cell per figure; more than a few per office is no longer a comparison
OFF_METRIC = 0.7  # a figure whose metric names none of the question's words counts this much


def is_comparison(query: Query) -> bool:
    return bool(COMPARE_CUES.search(query.text)) and len(query.offices) != 1


class ComparisonAnswerer:
    """A table of the figures each office gives, from the targets records."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def answer(self, query: Query, hits: list[Hit], index: Index) -> Answer | None:
        """The table, or None when the question compares nothing or the records do not answer it
        (the passages found, ``hits``, are not needed: the records cover every report)."""
        if not hits or not is_comparison(query):
            return None
        table = comparison_table(index, query, self.settings)
        if table is None:
            return None
        text, citations = table
        return Answer(question=query.text, answer=text, status="answered", citations=citations)


def comparison_table(index: Index, query: Query, settings: Settings) -> tuple[str, list[Citation]] | None:
    """(markdown table, citations) or None when the records do not answer the question."""
    terms = key_terms(index, query)
    if not terms.groups:
        return None
    rows = []
    # "辽西上半年到位资金和铁西全年目标分别是多少": with offices named, a plan or summary word may
    # speak of one of them only, so kinds are ranked by how well they match, not filtered
    phase = query.phase if len(query.offices) < 2 else ""
    words = [t for group, part in zip(terms.groups, terms.parts) for t in (*group, *part) if t]
    mentions = re.compile("|".join(map(re.escape, sorted(set(words), key=len, reverse=True))))
    for target, folded in folded_targets(index, query.offices):  # named offices: only theirs
        if not mentions.search(folded.everything):
            continue  # holds none of the question's words: its coverage would be 0
        if query.offices and target.office not in query.offices:
            continue
        if query.years and target.year not in query.years:
            continue
        if phase == "plan" and target.kind != "target":
            continue
        if phase == "summary" and target.kind != "achieved":
            continue
        if query.counts_new and not states_new(folded.statement, query):
            continue  # 新发展了多少党员 counts the new ones, not 现有党员47人
        if query.units and not any(re.fullmatch(UNIT_SYNONYMS.get(u, re.escape(u)), target.unit)
                                   for u in query.units):
            continue  # "多少户" wants households, not the people beside them
        coverage = max(terms.coverage(folded.clause, folded.section),
                       0.75 * terms.coverage(folded.statement, folded.section))  # same sentence, other clause
        if not mentions.search(search_form(target.metric)):
            coverage *= OFF_METRIC  # 1600多名医务工作者、…党员志愿者: the figure counts another thing
        if coverage >= settings.min_coverage:
            rows.append((coverage, target))
    if not rows:
        return None
    best: dict[str, float] = {}  # each office is judged on its own best figure
    for coverage, target in rows:
        best[target.office] = max(best.get(target.office, 0.0), coverage)
    by_office: dict[str, list[Target]] = {}
    for coverage, target in sorted(rows, key=lambda r: (-r[0], r[1].start)):
        if coverage >= best[target.office] - 0.2 and \
                len(by_office.setdefault(target.office, [])) < MAX_ROWS_PER_OFFICE:
            by_office[target.office].append(target)
    if len(by_office) < 2 and not query.offices:
        return None  # one office is not a comparison; the ordinary answer reads better
    citations: list[Citation] = []
    lang = query.lang
    lines = [say(lang, "compare_head"), "|---|---|---|---|---|---|"]
    for office, targets in by_office.items():
        for target in sorted(targets, key=lambda t: t.start):
            citations.append(cite(index.report(target.report_id), len(citations) + 1, target.sentence_start,
                                  target.sentence_end, section=target.section, anchor=target.paragraph_id))
            value = say(lang, "compare_undisclosed") if target.value is None else \
                f"{target.qualifier if target.qualifier not in ('余', '多') else ''}{target.quote}" \
                f"{target.qualifier if target.qualifier in ('余', '多') and target.qualifier not in target.quote else ''}"
            kind = say(lang, f"compare_{target.kind}")
            lines.append(f"| {office} | {target.period} | {_cell(target.metric)} | {value} | {kind} | "
                         f"{_cell(target.sentence[:40])} [{citations[-1].n}] |")
    return say(lang, "compare_lead") + "\n\n" + "\n".join(lines), citations


def _cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ")
