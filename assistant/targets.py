"""The targets table: every quantitative statement of the reports as a record — office, period,
metric, value, unit, qualifier, target or achieved, topic — with its offsets in the source.

Rule-based: a number (Arabic or Chinese numerals, or an undisclosed "XX") followed by a unit or
classifier is a statement, unless it is part of a date, an ordinal, a quoted slogan or a name.
Measured against a hand-labelled sample (eval/targets_gold.jsonl; see README)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .chunking import sentence_spans
from .documents import Report, source_link
from .errors import UnknownChoiceError
from .figures import STATEMENT, parse_value
from .metric import carried_metric, half_named, metric_name, period_pattern
from .table_rows import row_figures
from .textnorm import PAYWALL, fold, search_form
from .topics import classify_topic

BEFORE_QUALIFIERS = ("不少于", "不低于", "不超过", "超过", "力争", "达到", "约", "近", "超")
TARGET_CUES = re.compile(r"计划|目标|力争|预计|确保|争取|拟|将|要|不少于|不低于")


@dataclass
class Target:
    report_id: str
    office: str
    title: str
    year: int | None
    half: str
    section: str
    metric: str
    value: float | None  # None: undisclosed (XX)
    value_max: float | None  # the upper bound of a range (1-2个)
    unit: str
    qualifier: str
    kind: str  # "target" | "achieved"
    topic: str
    quote: str  # the number and unit as written
    start: int  # offsets of the quote in the report text
    end: int
    sentence: str  # the clause that states it
    paragraph_id: str
    sentence_start: int = 0  # offsets of the clause in the report text
    sentence_end: int = 0
    statement: str = ""  # the whole sentence (to 。；) the clause belongs to

    @property
    def period(self) -> str:
        return " ".join(str(p) for p in (self.year, self.half) if p)

    @property
    def link(self) -> str:
        """The source viewer at this statement's paragraph, its clause highlighted."""
        return source_link(self.report_id, self.paragraph_id, self.sentence_start, self.sentence_end)

    def to_json(self) -> dict:
        return {**asdict(self), "period": self.period, "link": self.link}


def _excluded(text: str, m: re.Match) -> bool:
    start, num = m.start("num"), m["num"]
    before = text[max(0, start - 1):start]
    after = text[m.end():m.end() + 1]
    if before == "第" or before.isdigit() or (before.isascii() and before.isalpha()):
        return True  # 第五次; part of a longer code
    if not re.search(r"[\dXＸ]", num):
        if not re.search("[一二两三四五六七八九十]", num):
            return True  # 千家万户, 百街千巷: idioms, not counts
        if num == "一" and m["unit"] in ("批", "个", "支", "次", "项", "条", "场", "起", "股"):
            return True  # 一批, 一个, 一次: wording, not a count
        if after and after in "是要":
            return True
    # inside a quoted slogan or name: “两个确立”, “万人助万企”
    opened = text.rfind("“", 0, start)
    if opened != -1 and text.find("”", opened) > start and text.find("”", opened) - opened <= 16:
        return True
    if re.match(r"\d{4}$", num) and m["unit"] in ("年",):
        return True
    return False


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    # a table's cells are clauses of their own (社区老年食堂 | 全年目标 2家)
    left = max(text.rfind(p, 0, start) for p in "，,；;。：:\n|") + 1
    rights = [i for i in (text.find(p, end) for p in "，,；;。\n|") if i != -1]
    return left, min(rights) if rights else len(text)


def _metric(text: str, clause_start: int, m: re.Match, clause_end: int) -> str:
    """The metric of statement ``m``: from the words before it, from the previous statement of
    the clause on (in 慰问活动53次、帮扶活动123次 the second is 帮扶活动; when nothing is left, as
    in 56户77人, the clause's words before its first statement), and the words after it up to
    the next statement or punctuation (metric.py)."""
    earlier = [e for e in STATEMENT.finditer(text, clause_start, m.start()) if not _excluded(text, e)]
    before = text[clause_start:m.start("num")]
    if earlier:
        own = text[earlier[-1].end():m.start("num")].split("、")[-1]
        before = own if re.search(r"[\u4e00-\u9fff]{2}", own) else text[clause_start:earlier[0].start()]
    later = [e for e in STATEMENT.finditer(text, m.end(), clause_end) if not _excluded(text, e)]
    start = m.end()
    if later and later[0].start() == m.end():  # 四个500万元以上重点项目: the next figure qualifies the noun
        start = later.pop(0).end()
    after = re.split(r"[，,；;。、]", text[start:later[0].start() if later else clause_end])[0]
    return metric_name(before, after, m["unit"])


_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]是|[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．])")
OPENING_PERIOD_CHARS = 4  # a period word that scopes over its sentence opens it: 上半年共清理…，清理…
_ITEM = re.compile(r"(?:^|(?<=[。；;：:\s]))[一二三四五六七八九十]是")  # 一是…二是…: the items of a paragraph
_CLAUSE_END = re.compile(r"[，,；;。：:]")


def _lead(text: str, pos: int) -> str:
    """The opening clause of the item (一是…，) that ``pos`` is in; "" outside an enumerated item."""
    items = list(_ITEM.finditer(text, 0, pos))
    if not items:
        return ""
    start = items[-1].start()
    end = _CLAUSE_END.search(text, start)
    return text[start:end.start() if end else len(text)]


def _half(body: str, sentence_start: int, clause_start: int, at: int) -> str | None:
    """The half-year a statement's own words name: its clause's period word before the figure
    (全年计划完成0.30亿元 after 上半年计划完成0.06亿元), else the one that opens its sentence
    (上半年共清理…257吨，清理卫生死角6处); None when neither names one (the section's counts)."""
    own = half_named(body[clause_start:at])
    if own is not None:
        return own
    opening = body[sentence_start:min(_clause(body, sentence_start, sentence_start)[1], at)]
    opening = _ENUMERATOR.sub("", opening.lstrip())
    found = [w[0] for w in period_pattern().finditer(opening) if w.start() < OPENING_PERIOD_CHARS]
    return half_named(found[-1]) if found else None  # 本年度上半年…, not 年初制定了全年防火巡查计划


def _unit(m: re.Match) -> str:
    return m["unit"].replace("％", "%").replace("㎡", "平方米")


def extract_targets(report: Report) -> list[Target]:
    """Every statement of the report: a table row's figures read with their column heads
    (table_rows.py), the rest of the text sentence by sentence."""
    rows = {r["start"]: (t, r) for t in report.tables for r in t["rows"]}
    out: list[Target] = []
    for section, paragraph in report.paragraphs():
        taken: list[tuple[int, int]] = []
        if paragraph.start in rows:
            table, row = rows[paragraph.start]
            if row.get("header"):
                continue
            for figure in row_figures(report.text, row, _heads(report.text, table)):
                out.append(_row_target(report, section, paragraph, table, figure))
                taken.append((figure.start, figure.end))
        _prose_targets(report, section, paragraph, out, taken)
    return out


def _heads(text: str, table: dict) -> list[str]:
    """The column heads a stored table's rows carry; for a table stored before they were kept,
    its header row's cells by place."""
    if table.get("heads"):
        return table["heads"]
    header = next((r for r in table["rows"] if r.get("header")), None)
    return [text[c[0]:c[1]] for c in header["cells"]] if header else []


def _row_target(report: Report, section, paragraph, table: dict, f) -> Target:
    row_text = report.text[paragraph.start:paragraph.end]
    return Target(
        report_id=report.id, office=report.office, title=report.title,
        year=section.year if f.year is None else f.year, half=section.half if f.half is None else f.half,
        section=" › ".join(p for p in section.path if p), metric=f.metric, value=f.value, value_max=f.value_max,
        unit=f.unit, qualifier=f.qualifier,
        kind=f.kind or ("target" if section.phase == "plan" else "achieved"),
        topic=classify_topic(f"{f.label} {f.head}", row_text, table.get("caption", ""), section.path),
        quote=report.text[f.start:f.end], start=f.start, end=f.end, sentence=row_text,
        paragraph_id=paragraph.id, sentence_start=paragraph.start, sentence_end=paragraph.end,
        statement=row_text)


def _prose_targets(report: Report, section, paragraph, out: list[Target], taken: list[tuple[int, int]]) -> None:
    """The statements of a paragraph's text (of a row, those outside the figures read as cells)."""
    text = report.text
    body = text[paragraph.start:paragraph.end]
    spans = sentence_spans(body)
    for m in STATEMENT.finditer(body):
        if _excluded(body, m) or PAYWALL.search(m[0]):
            continue
        start = paragraph.start + m.start()
        if any(a < paragraph.start + m.end() and start < b for a, b in taken):
            continue
        value, value_max = parse_value(m["num"].strip())
        if value is None and m["num"] not in ("XX", "ＸＸ"):
            continue
        c0, c1 = _clause(body, m.start(), m.end())
        clause = body[c0:c1]
        head = body[max(c0, m.start() - 4):m.start()]
        qualifier = next((q for q in BEFORE_QUALIFIERS if head.endswith(q)), "")
        if m["more"]:
            qualifier = m["more"]
        elif body[m.end():m.end() + 2] == "以上":
            qualifier = "以上"
        kind = "target" if section.phase == "plan" or (TARGET_CUES.search(clause) and "完成" not in clause) \
            else "achieved"
        metric = _metric(body, c0, m, c1)
        s0, s1 = next(((a, b) for a, b in spans if a <= m.start() < b), (c0, c1))
        if not metric:  # "上半年计划完成0.06亿元，全年计划完成0.30亿元": the metric of the one before
            previous = out[-1] if out and out[-1].paragraph_id == paragraph.id else None
            metric = carried_metric(previous.metric, previous.unit, _unit(m)) if previous else m["unit"]
        half = _half(body, s0, c0, m.start())
        out.append(Target(
            report_id=report.id, office=report.office, title=report.title, year=section.year,
            half=section.half if half is None else half, section=" › ".join(p for p in section.path if p),
            metric=metric, value=value, value_max=value_max, unit=_unit(m), qualifier=qualifier, kind=kind,
            topic=classify_topic(PAYWALL.sub("", clause), PAYWALL.sub("", body[s0:s1]), _lead(body, m.start()),
                                 section.path),
            quote=text[start:paragraph.start + m.end()], start=start, end=paragraph.start + m.end(),
            sentence=PAYWALL.sub("", clause).strip(), paragraph_id=paragraph.id,
            sentence_start=paragraph.start + c0, sentence_end=paragraph.start + c1,
            statement=PAYWALL.sub("", body[s0:s1])))


KINDS = ("target", "achieved")
HALVES = ("H1", "H2", "full")  # first half, second half, or a whole year (a statement with no half)


def filter_targets(targets: list[Target], offices=(), kind: str = "", topic: str = "",
                   year: int | None = None, half: str = "", text: str = "") -> list[Target]:
    """The statements that pass every filter given; an empty filter passes everything. ``text``:
    each of its words must occur in the metric or the sentence (full-width folded, any case)."""
    if kind and kind not in KINDS:
        raise UnknownChoiceError("kind", kind, KINDS)
    if half and half not in HALVES:
        raise UnknownChoiceError("half", half, HALVES)
    words = fold(text).split()
    return [t for t in targets if (not offices or t.office in offices) and (not kind or t.kind == kind)
            and (not topic or t.topic == topic) and (year is None or t.year == year)
            and (not half or t.half == ("" if half == "full" else half))
            and all(w in fold(f"{t.metric}\n{t.sentence}") for w in words)]


@dataclass(frozen=True)
class FoldedTarget:
    """A statement's texts folded once (full-width, case) for matching questions against."""
    clause: str  # metric and clause
    statement: str  # the whole sentence
    section: str
    everything: str

    @classmethod
    def of(cls, t: Target) -> "FoldedTarget":
        clause, statement, section = (search_form(f"{t.metric} {t.sentence}"), search_form(t.statement),
                                      search_form(t.section))
        return cls(clause, statement, section, f"{clause} {statement} {section}")


class TargetsCache:
    """Each report's statements, extracted once per version of the report (its text hash) and
    kept on the index: an unchanged report is never read again for them."""

    def __init__(self) -> None:
        self.extracted: dict[tuple[str, str], list[Target]] = {}
        self.folded: dict[tuple[str, str], list[FoldedTarget]] = {}

    def of(self, index, row) -> tuple[list[Target], list[FoldedTarget]]:
        key = (row.id, row.sha256)
        if key not in self.extracted:  # the report is read only when its statements are not known yet
            self.extracted[key] = extract_targets(index.report(row.id))
        if key not in self.folded:
            self.folded[key] = [FoldedTarget.of(t) for t in self.extracted[key]]
        return self.extracted[key], self.folded[key]

    def keep_only(self, rows) -> None:
        """Forget the statements of report versions no longer indexed."""
        live = {(r.id, r.sha256) for r in rows}
        for table in (self.extracted, self.folded):
            for key in set(table) - live:
                del table[key]


def _cache(index) -> TargetsCache:
    """The index's targets cache, emptied of report versions that went away (once a generation)."""
    cache = index.held("targets", TargetsCache)
    index.derived("targets_pruned", cache.keep_only)
    return cache


def folded_targets(index, offices: tuple[str, ...] | list[str] = ()) -> list[tuple[Target, FoldedTarget]]:
    """Every statement with its folded texts (folded once per report version); with ``offices``,
    only those of these offices' reports (the others are not read: at 10,000 reports reading them
    all took minutes and a gigabyte)."""
    cache = _cache(index)
    out = []
    for row in index.reports():
        if offices and row.office not in offices:
            continue
        targets, folded = cache.of(index, row)
        out.extend(zip(targets, folded))
    return out


def all_targets(index) -> list[Target]:
    """Every statement of every indexed report; a report is extracted once per version."""
    cache = _cache(index)
    return [t for row in index.reports() for t in cache.of(index, row)[0]]
