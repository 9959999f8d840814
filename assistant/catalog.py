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

from .documents import Answer, Citation, Report, ReportRecord, cite
from .index import Index
from .labels import say
from .query import PROBLEM_CUES, Query, office_aliases
from .retrieve import Hit

# A document named as such: "报告", "材料", "这份", "几篇", "reports".
DOCUMENT = re.compile(r"报告|材料|文件|文档|[这那哪几每各一两]\s*[份篇]|多少份|"
                      r"\b(reports?|documents?|files?)\b", re.I)
EXISTS = re.compile(r"(有没有|是否有|有无|是否包含|是否含有).{0,12}(总结|计划)|"
                    r"\b(is|are) there (a|any) .{0,30}(summar|plan)", re.I)
SUBMITTED = re.compile(r"提交|上报|报送|交了|交来|submitted|filed", re.I)
DATED = re.compile(r"落款|签发|印发|成文|发布|发表|刊发|挂网|上网|\b(signed|dated|published|issued|posted)\b", re.I)
WHEN = re.compile(r"日期|哪天|哪一天|何时|什么时候|几月几[日号]|时间|\b(when|date|day)\b", re.I)
LISTING = re.compile(r"哪些|哪几|哪份|哪篇|几份|几篇|多少份|有没有|是否|列出|列一下|\b(which|how many|list|any)\b", re.I)
ONLY_PLAN = re.compile(r"(只有|仅有|只是|仅为|只含|只包含).{0,4}计划|没有.{0,6}总结|"
                       r"only (a )?plans?|no (work )?summar|without (a )?(work )?summar", re.I)
ONLY_SUMMARY = re.compile(r"(只有|仅有|只是|仅为|只含|只包含).{0,4}总结|没有.{0,6}计划|"
                          r"only (a )?(work )?summar|no (work )?plans?|without (a )?(work )?plan", re.I)
SUMMARY = re.compile(r"总结|summar|review|results", re.I)
PLAN = re.compile(r"计划|\bplans?\b|\bplanning\b", re.I)
HALF_YEAR = re.compile(r"半年|half[- ]year", re.I)
FULL_YEAR = re.compile(r"全年|全年度|年度|整年|full[- ]year|annual|whole year", re.I)
# The words such a question is made of, besides offices, years and question words.
ABOUT_DOCUMENTS = frozenset(
    "报告 材料 文件 文档 总结 计划 工作 全年 全年度 年度 半年 上半年 下半年 包含 包括 含有 只有 没有 仅有 只是 "
    "专门 单独 列出 列 存在 问题 不足 分析 提交 上报 报送 交 交来 收录 落款 签发 印发 成文 发布 发表 刊发 网页 "
    "网上 网站 挂网 上网 日期 时间 哪天 哪一天 何时 时候 这份 这篇 那份 几份 几篇 份 篇 哪份 哪篇 写 写的 "
    "专门列出 工作总结 工作计划 年度工作 部分 内容 章节 形势 当前 主要 现在 目前 一共 总共 共 已经 已 收到 "
    "有没有 是否 有无".split())
DATE = re.compile(r"20\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?:\s*日)?(?:\s+\d{1,2}:\d{2})?")
MAX_LISTED = 20  # a listing longer than this says how many more there are


def is_catalog_question(query: Query) -> bool:
    """A question about the reports as documents: every word of it is about documents."""
    text = query.text
    if not (DOCUMENT.search(text) or SUBMITTED.search(text) or DATED.search(text) or EXISTS.search(text)):
        return False
    if query.lang == "zh":
        if not all(_about_documents(term) for term in query.terms):
            return False
    elif _english_content(text, query.offices):
        return False
    return bool(DATED.search(text) or (WHEN.search(text) and DOCUMENT.search(text))
                or LISTING.search(text) or EXISTS.search(text))


def _about_documents(word: str) -> bool:
    """The word is one of ABOUT_DOCUMENTS or two of them run together (共收录, 年度总结)."""
    return word in ABOUT_DOCUMENTS or any(
        word[:i] in ABOUT_DOCUMENTS and word[i:] in ABOUT_DOCUMENTS for i in range(1, len(word)))


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
        if DATED.search(query.text) or WHEN.search(query.text):
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
        if not found:
            undated.append(report.title)
            continue
        lines.append(say(lang, "catalog_report", title=report.title))
        for label, start, end, kind in found:
            section = say(lang, "catalog_signature_section" if kind == "signature" else "catalog_header_section")
            citations.append(cite(report, len(citations) + 1, start, end, section=section, anchor=kind))
            lines.append(say(lang, "catalog_date", label=say(lang, label), text=report.text[start:end].strip(),
                             n=citations[-1].n))
    if undated:
        lines.append(say(lang, "catalog_undated", names=say(lang, "list_sep").join(undated)))
    status = "answered" if citations else "not_found"
    if not citations:
        lines.insert(0, say(lang, "not_found"))
    return Answer(question=query.text, answer="\n".join(lines), status=status, citations=citations)


# --- which reports -------------------------------------------------------------------------------
def _listing(index: Index, query: Query, rows: list[ReportRecord]) -> Answer:
    """The reports that match what the question asks for, each with the line that shows it."""
    lang, text = query.lang, query.text
    only_plan, only_summary = ONLY_PLAN.search(text), ONLY_SUMMARY.search(text)
    wants_problems = bool(PROBLEM_CUES.search(text)) and not (only_plan or only_summary)
    wants_summary = not only_plan and (only_summary or SUMMARY.search(text))
    wants_plan = not only_summary and (only_plan or (PLAN.search(text) and not wants_summary))
    full_year = bool(FULL_YEAR.search(text)) and not query.half
    half_year = not full_year and bool(query.half or HALF_YEAR.search(text))
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
    documentish = {"what", "which", "when", "on", "date", "day", "was", "were", "is", "are", "the", "a",
                   "an", "of", "s", "report", "reports", "document", "documents", "file", "files",
                   "summary", "summaries", "plan", "plans", "work", "signed", "dated", "published",
                   "issued", "posted", "did", "does", "do", "office", "offices", "sub", "district",
                   "street", "how", "many", "list", "any", "only", "no", "without", "have", "has",
                   "contain", "contains", "include", "includes", "full", "year", "annual", "half",
                   "first", "second", "for", "in", "its", "their", "web", "online", "website", "there",
                   "problems", "shortcomings", "analysis", "analyse", "analyze", "section", "part",
                   "submitted", "filed", "and", "or", "whole", "review", "results", "planning", "h1",
                   "h2", "give", "gives", "which", "by", "to", "that", "this", "these", "those", "yet"}
    named = {a for o in query_offices for a in office_aliases(o) if a.isascii()}
    return any(w not in documentish and w not in named and not w.isdigit() and len(w) > 2 for w in words)
