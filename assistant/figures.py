"""Figures in report text: a number (Arabic or Chinese numerals, a range, or an undisclosed XX)
and the unit or classifier after it. Read two ways: by the targets table (targets.py,
table_rows.py: each statement's value and unit), and by the answerer (whether a sentence or
clause states a quantity, in the unit a question counts in). A digit alone is not a figure: an
item's label (2. 齐心协力优环境, （三）), a year (2024年) or a name a question gives (12345热线) holds
digits and states no quantity."""

from __future__ import annotations

import re

from . import vocab
from .query import Query

CN_DIGITS = "零一二两三四五六七八九十百千万"
UNITS = ("平方公里|万平方米|平方米|延长米|公里|亿元|万元|元|亿(?!元)|头|人次|场次|户|人|名|家|个|次|场|吨|台|件|项|栋|处|"
         "篇|份|条|支|批|宗|套|块|亩|所|座|间|辆|片|米|天|小时|期|期次|轮|趟|起|例|张|本|册|部|股|对|队|"
         "m2|㎡|%|％")
NUMBER = (r"(?:\d+(?:[.．]\d+)?(?:\s*[-—~～至到]\s*\d+(?:[.．]\d+)?)?"  # 88．5%: a full-width point
          rf"|[{CN_DIGITS}]+(?:[至到][{CN_DIGITS}]+)?|XX|ＸＸ)")
STATEMENT = re.compile(rf"(?P<num>{NUMBER})\s*(?P<more>余|多)?\s*(?P<unit>{UNITS})")
# A table cell that is one figure: 2家, 16800, 16,800, ≥95%, 不少于8次, 300余人, 90%以上. Its unit
# may be left to the column head or the row label (一般公共预算收入（万元） | 16800).
CELL_FIGURE = re.compile(rf"(?P<qualifier>不少于|不低于|不超过|超过|约|近|≥|≤|＞|＜|>|<)?\s*"
                         rf"(?P<sign>[-−－])?(?P<num>\d{{1,3}}(?:[,，]\d{{3}})+(?:[.．]\d+)?|{NUMBER})\s*(?P<more>余|多)?\s*"
                         rf"(?P<unit>{UNITS})?\s*(?P<above>以上)?")
SIGN_QUALIFIERS = {"≥": "不少于", "＞": "超过", ">": "超过", "≤": "不超过", "＜": "不超过", "<": "不超过"}


def chinese_number(text: str) -> float | None:
    """一百二十 -> 120.0; None for anything that is not a Chinese numeral."""
    digits = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    units = {"十": 10, "百": 100, "千": 1000, "万": 10000}
    total, section, number = 0, 0, 0
    for ch in text:
        if ch in digits:
            number = digits[ch]
        elif ch in units:
            unit = units[ch]
            if unit == 10000:
                total += (section + number) * unit
                section = 0
            else:
                section += (number or 1) * unit
            number = 0
        else:
            return None
    return float(total + section + number)


def parse_value(text: str) -> tuple[float | None, float | None]:
    """(value, upper bound of a range) of a number as written: 1-2 -> (1, 2), 三 -> (3, None),
    XX (undisclosed) -> (None, None)."""
    if text in ("XX", "ＸＸ"):
        return None, None
    parts = re.split(r"\s*[-—~～至到]\s*", text)
    parts = [p.replace("．", ".").replace(",", "").replace("，", "") for p in parts]
    values = [float(p) if re.fullmatch(r"\d+(?:\.\d+)?", p) else chinese_number(p) for p in parts]
    return values[0], (values[1] if len(values) > 1 else None)


# --- figures a question asks for (extractive.py, leads.py, comparison.py) ---------------------------
# a Chinese numeral counts only with a measure word after it (四大工程, 三个, 两家; not 一是, 统一)
NUMERIC = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:个|家|次|场|项|处|名|人|户|栋|条|支|批|座|所|台|部|件|大|类|批)(?!性)"
                     r"|连续[一二两三四五六七八九十]+年")  # (一次性税源: no count; found on one dev item, the
# word is common in these reports: 一次性补贴, 一次性奖励. 连续六年, N years in a row: one dev item too)
NOT_FIGURES = re.compile(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]{1,3}[)）.、．]|[一二三四五六七八九十]+是)"
                         r"|(?<!\d)(?:19|20)\d{2}\s*年度?(?![0-9]*[万亿]?[元户人个家次%])")
# a unit asked and the units the same count is written in (多少座厕所 -> 243个; 几部电梯 -> 26台;
# the items of a list, 清单 or 事项, are counted in 条, 项 and 件 alike)
UNIT_SYNONYMS = {"人": "人|名|位", "名": "名|人", "户": "户|家", "次": "次|场|场次", "场": "场|次|场次",
                 "元": "元|万元|亿元|亿", "个": "个|家|处|项|所|座", "台": "台|部|辆", "部": "部|台",
                 "件": "件|条|起|单|宗|项", "条": "条|件|项", "项": "项|条|件|个", "起": "起|件|宗", "处": "处|个", "座": "座|个|处|所",
                 "所": "所|个|座", "栋": "栋|幢|座|个", "辆": "辆|台", "张": "张|份", "家": "家|个|户"}


def has_unit(text: str, unit: str) -> bool:
    """A figure in the unit: 71480.00元, 1.62亿元, 24%, 6个, 两家 (for 个)."""
    if unit == "%":
        return bool(re.search(r"\d\s*%|百分之", text))
    unit = UNIT_SYNONYMS.get(unit, unit)  # (a word may stand between: 涉及1197居户, 3个村共120户)
    if re.search(rf"[（(][万亿]?(?:{unit})[)）]", text) and re.search(r"\d", text):
        return True  # a table row's unit stands in its label: 居家养老服务（人次） | 2024年完成 9650
    return bool(re.search(rf"(\d|[一二两三四五六七八九十百千万])\s*[余多]?[万亿]?[\u4e00-\u9fff]?(?:{unit})", text))


def _stated(question: str) -> list[str]:
    """The figures a question itself gives (not its years)."""
    return re.findall(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])", NOT_FIGURES.sub(" ", question))


def states_figure(text: str, query: Query) -> bool:
    """``text`` (a search form) states a quantity, in one of the units the question asks in."""
    figures = NOT_FIGURES.sub(" ", text)
    for name in query.terms:  # 12345热线: a name, not a figure
        if name.isdigit():
            figures = figures.replace(name, " ")
    for stated in _stated(query.text):  # 临时救助27人，发了多少救助金: the 27 is the question's, not an answer
        figures = re.sub(rf"(?<![\d.]){re.escape(stated)}(?![\d.])", " ", figures)
    return bool(NUMERIC.search(figures)) and (not query.units or any(has_unit(text, u) for u in query.units)
                                              or _bare_after_term(figures, query))


def _bare_after_term(text: str, query: Query) -> bool:
    """A figure written right after a word the question asks about, with no unit at all (发放社会
    救助金311283.5；): the report left the unit out; the figure is still the one asked for. (Found
    on one seed report's 农村低保 line; a unit dropped after the thing counted is the general case.)"""
    return any(re.search(rf"{re.escape(t)}\s*\d{{3,}}(?:\.\d+)?(?=\s*(?:[；;。]|$))", text)  # (烤烟2, of an OCR'd
               for t in query.terms if len(t) >= 2 and not t.isdigit())  # page cut mid-figure, is none)


def states_new(text: str, query: Query) -> bool:
    """``text`` (a search form) counts what was newly added, as a question of 新发展/新建… asks:
    it holds the verb asked (发展党员26名) or another 新 count (新增, 新建), not only a stock."""
    new = vocab.pattern("query", "new_count_pattern")
    for clause in re.split(r"[。；;，,！!？?]", text):  # in the clause that names what is counted
        if (query.counts_new in clause or new.search(clause)) and any(t in clause for t in query.terms):
            return True
    return False
