"""Parse a report's text into a Report: metadata, a tree of Sections, and Paragraphs with offsets.

Reports come as they are: a web page's breadcrumb, field table, navigation and footer around the
text; a document shop's blurbs, advertising and paywall marks; a title broken over two lines, or
no title at all; a signature block; lines broken inside a sentence; any of the heading schemes of
Chinese official writing (第一部分, 第一章, 第一节, 一、, （一）, 1., （1）, ①, 【…】). Each line is
classified first; the metadata (metadata.py) is read from the title, the page's fields, the
breadcrumb, the signature and the text; the rest becomes the section tree.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from . import vocab
from .documents import Paragraph, Report, Section
from .metadata import infer_metadata
from .textnorm import PAYWALL, uses_d_for_dang

CN_NUM = "一二三四五六七八九十"
# Heading schemes by rank: a heading of a higher rank contains the headings of lower ones that
# follow it; a document uses some of them, in this order, skipping any.
HEADING_SCHEMES = (
    (0, re.compile(rf"^第[{CN_NUM}]{{1,3}}部分")),  # 第一部分
    (1, re.compile(rf"^第[{CN_NUM}]{{1,3}}章")),  # 第一章
    (2, re.compile(rf"^第[{CN_NUM}]{{1,3}}节")),  # 第一节
    (3, re.compile(rf"^[{CN_NUM}]{{1,3}}\s*[、．.]")),  # 一、
    (4, re.compile(r"^【[^】]{2,24}】")),  # 【产业发展】
    (5, re.compile(rf"^[（(]\s*[{CN_NUM}]{{1,3}}\s*[）)]")),  # （一） (一)
    (6, re.compile(r"^\d{1,2}\s*[、．.](?!\d)")),  # 1. 1、 1．
    (7, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")),  # （1） (1)
    (8, re.compile("^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]")),  # ①
)
HEAD_LINES = 15  # a page's field table stands among its first lines
# A field's value on a line of its own, its label lost: a date and time, an index number
HEAD_VALUE = re.compile(r"^(?:20\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}\s*:\s*\d{2}(?::\d{2})?)?"
                        r"|[0-9A-Za-z]{5,}[-/][0-9A-Za-z\-/]{3,}|字号\s*[:：]?.*)$")
DATE_LINE = re.compile(r"^[（(]?(?:20\d{2}|[二〇○零]{1,2}[〇○零一二三四五六七八九]{2})\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
                       r"\s*月\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日[）)]?$")
TERMINAL = "。！？；;!?：:」』”）)】"
HALF_WORDS = (("上半年", "H1"), ("下半年", "H2"))


@dataclass
class Line:
    start: int
    end: int
    text: str  # stripped
    kind: str = "body"  # body | heading | part | title | header | chrome | ad | marker | signature | blank
    rank: int = 0  # of a heading's scheme (HEADING_SCHEMES)


def parse_report(text: str, report_id: str, source: str, overrides: dict | None = None,
                 layout=None) -> Report:
    """Turn a report's text into a Report. ``overrides`` (from corpus/manifest.toml, or set by
    the user on upload) win over anything inferred: title, office, region, years, kind.
    ``layout`` (a loaders.Loaded) says where the text holds tables and pages: a table's lines are
    its rows (a paragraph each, never read as headings or joined), the pages are kept."""
    lines = split_lines(text)
    rows = [(r.start, r.end) for t in getattr(layout, "tables", ()) for r in t.rows]
    if rows:
        starts = {start for start, _ in rows}
        for ln in lines:
            if ln.start in starts and ln.kind != "blank":
                ln.kind = "row"
    lines = classify(lines)
    meta = infer_metadata(lines, text, Path(source).name)
    overrides = overrides or {}
    report = Report(
        id=report_id, title=overrides.get("title", meta.title), office=overrides.get("office", meta.office),
        region=overrides.get("region", meta.region), years=list(overrides.get("years", meta.years)),
        kind=overrides.get("kind", meta.kind), source=source, text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), date=meta.date,
        title_inferred=meta.title_inferred and "title" not in overrides, uses_d_for_dang=uses_d_for_dang(text),
        excluded=[(ln.start, ln.end, ln.kind) for ln in lines if ln.kind in ("header", "chrome", "ad", "marker",
                                                                            "signature")],
        tables=[_table_dict(t) for t in getattr(layout, "tables", ())],
        pages=[{"number": p.number, "start": p.start, "end": p.end, "ocr": p.ocr}
               for p in getattr(layout, "pages", ()) if p.ocr])
    report.sections = _build_tree(report, _merge_broken(lines))
    _tag_periods(report)
    return report


def _table_dict(table) -> dict:
    """A table as the report keeps it: its rows' spans, which is the header, each cell's span and
    grid column, and the column heads its rows carry."""
    return {"start": table.start, "end": table.end, "caption": table.caption, "heads": list(table.heads),
            "rows": [{"start": r.start, "end": r.end, "header": r.header,
                      "cells": [[c.start, c.end, c.column] for c in r.cells]} for r in table.rows]}


def split_lines(text: str) -> list[Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip(" \t\u3000\ufeff\xa0")
        lead = len(raw) - len(raw.lstrip(" \t\u3000\ufeff\xa0"))
        start = pos + lead
        lines.append(Line(start, start + len(stripped), stripped, "body" if stripped else "blank"))
        pos += len(raw) + 1
    return lines


def heading_rank(text: str) -> int | None:
    for rank, scheme in HEADING_SCHEMES:
        if scheme.match(text):
            return rank
    return None


PAGE_VALUE_MAX = 12  # characters: a menu item, a field's value (a date, an office)


def _page_value(text: str) -> bool:
    if re.search(r"[。；，,]", text):
        return False
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    return len(text) <= PAGE_VALUE_MAX or (han == 0 and len(text) <= 40)  # an index number: QYQ-JBJD-2025-000012


def classify(lines: list[Line]) -> list[Line]:
    content = [ln for ln in lines if ln.kind != "blank"]
    related = False  # after a "相关链接" line, the page lists other pages
    for n, ln in enumerate(content):
        bare = PAYWALL.sub("", ln.text).strip().lstrip("•·●▪ ")
        if ln.kind == "row":  # a table's row stays a row, unless the table lays out a web page (its
            if vocab.pattern("chrome", "breadcrumb_pattern").search(bare) or is_chrome(bare):  # breadcrumb, menu)
                ln.kind = "chrome"
            continue
        if not bare:
            ln.kind = "marker"
        elif related or vocab.pattern("chrome", "related_pattern").match(bare):
            ln.kind, related = "chrome", True
        elif is_ad(bare):
            ln.kind = "ad"
        elif is_field_line(bare) or (n < HEAD_LINES and HEAD_VALUE.match(bare)):
            ln.kind = "header"
        elif is_chrome(bare):
            ln.kind = "chrome"
        elif (rank := heading_rank(bare)) is not None:
            ln.kind, ln.rank = "heading", rank
        elif vocab.pattern("kinds", "part_pattern").match(bare):
            ln.kind = "part"
    _mark_page_values(content)
    _mark_signature(content)
    return lines


def _mark_page_values(content: list[Line]) -> None:
    """A web page lays out its menu and its field table one element a line: a short line between
    two of the page's lines (青弋概况 between menu items, QYQ-2025-000012 after 索引号：) is the
    page's too. A longer line there (the report's title under 有效性：) stays the report's."""
    page = ("header", "chrome")
    for _ in range(2):  # a run of two values (a menu item, then its neighbour)
        for before, line, after in zip(content, content[1:], content[2:]):
            if line.kind == "body" and before.kind in page and after.kind in page \
                    and _page_value(line.text):
                line.kind = "header" if before.kind == "header" and before.text.endswith((":", "：")) else "chrome"


def is_ad(text: str) -> bool:
    signals = vocab.pattern("ads", "signals", re.I)
    return len(signals.findall(text)) >= 2 or (text.startswith("【") and bool(signals.search(text)))


def is_field_line(text: str) -> bool:
    """A line of a web page's field table: 发布机构: 东柳街道 | 成文日期: 2024-02-22, a breadcrumb."""
    text = re.sub(r"[ \u3000]{2,}", " ", text)  # 文\u3000\u3000号：
    if vocab.pattern("chrome", "breadcrumb_pattern").search(text):
        return True
    fields = re.compile(rf"(?:^|[\s|｜\[【]|(?<=[\]】]))\s*(?:{vocab.alternation('chrome', 'fields')})\s*[\]】]?\s*(?:[:：|｜]|$)")
    found = fields.findall(text)
    if not found:
        return False
    sentence = re.search(r"[。！？]", text) and len(text) > 60
    return not sentence and (len(found) >= 2 or len(text) <= 60)


def is_chrome(text: str) -> bool:
    """Navigation, sharing and footer lines: made of the site's words, or a footer's."""
    if vocab.pattern("chrome", "footer_pattern").search(text):
        return True
    if len(text) > 60 or re.search(r"[。；，,]", text):
        return False
    words = [w for w in re.split(r"[\s|｜/·•]+", text) if w]
    navigation = set(vocab.words("chrome", "navigation"))
    return bool(words) and sum(w in navigation for w in words) / len(words) >= 0.6


def _mark_signature(content: list[Line]) -> None:
    """The signature block: trailing lines that are only an office name or only a date (a 抄送
    or 印发 line after them too)."""
    office_end = re.compile(r"(办事处|街道|人民政府|委员会|居委会|党工委|党委|镇|乡|社区)$")
    for ln in reversed(content):
        if ln.kind in ("ad", "marker", "chrome"):
            continue
        bare = ln.text
        if re.match(r"^(抄送|印发|抄报)\s*[:：]|印发$", bare) or DATE_LINE.match(bare) or (
                len(bare) <= 30 and office_end.search(bare) and "。" not in bare and ln.kind == "body"):
            ln.kind = "signature"
            continue
        break


def _merge_broken(lines: list[Line]) -> list[Line]:
    """Join a body line that stops mid-sentence with the body line that continues it."""
    merged: list[Line] = []
    pending: Line | None = None
    for ln in lines:
        if ln.kind in ("blank", "chrome", "marker"):
            continue
        if pending is not None:
            if ln.kind == "body" and heading_rank(ln.text) is None and " | " not in ln.text:
                pending = Line(pending.start, ln.end, pending.text + ln.text, "body")
                if pending.text[-1] in TERMINAL:
                    merged.append(pending)
                    pending = None
                continue
            merged.append(pending)
            pending = None
        if ln.kind == "body" and ln.text[-1] not in TERMINAL and len(ln.text) > 1:
            pending = ln
            continue
        merged.append(ln)
    if pending is not None:
        merged.append(pending)
    return merged


def _build_tree(report: Report, lines: list[Line]) -> list[Section]:
    """Sections from headings: a heading closes the open sections of its rank or a lower one and
    opens its own inside what is left; a part heading (2023年工作总结) opens a top-level part."""
    counter = {"s": 0, "p": 0}

    def new_section(level: int, heading: str, start: int, parents: list[Section]) -> Section:
        counter["s"] += 1
        path = tuple(s.heading for s in parents) + ((heading,) if heading else ())
        return Section(id=f"s{counter['s']}", level=level, heading=heading, path=path, start=start, end=start)

    top: list[Section] = []
    stack: list[tuple[int, Section]] = []  # (rank, section); parts have rank -1
    lone: dict[str, Line] = {}  # sections whose heading line was all heading
    for ln in lines:
        if ln.kind not in ("body", "heading", "part", "row"):
            continue
        if ln.kind in ("heading", "part"):
            rank = -1 if ln.kind == "part" else ln.rank
            while stack and (stack[-1][0] >= rank or not stack[-1][1].heading):
                stack.pop()
            level = 0 if rank < 0 or (rank == 0) else 1 + sum(1 for r, _ in stack if r >= 0 and r != 0)
            heading = heading_text(ln.text) if ln.kind == "heading" else ln.text
            section = new_section(level, heading, ln.start, [s for _, s in stack])
            (stack[-1][1].children if stack else top).append(section)
            stack.append((rank, section))
            if ln.kind == "part" or len(heading) >= len(PAYWALL.sub("", ln.text).strip()):
                lone[section.id] = ln
                continue  # a heading line with no body text of its own
        if not stack:  # text before the first heading: the preamble
            section = new_section(0, "", ln.start, [])
            top.append(section)
            stack.append((99, section))
        counter["p"] += 1
        stack[-1][1].paragraphs.append(Paragraph(f"p{counter['p']}", ln.start, ln.end, ln.text))
    _keep_leaf_headings(top, lone, counter)
    for section in top:
        _close(section)
    return top


def _keep_leaf_headings(sections: list[Section], lone: dict, counter: dict) -> None:
    """A numbered line that heads nothing is text of its own ("（1）确保产业园二期于2025年9月底前
    竣工投用，力争…。" between two more (n) lines): it is kept as its section's paragraph, so that
    it is searched and cited like any other line."""
    for section in sections:
        if not section.paragraphs and not section.children and section.id in lone:
            ln = lone[section.id]
            counter["p"] += 1
            section.paragraphs.append(Paragraph(f"p{counter['p']}", ln.start, ln.end, ln.text))
        _keep_leaf_headings(section.children, lone, counter)


def heading_text(line: str) -> str:
    """The heading part of a line that may carry body text after it: "1. 精准谋划促项目。制定……"."""
    line = PAYWALL.sub("", line)
    if m := re.match(r"^【[^】]{2,24}】", line):
        return m[0]
    m = re.search(r"[。；;！？]", line)
    if m and m.start() <= 40:
        return line[:m.start()]
    return line if len(line) <= 60 else line[:40]


def _close(section: Section) -> int:
    ends = [p.end for p in section.paragraphs] + [_close(c) for c in section.children]
    section.end = max(ends, default=section.start + len(section.heading))
    return section.end


def _says(heading: str, what: str) -> bool:
    return bool(vocab.pattern("sections", f"{what}_pattern").search(heading))


def _plans(heading: str) -> bool:
    """A heading of plans: plan words, and neither problems nor how far a plan got (目标任务完成情况)."""
    return _says(heading, "plan") and not _says(heading, "problem") and not _says(heading, "progress")


def _tag_periods(report: Report) -> None:
    """Tag each section with the period it describes and its role, from its headings, the title
    and its place in the report (in a summary+plan report the summary comes first)."""
    years = report.years or [None]
    phase = "summary" if report.kind != "plan" else "plan"
    title_halves = _title_halves(report.title)

    def visit(section: Section, inherited: dict) -> None:
        heading = section.heading
        ctx = dict(inherited)
        if _says(heading, "progress"):
            ctx.update(phase="summary", role="achievements")
        elif _plans(heading):
            ctx.update(phase="plan", role="plans")
        elif (vocab.pattern("sections", "problem_pattern").search(heading) and section.level <= 1) \
                or vocab.pattern("sections", "problem_heading_pattern").search(heading):
            ctx.update(role="problems")
        elif vocab.pattern("sections", "summary_pattern").search(heading):
            ctx.update(phase="summary", role="achievements")
        if m := re.search(r"(20\d{2})\s*年", heading):
            ctx["year"] = int(m[1])
        for word, half in HALF_WORDS:
            if word in heading:
                ctx["half"] = half
        if not heading:
            ctx["role"] = "overview"
        section.year, section.half = ctx["year"], ctx["half"]
        section.phase, section.role = ctx["phase"], ctx["role"]
        for child in section.children:
            visit(child, ctx)

    for section in report.sections:
        # top-level sections move the report forward: once a plan starts, what follows is plan
        heading = section.heading
        if _plans(heading):
            phase = "plan"
        elif (_says(heading, "progress") or _says(heading, "summary")) and phase != "plan":
            phase = "summary"
        year = min(y for y in years) if phase == "summary" and years[0] else years[-1]
        role = {"summary": "achievements", "plan": "plans"}[phase]
        visit(section, {"phase": phase, "year": year, "half": title_halves.get(phase, ""),
                        "role": role})
        if section.level == 0 and section.heading:
            phase = section.phase


def _title_halves(title: str) -> dict[str, str]:
    halves = {}
    for part in re.split(r"[和及暨与、]", title):
        phase = "plan" if re.search(r"计划|打算|安排|要点", part) else "summary" if "总结" in part else ""
        for word, half in HALF_WORDS:
            if word in part and phase:
                halves[phase] = half
    return halves


def read_report(path: Path, corpus_dir: Path, overrides: dict | None = None, data: bytes | None = None,
                on_page=None) -> Report:
    """Load and parse one report file. ``on_page(n, total)``: called after each page read by OCR
    (loaders.load), for a long scan's progress."""
    from .loaders import load

    loaded = load(path, data, on_page=on_page)
    try:
        source = str(path.resolve().relative_to(corpus_dir.resolve()))
    except ValueError:
        source = path.name
    report = parse_report(loaded.text, report_id_for(path), source, overrides, loaded)
    return report


def report_id_for(path: Path) -> str:
    """A report's id: its file name without the suffix, made safe for URLs."""
    stem = re.sub(r"[^\w\-\u4e00-\u9fff]+", "_", path.stem).strip("_")
    return stem or hashlib.sha1(path.name.encode()).hexdigest()[:12]
