"""What a report is, read from the report itself: its title, office, region, years and kind.

Where each comes from, most trusted first:
- the office: the title block (title, the line of the meeting it was delivered at, a red header
  "…办事处文件"), the page's fields (发布机构, 来源, 信息来源), the breadcrumb, the signature, and
  only then the running text where the report names itself (我代表…办事处, 中共…街道, …社区位于,
  平安…建设); a report that never names itself has no office ("") rather than one it mentions;
- the region: the administrative names written before that office (重庆市巴南区木洞镇 → 巴南区);
- the years and the kind: the title and the headings of its parts (2023年工作回顾, 2024年工作计划);
  a report delivered at a congress or a work meeting (政府工作报告, 社代会报告, 讲话, 致辞) reviews
  one year and plans the next, whatever its title says of it.
Text in traditional script is read through its simplified form (opencc), so 興江鄉 is 兴江乡.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import vocab
from .labels import say
from .office_names import CN_DIGIT, office_and_region, region_in_text
from .office_names import normalised as _norm

YEAR = re.compile(r"(20\d{2})\s*(?:[-—~至到]\s*(20\d{2})\s*)?年")
TITLE_LINES = 12  # a title stands among the first lines of a page, after its furniture


@dataclass
class Metadata:
    title: str
    title_inferred: bool
    office: str
    region: str
    years: list[int]
    kind: str  # "plan" | "summary" | "summary+plan"
    date: str = ""  # the signature date
    genre: str = ""  # what the report calls itself: 工作总结, 政府工作报告, 讲话, …
    evidence: dict = field(default_factory=dict)  # where the office was read


def infer_metadata(lines: list, text: str, file_name: str) -> Metadata:
    """The metadata of a report from its classified lines (parse.Line). The lines of its title
    block are marked ``title`` here, so that they are not read as body text."""
    content = [ln for ln in lines if ln.kind not in ("blank", "marker")]
    title_lines = _title_block(content)
    own = [ln for ln in title_lines if not _is_meeting(ln.text) and not _is_date(ln.text)]
    for ln in own:  # the meeting and the date under a title stay text: questions ask about them
        ln.kind = "title"
    if own:  # what stands above a title on a page is the site's furniture (its name, its menus)
        for ln in content[:content.index(own[0])]:
            if ln.kind == "body" and len(ln.text) <= 40 and not re.search(r"[。；;！？]", ln.text):
                ln.kind = "chrome"
    title = _title_text(own)
    block = _norm(" ".join(ln.text for ln in title_lines))
    body = [ln for ln in content if ln.kind in ("body", "heading", "part")]
    headings = [re.split(r"[。；;]", _norm(ln.text))[0] for ln in content if ln.kind in ("heading", "part")]
    opening = _norm(" ".join(ln.text for ln in body[:6]))[:600]
    wider = _norm(" ".join(ln.text for ln in body[:12]))[:2000]
    office, region, evidence = office_and_region(block, content, body)
    if not region:
        region = region_in_text(block + " " + _norm(" ".join(ln.text for ln in body))[:4000])
    address = bool(body) and bool(vocab.pattern("kinds", "address_pattern").match(body[0].text))
    years, kind, genre = _years_and_kind(_norm(title) or "", block + " " + _meeting_date(content), headings,
                                         opening, address, wider)
    date = next((f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" for ln in reversed(content)
                 if ln.kind == "signature" and (m := re.match(r"^[(]?(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日",
                                                             _dates(_norm(ln.text))))), "")
    inferred = not title
    if not title:
        title = say("zh", "report_title_inferred", office=office,
                    years=f"{'、'.join(map(str, years))}年" if years else "",
                    kind=say("zh", f"report_kind_{kind}")) if office else say("zh", "report_untitled", file=file_name)
    return Metadata(title, inferred, office, region, years, kind, date, genre, evidence)


# --- the title ------------------------------------------------------------------------------------
def _title_block(content: list) -> list:
    """The title line (and a second line it is broken onto, and the meeting line under it): the
    first short line among the opening lines that names a report and has no sentence end."""
    words = vocab.pattern("titles", "words")
    labelled = vocab.pattern("titles", "prefix_pattern")
    for i, ln in enumerate(content[:TITLE_LINES]):
        if ln.kind not in ("body", "part", "header") or len(ln.text) > 80 or "。" in ln.text:
            continue
        if ln.kind == "header" and not (labelled.match(ln.text) and YEAR.search(ln.text)):
            continue  # a field line is a title only when its field is the title (内容概述, 标题)
        text = _bare_title(ln.text)
        if not words.search(text) and not _is_meeting(text):
            continue
        block = [ln]
        following = content[i + 1:i + 4]
        if following and following[0].kind == "body" and _continues(text, following[0].text):
            block.append(following[0])
            following = following[1:]
        for nxt in following[:2]:
            if _is_meeting(nxt.text) or _is_date(nxt.text):
                block.append(nxt)
        if ln.kind == "header":
            ln.kind = "body"  # a field line that is the title (内容概述 …, 称: …)
        return block
    return []


def _continues(title: str, nxt: str) -> bool:
    """A title broken over two lines (a PDF's line break): the next line is short and finishes it."""
    if len(nxt) > 30 or re.search(r"[。，,；]", nxt) or _is_meeting(nxt):
        return False
    return bool(re.search(r"(和|及|暨|与|关于|年|下半年|上半年)$", title)) or bool(
        re.match(r"^(工作|年|\d{4}|的报告|报告|计划|打算|总结)", nxt))


def _is_date(text: str) -> bool:
    return bool(re.fullmatch(r"[（(]?20\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[）)]?", text.strip()))


def _is_meeting(text: str) -> bool:
    """The line under a title that says where it was delivered (——在…会议上); a speech's own
    title (在…会议上的讲话) is a title."""
    return bool(vocab.pattern("titles", "meeting_pattern").search(text)) and not re.search(
        r"(讲话|致辞|发言|报告|总结)[）)]?$", text)


def _bare_title(text: str) -> str:
    text = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)  # 政 府 工 作 报 告
    text = vocab.pattern("titles", "prefix_pattern").sub("", text)
    text = vocab.pattern("titles", "site_suffix_pattern").sub("", text)
    return re.sub(r"\s+20\d{2}-\d{2}-\d{2}$", "", text).strip(" |｜")


def _title_text(block: list) -> str:
    return "".join(_bare_title(ln.text) for ln in block).strip()


# --- the office -----------------------------------------------------------------------------------
# --- years and kind -------------------------------------------------------------------------------
def _years_and_kind(title: str, block: str, headings: list[str], opening: str,
                    address: bool, wider: str) -> tuple[list[int], str, str]:
    summary_words = vocab.alternation("kinds", "summary")
    plan_words = vocab.alternation("kinds", "plan")
    genre = next((g for g in sorted(vocab.words("kinds", "review_and_plan"), key=len, reverse=True)
                  if g in block or (not title and g in opening)), "address" if address and not title else "")
    source = title or opening
    summary_years, plan_years = _phase_years(source, summary_words, plan_words)
    top = [h for h in headings[:40] if YEAR.search(h)]
    for heading in top:  # 一、2023年工作回顾 / 二、2024年工作计划: the parts of the report
        s, p = _phase_years(heading, summary_words, plan_words)
        summary_years |= s
        plan_years |= p
    delivered = _delivered_year(block)
    if genre:  # reviews one year, plans the next
        if summary_years and not plan_years:
            plan_years = {max(summary_years) + 1}
        elif plan_years and not summary_years:
            summary_years = {min(plan_years) - 1}
        elif not summary_years and not plan_years:
            if delivered:  # delivered early in a year: it reviews the one before
                summary_years, plan_years = {delivered - 1}, {delivered}
            elif year := _first_year(source):  # 2024年政府工作报告 is delivered in 2024; 2023年工作报告 reviews 2023
                delivered_in_title = any(g in genre for g in vocab.words("kinds", "titled_by_delivery"))
                # of the title's year, so far: the cues in its opening, or 今年以来 further in (an annual
                # review delivered in January cites 1-11月 figures there too, so only that phrase)
                in_progress = vocab.pattern("kinds", "in_progress_pattern").search(opening) or "今年以来" in wider \
                    or vocab.pattern("sections", "progress_pattern").search(title)  # …重点任务第一季度进展情况
                if delivered_in_title and in_progress:
                    summary_years, plan_years = {year}, {year}
                else:
                    summary_years, plan_years = ({year - 1}, {year}) if delivered_in_title else ({year}, {year + 1})
        return sorted(summary_years | plan_years), "summary+plan", genre
    has_summary, has_plan = bool(summary_years), bool(plan_years)  # the years say which parts there are
    if title or not (has_summary or has_plan):  # a title's words say it too; an opening's only without years
        done = re.sub(r"[^，,。]*(?:完成|落实|进展|执行)情况", "", source)  # 实事项目完成情况 plans nothing
        has_summary = has_summary or bool(re.search(summary_words, source))
        has_plan = has_plan or bool(re.search(plan_words, done))
    if not has_summary and not has_plan:  # how the opening speaks: of what was done, else what will be
        done_cues = len(vocab.pattern("kinds", "body_summary_pattern").findall(wider))
        has_summary = done_cues > len(vocab.pattern("kinds", "body_plan_pattern").findall(wider))
        has_plan = not has_summary  # (a 规划 or a list of tasks says neither and looks ahead)
    kind = "summary+plan" if has_summary and has_plan else "summary" if has_summary else "plan"
    years = summary_years | plan_years
    if not years and (year := _first_year(source) or _common_year(wider, headings)):
        years = {year}
    return sorted(years), kind, ""


def _common_year(opening: str, headings: list[str]) -> int | None:
    """The year a title-less text speaks of most (2019年10项重点民生实事项目 …)."""
    counts = Counter(int(m[1]) for m in YEAR.finditer(" ".join([opening, *headings[:20]])))
    return counts.most_common(1)[0][0] if counts else None


def _phase_years(text: str, summary_words: str, plan_words: str) -> tuple[set[int], set[int]]:
    """Years a text ties to a summary (2023年工作总结, 2020-2022年工作总结) or a plan (2024年计划);
    a year tied to neither counts for what the text as a whole is."""
    summary, plan = set(), set()
    for m in YEAR.finditer(text):
        first, last = int(m[1]), int(m[2] or m[1])
        span = set(range(first, last + 1)) if 0 <= last - first <= 10 else {first}
        nxt = YEAR.search(text, m.end())
        after = text[m.end():min(m.end() + 16, nxt.start() if nxt else len(text))]  # up to the next year
        after = re.split(r"[，,。；;：:“”「」（）()]|是", after)[0]  # the year's own phrase: 2022年工作总结
        before = text[max(0, m.start() - 4):m.start()]
        s, p = re.search(summary_words, after), re.search(plan_words, after)
        if re.search(r"(较|比|同比|与|相比)\s*$", before):  # 较2022年增长: the base of a comparison
            continue
        if re.match(r"\s*(以来|来)", after):  # 2023年以来，…: the year reviewed
            summary |= span
        elif re.search(r"(完成|落实|进展|执行)情况", after):  # 2023年民生实事项目完成情况: a summary
            summary |= span
        elif re.search(r"(回首|回顾|总结|过去的)\s*$", before):  # 回首2023年
            summary |= span
        elif re.search(r"(展望|谋划|部署|安排)\s*$", before):  # 展望2024年
            plan |= span
        elif s and (not p or s.start() < p.start()):
            summary |= span
        elif p:
            plan |= span
        elif re.search(summary_words, text) and not re.search(plan_words, text):
            summary |= span
        elif re.search(plan_words, text) and not re.search(summary_words, text):
            plan |= span
    return summary, plan


def _dates(text: str) -> str:
    """Month and day in Chinese numerals as digits too: 2024年一月十二日 → 2024年1月12日."""
    def number(word: str) -> str:
        tens, _, ones = word.partition("十")
        if "十" not in word:
            return CN_DIGIT.get(word, word)
        return str((int(CN_DIGIT.get(tens, "1")) if tens else 1) * 10 + (int(CN_DIGIT.get(ones, "0")) if ones else 0))
    return re.sub(r"年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日",
                  lambda m: f"年{number(m[1])}月{number(m[2])}日", text)


def _meeting_date(content: list) -> str:
    """The date under a meeting line among the opening lines (——在金碧镇第十四届人民代表大会第七次
    会议上 / 镇长 王鹏 / 2025年1月3日), where the page's own title line above it has no date."""
    opening = content[:TITLE_LINES + 12]
    for i, ln in enumerate(opening):
        if _is_meeting(ln.text):
            return next((_norm(n.text) for n in opening[i + 1:i + 4] if _is_date(n.text)), "")
    return ""


def _delivered_year(block: str) -> int | None:
    """The year a speech or a congress report was delivered: the date of its meeting line."""
    m = re.search(r"(20\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", block)
    return int(m[1]) if m else None


def _first_year(text: str) -> int | None:
    m = YEAR.search(text)
    return int(m[1]) if m else None
