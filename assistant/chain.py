"""The question-answering chain (LangChain LCEL):

    condense follow-up -> understand -> hybrid retrieval -> answer (extractive | llm) -> verify

``Assistant`` wires the chain to an index; the CLI, the eval runner and the app all use it."""

from __future__ import annotations

import logging
import re
import time
from typing import Iterator

from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from .answer import Answer, extractive_answer
from .catalog import catalog_answer, is_catalog_question
from .embeddings import make_embedder
from .errors import EmptyQuestionError, LLMError, QuestionTooLongError
from .index import Index
from .llm import answer_prompt, cite_reply, condense_with_llm, stream_reply
from .query import Query, office_aliases, understand
from .retrieve import Filters, SearchResult, search
from .tables import comparison_answer, is_comparison
from .settings import Settings
from .verify import unsupported_numbers

log = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 1000  # a real question is a sentence or two; longer input is pasted text
ANSWER_HITS = 8  # passages the answerer reads: more than k, so that a figure ranked 6th still counts
PER_REPORT_HITS = 3  # a question across offices reads at most this many passages of each report
FOLLOW_UP_CUE = re.compile(r"^(那么?|那|还有|另外|再|其中|and|what about|how about|and what about)\b|呢[？?]?$",
                           re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Assistant:
    def __init__(self, settings: Settings, index: Index | None = None) -> None:
        self.settings = settings
        self.index = index or Index(settings, make_embedder(settings))
        self.chain = self._build_chain()

    # --- public --------------------------------------------------------------------------------
    def offices(self) -> list[str]:
        return self.index.offices()

    def ask(self, question: str, history: list[str] | None = None,
            filters: Filters = Filters()) -> Answer:
        final = None
        for final in self.stream(question, history, filters):
            pass
        return final

    def stream(self, question: str, history: list[str] | None = None,
               filters: Filters = Filters()) -> Iterator[Answer]:
        """Answers growing as text arrives; the last one is complete and verified."""
        started = time.perf_counter()
        state = self.chain.invoke({"question": clean_question(question), "history": history or [],
                                   "filters": filters})
        answer: Answer = state["answer"]
        if answer is None:  # the llm answerer: stream it
            yield from self._stream_llm(state, started)
            return
        answer.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 1)
        yield answer

    def search(self, question: str, filters: Filters = Filters(), k: int | None = None,
               mode: str = "hybrid") -> SearchResult:
        query = understand(clean_question(question), self.offices())
        return search(self.index, query, self.settings, filters.merged(query), k=k, mode=mode)

    # --- the chain -----------------------------------------------------------------------------
    def _build_chain(self):
        return (RunnablePassthrough.assign(standalone=RunnableLambda(self._condense))
                | RunnablePassthrough.assign(query=RunnableLambda(self._understand))
                | RunnablePassthrough.assign(retrieved=RunnableLambda(self._retrieve))
                | RunnablePassthrough.assign(answer=RunnableLambda(self._answer)))

    def _condense(self, state: dict) -> str:
        question, history = state["question"], state["history"]
        if not history:
            return question
        if self.settings.answerer == "llm" and self.settings.llm_base_url:
            try:
                return condense_with_llm(self.settings, question, history)
            except LLMError as e:
                log.warning("%s; condensing by rules", e)
        return condense(question, history, self.offices())

    def _understand(self, state: dict) -> Query:
        return understand(state["standalone"], self.offices())

    def _retrieve(self, state: dict) -> SearchResult:
        query: Query = state["query"]
        if (query.unknown_offices and not query.offices) or is_catalog_question(query):
            return SearchResult([], {})  # nothing to find, or answered from the report records
        filters = state["filters"].merged(query)
        if query.cross or len(filters.offices) != 1:
            return search(self.index, query, self.settings, filters, k=ANSWER_HITS + 4,
                          per_report=PER_REPORT_HITS)
        return search(self.index, query, self.settings, filters, k=ANSWER_HITS)

    def _answer(self, state: dict) -> Answer | None:
        """The extractive answer, a not_found one, or None when the llm answerer streams it.
        A question about the reports themselves is answered from their records in either mode."""
        t0 = time.perf_counter()
        catalog = catalog_answer(self.index, state["query"], state["filters"])
        if catalog is not None:
            catalog.question, catalog.standalone_question = state["question"], state["standalone"]
            catalog.timings_ms = {"answer": round((time.perf_counter() - t0) * 1000, 1)}
            return catalog
        if state["retrieved"].hits and self.settings.answerer == "llm" and self.settings.llm_base_url:
            return None
        return self._extractive(state)

    def _extractive(self, state: dict) -> Answer:
        query: Query = state["query"]
        result: SearchResult = state["retrieved"]
        base = dict(question=state["question"], standalone_question=state["standalone"],
                    timings_ms={k: round(v, 1) for k, v in result.timings_ms.items()})
        if not result.hits:
            return Answer(answer=self._not_found_message(query, state["filters"]), status="not_found",
                          **base)
        t0 = time.perf_counter()
        table = comparison_answer(self.index, query, self.settings) if is_comparison(query) else None
        if table is not None:
            text, citations = table
            status = "answered"
        else:
            text, citations, status = extractive_answer(self.index, query, result.hits, self.settings)
        base["timings_ms"]["answer"] = round((time.perf_counter() - t0) * 1000, 1)
        if text is None:
            return Answer(answer=self._not_found_message(query, state["filters"], result),
                          status="not_found", **base)
        unsupported = [n for c in citations for n in unsupported_numbers(c.text, [c.passage])]
        return Answer(answer=text, status=status, citations=citations,
                      unsupported_numbers=unsupported, **base)

    def _stream_llm(self, state: dict, started: float) -> Iterator[Answer]:
        query: Query = state["query"]
        hits = state["retrieved"].hits[:self.settings.k]
        base = dict(question=state["question"], standalone_question=state["standalone"], mode="llm")
        text = ""
        try:
            for piece in stream_reply(self.settings, answer_prompt(self.settings, query, hits)):
                text += piece
                yield Answer(answer=text, status="answered", timings_ms={}, **base)
        except LLMError as e:
            log.warning("%s; answering extractively", e)
            fallback = self._extractive(state)
            fallback.notice = ("语言模型服务不可用，以下为摘录式回答。" if query.lang == "zh" else
                               "The language model is unavailable; this is the extractive answer.")
            fallback.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 1)
            yield fallback
            return
        answer_text, citations, unsupported = cite_reply(text, hits, self.index, query)
        status = "answered" if citations else "not_found"
        if status == "not_found":
            answer_text = self._not_found_message(query, state["filters"], state["retrieved"])
        yield Answer(answer=answer_text, status=status, citations=citations,
                     unsupported_numbers=unsupported,
                     timings_ms={"total": round((time.perf_counter() - started) * 1000, 1)}, **base)

    def _not_found_message(self, query: Query, filters: Filters, result: SearchResult | None = None) -> str:
        """Say plainly that the reports do not answer, and what they do cover nearby."""
        reports = self.index.reports()
        zh = query.lang == "zh"
        lines = ["报告中没有找到能回答这个问题的内容。" if zh else
                 "The reports do not contain an answer to this question."]
        if query.unknown_offices and not query.offices:
            names = "、".join(query.unknown_offices)
            have = "、".join(sorted({r["office"] for r in reports}))
            lines.append(f"已收录的报告中没有「{names}」；现有：{have}。" if zh else
                         f"There is no report from {names}; the corpus covers {have}.")
        offices = filters.merged(query).offices
        if offices:
            for r in reports:
                if r["office"] in offices:
                    years = "、".join(map(str, r["years"]))
                    lines.append(f"「{r['office']}」的报告：{r['title']}（涵盖{years}年）。" if zh else
                                 f"{r['office']}'s report: {r['title']} (covers {years}).")
        if result and result.hits:
            near = list(dict.fromkeys(f"{h.chunk.title} › {h.chunk.section}" for h in result.hits[:3]))
            lines.append(("最接近的内容在：" if zh else "The closest passages are in: ") + "；".join(near))
        return "\n".join(lines)


def clean_question(question: str) -> str:
    if question is None or not question.strip():
        raise EmptyQuestionError()
    question = _CONTROL.sub("", question).strip()
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(len(question), MAX_QUESTION_CHARS)
    return question


def condense(question: str, history: list[str], offices: list[str]) -> str:
    """Rule-based follow-up rewriting for the embedded default: a follow-up that names a new
    office, year or half-year takes the previous question and swaps those in; one with a new
    topic but no office inherits the previous question's office and year."""
    previous = history[-1]
    q = understand(question, offices)
    prev = understand(previous, offices)
    # a question that names an office and a topic, or a topic of several words, stands alone
    # ("铁西街道2024年招商引资目标是多少？" after a question about another office's canteens)
    independent = (q.offices and len(q.terms) >= 1) or len(q.terms) >= 3
    if independent and not FOLLOW_UP_CUE.search(question.strip()):
        return question
    if len(q.terms) >= 1 and not q.offices and not q.years and not q.half:
        # new topic, same office/year: "那养老方面呢？"
        prefix = "".join(prev.offices) + "".join(f"{y}年" for y in prev.years)
        topic = FOLLOW_UP_CUE.sub("", question.strip()).strip(" ，,？?")
        return f"{prefix}{topic}" if prefix else question
    rewritten = previous
    if q.offices:
        if prev.offices:
            for old in prev.offices:
                for alias in office_aliases(old):
                    if alias.isascii():
                        rewritten = re.sub(re.escape(alias), _pinyin_title(q.offices[0]), rewritten, flags=re.I)
                    else:
                        rewritten = rewritten.replace(alias, "\0")
                rewritten = re.sub("\0+", q.offices[0], rewritten)
        else:
            rewritten = q.offices[0] + rewritten
    if q.years:
        rewritten = re.sub(r"20\d{2}", str(q.years[0]), rewritten) if prev.years \
            else f"{q.years[0]}年{rewritten}"
    if q.half or re.search(r"全年|whole year|full year", question, re.I):
        new = {"H1": "上半年", "H2": "下半年"}.get(q.half, "全年")
        if re.search(r"上半年|下半年|全年", rewritten):
            rewritten = re.sub(r"上半年|下半年|全年", new, rewritten, count=1)
        else:
            rewritten = new + rewritten
    return rewritten


def _pinyin_title(office: str) -> str:
    return office_aliases(office)[-1].title() if office_aliases(office)[-1].isascii() else office
