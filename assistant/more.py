"""More of what was just answered (还有呢？, 还有别的吗, "what else?"): the sentences of the passages
the answer before quoted from that it did not quote, those closest to the question first. A user
asking for more wants the rest of the place the answer came from, not the next-best passages of
the whole corpus (which, by construction, answered worse). It quotes, with or without an LLM:
what is shown is the report's own words, each with its citation."""

from __future__ import annotations

import dataclasses
import re

from . import vocab
from .documents import Answer, Citation
from .extractive import candidate_sentences, in_period, make_citations, score_sentences
from .index import Index
from .labels import say
from .leads import render_extractive
from .query import Query
from .retrieve import Hit
from .settings import Settings


def asks_more(question: str) -> bool:
    return bool(vocab.pattern("conversation", "more_pattern", re.I).match(question.strip()))


def shown_in(citations: list[Citation]) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """(the sentences quoted, the passages they were quoted from), as (report, start offset)."""
    return ({(c.report_id, c.start) for c in citations}, {(c.report_id, c.passage_start) for c in citations})


def rest_of(query: Query, hits: list[Hit], index: Index, settings: Settings,
            shown: set[tuple[str, int]], passages: set[tuple[str, int]]) -> Answer:
    """The quoted answer of the sentences of ``passages`` not in ``shown`` (``hits``: the hits of
    the question asked before, among them those passages); a not-found answer that says so when
    the answer before quoted them all."""
    own = [h for h in hits if (h.chunk.report_id, h.chunk.start) in passages]
    own += [Hit(chunk, 0.0) for chunk in _next_in_section(index, [h.chunk for h in own])
            if (chunk.report_id, chunk.start) not in passages]
    sentences = [s for s in candidate_sentences(index, own)
                 if (s.hit.chunk.report_id, s.start) not in shown and not s.title]
    terms = score_sentences(index, query, sentences)
    sentences = [s for s in sentences if in_period(query, s)]
    if not sentences:
        return Answer(question=query.text, answer=say(query.lang, "no_more", question=query.text.rstrip("？?")),
                      status="not_found")
    # reading on from what was quoted, as one reads on in the report: first what follows a quoted
    # sentence in its passage (the next items of a list), closest to the question first; then the rest
    sections = {(h.chunk.report_id, h.chunk.section) for h in own}

    def reads_on(s) -> bool:
        rid = s.hit.chunk.report_id
        return (rid, s.hit.chunk.section) in sections and any(r == rid and at < s.start for r, at in shown)

    best = sorted(sentences, key=lambda s: (not reads_on(s), -s.coverage, s.rank, s.start))[:settings.max_sentences]
    chosen = sorted(best, key=lambda s: (s.rank, s.start))
    citations = make_citations(chosen, index)
    quoted = dataclasses.replace(query, quantity=False)  # no lead figure: none of these was the one asked
    return Answer(question=query.text, answer=render_extractive(quoted, citations, chosen, terms),
                  status="answered", citations=citations)


def _next_in_section(index: Index, chunks: list) -> list:
    """The passage after each of ``chunks`` in its report, when it is of the same section: a list
    a section holds may go on past the passage the answer quoted from."""
    rows, out = index.lexical().rows, []
    for chunk in chunks:  # read from the coded columns: only the passage found is made a record
        following = [row for row in index.lexical().rows_of(chunk.office)
                     if rows.codes_value(row, "report_id") == chunk.report_id
                     and rows.codes_value(row, "section") == chunk.section and int(rows.ints["start"][row]) >= chunk.end]
        if following:
            out.append(rows[min(following, key=lambda row: int(rows.ints["start"][row]))])
    return out
