"""The extractive answerer: the embedded default that needs no language model. It quotes the
source sentences that answer the question, grouped by report, each followed by its citation
marker; framing follows the question's language. Its sentence scoring (key terms, coverage) is
shared with the comparison answerer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import vocab
from .chunking import sentence_spans
from .documents import Answer, Citation, cite
from .figures import NUMERIC, has_unit, states_figure, states_new
from .leads import render_extractive
from .index import Index
from .labels import say
from .outline import asks_content, asks_outline, outline_answer, part_sentences
from .query import Query
from .retrieve import Hit
from .series import SERIES_ITEM, SERIES_START, with_series
from .settings import Settings
from .textnorm import PAYWALL, search_form
from .verify import PLACEHOLDER, has_placeholder, unsupported_numbers

@dataclass
class Sentence:
    hit: Hit
    rank: int  # of its passage among the hits
    start: int
    end: int
    text: str  # display
    search: str  # search form
    coverage: float = 0.0
    lenient: float = 0.0  # coverage not counting the kind of answer asked when it lacks it (Terms)
    has_number: bool = False
    placeholder: bool = False
    before: str = ""  # the sentence before, when this one goes on about what it named (search form)
    intro: str = ""  # of an item of a series (二是…), what introduced the series (还存在一些不足:一是…)
    title: bool = False  # an item's title (第一项:…工程。): it names the item, it states nothing of it
    frame: str = ""  # the clauses before it of one statement (1-11月…完成9545万元;<this>): their period is its own


UNSEEN_FLOOR = 0.6  # share of an unseen word's IDF it keeps at least (see key_terms)
ITEM_LABEL_MAX = 32  # 第一项:校舍维修建设及设施设备提升工程。: an item's title, read as a heading of what follows
# (the layout 第N项:title。 then 该项目… sentences was found on one dev report, r56 暨阳's 民生实事 list;
# the numbered title line itself is the general case)
LABEL_MAX = 16  # "二是小额临时救助发放。": an item's label sentence, read with the sentence after it


def candidate_sentences(index: Index, hits: list[Hit]) -> list[Sentence]:
    out = []
    for rank, hit in enumerate(hits):
        report = index.report(hit.chunk.report_id)
        spans = sentence_spans(report.text[hit.chunk.start:hit.chunk.end], hit.chunk.start)
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and merged[-1][1] - merged[-1][0] <= LABEL_MAX and "\n" not in report.text[merged[-1][0]:s]:
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        label = ""  # the item label the sentences below belong to (第一项:校舍维修建设工程。)
        intro = ""  # what the series of items (一是…二是…) in this passage is of
        for s, e in merged:
            raw = PAYWALL.sub("", report.text[s:e])
            display = re.sub(r"\s*\n\s*", "", raw).strip()
            if len(display) < 4:
                continue
            sentence = Sentence(hit, rank, s, e, display, search_form(display, report.uses_d_for_dang))
            first = SERIES_START.search(sentence.search)
            if first:
                intro = sentence.search[:first.start()]
            elif SERIES_ITEM.match(sentence.search):
                sentence.intro = intro
            previous = out[-1] if out and out[-1].hit is hit else None
            if previous and previous.text.endswith(("；", ";")) and "\n" not in report.text[previous.end:s]:
                sentence.frame = previous.frame + " " + previous.search
            if _is_title(display):
                label, sentence.title = sentence.search, True
            else:
                sentence.before = " ".join([label, sentence.intro, _continued(previous, sentence, report.text)])
            out.append(sentence)
    # a label needs something under it: a short numbered sentence followed by the next numbered
    # one, or by nothing, is an item of a list (4.花园社区获评山东省首批零碳试点社区。5.…), not a title
    # (found on one dev report's list of honours; any numbered list of one-line items is the case)
    label_start = vocab.pattern("answers", "item_label_pattern")
    for at, sentence in enumerate(out):
        if sentence.title:
            after = out[at + 1] if at + 1 < len(out) and out[at + 1].hit is sentence.hit else None
            if after is None or label_start.search(after.text):
                sentence.title = False
    return out


def _is_title(display: str) -> bool:
    """第一项:校舍维修建设及设施设备提升工程。: a short numbered sentence of its own that states no
    figure (not （2）加装电梯27部；, not 二是创建党建品牌。街道已打造6个…)."""
    return (len(display) <= ITEM_LABEL_MAX and bool(vocab.pattern("answers", "item_label_pattern").search(display))
            and not re.search(r"[。；;！!？?].", display) and not re.search(r"\d", display[2:])
            and not display.endswith(("；", ";", "，", ",")))


def _continued(previous: Sentence | None, sentence: Sentence, text: str) -> str:
    """The sentence before, when this one goes on about what it named (该项目…。该项目…: back to
    the one that named it), in the same paragraph."""
    if previous and "\n" not in text[previous.end:sentence.start] and \
            vocab.pattern("answers", "continuation_pattern").search(sentence.text):
        return previous.search + " " + previous.before
    return ""


@dataclass
class Terms:
    """A question's key-term groups, their sub-words and weights, ready to score texts with.
    ``conjuncts``: when the question lists several things (规上工业产值、社会消费品零售总额和财政税收
    各是多少), the groups of each; a sentence answering one of them is scored on that one."""
    groups: list[list[str]]
    parts: list[list[str]]
    weights: list[float]
    conjuncts: list[list[int]] = field(default_factory=list)
    units: tuple[str, ...] = ()  # what a question with no key terms asks for: 象山社区有多少户、多少人
    optional: list[bool] = field(default_factory=list)  # the kind of answer asked (query.slots): counts if there
    kinds: list[tuple[int, int]] = field(default_factory=list)  # (modifier, head) groups written as one word

    def coverage(self, text: str, context: str, problems_here: bool = False, lenient: bool = False) -> float:
        """The share of the key-term weight ``text`` holds (``context``, its headings, counts half);
        ``lenient``: not counting the optional groups it lacks (whether it answers at all, not how well)."""
        credit = [self._credit(i, text, context, problems_here) for i in range(len(self.groups))]
        if not sum(self.weights):
            if self.units and not problems_here:  # the figures asked for, of the office itself
                return sum(has_unit(text, u) for u in self.units) / len(self.units)
            return 1.0 if problems_here else 0.0
        # an optional group the text lacks is left out of the weight it is measured against
        held = [0.0 if lenient and self.optional and self.optional[i] and not credit[i] else w
                for i, w in enumerate(self.weights)]
        if not sum(held):
            return 0.0
        shares = [sum(credit) / sum(held)]
        listed = {i for conjunct in self.conjuncts for i in conjunct}
        shared = [i for i in range(len(self.groups)) if i not in listed]
        for conjunct in self.conjuncts:
            own = conjunct + shared
            total = sum(held[i] for i in own)
            if total:
                shares.append(sum(credit[i] for i in own) / total)
        return max(shares)

    def _credit(self, i: int, text: str, context: str, problems_here: bool) -> float:
        group, part, weight = self.groups[i], self.parts[i], self.weights[i]
        if problems_here and any(vocab.pattern("answers", "problem_words").search(t) for t in group):
            return weight  # a problems section answers "哪些不足" whether or not it says 不足
        if any(mod_of == i and any(t in text for t in group) and not any(
                t in text or t in context for t in self.groups[m] + self.parts[m]) for m, mod_of in self.kinds):
            return 0.0  # 法律进企业宣传2场次 is another kind of 宣传 than the 禁毒宣传 asked about
        if any(t in text for t in group):
            return weight
        if any(t in context for t in group):
            return weight * 0.5
        if any(p in text for p in part):  # 低保户 asked, 在册低保81户 written
            return weight * 0.6
        return 0.0


def key_terms(index: Index, query: Query) -> Terms:
    groups = query_groups(query)
    weights = [max(_weight(index, query, t) for t in group) for group in groups]
    # A word no passage uses (单子 for 清单, 年轻人 for 青年) has no document frequency to weigh it by:
    # asked of one office's report, it is most likely the asker's word for one the report uses, and
    # counts as much as the rarest word of the question that the reports do use, not more, and still
    # as a rare word. (Asked across the reports, a word none uses is what none of them speaks of.)
    unseen = index.idf("\uffff")
    nowhere = [all(index.idf(t) >= unseen for t in g) for g in groups]
    seen = [w for w, absent in zip(weights, nowhere) if w and not absent]
    if seen and query.offices and not query.cross:
        cap = max(max(seen), UNSEEN_FLOOR * unseen)
        weights = [min(w, cap) if absent else w for w, absent in zip(weights, nowhere)]
    # sub-words of the question's own terms count a little (低保户 asked, 在册低保81户 written); those
    # of words added as synonyms do not (生产 of 生产总值 is in every 安全生产)
    # and only a sub-word that is half of its word or more (低保 of 低保户, not 生产 of 地区生产总值)
    parts = [[p for t in group if t not in query.expanded for p in index.tokenizer.tokenize(t)
              if len(p) > 1 and p != t and 2 * len(p) >= len(t)] for group in groups]
    optional = [all(t in query.slots for t in group) for group in groups]
    return Terms(groups, parts, weights, _conjuncts(query, groups), query.units,
                 optional if any(optional) and not all(optional) else [])


def _kinds(query: Query, groups: list[list[str]], texts: list[str]) -> list[tuple[int, int]]:
    """(modifier, head) pairs of key-term groups the question writes as one word that the passages
    found (``texts``) also write as one (禁毒宣传: 禁毒 + 宣传, as in “6.26”禁毒宣传日), when it asks how many: a
    figure of the head alone counts another kind of it (法律进企业宣传2场次 is no count of 禁毒宣传),
    and a wrong number is worse than none. (领取高龄津贴 asked, 发放…高龄津贴 written: 领取 高龄 is
    the asker's phrasing, no word of the reports, and 高龄 needs no 领取.) (Found on one seed report's
    宣传 lines through a dev trace; a count of one kind of a thing given for another is the case.)"""
    if query.lang != "zh" or not query.strict_quantity:
        return []
    text = query.search_text
    spans = [(text.find(g[0]), text.find(g[0]) + len(g[0])) for g in groups]
    pairs = [(a, b) for a, (sa, ea) in enumerate(spans) for b, (sb, _) in enumerate(spans)
             if a != b and sa >= 0 and sb >= 0 and ea == sb]
    return [(a, b) for a, b in pairs if any(groups[a][0] + groups[b][0] in t for t in texts)]


def _conjuncts(query: Query, groups: list[list[str]]) -> list[list[int]]:
    """The key-term groups of each thing a question lists (split at 、 和 及 与 以及 ，), when it
    lists two or more that each have terms of their own."""
    if query.lang != "zh":
        return []
    pieces = [p for p in re.split(r"、|，|,|以及|和|及|与|还有", query.search_text) if p.strip()]
    if len(pieces) < 2:
        return []
    found = []
    for piece in pieces:
        own = [i for i, group in enumerate(groups) if any(t in piece for t in group)]
        if own:
            found.append(own)
    return found if len(found) >= 2 else []


def score_sentences(index: Index, query: Query, sentences: list[Sentence]) -> Terms:
    """Coverage: the share of the question's key-term weight a sentence holds (its section
    headings count for half), so a passage that lacks what the question is about scores low."""
    terms = key_terms(index, query)
    groups, weights = terms.groups, terms.weights
    terms.kinds = _kinds(query, groups, list(dict.fromkeys(s.search for s in sentences)))
    for sentence in sentences:
        problems_here = query.problems and (sentence.hit.chunk.role == "problems" or bool(
            vocab.pattern("answers", "problem_words").search(sentence.intro)))  # 存在一些不足:一是… 二是…
        context = search_form(sentence.hit.chunk.section) + " " + sentence.before
        sentence.coverage = terms.coverage(sentence.search, context, problems_here)
        sentence.lenient = terms.coverage(sentence.search, context, problems_here, lenient=True) \
            if terms.optional else sentence.coverage
        sentence.has_number = states_figure(sentence.search, query)
        # Does the clause that holds the question's terms give its figure only as XX?
        clauses = re.split(r"[，,；;：:]", sentence.search)
        best = max(clauses, key=lambda c: sum(w for g, w in zip(groups, weights) if any(t in c for t in g)))
        # the figure asked for is given only as XX: in the clause that holds the question's terms,
        # or anywhere in the sentence when the question asks for an amount of money
        best_plain = PLACEHOLDER.sub("", best)
        sentence.placeholder = (has_placeholder(best) and not NUMERIC.search(best_plain)) or (
            not sentence.has_number and "元" in query.units and has_placeholder(sentence.search))
    return terms


def _weight(index: Index, query: Query, term: str) -> float:
    """How much a key term counts: rarer terms more (IDF), nouns more than verbs; a verb or
    adjective the reports never use is the question's phrasing, not its topic."""
    pos = query.weights.get(term, 1.0)
    if pos < 0.5 and index.idf(term) >= index.idf("\uffff"):  # unseen in every passage
        return 0.0
    return index.idf(term) * pos


def query_groups(query: Query) -> list[list[str]]:
    """Key-term groups: a group is satisfied by any of its members (English terms map to several
    Chinese words). A word and its own parts form one group (招商引资 ⊃ 招商, 引资)."""
    groups: list[list[str]] = []
    for alternatives in query.alternatives:  # a glossary entry's Chinese words, a synonym group
        shared = next((g for g in groups if any(t in g for t in alternatives)), None)
        if shared is not None:  # 低保 (glossary) and 低保|最低生活保障 (synonyms): one group
            shared.extend(t for t in alternatives if t not in shared)
        elif alternatives:
            groups.append(list(alternatives))
    for term in sorted(query.terms, key=len, reverse=True):
        if any(term in group for group in groups):
            continue
        for group in groups:  # (a synonym added for the question does not take in its parts: 地区 of 地区生产总值)
            if any(term in member for member in group if member not in query.expanded):
                group.append(term)
                break
        else:
            groups.append([term])
    return groups


def select(query: Query, sentences: list[Sentence], settings: Settings) -> list[Sentence]:
    def score(s: Sentence) -> float:
        return (s.coverage + (settings.number_bonus if query.quantity and s.has_number else 0.0)
                - settings.rank_penalty * s.rank)

    def enough(s: Sentence) -> bool:
        # a figure in the very unit asked, in the named office's top passage, needs less of the
        # question's wording (镇级地方财政一般预算进账多少 asked, 地方一般预算总收入158.9万元 written)
        relaxed = query.units and query.offices and not query.cross and s.rank == 0 and s.has_number
        return s.lenient >= (settings.unit_coverage if relaxed else settings.min_coverage)

    passing = [s for s in sentences if enough(s) and in_period(query, s)
               and (not s.title or query.asks_list or query.problems)  # a title answers 有哪些 only
               and (not query.counts_new or states_new(s.search, query))]
    if not passing:
        return []
    if query.strict_quantity:
        # "how many/much": only a sentence that states a figure (in the asked unit) answers;
        # one that gives the figure as XX says it is undisclosed
        passing = [s for s in passing if s.has_number or s.placeholder]
        if not passing:
            return []
    if query.cross or len(query.offices) != 1:  # each report is judged on its own best sentence (东明路和
        # 凤凰…谁多: each office named answers for itself, not only the one whose sentence scores best)
        best_of = {}
        for s in passing:
            rid = s.hit.chunk.report_id
            best_of[rid] = max(best_of.get(rid, 0.0), score(s))
        chosen = [s for s in passing if score(s) >= best_of[s.hit.chunk.report_id] - settings.answer_margin]
    else:
        best = max(score(s) for s in passing)
        chosen = [s for s in passing if score(s) >= best - settings.answer_margin]
    if query.quantity and any(s.has_number for s in chosen):
        chosen = [s for s in chosen if s.has_number or s.placeholder]
    by_report: dict[str, list[Sentence]] = {}
    limit = settings.max_list_items if query.asks_list or query.problems else settings.max_sentences
    for s in sorted(chosen, key=score, reverse=True):
        bucket = by_report.setdefault(s.hit.chunk.report_id, [])
        if len(bucket) < limit and not any(s.start == o.start for o in bucket):
            bucket.append(s)
    if not (query.cross or not query.offices):
        by_report = {rid: v for rid, v in by_report.items() if v[0].hit.chunk.office in query.offices}
    picked = []
    for rid, bucket in sorted(by_report.items(), key=lambda kv: -max(score(s) for s in kv[1])):
        if query.asks_list or query.problems:
            bucket = with_series(bucket, sentences, limit)
        picked.extend(sorted(bucket, key=lambda s: s.start))
    return picked


def in_period(query: Query, s: Sentence) -> bool:
    """Whether a sentence speaks of the period the question asks about. The question's year,
    half-year and plan-or-result only rank the passages (a report's periods may be read wrong);
    here a figure of another year, of the other half, or a result given for a target asked (and
    the other way round) is no answer: a wrong number is worse than none."""
    chunk = s.hit.chunk
    if query.years and not query.relative_year and chunk.year and chunk.year not in query.years \
            and not any(f"{y}" in s.search for y in query.years):
        return False
    if query.half and chunk.half and chunk.half != query.half and HALF_WORDS[query.half] not in s.search:
        return False
    # 2022—2023年雪季 asked, 2021-2022年雪季 written: another season (a snow season on one dev item;
    # any span of years asked, a school year, a 三年行动, is the general case)
    asked = YEAR_RANGE.search(query.text)
    if asked and (written := YEAR_RANGE.findall(s.text)) and (asked[1], asked[2]) not in written:
        return False
    if WHOLE_YEAR.search(query.search_text) and "全年" not in s.search and (
            PART_OF_YEAR.search(s.search) or PART_OF_YEAR.search(s.frame)):
        return False  # 全年呢？ is not answered by 1-11月 or 上半年 figures
    if query.strict_quantity and query.phase and chunk.phase and chunk.phase != query.phase:
        cues = "target_words" if query.phase == "plan" else "achieved_words"
        return bool(vocab.pattern("answers", cues).search(s.search))
    return True


HALF_WORDS = {"H1": "上半年", "H2": "下半年"}
YEAR_RANGE = re.compile(r"(20\d{2})\s*年?\s*[-—–~至到]\s*(20\d{2})")
WHOLE_YEAR = re.compile(r"全年|whole[\s-]year|full[\s-]year|entire year", re.I)
PART_OF_YEAR = re.compile(r"\d+\s*[-—–~至到]\s*\d+\s*月|前[一二三]季度|[一二三四]季度|上半年|下半年|截至\d+月|截止\d+月")


def make_citations(chosen: list[Sentence], index: Index) -> list[Citation]:
    citations = []
    for s in chosen:
        chunk = s.hit.chunk
        citations.append(cite(index.report(chunk.report_id), len(citations) + 1, s.start, s.end,
                              passage=(chunk.text, chunk.start, chunk.end), section=chunk.section))
    return citations


class ExtractiveAnswerer:
    """Quotes the sentences of the retrieved passages that hold the question's key terms."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def answer(self, query: Query, hits: list[Hit], index: Index) -> Answer | None:
        """The quoted answer; a not_found one when the figure asked for is written only as XX;
        None when no sentence answers."""
        if not hits:
            return None
        if asks_outline(query) and (parts := outline_answer(query, hits, index, self.settings)):
            return parts  # 分哪几个方面: the headings under the section it names
        sentences = candidate_sentences(index, hits)
        terms = score_sentences(index, query, sentences)
        chosen = (asks_content(query) and part_sentences(query, sentences, terms, self.settings, in_period)) \
            or select(query, sentences, self.settings)
        if not chosen:
            return None
        citations = make_citations(chosen, index)
        text = render_extractive(query, citations, chosen, terms)
        status = "answered"
        if query.quantity and all(s.placeholder for s in chosen):
            text, status = say(query.lang, "answer_undisclosed") + "\n\n" + text, "not_found"
        unsupported = [n for c in citations for n in unsupported_numbers(c.text, [c.passage])]
        return Answer(question=query.text, answer=text, status=status, citations=citations,
                      unsupported_numbers=unsupported)
