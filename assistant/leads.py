"""Answer first: an extractive answer leads with the clause that holds the asked fact — for a
question about a quantity, the figure with its unit and qualifier ("招聘会全年不少于8次"), one
line per report, cited — and then quotes the supporting sentences, grouped by report. Staff
copy the figure into their own reports; the quotes show where it stands."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .documents import Citation
from .figures import states_figure
from .labels import say
from .query import Query, english_name, office_aliases
from .textnorm import search_form

if TYPE_CHECKING:
    from .extractive import Sentence, Terms

CLAUSE = re.compile(r"[^，,；;：:。！？!?]+")
LABEL = re.compile(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]{1,3}[)）.、．]\s*|[一二三四五六七八九十]+是|其中|同时|另一方面)")
LEAD_MAX = 24  # a longer clause starts at the question's first key term (the figure's own subject)


def lead_clause(sentence: Sentence, terms: Terms, query: Query) -> str | None:
    """The clause of ``sentence`` that holds most of the question's key terms and states a
    figure in the asked unit, or None when none does."""
    best, best_score = None, 0.0
    for m in CLAUSE.finditer(sentence.text):
        clause = LABEL.sub("", m[0]).strip(" “”\"'")
        form = search_form(clause)
        if len(clause) < 3 or not states_figure(form, query):
            continue
        score = terms.coverage(form, "")
        if score > best_score:
            best, best_score = clause, score
    if best is None:
        return None
    if len(best) > LEAD_MAX:
        starts = [best.find(t) for group in terms.groups for t in group if t in best]
        start = min((s for s in starts if s > 0), default=0)
        best = best[start:] if len(best) - start >= 6 else best
    return best


def render_extractive(query: Query, citations: list[Citation], chosen: list[Sentence], terms: Terms) -> str:
    lang = query.lang
    lines: list[str] = []
    if query.quantity:
        lines += _fact_lines(query, citations, chosen, terms)
    if say(lang, "answer_lead"):
        lines += ["", say(lang, "answer_lead")] if lines else [say(lang, "answer_lead")]
    current, heading = None, None
    grouped = query.problems or query.asks_list  # 哪几方面的问题: the aspects are the sub-headings
    for citation, sentence in zip(citations, chosen):
        if citation.report_id != current:
            current, heading = citation.report_id, None
            lines.append("")
            named = not citation.office or any(a in citation.title for a in office_aliases(citation.office)[-2:])
            lines.append(say(lang, "answer_report" if named else "answer_report_of", title=citation.title,
                             office=citation.office))
        path = [p.strip() for p in sentence.hit.chunk.section.split("›") if p.strip()]
        if grouped and len(path) >= 2 and path[-1] != heading:
            heading = path[-1]
            lines.append(say(lang, "answer_subheading", heading=heading))
        lines.append(say(lang, "answer_item", text=sentence.text, n=citation.n))
    if any(s.placeholder for s in chosen):
        lines.append("")
        lines.append(say(lang, "answer_placeholder_note"))
    return "\n".join(lines).strip()


def _fact_lines(query: Query, citations: list[Citation], chosen: list[Sentence], terms: Terms) -> list[str]:
    """One line per report: the clause of its best sentence that states the figure."""
    best: dict[str, tuple[float, int, str, Citation]] = {}
    for citation, sentence in zip(citations, chosen):
        clause = lead_clause(sentence, terms, query)
        if clause is None:
            continue
        key = (sentence.coverage, -sentence.rank)
        if citation.report_id not in best or key > best[citation.report_id][:2]:
            best[citation.report_id] = (*key, clause, citation)
    ordered = sorted(best.values(), key=lambda v: v[3].n)
    return [say(query.lang, "answer_fact", who=_who(c, query.lang), clause=clause, n=c.n)
            for _, _, clause, c in ordered]


def _who(citation: Citation, lang: str) -> str:
    if not citation.office:
        return citation.title
    return f"{english_name(citation.office)} ({citation.office})" if lang == "en" else citation.office
