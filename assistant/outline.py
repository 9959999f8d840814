"""Questions about the parts of a report (辽西街道下半年工作计划分哪几个方面？, 三大行动分别是什么？):
answered with the headings under the section the question names, each cited where it stands. The
items are the section's headings (or, under a heading with none below it, its 一是…二是… paragraphs),
not sentences of its text, so the extractive answerer, which reads passages, would quote the
sentence that announces them instead. What one part holds (抓好城市建设具体有哪些内容) is every
sentence under the heading that names it (part_sentences, used by the extractive answerer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import vocab
from .documents import Answer, Section, cite
from .labels import say
from .leads import LABEL
from .query import Query, office_aliases
from .series import paragraph_items
from .settings import Settings
from .textnorm import fold, search_form

PART_COVERAGE = 0.99  # a section's heading holds every key word of the question

if TYPE_CHECKING:
    from .index import Index
    from .retrieve import Hit


def asks_outline(query: Query) -> bool:
    return query.asks_list and bool(vocab.pattern("query", "outline_question_pattern").search(query.search_text))


def outline_answer(query: Query, hits: list[Hit], index: Index, settings: Settings) -> Answer | None:
    """The headings under the section (or the report) of the top hits whose heading path holds
    most of the question's words (at least ``min_coverage`` of them), of the period asked."""
    best: tuple[tuple, str, Section] | None = None
    words = _words(query, index)
    if not words:
        return None
    for rid in dict.fromkeys(h.chunk.report_id for h in hits[:settings.answer_hits]):
        report = index.report(rid)
        if query.offices and report.office not in query.offices:
            continue
        whole = Section("", -1, report.title, (report.title,), 0, len(report.text),
                        children=[s for s in report.sections if s.heading])  # the report's own parts
        for section, parent in _walk(whole):
            if not _of_period(query, section) or (query.problems and section.role != "problems"):
                continue  # 哪几方面的问题: the problems' own parts
            if len(section.children) < 2 and len(paragraph_items(report, section)) < 2:
                continue
            score = sum(w in search_form(" ".join(section.path)) for w in words) / len(words)
            if score < settings.min_coverage:
                continue
            own = _held(words, section.heading)
            twins = [c for c in (parent.children if parent else []) if _held(words, c.heading) == own]
            if own and len(twins) >= 2:  # 实施…工程 in each of the headings: the 工程 are those headings
                section = parent
            key = (score, own, section.level >= 0, -section.level)
            if best is None or key > best[0]:
                best = (key, rid, section)
    if best is None:
        return None
    report, section = index.report(best[1]), best[2]
    if len(section.children) >= 2:
        citations = [cite(report, n, c.start, c.start + len(c.heading), section=" › ".join(h for h in c.path if h),
                          anchor=c.id) for n, c in enumerate(section.children, 1)]  # (the viewer scrolls to it)
    else:  # 一是…。二是…。 paragraphs under a heading with none below it: the items' lead sentences
        citations = [cite(report, n, start, end) for n, (start, end) in enumerate(paragraph_items(report, section), 1)]
    name = LABEL.sub("", section.heading)
    name = name if any(a in name for a in office_aliases(report.office)) else report.office + name
    lines = [say(query.lang, "answer_outline", section=name, n=len(citations)), ""]
    lines.append(say(query.lang, "answer_report", title=report.title, office=report.office))
    lines += [say(query.lang, "answer_item", text=c.text, n=c.n) for c in citations]
    return Answer(question=query.text, answer="\n".join(lines), status="answered", citations=citations)


def _walk(section: Section, parent: Section | None = None):
    yield section, parent
    for child in section.children:
        yield from _walk(child, section)


def _held(words: list[str], heading: str) -> int:
    return sum(w in search_form(heading) for w in words)


def _words(query: Query, index: Index) -> list[str]:
    """The words of a question with no key terms (下半年工作计划分哪几个方面: 下半年, 工作, 计划),
    without its offices and the words that ask for parts."""
    text = fold(query.search_text)
    for office in query.offices:
        for alias in office_aliases(office):
            text = text.replace(fold(alias), " ")
    text = vocab.pattern("query", "outline_question_pattern").sub(" ", text)
    return [w for w in dict.fromkeys(index.tokenizer.tokenize(text)) if len(w) > 1]


def _of_period(query: Query, section: Section) -> bool:
    if query.years and section.year and section.year not in query.years:
        return False
    return not (query.half and section.half and section.half != query.half)


def asks_content(query: Query) -> bool:
    """抓好城市建设具体有哪些内容, 农业方面打算怎么做: of one office's report (a part of one report)."""
    return bool(query.offices) and not query.cross and bool(
        vocab.pattern("answers", "content_question_pattern").search(query.search_text))


def part_sentences(query: Query, sentences: list, terms, settings: Settings, in_period) -> list:
    """抓好城市建设具体有哪些内容: the sentences of the section whose own heading holds all the
    question's words (the best-ranked such section), in the report's order; its heading repeated as
    a sentence left out. Empty when no section's heading holds them."""
    def heading(s) -> str:
        return s.hit.chunk.section.split("›")[-1].strip()

    named = [s for s in sentences if heading(s) and terms.coverage(search_form(heading(s)), "") >= PART_COVERAGE
             and in_period(query, s)]
    if not named:
        return []
    best = min(named, key=lambda s: (s.rank, s.start))
    part = (best.hit.chunk.report_id, best.hit.chunk.section)
    own = [s for s in named if (s.hit.chunk.report_id, s.hit.chunk.section) == part
           and search_form(s.text).rstrip("。.") != search_form(heading(s)).rstrip("。.")]
    return sorted(own, key=lambda s: s.start)[:settings.max_list_items]
