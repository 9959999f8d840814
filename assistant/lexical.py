"""The lexical index: BM25 (bm25s) over the jieba tokens of every chunk a report record lists,
derived from the store and cached on disk beside it.

The cache is keyed by a fingerprint of the report records (ids, text hashes, chunk ids), so a
stale one is never used; it is written atomically, so a reader sees the old cache or the new one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .documents import ChunkRecord
from .settings import Settings
from .store import Store, chunk_record, unpack_chunk

CACHE_NAME = "lexical.pkl"
CACHE_FORMAT = 4  # bump when the cached payload changes shape


@dataclass
class LexicalIndex:
    fingerprint: str
    bm25: object  # bm25s.BM25
    rows: list[ChunkRecord]
    df: dict[str, int]  # in how many chunks each token occurs
    id_to_row: dict[str, int] = field(default_factory=dict)
    _by_office: dict[str, list[int]] | None = None

    def __post_init__(self) -> None:
        if not self.id_to_row:
            self.id_to_row = {r.id: i for i, r in enumerate(self.rows)}

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the query tokens."""
        return self.bm25.get_scores(tokens)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a token among the chunks; unseen terms count as rare."""
        n, df = len(self.rows), self.df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def rows_of(self, office: str) -> list[int]:
        """The rows of one office's chunks (built once, on first use)."""
        if self._by_office is None:
            by_office: dict[str, list[int]] = {}
            for i, record in enumerate(self.rows):
                by_office.setdefault(record.office, []).append(i)
            self._by_office = by_office
        return self._by_office.get(office, [])


def fingerprint(records: dict[str, dict]) -> str:
    """What the cache was built from: each report's file, chunks and parser version (a new parser
    may keep a chunk's id and change what is known of it: its role, period, section)."""
    return hashlib.sha1(json.dumps(
        [CACHE_FORMAT] + sorted((rid, m["sha256"], m["chunk_ids"], m.get("parser", "")) for rid, m in records.items())
    ).encode()).hexdigest()


def load_or_build(store: Store, records: dict[str, dict], settings: Settings) -> LexicalIndex:
    """The lexical index of these records: from the local cache if it was built for them, else
    built from the store (and cached)."""
    key = fingerprint(records)
    path = cache_path(settings, store.model_name)
    cached = _load(path, key)
    if cached is None:
        cached = _build(store, records, settings)
        _save(path, key, cached)
    bm25, rows, df = cached
    return LexicalIndex(key, bm25, rows, df)


def _build(store: Store, records: dict[str, dict], settings: Settings):
    import bm25s

    ids = [cid for m in records.values() for cid in json.loads(m["chunk_ids"])]
    rows: list[ChunkRecord] = []
    corpus_tokens: list[list[str]] = []
    # one string object per distinct token, title or section: at 150,000 chunks the copies
    # would take gigabytes (measured: 3 GB peak without, see README)
    same: dict[str, str] = {}
    for cid, meta in store.get_ids(store.chunks, ids, ["metadatas"]):
        meta = unpack_chunk(meta)
        for key in ("report_id", "office", "title", "section", "half", "phase", "role"):
            meta[key] = same.setdefault(meta[key], meta[key])
        rows.append(chunk_record(cid, meta))
        corpus_tokens.append([same.setdefault(t, t) for t in meta["tokens"].split(" ")])
    bm25 = bm25s.BM25(k1=settings.bm25_k1, b=settings.bm25_b)
    bm25.index(corpus_tokens, show_progress=False)
    df: dict[str, int] = {}
    for tokens in corpus_tokens:
        for token in set(tokens):
            df[token] = df.get(token, 0) + 1
    return bm25, rows, df


def cache_path(settings: Settings, model_name: str) -> Path:
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", f"{settings.chroma_url or 'local'}-{model_name}")
    return settings.index_dir / f"{slug}-{CACHE_NAME}"


def _load(path: Path, key: str):
    """The cached payload if it was built for this fingerprint (read first, so a stale cache is
    never unpickled), else None."""
    try:
        with path.open("rb") as f:
            if pickle.load(f) != key:
                return None
            return pickle.load(f)
    except Exception:  # missing, truncated or from another version: rebuild
        return None


def _save(path: Path, key: str, payload) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as f:
        pickle.dump(key, f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)  # atomic: readers see the old cache or the new one
