"""What a figure measures: the metric of a quantitative statement, named as a noun phrase.

A clause gives a figure in one of four ways, and the name is made from the words that say what
it counts (the word lists are data: ``[targets]`` of assistant/data/vocabulary.toml):

- after its noun, 招商引资实际到位内资全年计划完成7亿元: the words before the figure, less the
  verbs that only say it was planned or reached (计划完成) and less its period (全年 is the
  statement's period, not its metric). A growth figure keeps its direction: 规上工业总产值计划增长
  24% is 规上工业总产值增长;
- before its noun, a count with its classifier, 推动建立1-2个小区业主委员会: the noun, then the act
  done to it, then what the unit counts: 小区业主委员会建立数;
- joined to its noun by 的, 8.84公里的农村公路养护: the noun and what the unit measures of it:
  农村公路养护里程 (never a name that starts with 的);
- after an act and its object, 共栽种绿篱875延长米: the object first, then the act: 绿篱栽种长度.

A name is cut only between words, to at most METRIC_MAX characters, and never holds an ellipsis.
"""

from __future__ import annotations

import functools
import re

from . import vocab

METRIC_MAX = 24  # characters: a metric names what is measured; the clause itself is shown beside it
_ASIDE = re.compile(r"[（(][^（()）]*[）)]")  # (销售3家、零售4家), （羊）: an aside, not the metric's name
# the words that open an item or a sentence and name nothing: 一是, 同时, 截至目前, 今年以来
_LEAD = re.compile(r"^(一是|二是|三是|四是|五是|六是|七是|八是|九是|十是|同时|并且|并|其中|另一方面|一方面|"
                   r"截至目前|截止目前|目前|当前|今年以来|今年|本年度|共计|共|累计|先后|计划|预计|完成了|完成|实现|"
                   r"已|了)+")
# a subject that is a means, not a thing counted: 利用各类平台媒介开展征兵宣传活动
_MEANS = re.compile(r"^(利用|按照|通过|邀请|依托|围绕|结合|针对|面向|借助|根据|在|对|为|向|从|按|经|由|以)")
_AFTER_QUALIFIER = re.compile(r"^(以上|以下|以内|左右|之多|余|多)")  # 90%以上: the qualifier, not a name
_PREPOSITION = re.compile(r"^(对|为|向|给)(?P<thing>.+?)(?:进行|开展|实施|的)(?P<act>.+)$")  # 对X进行Y, 对X的Y
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN2 = re.compile(r"[\u4e00-\u9fff]{2}")
_PREDICATE_TAGS = ("d", "p", "c", "u", "ad")  # jieba's tags: adverb, preposition, conjunction, particle


@functools.cache
def _words(name: str) -> frozenset[str]:
    return frozenset(vocab.words("targets", name))


@functools.cache
def period_pattern() -> re.Pattern:
    words = [w for name in ("first_half", "second_half", "full_year") for w in vocab.words("targets", name)]
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


@functools.cache
def _time_pattern() -> re.Pattern:
    words = sorted(vocab.words("targets", "time_words"), key=len, reverse=True)
    return re.compile(r"20\d{2}\s*年度?|" + "|".join(re.escape(w) for w in words))  # 2023年兵役登记: the year is the period


@functools.cache
def _measures() -> dict[str, str]:
    return {unit: m["word"] for m in vocab.data()["targets"]["measures"] for unit in m["unit"]}


def half_named(text: str) -> str | None:
    """The half-year the last period word of ``text`` names: "H1", "H2", "" (the whole year), or
    None when it names none (上半年计划完成0.06亿元，全年计划完成0.30亿元 -> "" for the second)."""
    found = period_pattern().findall(text)
    if not found:
        return None
    last = found[-1]
    return "H1" if last in _words("first_half") else "H2" if last in _words("second_half") else ""


def measure_word(unit: str) -> str:
    """What a unit counts, said after the thing counted: 人 -> 人数, 平方米 -> 面积, 个 -> 数."""
    return _measures().get(unit, vocab.data()["targets"]["count_measure"])


def metric_name(before: str, after: str, unit: str) -> str:
    """The metric of a figure from the words of its clause before and after it (without the
    figure); "" when they name nothing (全年计划完成0.30亿元: the caller takes the metric of the
    statement before)."""
    before = _ASIDE.sub("", before).strip().strip("，,、（(）) ")
    after = _AFTER_QUALIFIER.sub("", _ASIDE.sub("", after).strip()).strip("，,、 ")
    if after.startswith("的") and _HAN2.search(after):  # 8.84公里的农村公路养护: a size of the noun
        return _with_measure(_first_words(after[1:]), unit)
    if m := _PREPOSITION.match(after):  # 投资3000余万元对飞鹰齿轮厂小区进行升级改造
        after = m["thing"] + m["act"]
    elif _is_predicate(after):  # 存在安全隐患110家均已整改: the figure says something of the words before
        return _before_name(before, unit, after)
    if _HAN2.search(after):  # 新建2家社区老年食堂: a count before its noun, the act done to it before that
        words = _words_of(before)
        act = words[-1] if words and (_is_act(words[-1]) or words[-1] in _words("rates")) else ""
        return _with_measure(_without_light_end(_first_words(after))[0] + act, unit)
    return _before_name(before, unit, "")


def _before_name(before: str, unit: str, predicate: str) -> str:
    """The figure after its noun: the words before it made a noun phrase (the thing, the act done
    to it, what the unit measures of it), the verbs and the period that name nothing left out."""
    text, direction = _without_light_end(_lead_stripped(_time_pattern().sub("", period_pattern().sub("", before))))
    words = _without_softeners(_cut(text))
    if not words:
        return ""
    if any("".join(words).endswith(end) for end in _words("measure_ends")):  # 完成率, 发放金额: named already
        name = _last_words(words)
        return name + direction if direction and direction not in name else name
    act = ""
    if _is_act(words[-1]):  # 拆除6起, 开展河道集中清理56次: the act is what is counted
        act = words.pop()
        while len(words) > 1 and _is_act(words[0]):
            words.pop(0)  # 开展 before an act names nothing
    else:
        words, act = _object_first(words)
    if not words and act and _HAN2.search(predicate):  # 组织300余人开展河道集中清理
        return _with_measure(act + _first_words(predicate), unit)
    name = _last_words(words) + act
    if direction:  # a change: 规上工业总产值增长 24%, no measure word
        return (name if direction in name else name + direction).strip("，,、的 ")
    return _with_measure(name, unit) if unit not in ("%", "％") or act else name.strip("，,、的 ")


def _object_first(words: list[str]) -> tuple[list[str], str]:
    """An act and its object as the object first (街道共发放各类科普宣传资料 -> 各类科普宣传资料 +
    发放; 排查整治护栏、广告牌 -> 护栏、广告牌 + 排查整治), the subject kept unless it is the office
    itself, a means (利用各类平台媒介) or long; a frequency (每季度) goes before the act. A thing
    after 有 is that thing (全街共有低保户 -> 低保户). The act is the last one whose object is more
    than a noun it makes a compound with (开展各类宣传活动: 开展, not 宣传)."""
    quoted = _quoted(words)
    for j in range(len(words) - 2, -1, -1):
        if not _is_act(words[j]) or quoted[j] or not _is_object(words[j + 1:], first=j == 0):
            continue
        i = j
        while i > 0 and _is_act(words[i - 1]) and not quoted[i - 1]:
            i -= 1  # 排查 整治 护栏
        subject, thing = "".join(words[:i]), words[j + 1:]
        act = "".join(words[i:j + 1])
        if subject.startswith("每"):  # 每季度召开街道安委会成员会议 -> 街道安委会成员会议每季度召开
            return thing + [subject], act
        if subject and not _MEANS.match(subject) and subject not in _words("offices_self") and len(subject) <= 8 \
                and not any(w in _words("light_verbs") for w in words[:i]):
            return words[:i] + thing, act
        return thing, act
    at = max((i for i, w in enumerate(words[:-1]) if w in _words("existence")), default=-1)
    if at >= 0 and _HAN2.search("".join(words[at + 1:])):
        return words[at + 1:], ""
    return words, ""


def _quoted(words: list[str]) -> list[bool]:
    """Which words stand inside quotation marks (“金秋招聘”: a name, its words are no act)."""
    depth, out = 0, []
    for word in words:
        depth += word.count("“") + word.count("《")
        out.append(depth > 0)
        depth = max(0, depth - word.count("”") - word.count("》"))
    return out


def _is_object(words: list[str], first: bool) -> bool:
    """Whether the words after an act are its object: at least three characters, or two when the
    act opens the clause (栽种绿篱), and not one noun the act makes a compound with (帮扶活动)."""
    text = "".join(words)
    if not _HAN2.search(text) or (len(words) == 1 and text in _words("compound_heads")):
        return False
    return len(text) >= 3 or first


def carried_metric(previous: str, previous_unit: str, unit: str) -> str:
    """The metric of a figure whose clause names nothing, from the statement before it: the same
    (全年计划完成0.30亿元), or the same thing in this unit's measure (涉及687人 after 排查信访事项103批次)."""
    measure = measure_word(previous_unit)
    if unit == previous_unit or not previous.endswith(measure):
        return previous
    return _with_measure(previous[:-len(measure)], unit)


def _with_measure(name: str, unit: str) -> str:
    """The name and what the unit measures of it (社区老年食堂新建 家 -> 社区老年食堂新建数; 低保户 户
    -> 低保户数); nothing is added to a name that already says what it measures."""
    name = _balanced(name.strip("，,、的 "))
    if not _HAN2.search(name):
        return name if len(name) > 1 else ""
    if any(name.endswith(end) for end in _words("measure_ends")):
        return name
    measure = measure_word(unit)
    for k in range(len(measure) - 1, 0, -1):  # 低保户 + 户数 -> 低保户数, 残疾人 + 人数 -> 残疾人数
        if name.endswith(measure[:k]):
            return name + measure[k:]
    return name + measure


def _without_light_end(text: str) -> tuple[str, str]:
    """``text`` without the verbs and qualifiers at its end that name nothing (计划完成, 不少于,
    达), and the growth word among them that says the figure is a change (增长, 同比下降)."""
    ends = _end_pattern()
    direction = ""
    while m := ends.search(text):
        if m[0] in _words("growth") and not direction:
            direction = m[0]  # the one next to the figure
        text = text[:m.start()]
    return text, direction


def _words_of(text: str) -> list[str]:
    """The words of ``text`` without the item's opening words, the period and the time words."""
    return _cut(_lead_stripped(_time_pattern().sub("", period_pattern().sub("", text))))


def _without_softeners(words: list[str]) -> list[str]:
    """Words that soften or order an act left out where they open the words or stand before an act
    (推动建立 -> 建立, 热线共受理工单 -> 热线受理工单)."""
    soft = _words("softeners") | _words("light_verbs")
    out: list[str] = []
    for i, word in enumerate(words):
        nxt = next((w for w in words[i + 1:] if w not in soft), "")
        if word in soft and (not out or _is_act(nxt)):
            continue
        out.append(word)
    return out


def _lead_stripped(text: str) -> str:
    stripped = _LEAD.sub("", text)
    if len(_HAN.findall(stripped)) >= 2 and stripped[0] not in "率数量额":  # not 完成率 -> 率
        return stripped
    return text


def _cut(text: str) -> list[str]:
    """jieba's words, except that an act word jieba cut across is one word (共受|理工|单 ->
    共|受理|工单; 约|谈 -> 约谈) and acts joined by 并/和/及 are one act (发现并整改). An act inside
    one of jieba's longer words is part of that word (服务中心)."""
    from .textnorm import base_tokenizer

    ends, at = set(), 0
    for word in base_tokenizer().cut(text):
        ends.add((at, at + len(word)))
        at += len(word)
    cuts = {b for span in ends for b in span}
    for m in _act_pattern().finditer(text):
        inside = any(a <= m.start() and m.end() <= b and (a, b) != m.span() for a, b in ends)
        if not inside:
            cuts = {c for c in cuts if not m.start() < c < m.end()} | {m.start(), m.end()}
    bounds = sorted(cuts | {0, len(text)})
    words = [text[a:b] for a, b in zip(bounds, bounds[1:])]
    return [w for w in words if w.strip() and w != "了"]


def _is_act(word: str) -> bool:
    return bool(_act_pattern().fullmatch(word))


@functools.cache
def _act_pattern() -> re.Pattern:
    """An act, or acts joined (排查整治, 发现并整改)."""
    act = "|".join(re.escape(w) for w in sorted(vocab.words("targets", "acts"), key=len, reverse=True))
    return re.compile(f"(?:{act})(?:[并和及与](?:{act}))*")


def _balanced(name: str) -> str:
    """A name cut inside quotation marks starts after the closing one (…金秋招聘”等招聘会 -> 招聘会)."""
    close = name.find("”")
    if close != -1 and "“" not in name[:close]:
        name = name[close + 1:].lstrip("等和及、")
    return name


@functools.cache
def _end_pattern() -> re.Pattern:
    words = [*vocab.words("targets", "light_verbs"), *vocab.words("targets", "growth"),
             *vocab.words("targets", "existence"), "以上", "的", "了"]
    return re.compile("(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")$")


def _is_predicate(text: str) -> bool:
    """Whether ``text`` opens with a verb, an adverb or a preposition (均已整改, 拟引进便民市场)
    rather than a noun (社区老年食堂, 劝导站: jieba tags 劝导 a verb, so verbs count only when they
    are the vocabulary's)."""
    from .textnorm import base_tokenizer

    first = next(((w, tag) for w, tag in base_tokenizer().tagged(text[:12]) if w.strip() and tag != "x"), None)
    if first is None:
        return False
    word, tag = first
    if any(word in _words(name) for name in ("acts", "light_verbs", "existence", "predicate_starts")):
        return True
    return tag in _PREDICATE_TAGS


def _first_words(text: str, limit: int = METRIC_MAX) -> str:
    """The start of ``text`` up to ``limit`` characters, cut between words."""
    from .textnorm import base_tokenizer

    out = ""
    for word in base_tokenizer().cut(text):
        if len(out) + len(word) > limit:
            break
        out += word
    return out


def _last_words(words: list[str], limit: int = METRIC_MAX) -> str:
    """The end of a word list up to ``limit`` characters; past half of it, started at an opening
    quotation mark or after a 、 or a closing mark when one comes."""
    out = ""
    for word in reversed(words):
        if len(out) + len(word) > limit or (word in "、”》）)" and len(out) >= limit // 2):
            break
        out = word + out
        if word in "“《（(" and len(out) >= limit // 2:
            break
    return out.lstrip("、，, ")
