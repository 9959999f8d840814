"""Understand a question: its language, the offices, years and half-years it names, whether it
asks about plans, achievements or problems, whether it asks for a quantity, and the key terms a
passage must contain to answer it. English questions are mapped to the Chinese terms the reports
use (a glossary of government-report vocabulary; office names by their pinyin)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import vocab
from .documents import Filters
from .pinyin import syllables
from .textnorm import Tokenizer, base_tokenizer, canonical, fold

GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary_en_zh.tsv"



def cue(name: str) -> re.Pattern:
    """A question cue of assistant/data/vocabulary.toml [query]."""
    return vocab.pattern("query", f"{name}_pattern", re.I)


# What a word's part of speech says about how much it carries the question's topic: names and
# nouns are the topic; verbs and adjectives help; pronouns, numerals, particles do not.
POS_WEIGHT = {"n": 1.0, "nr": 1.0, "ns": 1.0, "nt": 1.0, "nz": 1.0, "nrt": 1.0, "nrfg": 1.0, "j": 1.0,
              "l": 1.0, "i": 1.0, "eng": 1.0, "vn": 0.8, "an": 0.6, "v": 0.35, "vd": 0.35, "a": 0.35,
              "ad": 0.35, "b": 0.6, "s": 0.6, "t": 0.3,
              "z": 0.6}  # z: jieba tags noun compounds it lacks as 状态词 (撂荒地: found on one dev item)
SIDE_WEIGHT = 0.6  # 北侧, 南端, 东部: a 方位词 of a compass point says where (of a road, an area); 以上, 期间 do not
# (found on one dev trace, 海西's 工农兵路北侧/南端; the sides of any road or area are the case)


@dataclass
class Query:
    text: str  # the standalone question
    lang: str  # "zh" or "en"
    offices: list[str] = field(default_factory=list)  # known offices it names
    unknown_offices: list[str] = field(default_factory=list)  # offices it names that we do not have
    # office-like names it gives that no report is of but report texts speak of (双塔社区, 进化镇 of a
    # report that calls itself 进化): answered only from the reports that name them
    places: list[str] = field(default_factory=list)
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
    relative_year: tuple[str, int] | None = None  # 今年 / 去年 asked: (the word, its offset from the latest year)
    asks_list: bool = False  # asks for the items of something: 哪几项, 分别是, 有哪些
    expanded: set[str] = field(default_factory=set)  # terms added for the question's own (synonyms)
    counts_new: str = ""  # asks how many were newly added (新发展党员, 新建食堂): the verb it asks with
    slots: frozenset[str] = frozenset()  # the kind of answer a which/what asks for (方向 of 哪几个产业方向)


# A number of three or more digits that is not a year and carries no unit names something (the
# 12345 hotline, 110); numbers with units are the quantities asked about and never key terms.
IDENTIFIER = re.compile(r"(?<![\d.])(?!(?:19|20)\d{2}(?!\d))\d{3,}(?![\d.]|\s*[年月日号%万亿元个家次项场人户件条名台套])")


def language(question: str) -> str:
    """English when Latin letters outnumber Chinese characters (English questions may quote a
    Chinese term in brackets)."""
    latin = len(re.findall(r"[A-Za-z]", question))
    cjk = len(re.findall(r"[\u4e00-\u9fff]", question))
    return "en" if latin > 2 * cjk and latin >= 4 else "zh" if cjk else "en"


def _weighted_words(text: str, tokenizer: Tokenizer, every: bool = False) -> list[tuple[str, float]]:
    """Words of a question with the weight their part of speech gives them (``every``: each word
    counts, as the Chinese words an English question quotes do: "no-petition township" (无访乡镇))."""
    out = []
    for word, flag in tokenizer.tagged(text):
        weight = 1.0 if every else POS_WEIGHT.get(flag, SIDE_WEIGHT if flag == "f" and word[:1] in "东西南北" else 0.0)
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
    words = re.sub(r"[^a-z0-9% ]+", " ", question.lower().replace("-", " "))  # waste-sorting = waste sorting
    words = " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                     for w in words.split())
    text = f" {words} "
    found: list[list[str]] = []
    for english, chinese in glossary():
        english = english.replace("-", " ")
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
        spans = [(i, j, office) for i in range(len(text)) for j in range(i + 1, min(len(text), i + longest) + 1)
                 for office, is_ascii in table.get(text[i:j], ()) if is_ascii == ascii_only]
        # a name inside another office's longer name is not named (湖镇 in 鹅湖镇)
        found |= {office for i, j, office in spans if not any(
            a <= i and j <= b and b - a > j - i and other != office for a, b, other in spans)}
    return [o for o in offices if o in found]


@functools.lru_cache(maxsize=4)
def _alias_table(offices: tuple[str, ...]) -> tuple[dict[str, list[tuple[str, bool]]], int]:
    table: dict[str, list[tuple[str, bool]]] = {}
    for office in offices:
        for alias in office_aliases(office) if office else ():
            table.setdefault(alias, []).append((office, alias.isascii()))
    return table, max((len(a) for a in table), default=1)


@functools.lru_cache(maxsize=100_000)
def office_aliases(office: str) -> tuple[str, ...]:
    """Ways a question may name an office: 铁西街道, 铁西, 铁西街, tiexi; 湖镇镇, 湖镇; 阿娄社区,
    阿娄. An office that is not known ("") has none."""
    short, kind = _split_kind(office)
    if len(short) < 2:
        return (office,) if office else ()
    aliases = {office, short}
    if kind.startswith("街道") or kind == "办事处":
        aliases |= {short + "街", short + "办", short + "办事处", short + "街道办事处", short + "街道"}
    elif kind in ("镇", "乡", "苏木"):
        aliases |= {short + kind + "人民政府", short + kind + "政府"}
    elif kind == "社区":
        aliases |= {short + "社区居委会", short + "社区居民委员会"}
    aliases.add("".join(syllables(short)).lower())
    for ending, english in vocab.data()["query"]["road_names"]:  # 中原西路街道: Zhongyuan West Road,
        if short.endswith(ending) and len(short) > len(ending):  # 城东路街道: Cheng East Road, Chengdong Road
            # (every ending that fits, not the first: "Chengdong Road" was asked on one dev item)
            aliases.add("".join(syllables(short[:-len(ending)])).lower() + english)
    return tuple(sorted((a for a in aliases if a), key=len, reverse=True))


def pinyin_texts(office: str) -> list[str]:
    """The texts whose pinyin an office's aliases and syllable prefixes read (what the lexical
    folder keeps: pinyin.py)."""
    short = _split_kind(office)[0]
    texts = [short, stem(office)]
    texts += [short[:-len(ending)] for ending, _ in vocab.data()["query"]["road_names"]
              if short.endswith(ending) and len(short) > len(ending)]
    return texts


def _split_kind(office: str) -> tuple[str, str]:
    """(its own name, its kind): 铁西街道 -> (铁西, 街道), 湖镇镇 -> (湖镇, 镇)."""
    kind = next((k for k in ("街道办事处", "街道办", *vocab.kind_names()) if office.endswith(k)), "")
    return (office[:len(office) - len(kind)] if kind else office), kind


def english_name(office: str) -> str:
    """An office as an English sentence names it: 铁西街道 -> Tiexi."""
    roads = tuple(e for _, e in vocab.data()["query"]["road_names"])
    latin = [a for a in office_aliases(office) if a.isascii() and not a.endswith(roads)]  # its pinyin
    return latin[0].title() if latin else office


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
    """What a question asks; ``tokenizer`` is the index's (it knows the corpus's office names).
    Words that stand for one another (加梯, 加装电梯) are read in their common form, as the
    passages are (textnorm.canonical)."""
    tokenizer = tokenizer or base_tokenizer()
    folded = canonical(fold(question))
    lang = language(question)
    compact = re.sub(r"[\s\-_']+", "", folded)
    named = _named_offices(folded, compact, tuple(offices))
    unknown = _unknown_offices(folded, lang, offices, named)
    years = sorted({int(y) for y in re.findall(r"(20\d{2})", folded)})
    half = "H1" if cue("half_h1").search(folded) else "H2" if cue("half_h2").search(folded) else ""
    problems = bool(cue("problem").search(folded))
    phase = "plan" if cue("strong_plan").search(folded) else "summary" if cue("summary").search(folded) \
        else "plan" if cue("plan").search(folded) else ""
    alternatives = [[canonical(t) for t in group] for group in translate_groups(question)] if lang == "en" else []
    extra = [term for group in alternatives for term in group]
    if lang == "en":  # Chinese words inside an English question ("subsistence allowance (低保)")
        extra += re.findall(r"[\u4e00-\u9fff]+", folded)
    search_text = folded if lang == "zh" else " ".join([*extra, folded])
    office_words = {a for o in named for a in office_aliases(o)} | {
        a for name in unknown for a in (name, _split_kind(name)[0])}
    weights: dict[str, float] = {}
    source = "，".join(extra) if lang == "en" else _without_names(folded, office_words)
    generic = frozenset(vocab.words("query", "generic_terms"))
    if lang == "zh":
        source = _unglued(source)
    for word, weight in _weighted_words(source, tokenizer, every=lang == "en"):
        if word in generic or word in office_words or re.fullmatch(r"20\d{2}年?|\d+", word) \
                or cue("question_form").search(word) \
                or re.search(r"(街道|办事处|镇街|街镇|乡镇)$", word):  # 各街道, 哪些街道: who is asked, not what about
            continue
        weights[word] = max(weights.get(word, 0.0), 1.0 if lang == "en" else weight)
    for m in IDENTIFIER.finditer(folded):  # 12345热线, 110: a name, not a quantity
        weights.setdefault(m[0], 1.0)
    if lang == "zh":
        alternatives = _either_or(folded, list(weights))
    expanded: set[str] = set()
    units = tuple(u["unit"] for u in vocab.data()["query"]["units"] if re.search(u["pattern"], folded, re.I))
    counted = re.findall(rf"(?:多少|几)\s*({vocab.alternation('query', 'counted_units')})", folded)
    units += tuple(u for u in dict.fromkeys(counted) if u not in units and not (u == "名" and "人" in units))
    relative = next((r for r in vocab.data()["query"]["relative_years"] if r["word"] in folded), None)
    return Query(text=question, lang=lang, offices=named, unknown_offices=unknown, years=years,
                 half=half, phase=phase, problems=problems, quantity=bool(cue("quantity").search(folded)),
                 cross=bool(cue("cross").search(folded)) or (not named and bool(
                     re.search(r"哪些|哪个|哪几|which|what offices", folded))),
                 search_text=search_text, terms=list(weights), weights=weights, units=units,
                 alternatives=[[t for t in group if t in weights] for group in alternatives],
                 strict_quantity=bool(cue("strict_quantity").search(folded)),
                 relative_year=(relative["word"], relative["offset"]) if relative and not years else None,
                 asks_list=bool(cue("list_question").search(folded)), expanded=expanded,
                 counts_new=next((m[1] for m in [cue("new_count").search(folded)] if m), ""),
                 slots=frozenset(_slot_heads(source, tokenizer)) if lang == "zh" else frozenset())


# The noun a "which / what" asks for names the kind of answer, which the answer seldom repeats:
# 哪几个产业方向 (文旅商贸、数字经济), 放在什么位置 (一号工程), 实事项目都有哪些. A sentence is
# not faulted for lacking it (extractive.Terms); the words before it (产业, 实事) stay the topic.
# 多少/几 are not which-words: 多少党员 asks of 党员.
WHICH = re.compile(r"^(?:什么|啥|哪些|哪个|哪几个?|哪类|哪种|哪|几类|几种)$")
NOUNISH = re.compile(r"^(?:n[a-z]*|vn|j|z|an|l)$")


def _slot_heads(text: str, tokenizer: Tokenizer) -> set[str]:
    """The head nouns the question words of ``text`` ask for: the last noun of the run right after
    哪些/什么 (skipping 几个, quotes), or of the run right before 是什么 / 有哪些."""
    tokens = [(w, f) for w, f in tokenizer.tagged(text) if w.strip()]
    heads = set()
    for i, (word, _flag) in enumerate(tokens):
        if not WHICH.match(word):
            continue
        j = i + 1
        while j < len(tokens) and (tokens[j][1] in ("m", "q", "x") and not re.search(r"[？?，,。]", tokens[j][0])):
            j += 1
        run = []
        while j < len(tokens) and NOUNISH.match(tokens[j][1]) and not WHICH.match(tokens[j][0]):
            run.append(tokens[j][0])
            j += 1
        if not run and j < len(tokens) and tokens[j][1] == "v" and (
                j + 1 == len(tokens) or re.search(r"[？?，,。]", tokens[j + 1][0])):
            run = [tokens[j][0]]  # 放在什么位置？ (位置 tagged as a verb)
        if not run:  # 口号是什么, 实事项目都有哪些: the noun before 是 / 有
            k = i - 1
            while k >= 0 and tokens[k][0] in ("是", "有", "都", "还", "分别", "主要", "包括"):
                k -= 1
            if k < i - 1 and k >= 0 and NOUNISH.match(tokens[k][1]):
                run = [tokens[k][0]]
        if run:
            heads.add(run[-1].lower())
    return heads


def _unglued(text: str) -> str:
    """A counting word cut off a domain term it would be read into: 多少家规上企业 is read 多少家 +
    规上企业, not 家规 (family rules) + 上 + 企业; 多少家庭 and 多少项目 stay as they are."""
    def cut(m: re.Match) -> str:
        rest = text[m.end():]
        return m[0] + " " if vocab.synonym_pattern().match(rest) else m[0]

    return re.sub(r"(?:多少|几)[家个名位件项户次座所条栋台部辆处]", cut, text)


def _without_names(folded: str, names: set[str]) -> str:
    """The question with the offices it names and its years blanked out, so that their pieces are
    no key terms (工山镇 read as 工 + 山镇, 2023年老旧小区 as 2023 + 年老 + 旧小区)."""
    for name in sorted(names, key=len, reverse=True):
        if len(name) > 1:
            folded = folded.replace(name, "，")
    return re.sub(r"(?:19|20)\d{2}\s*年度?", "，", folded)


# Characters a place name does not hold but a question's own words do: 这类社区, 几份是镇,
# 几个社区, 那份没写镇名, 科创城那份街道 name no office.
FUNCTION_CHARS = re.compile(r"[这那几份类个各哪没写是的了在或等些每某该此我你它们吗呢么谁啥]")  # (not 和, 本, 无: 和平, 本溪, 无锡)


def stem(office: str) -> str:
    """An office's name without its kind (进化镇 -> 进化), or the name itself when that is too short."""
    name = _split_kind(office)[0]
    return name if len(name) >= 2 else office


@functools.lru_cache(maxsize=4)
def _syllable_prefixes(offices: tuple[str, ...]) -> frozenset[str]:
    """The pinyin of the first syllables of each office's short name (zhongda of 中大槐树): how an
    English question may shorten a long name; a name cut inside a syllable (lianhu) is another.
    Made once per list of offices (pypinyin for 10,000 offices takes seconds)."""
    found = set()
    for office in offices:
        heard = syllables(stem(office)) if office else ()
        found |= {"".join(heard[:n]).lower() for n in range(2, len(heard) + 1)}
    return frozenset(found)


def _unknown_offices(folded: str, lang: str, offices: list[str], named: list[str]) -> list[str]:
    """Offices a question names that no report is of: 中都街道, "Zhongdu sub-district". A name that
    is an alias or the pinyin of a known office is not unknown."""
    known = {a for o in offices for a in office_aliases(o)}
    stop = set(vocab.words("query", "not_offices"))
    unknown = []
    from .office_names import OfficeNames

    for office, _, _, _ in OfficeNames(folded).offices_in(folded):
        name = _split_kind(office)[0]
        if name in stop or name.endswith(tuple(stop)) or len(name) < 2 or FUNCTION_CHARS.search(name) \
                or vocab.pattern("query", "designation_words").search(name):
            continue
        at = folded.find(office) + len(office)
        if folded[at:at + 1] in ("里", "上", "内", "中") and office.endswith(("乡", "镇")):
            continue  # 企业找乡里反映: 乡里 (in the township) is a place word, 企业找乡 no name
        if office not in known and name not in known and not any(name in o for o in offices):
            unknown.append(office)
    if lang == "en":
        pinyin = {a for a in known if a.isascii()} | _syllable_prefixes(tuple(offices))
        not_names, places = set(vocab.words("query", "english_not_names")), set(vocab.words("query", "english_place_words"))
        for m in re.finditer(r"\b([a-z]+(?:[ -][a-z]+){0,2}) (?:sub-?district|street|subdistrict office|office)\b", folded):
            words = re.split(r"[ -]", m[1])
            while words and words[-1] in places:  # Foo West Road Subdistrict: foo
                words.pop()
            word = words[-1] if words else ""
            if word and word not in not_names and word not in pinyin:  # (lianhu is not lianhua)
                unknown.append(word)
    return [u for u in unknown if not any(u.startswith(n) or n.startswith(u) for n in named)]
