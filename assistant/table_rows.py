"""A table row read as statements: its label names the metric, each cell that is a figure is a
statement, and the cell's column head says what kind of figure it is.

    指标（单位） | 全年目标 | 上半年完成 | 完成率
    社区老年食堂 | 全年目标 2家 | 上半年完成 1家 | 完成率 50%

reads as 社区老年食堂 2家 (target, the whole year), 社区老年食堂 1家 (achieved, first half) and
社区老年食堂完成率 50% (achieved). The head gives the kind (目标/计划 a target, 完成/实际 a result;
a target word decides: 计划完成 is a target), the half-year (上半年, 全年) and the year
(2024年目标); a head that names a measure of its own (完成率, 同比增长, 户数) joins the label in
the metric. A cell's unit is its own (2家), else the unit column's, else the one the head or the
label gives in brackets (一般公共预算收入（万元） | 16800). A table whose first column holds
periods (上半年 | 2家) reads the other way: the head is the metric, the label the period.
Cells that are sentences are left to the ordinary reading of text (targets.py). Words: the
``[targets]`` section of assistant/data/vocabulary.toml."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from . import vocab
from .doctext import FIGURE
from .figures import CELL_FIGURE, SIGN_QUALIFIERS, UNITS, parse_value
from .metric import half_named

_BRACKET_UNIT = re.compile(rf"[（(]\s*(?P<unit>(?:{UNITS})(?:\s*[/／]\s*\S+)?)\s*[）)]")  # （万元）, (个/人)
_BRACKET = re.compile(r"[（(][^（()）]*[）)]")
_YEAR = re.compile(r"(20\d{2})\s*年")
_HAN2 = re.compile(r"[\u4e00-\u9fff]{2}")


@dataclass
class RowFigure:
    """One figure of a row, with what its row and column say of it. ``kind``, ``half`` and
    ``year`` are None where the head says nothing (the section's then count)."""
    start: int  # offsets of the figure as written (2家, 16800) in the report's text
    end: int
    value: float | None
    value_max: float | None
    unit: str
    qualifier: str
    metric: str
    kind: str | None
    half: str | None
    year: int | None
    label: str  # the row's label and the figure's head, for the topic
    head: str


@functools.cache
def _words(name: str) -> tuple[str, ...]:
    return tuple(sorted(vocab.words("targets", name), key=len, reverse=True))


def row_figures(text: str, row: dict, heads: list[str]) -> list[RowFigure]:
    """The figures of a stored table row (parse._table_dict) of ``text``; [] for a header row."""
    if row.get("header"):
        return []
    cells = [(c[0], c[1], c[2] if len(c) > 2 else i) for i, c in enumerate(row["cells"])]
    heads_of = {col: _head(text, row["start"], s, col, heads) for s, _, col in cells}
    unit_column = next((_unit_text(text[s:e]) for s, e, col in cells if heads_of[col] in _words("head_unit")), "")
    label_at = next((i for i, (s, e, col) in enumerate(cells)
                     if not FIGURE.match(text[s:e]) and heads_of[col] not in _words("head_unit")), None)
    if label_at is None:
        return []
    label = text[cells[label_at][0]:cells[label_at][1]]
    by_period = _YEAR.fullmatch(label.strip()) is not None or half_named(label) is not None and len(label) <= 6
    out = []
    for s, e, col in cells[label_at + 1:]:
        head = heads_of[col]
        m = CELL_FIGURE.fullmatch(text[s:e].strip())
        if head in _words("head_unit") or m is None:
            continue
        lead = len(text[s:e]) - len(text[s:e].lstrip())
        value, value_max = parse_value(m["num"])
        if m["sign"] and value is not None:
            value = -value
        unit = (m["unit"] or unit_column or _bracket_unit(head) or _bracket_unit(label)).replace("％", "%")
        qualifier = SIGN_QUALIFIERS.get(m["qualifier"] or "", m["qualifier"] or "") or m["more"] or \
            ("以上" if m["above"] else "")
        if by_period:  # 上半年 | 2家: the head names what is counted, the label when
            metric, when = _clean(head), label
        else:
            metric, when = _metric(label, head), head
        year = _YEAR.search(when)
        begin = s + lead + (m.start("sign") if m["sign"] else m.start("num"))
        out.append(RowFigure(start=begin, end=s + lead + m.end("unit" if m["unit"] else "num"),
                             value=value, value_max=value_max, unit=unit, qualifier=qualifier,
                             metric=metric, kind=_kind(head), half=half_named(when),
                             year=int(year[1]) if year else None, label=label, head=head))
    return out


def _head(text: str, row_start: int, cell_start: int, column: int, heads: list[str]) -> str:
    """A cell's column head: the table's, else the words written before the value in the row
    (社区老年食堂 | 全年目标 2家: 全年目标)."""
    if column < len(heads) and heads[column]:
        return heads[column].strip()
    before = text[row_start:cell_start]
    return before[before.rfind(" | ") + 3:].strip() if " | " in before else ""


def _metric(label: str, head: str) -> str:
    """The row's label, with what the head measures when it names a measure of its own: 完成率 ->
    社区老年食堂完成率, 同比增长 -> …同比增长, 户数 -> 第1社区户数; 全年目标 adds nothing."""
    name = _clean(label)
    rest = _clean(head)
    ends = vocab.words("targets", "measure_ends")
    if any(rest.endswith(end) for end in ends) or any(w in rest for w in vocab.words("targets", "growth")):
        return name + rest if rest not in name else name
    for word in (*_words("head_target"), *_words("head_achieved"), *_words("head_filler")):
        rest = rest.replace(word, "")
    return name + rest if _HAN2.search(rest) and rest not in name else name


def _clean(text: str) -> str:
    """A label or head without brackets, year and period words: 2024年全年目标（万元） -> 目标."""
    text = _YEAR.sub("", _BRACKET.sub("", text))
    for word in (*vocab.words("targets", "first_half"), *vocab.words("targets", "second_half"),
                 *vocab.words("targets", "full_year")):
        text = text.replace(word, "")
    return text.strip(" ：:、")


def _kind(head: str) -> str | None:
    if any(w in head for w in _words("head_target")):
        return "target"
    if any(w in head for w in _words("head_achieved")) or head.endswith("率"):
        return "achieved"
    return None


def _bracket_unit(text: str) -> str:
    m = _BRACKET_UNIT.search(re.sub(r"\s+", "", text))  # （亿 元）
    return _unit_text(m["unit"]) if m else ""


def _unit_text(text: str) -> str:
    """A unit as written in a head or a unit column, spaces dropped (亿 元 -> 亿元); "" when it is none."""
    unit = re.sub(r"\s+", "", text)
    return unit if re.fullmatch(rf"(?:{UNITS})(?:[/／]\S+)?", unit) else ""
