"""Parse a report's text into a Report: metadata, a tree of Sections, and Paragraphs with offsets.

Handles the realities of these files: a missing title line, web-page headers, signature blocks,
lines broken inside a sentence, paywall markers and advertising appended by document shops.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .documents import Paragraph, Report, Section
from .labels import say
from .textnorm import PAYWALL, base_tokenizer, uses_d_for_dang

CN_NUM = "一二三四五六七八九十"
HEADING_PATTERNS = (
    (1, re.compile(rf"^[{CN_NUM}]{{1,3}}\s*[、．.]")),  # 一、
    (2, re.compile(rf"^[（(]\s*[{CN_NUM}]{{1,3}}\s*[）)]")),  # （一） (一)
    (3, re.compile(r"^\d{1,2}\s*[、．.](?!\d)")),  # 1. 1、
)
PART_HEADING = re.compile(r"^(20\d{2})年.{0,12}(工作总结|工作计划|工作要点|工作打算|工作安排|工作思路)$")
WEB_HEADER = re.compile(r"^(时间|发布时间|日期|来源|作者)\s*[:：].{0,60}(浏览量|浏览次数|阅读量|点击量|访问量)")
DATE_LINE = re.compile(r"^(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
AD_SIGNALS = re.compile(
    r"素材库|添加客服|客服|谨防假冒|会员群|网盘群|svip|vip会员|代笔|公众号|有意加入|请联系|一键.{0,2}下载|"
    r"扫码|加微信|微信号|QQ群|唯一平台|代发布|持续接单|万字材料", re.I)
TITLE_WORDS = re.compile(r"计划|总结|要点|报告|安排|打算|思路")
SELF_REFERENCE = re.compile(
    r"(?:贡献|平安|清廉|美丽|幸福|活力|品质|魅力|文明|智慧|法治|现代化|宜居|和谐)"
    r"([\u4e00-\u9fff]{2,4}?)(?=建设|力量|[。，；、]|$)")
OFFICE_IN_TITLE = re.compile(r"([\u4e00-\u9fffX]{1,12}?)(街道办事处|街道办|街道|办事处)")
REGION_PREFIX = re.compile(r"^([\u4e00-\u9fff]{1,6}?[省市区县旗])")
GENERIC_REGIONS = {"新区", "全区", "城区", "市区", "辖区", "社区", "小区", "园区", "片区", "景区", "街区",
                   "地区", "厂区", "校区", "商区", "示范区", "自治区", "各区", "本区", "我区", "全市", "本市"}
TERMINAL = "。！？；;!?：:」』”）)】"
PLAN_WORDS = re.compile(r"计划|打算|思路|安排|要点|目标|展望|下一步|工作要求")
SUMMARY_WORDS = re.compile(r"总结|完成情况|工作情况|主要成效|主要成绩|取得|回顾|重点工作$|上半年重点工作")
PROBLEM_WORDS = re.compile(r"问题|不足|短板|差距|困难|形势分析|形式分析|挑战")
HALF_WORDS = (("上半年", "H1"), ("下半年", "H2"))


@dataclass
class _Line:
    start: int
    end: int
    text: str  # stripped
    kind: str = "body"  # body | heading | part | title | header | ad | marker | signature | blank
    level: int = 0


def parse_report(text: str, report_id: str, source: str, overrides: dict | None = None) -> Report:
    """Turn a report's text into a Report. ``overrides`` (from corpus/manifest.toml) wins over
    anything inferred: title, office, region, years, kind."""
    lines = _classify(_split_lines(text))
    title_line = next((ln for ln in lines if ln.kind == "title"), None)
    body_lines = [ln for ln in lines if ln.kind in ("body", "heading", "part")]
    body_text = "\n".join(ln.text for ln in body_lines)

    title = title_line.text if title_line else ""
    office = _office_from_title(title) if title else ""
    inferred = not title
    if not office:
        office = _office_from_text(body_text)
    years, kind = _years_and_kind(title, body_text)
    if not title:
        title = say("zh", "report_title_inferred", office=office, years="、".join(map(str, years)),
                    kind=say("zh", f"report_kind_{kind}")) if office else say("zh", "report_untitled")
    region = _region(title, office, body_text)
    date = ""
    for ln in lines:
        if ln.kind == "signature" and (m := DATE_LINE.match(ln.text)):
            date = f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"

    overrides = overrides or {}
    report = Report(
        id=report_id, title=overrides.get("title", title), office=overrides.get("office", office),
        region=overrides.get("region", region), years=list(overrides.get("years", years)),
        kind=overrides.get("kind", kind), source=source, text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), date=date,
        title_inferred=inferred and "title" not in overrides, uses_d_for_dang=uses_d_for_dang(text),
        excluded=[(ln.start, ln.end, ln.kind) for ln in lines if ln.kind in ("header", "ad", "marker",
                                                                             "signature")])
    report.sections = _build_tree(report, _merge_broken(lines))
    _tag_periods(report)
    return report


def _split_lines(text: str) -> list[_Line]:
    lines, pos = [], 0
    for raw in text.split("\n"):
        stripped = raw.strip(" \t\u3000\ufeff\xa0")
        lead = len(raw) - len(raw.lstrip(" \t\u3000\ufeff\xa0"))
        start = pos + lead
        lines.append(_Line(start, start + len(stripped), stripped, "body" if stripped else "blank"))
        pos += len(raw) + 1
    return lines


def _heading_level(text: str) -> int:
    for level, pattern in HEADING_PATTERNS:
        if pattern.match(text):
            return level
    return 0


def _is_ad(text: str) -> bool:
    return len(AD_SIGNALS.findall(text)) >= 2 or (text.startswith("【") and bool(AD_SIGNALS.search(text)))


def _classify(lines: list[_Line]) -> list[_Line]:
    content = [ln for ln in lines if ln.kind != "blank"]
    for ln in content:
        bare = PAYWALL.sub("", ln.text).strip()
        if not bare:
            ln.kind = "marker"
        elif WEB_HEADER.match(bare):
            ln.kind = "header"
        elif _is_ad(bare):
            ln.kind = "ad"
        elif level := _heading_level(bare):
            ln.kind, ln.level = "heading", level
        elif PART_HEADING.match(bare):
            ln.kind = "part"
    # The title: the first content line, if it is short, has no sentence end and names a report.
    first = next((ln for ln in content if ln.kind in ("body", "part")), None)
    if first is not None and first is content[0] and len(first.text) <= 60 \
            and "。" not in first.text and TITLE_WORDS.search(first.text):
        first.kind = "title"
    # The signature block: trailing lines that are only an office name or only a date.
    for ln in reversed(content):
        if ln.kind in ("ad", "marker"):
            continue
        if DATE_LINE.match(ln.text) or (len(ln.text) <= 30 and re.search(r"(办事处|街道|人民政府|委员会)$", ln.text)
                                        and "。" not in ln.text):
            ln.kind = "signature"
            continue
        break
    return lines


def _merge_broken(lines: list[_Line]) -> list[_Line]:
    """Join a body line that stops mid-sentence with the body line that continues it."""
    merged: list[_Line] = []
    pending: _Line | None = None
    for ln in lines:
        if ln.kind == "blank":
            continue
        if pending is not None:
            if ln.kind == "body" and not _heading_level(ln.text):
                pending = _Line(pending.start, ln.end, pending.text + ln.text, "body")
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


def _office_from_title(title: str) -> str:
    m = OFFICE_IN_TITLE.search(title)
    if not m:
        return ""
    name = REGION_PREFIX.sub("", m[1]) if len(m[1]) > 3 and REGION_PREFIX.match(m[1]) else m[1]
    suffix = "街道" if m[2].startswith("街道") else m[2]
    return name + suffix


def _office_from_text(text: str) -> str:
    """No title: the office is the place the text names most with 街道/办事处, or else the place
    name it repeats most (望月湖 in 'the modern 望月湖', 'clean 望月湖')."""
    named = Counter(m[1] for m in re.finditer(r"([\u4e00-\u9fff]{2,4}?)(?:街道办事处|街道)", text))
    if named:
        name, count = named.most_common(1)[0]
        if count >= 2:
            return name + "街道"
    # How these reports name their own jurisdiction: 贡献望月湖力量, 现代化望月湖, 平安海西建设.
    tokenizer = base_tokenizer()
    selfref = Counter(m[1] for m in SELF_REFERENCE.finditer(text) if not m[1].startswith("化"))
    for word, count in selfref.most_common():
        # a common word is no name (jieba's own dictionary decides, never words taught to it)
        if count >= 2 and tokenizer.frequency(word) < 100:
            return word + "街道"
    return ""


def _years_and_kind(title: str, body: str) -> tuple[list[int], str]:
    source = title or body[:400]
    years = sorted({int(y) for y in re.findall(r"(20\d{2})\s*年", source)})
    has_summary = bool(re.search(r"总结|完成情况|回顾", source))
    has_plan = bool(re.search(r"计划|打算|要点|思路|总体要求|安排", source))
    if not title and not has_summary:
        has_plan = True
    kind = "summary+plan" if has_summary and has_plan else "summary" if has_summary else "plan"
    if not years:
        counts = Counter(int(y) for y in re.findall(r"(20\d{2})\s*年", body))
        years = [counts.most_common(1)[0][0]] if counts else []
    return years, kind


def _region(title: str, office: str, body: str) -> str:
    if office and (pos := title.find(office[:2])) > 0:
        prefix = title[:pos]
        regions = re.findall(r"[\u4e00-\u9fff]{1,6}?[省市区县旗]", prefix)
        if regions:
            return regions[-1]
    found = Counter(w for w in base_tokenizer().cut(body) if len(w) >= 3 and w[-1] in "区市县旗"
                    and w not in GENERIC_REGIONS and not w.startswith(("全", "各", "本", "我", "该")))
    return found.most_common(1)[0][0] if found else ""


def _build_tree(report: Report, lines: list[_Line]) -> list[Section]:
    counter = {"s": 0, "p": 0}

    def new_section(level: int, heading: str, start: int, parents: list[Section]) -> Section:
        counter["s"] += 1
        path = tuple(s.heading for s in parents) + ((heading,) if heading else ())
        return Section(id=f"s{counter['s']}", level=level, heading=heading, path=path, start=start,
                       end=start)

    top: list[Section] = []
    stack: list[Section] = []
    for ln in lines:
        if ln.kind not in ("body", "heading", "part"):
            continue
        if ln.kind in ("heading", "part"):
            level = 0 if ln.kind == "part" else ln.level
            while stack and (stack[-1].level >= level or not stack[-1].heading):
                stack.pop()
            heading = _heading_text(ln.text) if ln.kind == "heading" else ln.text
            section = new_section(level, heading, ln.start, stack)
            (stack[-1].children if stack else top).append(section)
            stack.append(section)
            if ln.kind == "part" or len(heading) >= len(PAYWALL.sub("", ln.text).strip()):
                continue  # a heading line with no body text of its own
        if not stack:  # text before the first heading: the preamble
            section = new_section(0, "", ln.start, [])
            top.append(section)
            stack.append(section)
        counter["p"] += 1
        stack[-1].paragraphs.append(Paragraph(f"p{counter['p']}", ln.start, ln.end, ln.text))
    for section in top:
        _close(section)
    return top


def _heading_text(line: str) -> str:
    """The heading part of a line that may carry body text after it: "1. 精准谋划促项目。制定……"."""
    line = PAYWALL.sub("", line)
    m = re.search(r"[。；;！？]", line)
    if m and m.start() <= 40:
        return line[:m.start()]
    return line if len(line) <= 60 else line[:40]


def _close(section: Section) -> int:
    ends = [p.end for p in section.paragraphs] + [_close(c) for c in section.children]
    section.end = max(ends, default=section.start + len(section.heading))
    return section.end


def _tag_periods(report: Report) -> None:
    """Tag each section with the period it describes and its role, from its headings, the title
    and its place in the report (in a summary+plan report the summary comes first)."""
    years = report.years or [None]
    phase = "summary" if report.kind != "plan" else "plan"
    title_halves = _title_halves(report.title)

    def visit(section: Section, inherited: dict) -> None:
        heading = section.heading
        ctx = dict(inherited)
        if PLAN_WORDS.search(heading) and not PROBLEM_WORDS.search(heading):
            ctx.update(phase="plan", role="plans")
        elif PROBLEM_WORDS.search(heading) and section.level <= 1:
            ctx.update(role="problems")
        elif SUMMARY_WORDS.search(heading):
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
        if PLAN_WORDS.search(heading) and not PROBLEM_WORDS.search(heading):
            phase = "plan"
        elif SUMMARY_WORDS.search(heading) and phase != "plan":
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


def read_report(path: Path, corpus_dir: Path, overrides: dict | None = None, data: bytes | None = None
                ) -> Report:
    """Load and parse one report file."""
    from .loaders import read_text

    text = read_text(path, data)
    try:
        source = str(path.resolve().relative_to(corpus_dir.resolve()))
    except ValueError:
        source = path.name
    return parse_report(text, report_id_for(path), source, overrides)


def report_id_for(path: Path) -> str:
    """A report's id: its file name without the suffix, made safe for URLs."""
    stem = re.sub(r"[^\w\-\u4e00-\u9fff]+", "_", path.stem).strip("_")
    return stem or hashlib.sha1(path.name.encode()).hexdigest()[:12]
