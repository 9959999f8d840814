"""Understand a question: its language, the offices, years and half-years it names, whether it
asks about plans, achievements or problems, whether it asks for a quantity, and the key terms a
passage must contain to answer it. English questions are mapped to the Chinese terms the reports
use (a glossary of government-report vocabulary; office names by their pinyin)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from .documents import Filters
from .textnorm import Tokenizer, base_tokenizer, fold

GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary_en_zh.tsv"

PLAN_CUES = re.compile(r"计划|目标|打算|将要|拟|安排|力争|要求|下一步|planned|plan|target|goal|aim|will|intend")
SUMMARY_CUES = re.compile(r"完成|实现了|取得|成效|成绩|做了|开展了|累计|共计|已经|达到了|总结|"
                          r"achiev|complet|accomplish|did |done|result|so far")
PROBLEM_CUES = re.compile(r"问题|不足|短板|困难|差距|problem|shortcoming|weakness|challenge|difficult")
QUANTITY_CUES = re.compile(r"多少|几[个家次项场人户批件条]|几|多大|比例|百分|增长|增速|金额|数量|规模|目标是|"
                           r"how many|how much|what percentage|what share|number of|amount|rate|growth|"
                           r"target")
CROSS_CUES = re.compile(r"哪些街道|哪个街道|各街道|各个街道|哪些办事处|所有街道|哪几个|分别|比较|对比|"
                        r"which offices|which office|which sub-?districts|which streets|each office|"
                        r"all offices|compare|offices")
# Words that say what kind of question it is, not what it is about: they do not count as key terms.
GENERIC_TERMS = frozenset(
    "目标 计划 工作 情况 多少 什么 哪些 哪个 街道 办事处 办 今年 全年 年度 年 上半年 下半年 打算 准备 提出 "
    "提到 方面 主要 具体 采取 措施 做 做了 进行 开展 完成 实现 达到 要求 问题 存在 报告 总结 一共 共 多 少 "
    "是 有 几 个 家 次 项 怎样 怎么 如何 那 呢 哪 期间 分别 各 以来 目前 截至 当前 举措 任务 重点 "
    "计划 规划 安排 内容 有关 相关 关于 做法 办法 方式 形式 材料 文件 数量 数字 哪天 时候 多久 哪里 "
    "给出 提出 列出 提及 说 讲 写 干 搞 办 要 想 能 会 需要 打算 准备 已经 一共 总共 还是 "
    "新中国 份 篇 里 中 金额 数额 多少钱 数目 figures figure 现有 现阶段 至今 迄今 现在 有没有 是否 有无 是不是".split())
# What a word's part of speech says about how much it carries the question's topic: names and
# nouns are the topic; verbs and adjectives help; pronouns, numerals, particles do not.
POS_WEIGHT = {"n": 1.0, "nr": 1.0, "ns": 1.0, "nt": 1.0, "nz": 1.0, "nrt": 1.0, "nrfg": 1.0, "j": 1.0,
              "l": 1.0, "i": 1.0, "eng": 1.0, "vn": 0.8, "an": 0.6, "v": 0.35, "vd": 0.35, "a": 0.35,
              "ad": 0.35, "b": 0.6, "s": 0.6, "t": 0.3}


@dataclass
class Query:
    text: str  # the standalone question
    lang: str  # "zh" or "en"
    offices: list[str] = field(default_factory=list)  # known offices it names
    unknown_offices: list[str] = field(default_factory=list)  # offices it names that we do not have
    years: list[int] = field(default_factory=list)
    half: str = ""
    phase: str = ""  # "plan", "summary" or ""
    problems: bool = False
    quantity: bool = False
    cross: bool = False  # asks across offices
    search_text: str = ""  # what lexical search matches: folded, English mapped to Chinese
    terms: list[str] = field(default_factory=list)  # key terms an answer passage must hold
    weights: dict[str, float] = field(default_factory=dict)  # how much each term carries the topic
    alternatives: list[list[str]] = field(default_factory=list)  # terms that stand for one another
    units: tuple[str, ...] = ()  # units a quantity answer must carry (元, 户, %), if the question says
    strict_quantity: bool = False  # asks "how many/much": an answer without a figure is no answer
    filters: Filters = field(default_factory=Filters)  # what the user limited the search to (UI, CLI)


STRICT_QUANTITY = re.compile(r"多少|几[个家次项场人户批件条名栋处万亿吨天]|几大|多大|比例|百分之|占比|金额|"
                             r"how many|how much|what percentage|what share|what proportion|number of")
# A quantity question that names its unit wants a figure in that unit: 多少钱 -> 元, 多少户 -> 户.
UNIT_CUES = (("元", r"多少钱|金额|资金|多少元|多少万元|多少亿|how much money|\byuan\b|amount of money|funds"),
             ("户", r"多少户|几户|households"), ("人", r"多少人|几人|多少名|how many people|persons"),
             ("吨", r"多少吨|tons"), ("%", r"百分之|百分点|比例|占比|率是多少|percentage|what share|rate"),
             ("次", r"多少次|几次|how many times"), ("部", r"多少部|几部"))


# A number of three or more digits that is not a year and carries no unit names something (the
# 12345 hotline, 110); numbers with units are the quantities asked about and never key terms.
IDENTIFIER = re.compile(r"(?<![\d.])(?!(?:19|20)\d{2}(?!\d))\d{3,}(?![\d.]|\s*[年月日号%万亿元个家次项场人户件条名台套])")


def language(question: str) -> str:
    """English when Latin letters outnumber Chinese characters (English questions may quote a
    Chinese term in brackets)."""
    latin = len(re.findall(r"[A-Za-z]", question))
    cjk = len(re.findall(r"[\u4e00-\u9fff]", question))
    return "en" if latin > 2 * cjk and latin >= 4 else "zh" if cjk else "en"


def _weighted_words(text: str, tokenizer: Tokenizer) -> list[tuple[str, float]]:
    """Words of a question with the weight their part of speech gives them."""
    out = []
    for word, flag in tokenizer.tagged(text):
        weight = POS_WEIGHT.get(flag, 0.0)
        if weight and len(word.strip()) > 1:
            out.append((word.lower(), weight))
    return out


@functools.lru_cache(maxsize=1)
def glossary() -> list[tuple[str, list[str]]]:
    entries = []
    for line in GLOSSARY_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        english, chinese = line.split("\t", 1)
        entries.append((english.strip().lower(), [c for c in chinese.strip().split("|") if c]))
    return sorted(entries, key=lambda e: -len(e[0]))


def translate_groups(question: str) -> list[list[str]]:
    """For each English phrase of a question found in the glossary, its Chinese alternatives."""
    words = re.sub(r"[^a-z0-9%\- ]+", " ", question.lower())
    words = " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                     for w in words.split())
    text = f" {words} "
    found: list[list[str]] = []
    for english, chinese in glossary():
        english = " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                           for w in english.split())
        pattern = f" {english} "
        if pattern in text:
            found.append(list(chinese))
            text = text.replace(pattern, " ")
    return found


def _named_offices(folded: str, compact: str, offices: tuple[str, ...]) -> list[str]:
    """The offices a question names by any alias: every substring of the question is looked up
    in a table of aliases, so the cost does not grow with the number of offices."""
    table, longest = _alias_table(offices)
    found: set[str] = set()
    for text, ascii_only in ((folded, False), (compact, True)):
        for i in range(len(text)):
            for j in range(i + 1, min(len(text), i + longest) + 1):
                for office, is_ascii in table.get(text[i:j], ()):
                    if is_ascii == ascii_only:
                        found.add(office)
    return [o for o in offices if o in found]


@functools.lru_cache(maxsize=4)
def _alias_table(offices: tuple[str, ...]) -> tuple[dict[str, list[tuple[str, bool]]], int]:
    table: dict[str, list[tuple[str, bool]]] = {}
    for office in offices:
        for alias in office_aliases(office):
            table.setdefault(alias, []).append((office, alias.isascii()))
    return table, max((len(a) for a in table), default=1)


@functools.lru_cache(maxsize=100_000)
def office_aliases(office: str) -> tuple[str, ...]:
    """Ways a question may name an office: 铁西街道, 铁西, 铁西街, tiexi."""
    from pypinyin import lazy_pinyin

    short = re.sub(r"(街道办事处|街道办|街道|办事处)$", "", office)
    aliases = {office, short, short + "街", short + "办", short + "办事处", short + "街道办事处"}
    aliases.add("".join(lazy_pinyin(short)).lower())
    return tuple(sorted((a for a in aliases if a), key=len, reverse=True))


def _either_or(text: str, terms: list[str]) -> list[list[str]]:
    """Terms a question joins with 或 / 或者 stand for one another: "12345热线或平台" is answered by
    a passage that names either. The nearest term before and after each 或 form a group."""
    groups = []
    for m in re.finditer(r"或者|或", text):
        before = [(text.rfind(t, 0, m.start()) + len(t), t) for t in terms if 0 <= text.rfind(t, 0, m.start())]
        after = [(text.find(t, m.end()), t) for t in terms if text.find(t, m.end()) >= 0]
        if not before or not after:
            continue
        end, left = max(before)
        start, right = min(after)
        if m.start() - end <= 2 and start - m.end() <= 2 and left != right:
            groups.append([left, right])
    return groups


def understand(question: str, offices: list[str], tokenizer: Tokenizer | None = None) -> Query:
    """What a question asks; ``tokenizer`` is the index's (it knows the corpus's office names)."""
    tokenizer = tokenizer or base_tokenizer()
    folded = fold(question)
    lang = language(question)
    compact = re.sub(r"[\s\-_']+", "", folded)
    named = _named_offices(folded, compact, tuple(offices))
    unknown = []
    for m in re.finditer(r"([\u4e00-\u9fff]{2,5}?)(街道办事处|街道|办事处)", folded):
        name = m[1].lstrip("在和与及跟对")
        if name in ("各", "哪些", "哪个", "所有", "各个", "全部", "其他", "这些") or name.endswith(("各", "哪些")):
            continue
        if not any(name in o or o.removesuffix("街道") in name for o in offices):
            unknown.append(name + m[2])
    if lang == "en":
        for m in re.finditer(r"\b([a-z]+(?: [a-z]+)?) (?:sub-?district|street|subdistrict office|office)\b",
                             folded):
            word = m[1].split()[-1]
            m_word = word
            known = {"".join(office_aliases(o)[-1:]) for o in offices}
            if word not in ("the", "each", "which", "all", "every", "other", "street", "an", "a",
                            "district") and word not in known and not any(word in k for k in known):
                unknown.append(m_word)
    years = sorted({int(y) for y in re.findall(r"(20\d{2})", folded)})
    half = "H1" if re.search(r"上半年|first half|\bh1\b", folded) else \
        "H2" if re.search(r"下半年|second half|\bh2\b", folded) else ""
    problems = bool(PROBLEM_CUES.search(folded))
    strong_plan = re.search(r"目标|计划|打算|target|goal|plan", folded)
    phase = "plan" if strong_plan else "summary" if SUMMARY_CUES.search(folded) \
        else "plan" if PLAN_CUES.search(folded) else ""
    alternatives = translate_groups(question) if lang == "en" else []
    extra = [term for group in alternatives for term in group]
    if lang == "en":  # Chinese words inside an English question ("subsistence allowance (低保)")
        extra += re.findall(r"[\u4e00-\u9fff]+", folded)
    search_text = folded if lang == "zh" else " ".join([*extra, folded])
    office_words = {a for o in named for a in office_aliases(o)} | {
        a for name in unknown for a in (name, re.sub(r"(街道办事处|街道|办事处)$", "", name))}
    weights: dict[str, float] = {}
    source = "，".join(extra) if lang == "en" else folded
    for word, weight in _weighted_words(source, tokenizer):
        if word in GENERIC_TERMS or word in office_words or re.fullmatch(r"20\d{2}年?|\d+", word) \
                or re.search(r"(街道|办事处)$", word):  # 各街道, 哪些街道: who is asked, not what about
            continue
        weights[word] = max(weights.get(word, 0.0), 1.0 if lang == "en" else weight)
    for m in IDENTIFIER.finditer(folded):  # 12345热线, 110: a name, not a quantity
        weights.setdefault(m[0], 1.0)
    terms = list(weights)
    if lang == "zh":
        alternatives = _either_or(folded, terms)
    units = tuple(unit for unit, pattern in UNIT_CUES if re.search(pattern, folded))
    return Query(text=question, lang=lang, offices=named, unknown_offices=unknown, years=years,
                 half=half, phase=phase, problems=problems,
                 quantity=bool(QUANTITY_CUES.search(folded)),
                 cross=bool(CROSS_CUES.search(folded)) or (not named and bool(
                     re.search(r"哪些|哪个|which|what offices", folded))),
                 search_text=search_text, terms=terms, weights=weights, units=units,
                 alternatives=[[t for t in group if t in weights] for group in alternatives],
                 strict_quantity=bool(STRICT_QUANTITY.search(folded)))
