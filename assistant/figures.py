"""What a figure is: a number (Arabic or Chinese numerals, a range, or an undisclosed XX) and
the unit or classifier after it. Read by the targets table (targets.py, table_rows.py)."""

from __future__ import annotations

import re

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
