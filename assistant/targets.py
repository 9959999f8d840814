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
from .textnorm import PAYWALL, fold, search_form
from .topics import classify_topic

CN_DIGITS = "零一二两三四五六七八九十百千万"
UNITS = ("平方公里|万平方米|平方米|延长米|公里|亿元|万元|元|亿(?!元)|头|人次|场次|户|人|名|家|个|次|场|吨|台|件|项|栋|处|"
         "篇|份|条|支|批|宗|套|块|亩|所|座|间|辆|片|米|天|小时|期|期次|轮|趟|起|例|张|本|册|部|股|对|队|"
         "m2|㎡|%|％")
NUMBER = (r"(?:\d+(?:[.．]\d+)?(?:\s*[-—~～至到]\s*\d+(?:[.．]\d+)?)?"  # 88．5%: a full-width point
          rf"|[{CN_DIGITS}]+(?:[至到][{CN_DIGITS}]+)?|XX|ＸＸ)")
STATEMENT = re.compile(rf"(?P<num>{NUMBER})\s*(?P<more>余|多)?\s*(?P<unit>{UNITS})")
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


def chinese_number(text: str) -> float | None:
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


def _value(text: str) -> tuple[float | None, float | None]:
    if text in ("XX", "ＸＸ"):
        return None, None
    parts = re.split(r"\s*[-—~～至到]\s*", text)
    parts = [p.replace("．", ".") for p in parts]
    values = [float(p) if re.fullmatch(r"\d+(?:\.\d+)?", p) else chinese_number(p) for p in parts]
    return values[0], (values[1] if len(values) > 1 else None)


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
    left = max(text.rfind(p, 0, start) for p in "，,；;。：:\n") + 1
    rights = [i for i in (text.find(p, end) for p in "，,；;。\n") if i != -1]
    return left, min(rights) if rights else len(text)


_LEAD = re.compile(r"^(一是|二是|三是|四是|五是|六是|七是|八是|九是|十是|同时|并|其中|另一方面|一方面|"
                   r"截至目前|截止目前|目前|今年以来|今年|全年|上半年|下半年|本年度|共计|共|累计|计划|预计|先后|"
                   r"完成了|完成|实现|已)+")
_VERBS = re.compile(r"(共计|共有|共|累计|计划|全年|年内|达到|达|为|约|近|超过|不少于|不低于|力争|完成|实现|"
                    r"增长|比增|发放|新增|注销|引进|办理|受理|开展|组织|排查|清理|召开|举办|打造|建设|新建|"
                    r"设立|录入|栽种|配备|安装|筛查|签约)+$")
_BOUNDARY = re.compile(r"[、“”《》（）()]")  # where a long metric may be cut without splitting a word
_ASIDE = re.compile(r"[（(][^（()）]*[）)]")  # (销售3家、零售4家), （羊）: an aside, not the metric's name
METRIC_BEFORE_MAX = 24  # characters of the words before the number kept in a metric name
METRIC_AFTER_MAX = 20  # and of the words after it


def _tail(text: str, limit: int) -> str:
    """The end of ``text``, at most ``limit`` characters, starting after a boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = _BOUNDARY.search(text, len(text) - limit)
    return text[cut.end():] if cut and cut.end() < len(text) else "…" + text[-limit:]  # … marks the cut


def _head(text: str, limit: int) -> str:
    """The start of ``text``, at most ``limit`` characters, ending before a boundary when one is near."""
    if len(text) <= limit:
        return text
    cuts = [c.start() for c in _BOUNDARY.finditer(text, 0, limit) if c.start() > 0]
    return text[:cuts[-1]] if cuts else text[:limit] + "…"


def _metric(text: str, clause_start: int, m: re.Match, clause_end: int) -> str:
    # the words before the number, from the previous statement of the clause on: in 慰问活动53次、帮扶活动123次
    # the second is 帮扶活动; when nothing is left (56户77人), the clause's words before its first statement
    earlier = [e for e in STATEMENT.finditer(text, clause_start, m.start()) if not _excluded(text, e)]
    before = text[clause_start:m.start("num")]
    if earlier:
        own = text[earlier[-1].end():m.start("num")].split("、")[-1]
        before = own if re.search(r"[\u4e00-\u9fff]{2}", own) else text[clause_start:earlier[0].start()]
    before = _ASIDE.sub("", before).strip().strip("，,、（(）)")
    before = _VERBS.sub(lambda g: "" if len(before) > len(g[0]) + 1 else g[0], before)
    before = _tail(_LEAD.sub("", before), METRIC_BEFORE_MAX)
    after = _ASIDE.sub("", text[m.end():clause_end]).strip()
    after = _head(re.split(r"[，,；;。、]", after)[0], METRIC_AFTER_MAX)
    metric = before
    if after and re.search(r"[\u4e00-\u9fff]{2}", after):
        metric = f"{before}…{after}" if before else after
    return metric.strip("，,、 ") or m["unit"]


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


def extract_targets(report: Report) -> list[Target]:
    text = report.text
    out: list[Target] = []
    for section, paragraph in report.paragraphs():
        body = text[paragraph.start:paragraph.end]
        spans = sentence_spans(body)
        for m in STATEMENT.finditer(body):
            if _excluded(body, m) or PAYWALL.search(m[0]):
                continue
            value, value_max = _value(m["num"].strip())
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
            start = paragraph.start + m.start()
            metric = _metric(body, c0, m, c1)
            statement = next((PAYWALL.sub("", body[a:b]) for a, b in spans if a <= m.start() < b), clause)
            if metric == m["unit"] and out and out[-1].paragraph_id == paragraph.id:
                metric = out[-1].metric  # "上半年计划完成0.06亿元，全年计划完成0.30亿元": same metric
            out.append(Target(
                report_id=report.id, office=report.office, title=report.title, year=section.year,
                half=section.half, section=" › ".join(p for p in section.path if p),
                metric=metric, value=value, value_max=value_max,
                unit=m["unit"].replace("％", "%").replace("㎡", "平方米"), qualifier=qualifier, kind=kind,
                topic=classify_topic(PAYWALL.sub("", clause), statement, _lead(body, m.start()), section.path),
                quote=text[start:paragraph.start + m.end()],
                start=start, end=paragraph.start + m.end(), sentence=PAYWALL.sub("", clause).strip(),
                paragraph_id=paragraph.id, sentence_start=paragraph.start + c0,
                sentence_end=paragraph.start + c1,
                statement=statement))
    return out


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


def folded_targets(index) -> list[tuple[Target, FoldedTarget]]:
    """Every statement with its folded texts (folded once per report version)."""
    cache = _cache(index)
    out = []
    for row in index.reports():
        targets, folded = cache.of(index, row)
        out.extend(zip(targets, folded))
    return out


def all_targets(index) -> list[Target]:
    """Every statement of every indexed report; a report is extracted once per version."""
    cache = _cache(index)
    return [t for row in index.reports() for t in cache.of(index, row)[0]]
