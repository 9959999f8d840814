"""Hybrid search: BM25 over jieba tokens and dense vectors from Chroma, fused by weighted
reciprocal rank, with metadata filters (office, year, phase) and boosts from the question."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .index import ChunkRecord, Index
from .query import Query
from .settings import Settings
from .textnorm import fold, tokenize


@dataclass(frozen=True)
class Filters:
    """Filters a user sets explicitly (UI or CLI); they narrow every search."""
    offices: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    phase: str = ""  # "plan" | "summary" | ""
    half: str = ""  # "H1" | "H2" | "": sections tagged with the other half-year are left out

    def merged(self, query: Query) -> "Filters":
        """Explicit filters win; otherwise what the question names."""
        return Filters(offices=self.offices or tuple(query.offices),
                       years=self.years or tuple(query.years), phase=self.phase,
                       half=self.half or query.half)


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


def _mask(records: list[ChunkRecord], filters: Filters) -> np.ndarray:
    keep = np.ones(len(records), dtype=bool)
    if filters.offices:
        offices = set(filters.offices)
        keep &= np.fromiter((r.office in offices for r in records), bool, len(records))
    if filters.years:
        years = set(filters.years)
        keep &= np.fromiter((r.year in years for r in records), bool, len(records))
    if filters.phase:
        keep &= np.fromiter((r.phase == filters.phase for r in records), bool, len(records))
    if filters.half:
        keep &= np.fromiter((r.half in ("", filters.half) for r in records), bool, len(records))
    return keep


def _where(filters: Filters) -> dict | None:
    clauses = []
    if filters.offices:
        clauses.append({"office": {"$in": list(filters.offices)}})
    if filters.years:
        clauses.append({"year": {"$in": list(filters.years)}})
    if filters.phase:
        clauses.append({"phase": filters.phase})
    if filters.half:
        clauses.append({"half": {"$in": ["", filters.half]}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def search(index: Index, query: Query, settings: Settings, filters: Filters = Filters(),
           k: int | None = None, mode: str = "hybrid", per_report: int = 0) -> SearchResult:
    """Top-k chunks for a question. ``mode``: hybrid | lexical | dense. ``per_report`` > 0 caps
    the chunks any one report contributes."""
    k = k or settings.k
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    bm25, records, id_to_row = index.lexical()
    mask = _mask(records, filters)
    fused: dict[int, float] = {}
    lexical_rank: dict[int, int] = {}
    dense_rank: dict[int, int] = {}
    if mode in ("hybrid", "lexical"):
        tokens = tokenize(fold(query.search_text))
        if tokens:
            scores = bm25.get_scores(tokens)
            scores = np.where(mask, scores, -1.0)
            top = np.argsort(-scores)[:settings.fetch_k]
            for rank, row in enumerate(int(r) for r in top if scores[r] > 0):
                lexical_rank[row] = rank
                fused[row] = fused.get(row, 0.0) + settings.lexical_weight / (settings.rrf_k + rank + 1)
    timings["lexical"] = (time.perf_counter() - t0) * 1000
    t1 = time.perf_counter()
    if mode in ("hybrid", "dense") and mask.any():
        dense = index.dense_search(query.text, settings.fetch_k, _where(filters))
        rank = 0
        for cid, _similarity in dense:
            row = id_to_row.get(cid)
            if row is None or not mask[row]:
                continue  # a chunk no report lists (an interrupted ingest) never counts
            dense_rank[row] = rank
            weight = settings.dense_weight if mode == "hybrid" else 1.0
            fused[row] = fused.get(row, 0.0) + weight / (settings.rrf_k + rank + 1)
            rank += 1
    timings["dense"] = (time.perf_counter() - t1) * 1000
    for row in fused:
        record = records[row]
        bonus = 1.0
        if query.phase and record.phase == query.phase:
            bonus += 0.15
        if query.problems and record.role == "problems":
            bonus += 0.3
        if query.half and record.half == query.half:
            bonus += 0.15
        if query.offices and record.office in query.offices:
            bonus += settings.office_boost
        fused[row] *= bonus
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
    hits = [Hit(records[row], score, lexical_rank.get(row), dense_rank.get(row)) for row, score in ranked]
    timings["search"] = (time.perf_counter() - t0) * 1000
    return SearchResult(hits, timings)
