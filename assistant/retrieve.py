"""Hybrid search: BM25 over jieba tokens and dense vectors from Chroma, fused by weighted
reciprocal rank, with metadata filters (office, year, phase) and boosts from the question."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .documents import ChunkRecord, Filters
from .index import Index
from .lexical import LexicalIndex
from .query import Query, office_aliases
from .settings import Settings
from .textnorm import fold

__all__ = ["Filters", "Hit", "SearchResult", "search"]


@dataclass
class Hit:
    chunk: ChunkRecord
    score: float
    lexical_rank: int | None = None
    dense_rank: int | None = None


@dataclass
class SearchResult:
    hits: list[Hit]
    timings_ms: dict = field(default_factory=dict)


def _mask(lexical: LexicalIndex, filters: Filters) -> np.ndarray:
    """Which rows the filters admit. Offices first, through the lexical index's office table (a
    few hundred rows to check instead of every row at 10,000 reports)."""
    records = lexical.rows
    if not filters:
        return np.ones(len(records), dtype=bool)
    if filters.offices:
        keep = np.zeros(len(records), dtype=bool)
        rows = [i for o in filters.offices for i in lexical.rows_of(o)]
        keep[[i for i in rows if filters.admits(records[i])]] = True
        return keep
    return lexical.admitted(filters)  # column by column: no record made for 150,000 rows


def search(index: Index, query: Query, settings: Settings, filters: Filters = Filters(),
           k: int | None = None, mode: str = "hybrid", per_report: int = 0) -> SearchResult:
    """Top-k chunks for a question. ``mode``: hybrid | lexical | dense. ``per_report`` > 0 caps
    the chunks any one report contributes."""
    k = k or settings.k
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    lexical = index.lexical()
    records = lexical.rows
    mask = _mask(lexical, filters)
    fused: dict[int, float] = {}
    lexical_rank: dict[int, int] = {}
    dense_rank: dict[int, int] = {}
    if mode in ("hybrid", "lexical"):
        tokens = index.tokenizer.tokenize(fold(query.search_text))
        if tokens:
            scores = lexical.scores(tokens)
            scores = np.where(mask, scores, -1.0)
            top = np.argsort(-scores)[:settings.fetch_k]
            for rank, row in enumerate(int(r) for r in top if scores[r] > 0):
                lexical_rank[row] = rank
                fused[row] = fused.get(row, 0.0) + settings.lexical_weight / (settings.rrf_k + rank + 1)
    timings["lexical"] = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    if mode in ("hybrid", "dense") and mask.any():
        dense = index.dense_search(query.text, settings.fetch_k, filters, office_aliases)
        rank = 0
        for (cid, _similarity), row in zip(dense, lexical.rows_by_id([cid for cid, _ in dense])):
            if row is None or not mask[row]:
                continue  # a chunk no report lists (an interrupted ingest) never counts
            dense_rank[row] = rank
            weight = settings.dense_weight if mode == "hybrid" else 1.0
            fused[row] = fused.get(row, 0.0) + weight / (settings.rrf_k + rank + 1)
            rank += 1
    timings["dense"] = (time.perf_counter() - t1) * 1000
    for row in fused:
        fused[row] *= _boost(records[row], query, settings)
    ranked = sorted(fused.items(), key=lambda item: -item[1])
    if per_report:  # questions across offices: the best passages of each report, not of one
        taken: dict[str, int] = {}
        diverse = []
        for row, score in ranked:
            rid = records[row].report_id
            if taken.get(rid, 0) < per_report:
                taken[rid] = taken.get(rid, 0) + 1
                diverse.append((row, score))
        ranked = diverse
    ranked = ranked[:k]
    if per_report and mode != "dense":  # and every other report that holds the topic, however it ranks
        shown = {row for row, _ in ranked}
        floor = min((score for _, score in ranked), default=1.0)
        ranked += [(row, floor * 0.5) for row in _scan(index, query, mask, per_report) if row not in shown]
    hits = [Hit(records[row], score, lexical_rank.get(row), dense_rank.get(row)) for row, score in ranked]
    timings["search"] = (time.perf_counter() - t0) * 1000
    return SearchResult(hits, timings)


def _scan(index: Index, query: Query, mask: np.ndarray, per_report: int, most: int = 40) -> list[int]:
    """A question across offices asks of all of them: the best passages of every report that holds
    the question's weightiest key term (a scan of the lexical index, not the top k of one ranking,
    whose passages of a report may hold other words of the question only), ``per_report`` each,
    for at most ``most`` reports."""
    if not query.weights:
        return []
    lexical = index.lexical()
    term = max(query.weights, key=query.weights.get)
    tokens = index.tokenizer.tokenize(fold(term))
    if not tokens:
        return []
    scores = np.where(mask, lexical.scores(tokens), 0.0)
    holding = np.flatnonzero(scores > 0)  # (sorted alone: at 150,000 rows a full sort costs ~10 ms)
    best: dict[str, list[int]] = {}
    for row in holding[np.argsort(-scores[holding], kind="stable")]:
        rid = lexical.rows.codes_value(int(row), "report_id")
        rows = best.setdefault(rid, [])
        if len(rows) < per_report:
            rows.append(int(row))
        if len(best) > most:
            break
    return [row for rows in list(best.values())[:most] for row in rows]


def _boost(record: ChunkRecord, query: Query, settings: Settings) -> float:
    """How much the question's own cues favour a chunk: its phase, problems section, half-year, office."""
    bonus = 1.0
    if query.phase and record.phase == query.phase:
        bonus += settings.phase_boost
    if query.problems and record.role == "problems":
        bonus += settings.problems_boost
    if query.half and record.half == query.half:
        bonus += settings.half_boost
    elif query.half and record.half and record.half != query.half:
        bonus -= settings.other_half_penalty  # the other half-year: ranked below the half asked
    if query.years and record.year in query.years:
        bonus += settings.year_boost
    if query.offices and record.office in query.offices:
        bonus += settings.office_boost
    return bonus
