"""The question-answering chain, a LangChain LCEL graph:

    condense follow-up -> understand -> hybrid retrieval -> route:
        还有呢？ after a question                -> the rest of what its answer quoted from (more.py)
        a question about the reports themselves  -> catalog answerer
        an LLM configured and passages found     -> llm answerer (streamed; extractive on failure)
        otherwise                                -> comparison, then extractive answerer

Every answerer has one shape, ``answer(query, hits, index) -> Answer | None`` (None: not mine or
nothing found), and ``chain.stream(...)`` yields the answer as it grows. When no answerer answers,
the not-found message says what the reports do cover. ``Assistant`` wires the chain to an index;
the CLI, the eval runner and the app all use it."""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Iterator

from langchain_core.runnables import RunnableBranch, RunnableGenerator, RunnableLambda

from .catalog import CatalogAnswerer
from .comparison import ComparisonAnswerer
from .conversation import about_item, clean_question, condense, ordinal, questions_in, read, stands_alone
from .documents import Answer, Citation, cite, Filters, joined
from .embeddings import make_embedder
from .errors import LLMError
from .extractive import ExtractiveAnswerer
from .index import Index
from .labels import say
from .llm import LLMAnswerer, condense_with_llm
from .more import asks_more, rest_of, shown_in
from .query import Query, stem, understand
from .retrieve import SearchResult, search
from .settings import Settings

log = logging.getLogger(__name__)


class Assistant:
    def __init__(self, settings: Settings, index: Index | None = None) -> None:
        self.settings = settings
        self.index = index or Index(settings, make_embedder(settings))
        self.catalog = CatalogAnswerer()
        self.answerers = [ComparisonAnswerer(settings), ExtractiveAnswerer(settings)]  # tried in order
        self.llm = LLMAnswerer(settings) if settings.answerer == "llm" and settings.llm_base_url else None
        self.chain = self._build_chain()

    # --- public --------------------------------------------------------------------------------
    def offices(self) -> list[str]:
        return self.index.offices()

    def ask(self, question: str, history: list[str] | None = None, filters: Filters = Filters()) -> Answer:
        final = None
        for final in self.stream(question, history, filters):
            pass
        return final

    def stream(self, question: str, history: list[str] | None = None,
               filters: Filters = Filters()) -> Iterator[Answer]:
        """Answers growing as text arrives; the last one is complete and verified."""
        started = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        parts = questions_in(question)
        if len(parts) > 1 and self.catalog.accepts(self.understand(question)):
            parts = [question]  # 哪天印发的？文号是什么？: the report's record answers all it asks at once
        if len(parts) > 1:  # 什么时候开工？什么时候竣工？: each asked in turn, as a chat would, one answer
            read: list[str] = list(history or [])
            answers = []
            for part in parts:
                answers.append(self.chain.invoke({"question": part, "history": read, "filters": filters,
                                                  "same_message": bool(answers)}))
                read.append(answers[-1].standalone_question or part)
            held = joined(question, answers)
            if any(a.status == "not_found" for a in answers):  # a part alone found nothing: the whole
                whole = self.chain.invoke({"question": question, "history": history or [], "filters": filters})
                held = whole if whole.status == "answered" else held  # may (one sentence answers both)
        else:
            held = None
            for answer in self.chain.stream({"question": question, "history": history or [], "filters": filters}):
                if held is not None:
                    yield held
                held = answer
        held.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 1)
        yield held

    def meant(self, question: str, history: list[str]) -> str:
        """The question as the chat reads it after ``history`` (each earlier question as it was
        read): itself when it stands alone, else completed from the turn before."""
        question = clean_question(question, self.settings.max_question_chars)
        return self._condense({"question": question, "history": history})

    def conversation(self, questions: list[str]) -> list[str]:
        """Earlier questions as typed, read one after another as the chat reads them."""
        read: list[str] = []
        for question in questions:
            read.append(self.meant(question, read))
        return read

    def search(self, question: str, filters: Filters = Filters(), k: int | None = None,
               mode: str = "hybrid") -> SearchResult:
        query = self.understand(clean_question(question, self.settings.max_question_chars))
        return search(self.index, query, self.settings, filters.merged(query), k=k, mode=mode)

    def understand(self, question: str, filters: Filters = Filters()) -> Query:
        query = understand(question, self.offices(), self.index.tokenizer)
        query.filters = filters
        # a name the question gives like an office's (双塔社区) that a report speaks of is a topic
        query.places = [o for o in query.unknown_offices if self.index.mentions(o) or self.index.mentions(stem(o))]
        query.unknown_offices = [o for o in query.unknown_offices if o not in query.places]
        if query.lang == "en":  # "no-petition township" (无访乡镇): the Chinese it quotes is what it asks about
            # (found on one dev item, 大英镇's 无访乡镇; any Chinese name an English question quotes is the case)
            for place in query.places:
                query.terms.append(place)
                query.weights.setdefault(place, 1.0)
        if query.relative_year:  # 今年, 去年: against the latest year the reports asked about cover
            offices = set(filters.merged(query).offices)
            years = [y for r in self.index.reports() if not offices or r.office in offices for y in r.years]
            if years:
                query.years = [max(years) + query.relative_year[1]]
        return query

    # --- the chain -----------------------------------------------------------------------------
    def _build_chain(self):
        # each step adds its result to the state; RunnableLambdas in sequence, not
        # RunnablePassthrough.assign, whose RunnableParallel starts a thread pool per question (a
        # tenth of the app's CPU with twenty sessions asking, measured with py-spy)
        prepare = (RunnableLambda(lambda state: {**state, "standalone": self._condense(state),
                                                 "more": bool(state["history"]) and asks_more(state["question"])},
                                  name="condense")
                   | RunnableLambda(lambda state: {**state, "query": self._understand(state)}, name="understand")
                   | RunnableLambda(lambda state: {**state, "retrieved": self._retrieve(state)}, name="retrieve"))
        route = RunnableBranch(
            (lambda state: state["more"], RunnableLambda(self._more)),
            (lambda state: self.catalog.accepts(state["query"]), RunnableLambda(self._from_catalog)),
            (lambda state: self.llm is not None and bool(state["retrieved"].hits),
             RunnableGenerator(self._from_llm)),
            RunnableLambda(self._from_passages))
        return prepare | route

    def _condense(self, state: dict) -> str:
        question, history = state["question"], state["history"]
        if not history:
            return question
        if asks_more(question):  # 还有呢？: the question before, for the rest of what answered it
            return history[-1]
        if stands_alone(read(question, self.offices(), self.index.tokenizer),
                        self.catalog.accepts(self.understand(question))):
            return question  # names its own topic: answered exactly as it is answered alone
        pick = ordinal(question)
        if pick:  # 第三个展开说说: about the third item of the answer before
            item = self._item_of(history[-1], pick[0], state.get("filters") or Filters())
            question = about_item(item, pick[1]) if item else question
        if self.llm is not None:
            try:
                return condense_with_llm(self.settings, question, history)
            except LLMError as e:
                log.warning("%s; condensing by rules", e)
        return condense(question, history, self.offices(), self.index.tokenizer, years_of=self._years_of,
                        same_message=state.get("same_message", False))

    def _item_of(self, previous: str, n: int, filters: Filters) -> str | None:
        """The n-th item the answer to ``previous`` quotes (its n-th cited sentence or heading)."""
        earlier = self.chain.invoke({"question": previous, "history": [], "filters": filters})
        items = list(dict.fromkeys(c.text for c in sorted(earlier.citations, key=lambda c: c.n)))
        return items[n - 1] if earlier.status == "answered" and 0 < n <= len(items) else None

    def _more(self, state: dict) -> Answer:
        """还有呢？ after a question (the standalone one, asked again): the sentences of the passages
        its answer quoted from that it did not quote; asked again (还有呢？ 还有呢？), beyond those too."""
        t0 = time.perf_counter()
        question, history, filters = state["standalone"], state["history"], state.get("filters") or Filters()
        earlier = self.chain.invoke({"question": question, "history": [], "filters": filters})
        if earlier.status != "answered":
            return self._framed(self._not_found(state, state["retrieved"]), state, {})
        shown, passages = shown_in(earlier.citations)
        rounds = max(1, next((i for i, q in enumerate(reversed(history)) if q != question), len(history)))
        for _ in range(rounds):  # each 还有呢 before this one showed the next sentences
            answer = rest_of(state["query"], state["retrieved"].hits, self.index, self.settings, shown, passages)
            shown |= shown_in(answer.citations)[0]
        framed = self._framed(answer, state, {"answer": round((time.perf_counter() - t0) * 1000, 1)})
        framed.read_as = say(state["query"].lang, "read_as_more", question=question)
        return framed

    def _years_of(self, office: str) -> set[int]:
        return {y for r in self.index.reports() if r.office == office for y in r.years}

    def _understand(self, state: dict) -> Query:
        return self.understand(state["standalone"], state["filters"])

    def _retrieve(self, state: dict) -> SearchResult:
        query: Query = state["query"]
        if (query.unknown_offices and not query.offices) or self.catalog.accepts(query):
            return SearchResult([], {})  # nothing to find, or answered from the report records
        filters = query.filters.merged(query)
        if query.cross or len(filters.offices) != 1:
            result = search(self.index, query, self.settings, filters, k=self.settings.answer_hits + 4,
                            per_report=self.settings.per_report_hits)
        else:
            result = search(self.index, query, self.settings, filters, k=self.settings.answer_hits)
        if query.places and not query.offices:  # 进化镇 asked: only the reports that speak of 进化 answer
            result = SearchResult(self._of_places(result.hits, query.places), result.timings_ms)
        return result

    def _of_places(self, hits: list, places: list[str]) -> list:
        """The hits of reports whose text names one of ``places`` (each report read once)."""
        speaks = {rid: any(stem(p) in self.index.report(rid).text for p in places)
                  for rid in {h.chunk.report_id for h in hits}}
        return [h for h in hits if speaks[h.chunk.report_id]]

    def _from_catalog(self, state: dict) -> Answer:
        t0 = time.perf_counter()
        answer = self.catalog.answer(state["query"], [], self.index) or self._not_found(state)
        return self._framed(answer, state, {"answer": round((time.perf_counter() - t0) * 1000, 1)})

    def _from_passages(self, state: dict) -> Answer:
        """The first deterministic answerer's answer, or the not-found message."""
        result: SearchResult = state["retrieved"]
        timings = {k: round(v, 1) for k, v in result.timings_ms.items()}
        t0 = time.perf_counter()
        answer = next((a for a in (answerer.answer(state["query"], result.hits, self.index)
                                   for answerer in self.answerers) if a is not None), None)
        if answer is None:
            return self._framed(self._not_found(state, result if result.hits else None), state, timings)
        timings["answer"] = round((time.perf_counter() - t0) * 1000, 1)
        return self._framed(answer, state, timings)

    def _from_llm(self, states: Iterator[dict]) -> Iterator[Answer]:
        """The model's answer as it streams; the extractive one, with a notice, if it fails."""
        for state in states:
            held = None
            try:
                for answer in self.llm.stream(state["query"], state["retrieved"].hits, self.index):
                    if held is not None:
                        yield self._framed(held, state, {})
                    held = answer
            except LLMError as e:
                log.warning("%s; answering extractively", e)
                fallback = self._from_passages(state)
                fallback.notice = say(state["query"].lang, "llm_unavailable")
                yield fallback
                continue
            if held is None:
                continue
            if held.status == "not_found":
                held.answer = self._not_found(state, state["retrieved"]).answer
            yield self._framed(held, state, {})

    def _framed(self, answer: Answer, state: dict, timings: dict) -> Answer:
        query: Query = state["query"]
        answer.question, answer.standalone_question = state["question"], state["standalone"]
        answer.timings_ms = timings
        notes = []
        if state["standalone"] != state["question"]:
            notes.append(say(query.lang, "read_as_question", question=state["standalone"]))
        if query.relative_year and query.years:
            notes.append(say(query.lang, "read_as_year", word=query.relative_year[0], year=query.years[0]))
        answer.read_as = say(query.lang, "list_sep").join(notes)
        return answer

    def _not_found(self, state: dict, result: SearchResult | None = None) -> Answer:
        """Say plainly that the reports do not answer, and what they do cover nearby."""
        query: Query = state["query"]
        lang = query.lang
        reports = self.index.reports()
        lines = [say(lang, "not_found")]
        if query.unknown_offices and not query.offices:
            lines.append(say(lang, "not_found_unknown_office", names=say(lang, "list_sep").join(query.unknown_offices),
                             have=say(lang, "list_sep").join(sorted({r.office for r in reports if r.office}))))
        offices = query.filters.merged(query).offices
        for r in reports:
            if offices and r.office in offices:
                lines.append(say(lang, "not_found_office_report", office=r.office, title=r.title,
                                 years=say(lang, "list_sep").join(map(str, r.years))))
        filtered_out = self._filters_in_the_way(state)
        if filtered_out:
            lines.append(say(lang, "not_found_filtered", filters=say(lang, "list_sep").join(
                _filter_words(lang, state["filters"], filtered_out))))
        closest = self._closest(result)
        if closest:
            near = [" › ".join(p for p in (c.title, c.section) if p) for c in closest]
            lines.append(say(lang, "not_found_closest", places=say(lang, "place_sep").join(near)))
        return Answer(question=query.text, answer="\n".join(lines), status="not_found", closest=closest,
                      filtered_out=filtered_out)

    def _filters_in_the_way(self, state: dict) -> list[str]:
        """The filters a user set (UI, CLI) without which the reports do answer: named in the
        not-found reply so she can drop them."""
        filters: Filters = state.get("filters") or Filters()
        if not filters:
            return []
        query = dataclasses.replace(state["query"], filters=Filters())
        retrieved = self._retrieve({"query": query})
        if not retrieved.hits or not any(a.answer(query, retrieved.hits, self.index) for a in self.answerers
                                         if not isinstance(a, LLMAnswerer)):
            return []
        return [name for name in ("offices", "years", "phase", "half") if getattr(filters, name)]

    def _closest(self, result: SearchResult | None, n: int = 3) -> list[Citation]:
        """The top passages of distinct sections, each as a link to open it in the source viewer."""
        out: list[Citation] = []
        seen: set[tuple[str, str]] = set()
        for hit in (result.hits if result else []):
            key = (hit.chunk.report_id, hit.chunk.section)
            if key in seen:
                continue
            seen.add(key)
            out.append(cite(self.index.report(hit.chunk.report_id), len(out) + 1, hit.chunk.start, hit.chunk.end,
                            section=hit.chunk.section))
            if len(out) == n:
                break
        return out


def _filter_words(lang: str, filters: Filters, names: list[str]) -> list[str]:
    """The filters as the UI shows them: 街道：铁西街道, 年份：2023, 内容：计划."""
    values = {"offices": say(lang, "list_sep").join(filters.offices),
              "years": say(lang, "list_sep").join(map(str, filters.years)),
              "phase": say(lang, f"phase_{filters.phase}") if filters.phase else "",
              "half": say(lang, f"half_{filters.half}") if filters.half else ""}
    return [say(lang, f"filter_{name}", value=values[name]) for name in names]
