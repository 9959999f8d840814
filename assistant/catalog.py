"""Questions about the reports themselves rather than what they say: which reports there are,
which are plans or summaries, which years and half-years they sum up, which analyse their
problems, when a report was signed or put on the web.

They are answered from the report records, each report cited by the line of its text that shows
the fact: its title (or, without one, its opening sentence), the heading of the part that sums up
the year or analyses the problems, its signature date, its web header. A question is taken for
one of these only when all its words are about documents: "铁西街道2024年有哪些计划？" asks about
plans, not about the file, and goes to the ordinary answerer."""

from __future__ import annotations

import re

from . import vocab
from .documents import Answer, Citation, Report, ReportRecord, cite
from .index import Index
from .labels import say
from .query import Query, cue, office_aliases
from .retrieve import Hit

# The cues (assistant/data/vocabulary.toml [catalog]), compiled on first use.
def _cue(name: str) -> re.Pattern:
    return vocab.pattern("catalog", f"{name}_pattern", re.I)


DATE = re.compile(r"20\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?:\s*日)?(?:\s+\d{1,2}:\d{2})?")
MAX_LISTED = 20  # a listing longer than this says how many more there are


def is_catalog_question(query: Query) -> bool:
    """A question about the reports as documents: every word of it is about documents."""
    text = query.text
    if not (_cue("document").search(text) or _cue("submitted").search(text) or _cue("dated").search(text) or _cue("exists").search(text)):
        return False
    if query.lang == "zh":
        if not all(_about_documents(term) for term in query.terms):
            return False
    elif _english_content(text, query.offices):
        return False
    if _cue("dated").search(text) or (_cue("when").search(text) and _cue("document").search(text)) \
            or _cue("exists").search(text):
        return True
    # "哪些…" of an office asks for what its report lists (沣源街道报告里提到了哪些问题), unless
    # what it asks for are reports (铁西街道有哪几份报告)
    return bool(_cue("listing").search(text)) and (not query.offices or bool(_cue("listing_documents").search(text)))


def _about() -> frozenset[str]:
    return frozenset(vocab.words("catalog", "about_documents"))


def _about_documents(word: str) -> bool:
    """The word is one of ABOUT_DOCUMENTS or two of them run together (共收录, 年度总结)."""
    return word in _about() or any(
        word[:i] in _about() and word[i:] in _about() for i in range(1, len(word)))


class CatalogAnswerer:
    """Answers questions about the reports themselves from their records."""

    def accepts(self, query: Query) -> bool:
        return is_catalog_question(query) and not (query.unknown_offices and not query.offices)

    def answer(self, query: Query, hits: list[Hit], index: Index) -> Answer | None:
        """The answer from the report records, or None when the question is not about them (the
        passages found, ``hits``, are not needed: the records say it)."""
        if not self.accepts(query):
            return None
        offices = query.filters.merged(query).offices
        rows = [r for r in index.reports() if not offices or r.office in offices]
        if not rows:
            return None
        if _cue("dated").search(query.text) or _cue("when").search(query.text):
            return _dates(index, query, rows)
        return _listing(index, query, rows)


# --- when a report was signed or published -------------------------------------------------------
def _dates(index: Index, query: Query, rows: list[ReportRecord]) -> Answer:
    lang = query.lang
    lines: list[str] = []
    citations: list[Citation] = []
    undated: list[str] = []
    for row in rows[:MAX_LISTED]:
        report = index.report(row.id)
        found = []
        for start, end, kind in report.excluded:
            date = DATE.search(report.text, start, end)
            if date is None or kind not in ("signature", "header"):
                continue
            found.append(("catalog_signed", date.start(), date.end(), "signature") if kind == "signature" else
                         ("catalog_published", start, date.end(), "header"))
        found += _delivered(report)
        if not found:
            undated.append(report.title)
            continue
        lines.append(say(lang, "catalog_report", title=report.title))
        for label, start, end, kind in found:
            section = None if kind.startswith("p") else say(
                lang, "catalog_signature_section" if kind == "signature" else "catalog_header_section")
            citations.append(cite(report, len(citations) + 1, start, end, section=section, anchor=kind))
            lines.append(say(lang, "catalog_date", label=say(lang, label), text=report.text[start:end].strip(),
                             n=citations[-1].n))
    if undated:
        lines.append(say(lang, "catalog_undated", names=say(lang, "list_sep").join(undated)))
    status = "answered" if citations else "not_found"
    if not citations:
        lines.insert(0, say(lang, "not_found"))
    return Answer(question=query.text, answer="\n".join(lines), status=status, citations=citations)


def _delivered(report: Report) -> list[tuple[str, int, int, str]]:
    """Where a speech or a congress report says it was delivered, and by whom: the meeting line
    under its title (——2024年1月23日在…第八次会议上), a date line, the speaker's line."""
    meeting = vocab.pattern("titles", "meeting_pattern")
    found = []
    for _, paragraph in list(report.paragraphs())[:6]:
        text = report.text[paragraph.start:paragraph.end]
        short = len(text.strip()) <= 30 and not re.search(r"[。；]", text)
        if meeting.search(text.strip()) or (short and (DATE.search(text) or re.search(r"[（(]\s*20\d{2}\s*年", text))):
            found.append(("catalog_meeting", paragraph.start, paragraph.end, paragraph.id))
        elif found and short and re.search(r"(书记|主任|镇长|乡长|街道办事处主任|社区主任|代表|部长)", text):
            found.append(("catalog_speaker", paragraph.start, paragraph.end, paragraph.id))
    return found


# --- which reports -------------------------------------------------------------------------------
def _listing(index: Index, query: Query, rows: list[ReportRecord]) -> Answer:
    """The reports that match what the question asks for, each with the line that shows it."""
    lang, text = query.lang, query.text
    only_plan, only_summary = _cue("only_plan").search(text), _cue("only_summary").search(text)
    wants_problems = bool(cue("problem").search(text)) and not (only_plan or only_summary)
    wants_summary = not only_plan and (only_summary or _cue("summary").search(text))
    wants_plan = not only_summary and (only_plan or (_cue("plan").search(text) and not wants_summary))
    full_year = bool(_cue("full_year").search(text)) and not query.half
    half_year = not full_year and bool(query.half or _cue("half_year").search(text))
    if only_plan:
        rows = [r for r in rows if r.kind == "plan"]
    elif only_summary:
        rows = [r for r in rows if r.kind == "summary"]
    elif wants_summary or wants_plan:
        rows = [r for r in rows if r.kind != ("plan" if wants_summary else "summary")]
    if query.years:
        rows = [r for r in rows if set(r.years) & set(query.years)]
    lines: list[str] = []
    citations: list[Citation] = []
    matched = 0
    for row in rows:
        report = index.report(row.id)
        if wants_problems:
            evidence = _part(report, lambda s: s.role == "problems")
        elif wants_summary or wants_plan:
            phase = "summary" if wants_summary else "plan"
            evidence = _part(report, lambda s: s.phase == phase
                             and (not query.years or s.year in query.years)
                             and (not query.half or s.half == query.half)
                             and (not half_year or bool(s.half))
                             and (not full_year or not s.half))
        else:
            evidence = _opening(report)
        if evidence is None:
            continue
        matched += 1
        if matched > MAX_LISTED:
            break  # reading every report of a large corpus to count them would take long
        start, end, section, anchor = evidence
        citations.append(cite(report, len(citations) + 1, start, end, section=section, anchor=anchor))
        quoted = report.text[start:end].strip()
        head = say(lang, "catalog_office", office=report.office) if report.title in quoted else \
            say(lang, "catalog_office_title", office=report.office, title=report.title)
        lines += [head, say(lang, "answer_item", text=quoted, n=citations[-1].n)]
    if not citations:
        return Answer(question=query.text, status="not_found", answer=say(lang, "not_found_no_report"))
    if matched > MAX_LISTED:
        lead = say(lang, "catalog_more", limit=MAX_LISTED)
    else:
        lead = say(lang, "catalog_count" if matched > 1 else "catalog_count_one", count=matched)
    return Answer(question=query.text, answer=lead + "\n" + "\n".join(lines), status="answered",
                  citations=citations)


def _part(report: Report, wanted) -> tuple[int, int, str, str] | None:
    """The heading of the first part of the report that ``wanted`` admits; the title when the
    whole report is such a part."""
    sections = [s for s in report.walk() if s.paragraphs]
    if sections and all(wanted(s) for s in sections):
        return _opening(report)
    for section in report.walk():
        if section.heading and wanted(section):
            start = report.text.find(section.heading, section.start)
            return start, start + len(section.heading), " › ".join(p for p in section.path if p), section.id
    return None


def _opening(report: Report) -> tuple[int, int, str, str] | None:
    """The title line, or without one the first sentence of the text."""
    if not report.title_inferred:
        start = report.text.find(report.title)
        if start >= 0:
            return start, start + len(report.title), "", "top"
    for section, paragraph in report.paragraphs():
        body = report.text[paragraph.start:paragraph.end]
        end = next((m.end() for m in re.finditer(r"[。；!！?？]", body)), len(body))
        return paragraph.start, paragraph.start + end, " › ".join(p for p in section.path if p), paragraph.id
    return None


def _english_content(text: str, query_offices: list[str]) -> bool:
    """Whether an English question asks about a topic besides the documents."""
    words = re.findall(r"[a-z]+", text.lower())
    documentish = set(vocab.words("catalog", "english_about_documents"))
    named = {a for o in query_offices for a in office_aliases(o) if a.isascii()}
    return any(w not in documentish and w not in named and not w.isdigit() and len(w) > 2 for w in words)
