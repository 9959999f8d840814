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


YEARS_WRITTEN = re.compile(r"(20\d{2})\s*(?:年\s*)?(?:[-—~至到]\s*(20\d{2})\s*年?)?")
DATE = re.compile(r"20\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?:\s*日)?(?:\s+\d{1,2}:\d{2})?")
MAX_LISTED = 20  # a listing longer than this says how many more there are
MEETING_IN_TITLE = re.compile(r"在[^。；]{2,40}(?:会议|大会|代表会|座谈会)上")
MEETING_LINE_WITHIN = 15  # paragraphs from the top: a covering notice (通知) may stand above the meeting line
IMPRINT_WITHIN = 3  # paragraphs from the end


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
            or _cue("exists").search(text) or _cue("delivered").search(text) or _cue("period").search(text) \
            or _cue("document_number_asked").search(text) \
            or _cue("outline").search(text):
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
        text = query.text
        if _cue("outline").search(text):
            return _outline(index, query, _of_years(rows, query.years))
        if _cue("period").search(text) and not (_cue("dated").search(text) or _cue("delivered").search(text)):
            return _period(index, query, _of_years(rows, query.years))
        if _cue("dated").search(text) or _cue("when").search(text) or _cue("delivered").search(text) \
                or _cue("document_number_asked").search(text):
            return _dates(index, query, _of_years(rows, query.years))
        return _listing(index, query, rows)


def _of_years(rows: list[ReportRecord], years: list[int]) -> list[ReportRecord]:
    """The reports a question's year points at: those whose title names it (塘桥2024年社代会报告),
    else those that cover it, else all (the year may be the question's own, not the report's)."""
    if not years:
        return rows
    titled = [r for r in rows if any(f"{y}年" in r.title.replace(" ", "") for y in years)]
    covering = [r for r in rows if set(r.years) & set(years)]
    return titled or covering or rows


# --- when a report was signed or published -------------------------------------------------------
def _dates(index: Index, query: Query, rows: list[ReportRecord]) -> Answer:
    lang = query.lang
    lines: list[str] = []
    citations: list[Citation] = []
    undated: list[str] = []
    for row in rows[:MAX_LISTED]:
        report = index.report(row.id)
        found = _asked_lines(report, query.text)
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


def _asked_lines(report: Report, text: str) -> list[tuple[str, int, int, str]]:
    """The lines that answer what the question asks of the report: the meeting and the speaker
    (在哪次会议上、由谁作的), the document number (文号), the date it was signed or put on the web
    (哪天印发); the dates too when the meeting line is not found."""
    asks_number = bool(_cue("document_number_asked").search(text))
    asks_meeting = bool(_cue("delivered").search(text))
    asks_date = bool(_cue("when").search(text) or _cue("dated").search(text))
    found = _delivered(report) if asks_meeting else []
    if (asks_date and not found) or not (asks_meeting or asks_number):
        found += _signed_or_published(report) or _imprint(report)
    elif asks_date and not any(DATE.search(report.text, a, b) for _, a, b, _ in found):
        found += [("catalog_dated", *f[1:]) for f in _signed_or_published(report)
                  if DATE.fullmatch(report.text[f[1]:f[2]].strip())]  # a bare date line of the title block
    if asks_number:
        found += _document_number(report)
    return found


def _signed_or_published(report: Report) -> list[tuple[str, int, int, str]]:
    found = []
    for start, end, kind in report.excluded:
        date = DATE.search(report.text, start, end)
        if date is None or kind not in ("signature", "header"):
            continue
        found.append(("catalog_signed", date.start(), date.end(), "signature") if kind == "signature" else
                     ("catalog_published", start, date.end(), "header"))
    return found


def _delivered(report: Report) -> list[tuple[str, int, int, str]]:
    """Where a speech or a congress report says it was delivered, and by whom: a title that names
    the meeting (政府工作报告——在…第三次会议上), the meeting line under the title (——2024年1月23日在
    …第八次会议上, often below a covering notice), a date line, the speaker's line."""
    meeting = vocab.pattern("titles", "meeting_pattern")
    found = []
    titled = not report.title_inferred and bool(MEETING_IN_TITLE.search(report.title))
    top = list(_top_lines(report))
    for n, (start, end, anchor) in enumerate(top):
        text = report.text[start:end].strip()
        short = len(text) <= 30 and not re.search(r"[。；]", text)
        following = report.text[top[n + 1][0]:top[n + 1][1]] if n + 1 < len(top) else ""
        if re.search(r"在[^。；]*$", text) and re.match(r"[^。；]{0,30}(?:会议|大会)上", following):
            end, text = top[n + 1][1], text + following  # a meeting line broken in two (…第二十届 / 人民代表大会…上)
        if meeting.search(text) and len(text) <= 80:
            found.append(("catalog_meeting", start, end, anchor))
        elif short and (DATE.search(text) or re.search(r"^[（(]\s*20\d{2}\s*年", text)) and len(found) < 3:
            found.append(("catalog_meeting", start, end, anchor))
        elif (found or titled) and short and not text.endswith((":", "：")) and (
                _cue("speaker").search(text)
                or re.fullmatch(r"[\u4e00-\u9fff]\s*[\u4e00-\u9fff\s]{1,4}", text)):
            found.append(("catalog_speaker", start, end, anchor))  # a title and a name, or a name alone (李振山)
        if len(found) >= 4:
            break
    if titled and not any(label == "catalog_meeting" and not DATE.fullmatch(report.text[a:b].strip(" （()）"))
                          for label, a, b, _ in found) and (opening := _opening(report)):
        found.insert(0, ("catalog_meeting", opening[0], opening[1], opening[3]))
    return found


def _top_lines(report: Report):
    """(start, end, paragraph id) of each line of the report's first paragraphs: a title block is
    often one paragraph of short lines (title, meeting line, speaker, date, salutation)."""
    for _, paragraph in list(report.paragraphs())[:MEETING_LINE_WITHIN]:
        at = paragraph.start
        for line in report.text[paragraph.start:paragraph.end].split("\n"):
            if line.strip():
                yield at, at + len(line), paragraph.id
            at += len(line) + 1


def _imprint(report: Report) -> list[tuple[str, int, int, str]]:
    """The imprint line at a report's end (…党政办公室 2024年1月12日印发) when the parser kept it in
    the body (a PDF's last line joined to its paragraph)."""
    for _, paragraph in list(report.paragraphs())[-IMPRINT_WITHIN:]:
        text = report.text[paragraph.start:paragraph.end]
        if (date := DATE.search(text)) and _cue("imprint").search(text[date.end():date.end() + 6]):
            return [("catalog_signed", paragraph.start + date.start(), paragraph.start + date.end(), paragraph.id)]
    return []


def _document_number(report: Report) -> list[tuple[str, int, int, str]]:
    """The document number under a red header or in the web page's fields (沣政发〔2024〕3号)."""
    pattern = vocab.pattern("catalog", "document_number_pattern")
    for start, end, kind in report.excluded:
        if kind in ("header", "signature", "chrome") and (m := pattern.search(report.text, start, end)):
            return [("catalog_document_number", m.start(), m.end(), kind)]
    for _, paragraph in list(report.paragraphs())[:6]:
        if m := pattern.search(report.text, paragraph.start, paragraph.end):
            return [("catalog_document_number", m.start(), m.end(), paragraph.id)]
    return []


# --- which years a report covers, and its parts ------------------------------------------------
def _period(index: Index, query: Query, rows: list[ReportRecord]) -> Answer:
    """Each report's years (and half-years), the summary's and the plan's apart, each cited by the
    heading of the part that covers it, or by the title when the whole report is one part."""
    lang, lines, citations = query.lang, [], []
    for row in rows[:MAX_LISTED]:
        report = index.report(row.id)
        parts: dict[tuple[str, int, str], object] = {}
        for section in report.walk():
            key = (section.phase, section.year, section.half)
            if section.heading and section.year and section.level <= 1 and key not in parts:
                parts[key] = section
        lines.append(say(lang, "catalog_report", title=report.title))
        evidence = _opening(report)
        if evidence is not None:
            start, end, section_path, anchor = evidence
            citations.append(cite(report, len(citations) + 1, start, end, section=section_path, anchor=anchor))
            years = say(lang, "list_sep").join(str(y) for y in row.years)
            lines.append(say(lang, "catalog_period_whole", kind=say(lang, f"report_kind_{row.kind}"), years=years,
                             n=citations[-1].n))
        for (phase, year, half), section in sorted(parts.items(), key=lambda kv: (kv[0][1], kv[0][0] == "plan")):
            start = report.text.find(section.heading, section.start)
            citations.append(cite(report, len(citations) + 1, start, start + len(section.heading),
                                  section=" › ".join(p for p in section.path if p), anchor=section.id))
            written = YEARS_WRITTEN.search(section.heading)  # 2020-2022年工作总结: the span as written
            period = written[0] if written and written[2] else say(
                lang, "period_format", year=year, half=say(lang, f"half_{half}") if half else "").strip()
            lines.append(say(lang, "catalog_period_part", phase=say(lang, f"phase_{phase}"), period=period,
                             text=section.heading.strip(), n=citations[-1].n))
    return _catalog_answer(query, lines, citations)


def _outline(index: Index, query: Query, rows: list[ReportRecord]) -> Answer:
    """The headings of each report's top parts, in order, each cited."""
    lang, lines, citations = query.lang, [], []
    for row in rows[:MAX_LISTED]:
        report = index.report(row.id)
        tops = [s for s in report.walk() if s.heading and s.level <= 1]
        if len(tops) < 2:
            continue
        lines.append(say(lang, "catalog_report", title=report.title))
        for section in tops[:12]:
            start = report.text.find(section.heading, section.start)
            citations.append(cite(report, len(citations) + 1, start, start + len(section.heading),
                                  section=" › ".join(p for p in section.path if p), anchor=section.id))
            lines.append(say(lang, "answer_item", text=section.heading.strip(), n=citations[-1].n))
    return _catalog_answer(query, lines, citations)


def _catalog_answer(query: Query, lines: list[str], citations: list[Citation]) -> Answer:
    if not citations:
        return Answer(question=query.text, status="not_found", answer=say(query.lang, "not_found"))
    return Answer(question=query.text, answer="\n".join(lines), status="answered", citations=citations)


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
