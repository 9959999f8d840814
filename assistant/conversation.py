"""A conversation's questions: cleaning what was typed, and reading a question with the turns
before it. A question that names its own topic stands alone and is answered exactly as it would
be alone; only an elliptical one ("那开元呢？", "上半年呢？", "清理了多少台僵尸车？") borrows
from the previous turn, and only the parts it lacks (office, year, half-year, topic). The
embedded default decides and rewrites by these rules; an LLM, when configured, rewrites the
elliptical ones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import vocab
from .errors import EmptyQuestionError, QuestionTooLongError
from .figures import chinese_number
from .leads import LABEL
from .query import Query, english_name, office_aliases, understand
from .textnorm import Tokenizer, base_tokenizer, fold

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOUN_TAGS = ("n", "vn", "an", "b", "j", "l", "i", "eng")  # parts of speech that name a topic
HALVES = {"H1": "上半年", "H2": "下半年"}
HALVES_EN = {"H1": "first half", "H2": "second half"}
HALF_WORDS = re.compile(r"上半年|下半年|全年|first half|second half|whole year|full year", re.I)


def clean_question(question: str, limit: int = 1000) -> str:
    """The question without control characters; typed errors for an empty or an overlong one
    (``limit``: Settings.max_question_chars)."""
    if question is None or not question.strip():
        raise EmptyQuestionError()
    question = _CONTROL.sub("", question).strip()
    if len(question) > limit:
        raise QuestionTooLongError(len(question), limit)
    return question


def questions_in(question: str) -> list[str]:
    """The questions one message asks one after another (云锦产业园二期什么时候开工？要求什么时候
    竣工投用？): each a question of its own, with a question word; else the message as one."""
    def asks(part: str) -> bool:
        return len(re.sub(r"[\W_]", "", part)) >= 3 and bool(_cue("asking").search(part))

    parts = [p.strip(" ，,") for p in re.split(r"(?<=[？?])\s*", question.strip()) if p.strip(" ，,？?")]
    if len(parts) < 2 or not all(asks(p) for p in parts):
        parts = [question.strip()]
    # 中药材去年种了多少，今年打算扩到多少？: two questions between commas, each with its question word
    split = []
    for part in parts:
        pieces = [c.strip(" ，,") for c in re.split(r"[，,]", part) if c.strip(" ，,？?")]
        chinese = re.search(r"[\u4e00-\u9fff]", part)
        split.extend(pieces if chinese and len(pieces) >= 2 and all(asks(c) for c in pieces) else [part])
    return split if len(split) >= 2 else [question]


def _cue(name: str) -> re.Pattern:
    return vocab.pattern("conversation", f"{name}_pattern", re.I)


@dataclass
class Reading:
    """What a question in a chat has of its own: the offices, years and half-year it names, its
    topic words (``rest``: the question without those, its leading 那/and and trailing 呢)."""
    query: Query
    rest: str
    topic: list[str]
    asks: bool  # it has a question word of its own (多少, 哪些, how many)
    actions: list[str] = field(default_factory=list)  # its verbs that say what was done (上访, 拆分)
    of_those: bool = False  # asks which of the offices just talked about has more (哪个街道办得多？)

    @property
    def whole_corpus(self) -> bool:
        return bool(_cue("whole_corpus").search(fold(self.query.text)))


def read(question: str, offices: list[str], tokenizer: Tokenizer | None = None) -> Reading:
    tokenizer = tokenizer or base_tokenizer()
    query = understand(question, offices, tokenizer)
    rest = fold(question)
    for name in sorted({a for o in query.offices for a in office_aliases(o)}, key=len, reverse=True):
        rest = re.sub(re.escape(name) + r"(?:'s)?", " ", rest)
    rest = re.sub(r"(?:19|20)\d{2}\s*年?度?", " ", rest)
    rest = HALF_WORDS.sub(" ", rest)
    rest = _cue("trail").sub("", _cue("lead").sub("", rest.strip())).strip(" ，,。.？?")
    rest = _cue("back_reference").sub(" ", rest).strip()  # 这个数比海西多吗: 这个数 names no topic
    return Reading(query, rest, _topic_words(rest, tokenizer), bool(_cue("question_words").search(rest)),
                   _action_words(rest, tokenizer), bool(_cue("which_of_those").search(fold(question).strip())))


def _topic_words(rest: str, tokenizer: Tokenizer) -> list[str]:
    """The nouns of what is left of a question: the topic it names of its own."""
    empty = set(vocab.words("conversation", "empty_nouns"))
    english_stop = set(vocab.words("conversation", "english_stop"))
    words = []
    for word, flag in tokenizer.tagged(rest):
        word = word.strip().lower()
        if flag == "eng":
            if word not in english_stop and len(word) > 1:
                words.append(word)
        elif flag.startswith(NOUN_TAGS) and word not in empty and len(word) > 1:
            words.append(word)
    return words


def _action_words(rest: str, tokenizer: Tokenizer) -> list[str]:
    """The verbs of what is left of a question that say what was done, not only that something was
    (越级上访, 拆分; not 完成, 有没有)."""
    generic = set(vocab.words("conversation", "generic_verbs"))
    return [w for w, flag in tokenizer.tagged(rest) if flag == "v" and len(w) > 1 and w not in generic]


def _new_subject(now: Reading, previous: str) -> bool:
    """A question naming its office and a verb of its own the previous question did not use
    (辽西街道有没有越级上访情况？ after 都完成了吗？) asks about a subject of its own."""
    named = now.query.offices or now.query.unknown_offices
    return bool(named) and any(w not in fold(previous) for w in now.actions)


def stands_alone(reading: Reading, is_catalog: bool = False) -> bool:
    """A question stands alone when it names its own topic: an office and a subject, a
    cross-office cue (各街道, 哪些街道, which sub-districts), or it is about the reports themselves."""
    if reading.of_those:
        return False
    if reading.whole_corpus:
        return True
    if reading.query.offices or reading.query.unknown_offices:
        return bool(reading.topic)
    return is_catalog and not _cue("lead").search(fold(reading.query.text))


def condense(question: str, history: list[str], offices: list[str], tokenizer: Tokenizer | None = None,
             is_catalog=lambda query: False, years_of=None, same_message: bool = False) -> str:
    """The question as it is meant, read with ``history`` (the earlier questions, each as it was
    understood): unchanged when it stands alone, else completed from the previous one.
    ``years_of(office)``: the years an office's reports cover; a year the previous question named
    is not carried to an office none of whose reports covers it (开元 2023, then 那辽西呢 of a
    2024-only report: asked of 辽西's report, which says which year it covers). ``same_message``:
    the question is the second of one message (…什么时候开工？要求什么时候竣工投用？), whose
    words are about the first one's subject."""
    if not history:
        return question
    now = read(question, offices, tokenizer)
    if now.of_those and (of_those := _of_those(history, offices, tokenizer)):
        return of_those
    if stands_alone(now, is_catalog(now.query)) or _new_subject(now, history[-1]):
        return question
    before = read(history[-1], offices, tokenizer)
    if years_of and now.query.offices and not now.query.years and before.query.years and not any(
            y in years_of(o) for o in now.query.offices for y in before.query.years):
        previous = _without_years(history[-1])
        before = read(previous, offices, tokenizer)
    else:
        previous = history[-1]
    shifts = _cue("year_before").search(fold(question)) or _cue("year_after").search(fold(question))
    if shifts and years_of and not before.query.years and before.query.offices:  # 前一年呢？ of a question
        covered = [y for o in before.query.offices for y in years_of(o)]  # that named no year: the year
        if covered:  # its office's report is of, then the one before it
            previous = _with_year(previous, max(covered), before.query.offices)
            before = read(previous, offices, tokenizer)
    if now.query.lang != before.query.lang and (now.topic or now.asks):
        # 为什么要拆分？ after an English question (or "How many…?" after a Chinese one): the words of
        # one language are not spliced into the other's; the office, year and half-year are carried
        return _own_topic(question, now, before)
    aspects = set(vocab.words("conversation", "aspect_words"))
    if _cue("plan_switch").match(now.rest.strip(" ，,的")) and before.topic and now.query.lang == "zh":
        return _plan_of(previous, now, before)
    q = now.query
    of_before = same_message and q.lang == "zh" and not (q.offices or q.years or q.half)
    if now.topic and not all(w in aspects for w in now.topic) and not of_before:
        return _own_topic(question, now, before)
    if (now.topic or now.asks) and q.lang == before.query.lang == "zh" and not (q.offices or q.years or q.half):
        return _aspect_of(previous, now, before, aspects)  # 增速呢？, 一共领了多少钱: of the topic before
    return _swapped(previous, now, before)


def ordinal(question: str) -> tuple[int, str] | None:
    """第三个展开说说 -> (3, "展开说说"): a follow-up about one item of the previous answer."""
    m = _cue("ordinal").match(fold(question).strip().rstrip("？?。.！! "))
    if not m:
        return None
    n = int(m[1]) if m[1].isdigit() else chinese_number(m[1].replace("两", "二"))
    return (int(n), m[2].strip(" ，,")) if n else None


def about_item(item: str, asked: str) -> str:
    """The question about one item of an answer: its subject (the item's first clause, without its
    numbering: （三）抓好城市建设，着力… -> 抓好城市建设), then what is asked of it, or what the
    reports say of it when the question only asks for more (展开说说)."""
    subject = re.split(r"[，,；;。:：]", LABEL.sub("", item).strip(), maxsplit=1)[0][:40]
    if not asked or _cue("elaborate").match(asked):
        asked = "具体有哪些内容"
    return f"{subject}{asked}？"


def _topic_spans(previous: str, before: Reading, skip: frozenset[str] = frozenset()) -> tuple[str, list[tuple[int, int]]]:
    """The previous question (folded where folding moved characters) and the spans of its topic
    words in it, the question's own words (计划 of 计划增长多少 asks, it is no topic) and ``skip``
    left out."""
    folded = fold(previous)  # spans found in the folded form cut the text as typed, where folding kept
    text = previous if len(folded) == len(previous) else folded  # every character's place (it mostly does)
    generic = set(vocab.words("query", "generic_terms")) | skip
    return text, [(m.start(), m.end()) for word in before.topic if word not in generic
                  for m in re.finditer(re.escape(word), folded)]


def _without_units(text: str) -> str:
    """多少公里农村公路 -> 多少农村公路: the unit a replaced topic was counted in goes with it."""
    return re.sub(rf"(多少|几)\s*(?:{vocab.alternation('query', 'counted_units')})", r"\1", text)


def _plan_of(previous: str, now: Reading, before: Reading) -> str:
    """计划呢？ after 开元街道2023年为非公企业解决了多少问题: 开元街道（2024年）为非公企业…的计划 —
    the previous question's office and topic, in the plan; the year it names, else none (the
    result's year is not the plan's)."""
    text, spans = _topic_spans(previous, before)
    head = _without_years(text[:max(e for _, e in spans)] if spans else text.rstrip("？?。 "))
    offices = [o for o in before.query.offices if o not in head]
    year = f"{now.query.years[0]}年" if now.query.years else ""
    office = next((o for o in before.query.offices if o in head), "")
    body = head[len(office):] if office and head.startswith(office) else head
    return f"{''.join(offices)}{office}{year}{body}的计划"


def _aspect_of(previous: str, now: Reading, before: Reading, aspects: set[str]) -> str:
    """The previous question's topic, measured as this one asks (限上零售额是多少 + 增速呢 ->
    限上零售额增速是多少; 领取待遇多少人次 + 一共领了多少钱 -> 领取待遇一共领了多少钱)."""
    text, spans = _topic_spans(previous, before, frozenset(aspects))
    rest = now.rest
    years = _shifted_years(now, before.query)
    if before.query.years and years != list(before.query.years):  # 去年完成了多少: of the year before
        text = text.replace(str(before.query.years[0]), str(years[0]), 1)  # (same length: spans hold)
        previous = previous.replace(str(before.query.years[0]), str(years[0]), 1)
        rest = _cue("year_before").sub("", _cue("year_after").sub("", rest)).strip(" ，,")
    if not spans:
        return f"{previous.rstrip('？?。 ')}，{rest}"
    end = max(e for _, e in spans)
    asked = _cue("asking").search(text)  # 人居环境宣传要结合哪些阶段性工作 + 目的是啥: of 人居环境宣传,
    if now.asks and asked and any(e <= asked.start() for _, e in spans):  # not of the question's own words
        end = max(e for _, e in spans if e <= asked.start())
    return text[:end] + rest + ("" if now.asks else _without_units(text[end:]))


def _with_year(text: str, year: int, offices: list[str]) -> str:
    """``text`` with ``year`` written after the office it names (辽西街道上半年… -> 辽西街道2024年上半年…)."""
    for alias in sorted({a for o in offices for a in office_aliases(o)}, key=len, reverse=True):
        at = text.find(alias)
        if at >= 0:
            return text[:at + len(alias)] + f"{year}年" + text[at + len(alias):]
    return f"{year}年{text}"


def _without_years(text: str) -> str:
    return re.sub(r"\s*(?:\bin\s+)?(?:19|20)\d{2}\s*年?度?", "", text).strip()


def _own_topic(question: str, now: Reading, before: Reading) -> str:
    """An elliptical question with a topic of its own (清理了多少台僵尸车？, 建筑业呢？): the
    previous question's office, year and half-year it does not name, then its own words. A bare
    "X呢" takes the previous question with X in place of its topic."""
    q, prev = now.query, before.query
    if not now.asks and before.topic and q.lang == prev.lang == "zh":
        return _topic_swapped(before, now)
    offices = q.offices or prev.offices
    years = q.years or _shifted_years(now, prev)
    half = q.half or ("" if HALF_WORDS.search(q.text) else prev.half)
    text = _cue("trail").sub("", _cue("lead").sub("", question.strip())).strip(" ，,")
    if not q.years and prev.years and years != list(prev.years):  # 去年引进了几个: the year it names, written out
        text = _cue("year_before").sub("", _cue("year_after").sub("", text)).strip(" ，,")
    if q.lang == "en":
        # "And how many problems were found?" goes on about the thing asked before (its topic words
        # come along); "What about employment?" turns to another
        aspects = set(vocab.words("conversation", "aspect_words"))  # (and the growth rate? is of it too;
        going_on = bool(re.match(r"\s*and\b", q.text, re.I)) and prev.lang == "en" and before.topic and (
            now.asks or all(w in aspects for w in now.topic))  # and the living-hardship subsidy? is another)
        context = ", ".join([*(english_name(o) for o in offices), *(str(y) for y in years if str(y) not in text),
                             *([HALVES_EN[half]] if half and not q.half else []),
                             *([" ".join(before.topic)] if going_on else [])])
        return f"{context}: {text}?" if context else question
    prefix = "".join(o for o in offices if not any(a in text for a in office_aliases(o)))
    prefix += "".join(f"{y}年" for y in years if str(y) not in text)
    prefix += HALVES.get(half, "") if half and not q.half else ""
    if not offices and before.whole_corpus:  # asked of every office before: still of every office
        return f"{_cue('whole_corpus').search(fold(prev.text))[0]}{prefix}{text}"
    return f"{prefix}{text}" if prefix else question


def _topic_swapped(before: Reading, now: Reading) -> str:
    """The previous question with this one's topic in place of its own (规上工业总产值计划增长多少
    + 建筑业呢 -> 建筑业计划增长多少); the unit it counted in is dropped (建筑业 may count in 亿元)."""
    text = before.query.text
    if swapped := _counterpart_swapped(text, now.rest):
        return swapped
    text, spans = _topic_spans(text, before)
    if not spans:
        return f"{text}（{now.rest}）"
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    return _with_context(_without_units(text[:start]), now) + now.rest + _without_units(text[end:])


def _counterpart_swapped(text: str, rest: str) -> str | None:
    """农村呢？ after 城镇低保…, 南端呢？ after …北侧打算打造什么: ``text`` with the word of ``rest``'s
    group of counterparts it names swapped for ``rest``; None when it names none."""
    for group in vocab.data()["conversation"]["counterparts"]:
        if rest in group:
            other = next((w for w in sorted(group, key=len, reverse=True) if w != rest and w in text), None)
            if other:
                return text.replace(other, rest, 1)
    return None


def _with_context(head: str, now: Reading) -> str:
    """The head of the previous question with the year or half-year this one names swapped in."""
    if now.query.years:
        head = re.sub(r"20\d{2}", str(now.query.years[0]), head) if re.search(r"20\d{2}", head) \
            else f"{now.query.years[0]}年{head}"
    if now.query.half:
        half = HALVES[now.query.half]
        head = HALF_WORDS.sub(half, head, count=1) if HALF_WORDS.search(head) else _after_year(head, half)
    return head


def _swapped(previous: str, now: Reading, before: Reading) -> str:
    """An elliptical question without a topic of its own (那辽西呢？, 上半年呢？, 和开元比哪个多？,
    the year before?): the previous question with what this one names swapped in."""
    q, prev = now.query, before.query
    rewritten, english = previous, previous.isascii()  # an English question is rewritten in English
    if q.offices:
        rewritten = _with_office(rewritten, q, prev, add=bool(_cue("compare").search(fold(q.text))))
    years = q.years or (_shifted_years(now, prev) if prev.years else [])
    if years and years != prev.years:
        if prev.years:
            rewritten = re.sub(r"20\d{2}", str(years[0]), rewritten, count=1)
        else:  # "…each week?" + 2024年呢: "…each week in 2024?"
            rewritten = f"{rewritten.rstrip('?？ ')} in {years[0]}?" if english else f"{years[0]}年{rewritten}"
    if q.half or re.search(r"全年|whole year|full year", q.text, re.I):  # "in the second half" -> "first half"
        new = (HALVES_EN if english else HALVES).get(q.half, "whole year" if english else "全年")
        if HALF_WORDS.search(rewritten):
            rewritten = HALF_WORDS.sub(new, rewritten, count=1)
        else:
            rewritten = _after_year(rewritten, new)
    if rewritten == previous and now.rest and not q.offices:  # 哪个最多？ after 各街道的低保户分别有多少？
        rewritten = _counterpart_swapped(previous, now.rest) or f"{previous.rstrip('？?。 ')}，{now.rest}"
    elif q.offices and now.rest and not _cue("compare").search(fold(q.text)):
        rewritten = f"{rewritten.rstrip('？?。 ')}，{now.rest}"  # 铁西要新建几家？
    return rewritten


def _of_those(history: list[str], offices: list[str], tokenizer: Tokenizer | None) -> str | None:
    """哪个街道办得多？ after 辽西街道…办了几次法律知识讲座？ and 开元的呢: the question before, asked
    of the offices the last two turns named (辽西街道和开元街道…办了几次…), whose answers side by side
    say which; None when they named fewer than two."""
    named = list(dict.fromkeys(o for earlier in history[-2:] for o in read(earlier, offices, tokenizer).query.offices))
    before = read(history[-1], offices, tokenizer).query
    if len(named) < 2 or not before.offices:
        return None
    english = history[-1].isascii()
    joined = (" and " if english else "和").join(english_name(o) if english else o for o in named)
    return _replace_offices(history[-1], before.offices, joined)


def _replace_offices(text: str, old_offices: list[str], new: str) -> str:
    """``text`` with its first name of one of ``old_offices`` replaced by ``new``, the others dropped."""
    for old in old_offices:
        for alias in office_aliases(old):
            pattern = re.escape(alias)
            if alias.isascii():
                text = re.sub(rf"\b{pattern}\b", "\0", text, flags=re.I)
            else:
                text = text.replace(alias, "\0")
    return re.sub("\0+", lambda _: new, text, count=1).replace("\0", "")


def _with_office(text: str, q: Query, prev: Query, add: bool) -> str:
    """``text`` about ``q``'s office instead of ``prev``'s (or about both, ``add``); a question
    asked of every office (哪些街道…) is asked of this one."""
    english = text.isascii()  # an English question stays English, whichever language the follow-up is in
    new = english_name(q.offices[0]) if english else q.offices[0]
    if prev.offices:
        both = f"{english_name(prev.offices[0])} and {new}" if english else f"{prev.offices[0]}和{new}"
        return _replace_offices(text, prev.offices, both if add else new)
    m = _cue("whole_corpus").search(text)
    if m:
        return text[:m.start()] + new + text[m.end():]
    return new + text


def _shifted_years(now: Reading, prev: Query) -> list[int]:
    if prev.years and _cue("year_before").search(fold(now.query.text)):
        return [y - 1 for y in prev.years]
    if prev.years and _cue("year_after").search(fold(now.query.text)):
        return [y + 1 for y in prev.years]
    return list(prev.years)


def _after_year(text: str, half: str) -> str:
    m = re.search(r"20\d{2}\s*年", text)
    return text[:m.end()] + half + text[m.end():] if m else half + text


