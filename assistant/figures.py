"""Figures in report text: whether a sentence or clause states a quantity, and in the unit a
question counts in. A digit alone is not a figure: an item's label (2. 齐心协力优环境, （三）),
a year (2024年) or a name a question gives (12345热线) holds digits and states no quantity."""

from __future__ import annotations

import re

from .query import Query

# a Chinese numeral counts only with a measure word after it (四大工程, 三个, 两家; not 一是, 统一)
NUMERIC = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:个|家|次|场|项|处|名|人|户|栋|条|支|批|座|所|台|部|件|大|类|批)")
NOT_FIGURES = re.compile(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]{1,3}[)）.、．]|[一二三四五六七八九十]+是)"
                         r"|(?<!\d)(?:19|20)\d{2}\s*年度?(?![0-9]*[万亿]?[元户人个家次%])")
# a unit asked and the units the same count is written in (多少座厕所 -> 243个; 几部电梯 -> 26台)
UNIT_SYNONYMS = {"人": "人|名", "名": "名|人", "户": "户|家", "次": "次|场|场次", "场": "场|次|场次",
                 "元": "元|万元|亿元|亿", "个": "个|家|处|项|所|座", "台": "台|部|辆", "部": "部|台",
                 "件": "件|条|起|单|宗", "条": "条|件", "起": "起|件|宗", "处": "处|个", "座": "座|个|处|所",
                 "所": "所|个|座", "栋": "栋|幢|座|个", "辆": "辆|台", "张": "张|份", "家": "家|个|户"}


def has_unit(text: str, unit: str) -> bool:
    """A figure in the unit: 71480.00元, 1.62亿元, 24%, 6个, 两家 (for 个)."""
    if unit == "%":
        return bool(re.search(r"\d\s*%|百分之", text))
    unit = UNIT_SYNONYMS.get(unit, unit)  # (a word may stand between: 涉及1197居户, 3个村共120户)
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
    return bool(NUMERIC.search(figures)) and (not query.units or any(has_unit(text, u) for u in query.units))
