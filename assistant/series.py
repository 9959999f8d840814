"""Series of items, the way these reports list things: 一是…, 二是…, 三是… (an item's number in words,
then 是), in one paragraph or as paragraphs of their own under a heading. A series is one list: a
list asked for takes all of its items, and a section whose parts are such paragraphs lists them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .figures import chinese_number

if TYPE_CHECKING:
    from .documents import Report, Section
    from .extractive import Sentence

SERIES_START = re.compile(r"(?<![统唯之单万])一是")  # 还存在一些不足:一是…, 存在的不足一是… (not 统一是)
SERIES_ITEM = re.compile(r"^[二三四五六七八九十]是")  # 二是…, 三是…: the items after it
NUMBERED_ITEM = re.compile(r"^\s*([一二三四五六七八九十]{1,2})是")  # a paragraph that is an item, with its number
SERIES_LEAD_MAX = 40  # an item's lead sentence (一是落实落细党建责任。): its first sentence, when that short


def paragraph_items(report: Report, section: Section) -> list[tuple[int, int]]:
    """The (start, end) of the lead sentence of each paragraph of ``section``'s own text that is an
    item of a series (一是落实落细党建责任。…, 二是…): a report's parts written as paragraphs, not
    as headings. Empty unless they run 一是, 二是, … in order."""
    items = []
    for paragraph in section.paragraphs:
        m = NUMBERED_ITEM.match(report.text[paragraph.start:paragraph.end])
        if not m:
            continue
        if chinese_number(m[1]) != len(items) + 1:
            return []
        lead = re.search(r"[。；;：:！!]", report.text[paragraph.start:paragraph.end])
        end = paragraph.start + (lead.end() if lead and lead.end() <= SERIES_LEAD_MAX else min(
            SERIES_LEAD_MAX, paragraph.end - paragraph.start))
        items.append((paragraph.start, end))
    return items


def with_series(bucket: list[Sentence], sentences: list[Sentence], limit: int) -> list[Sentence]:
    """A list asked for, and an item of a series chosen (还存在一些突出问题:一是…; 四是…): the other
    items of that series in its passage (二是…, 三是…) answer too, though they do not repeat the
    words that introduced the series; so do the clauses after a chosen one that a colon began
    (清醒地认识到:经济总量还不高…; 6个村…; 8个社区…: found on one dev report, 新城街道's 不足; a list a
    colon begins is the general case)."""
    out = list(bucket)
    for chosen in bucket:
        head = SERIES_START.search(chosen.search)
        intro = chosen.search[:head.start()] if head else chosen.intro
        series = bool(head or SERIES_ITEM.match(chosen.search))
        listed = chosen.text.endswith(("；", ";")) and bool(re.search(r"[:：]", chosen.search))
        for s in sentences:
            if len(out) >= limit:
                return out
            if s.hit is not chosen.hit or s in out:
                continue
            if (series and SERIES_ITEM.match(s.search) and s.intro == intro) or (
                    listed and chosen.search in s.frame):  # 认识到:…不足;…;…: the clauses a colon lists
                out.append(s)
    return out

