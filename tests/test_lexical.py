"""The lexical index on disk: BM25 bit for bit as bm25s computes it, the chunk records as the store
holds them, filters column by column as Filters.admits reads a record, and a second process opening
the folder without reading the store."""

from __future__ import annotations

import json

import bm25s
import numpy as np
import pytest

from assistant import lexical as lexical_module
from assistant.documents import Filters
from assistant.index import Index
from assistant.store import chunk_record, unpack_chunk

QUERIES = ["招商引资 目标", "老旧小区 改造", "垃圾分类", "党建", "nonexistent", "就业 岗位 2024"]


@pytest.fixture(scope="module")
def stored(built):
    """The chunks as the store holds them, in the order the lexical index reads them."""
    _, index = built
    records = index.records()
    ids = [cid for m in records.values() for cid in json.loads(m["chunk_ids"])]
    return [(cid, unpack_chunk(meta)) for cid, meta in index.store.get_ids(index.store.chunks, ids, ["metadatas"])]


def test_bm25_scores_are_bm25s_bit_for_bit(built, stored):
    settings, index = built
    lexical = index.lexical()
    reference = bm25s.BM25(k1=settings.bm25_k1, b=settings.bm25_b)
    reference.index([meta["tokens"].split(" ") for _, meta in stored], show_progress=False)
    for query in QUERIES:
        tokens = index.tokenizer.tokenize(query)
        known = [t for t in tokens if t in reference.vocab_dict]
        want = reference.get_scores(known) if known else np.zeros(len(stored), np.float32)
        assert np.array_equal(lexical.scores(tokens), want), query
    for token in ("招商引资", "社区", "nonexistent"):
        df = sum(token in meta["tokens"].split(" ") for _, meta in stored)
        assert lexical.df(token) == df


def test_rows_are_the_stored_chunk_records(built, stored):
    _, index = built
    rows = index.lexical().rows
    assert len(rows) == len(stored) > 100
    assert [rows[i] for i in range(len(rows))] == [chunk_record(cid, meta) for cid, meta in stored]
    assert index.lexical().rows_by_id([cid for cid, _ in stored]) == list(range(len(stored)))  # each id its row
    assert index.lexical().row_of(stored[7][0]) == 7 and index.lexical().row_of("no-such:id") is None


@pytest.mark.parametrize("filters", [Filters(), Filters(years=(2024,)), Filters(phase="plan"),
                                     Filters(offices=("铁西街道", "开元街道"), years=(2023,)),
                                     Filters(half="H2"), Filters(years=(1999,)), Filters(offices=("无此街道",))])
def test_filters_column_by_column_admit_what_admits_admits(built, filters):
    _, index = built
    rows = index.lexical().rows
    assert index.lexical().admitted(filters).tolist() == [filters.admits(rows[i]) for i in range(len(rows))]


def test_another_process_opens_the_folder_without_reading_the_store(built, monkeypatch):
    settings, index = built
    index.lexical()
    monkeypatch.setattr(lexical_module, "_build", lambda *a: pytest.fail("built again from the store"))
    other = Index(settings, index.embedder).lexical()
    assert len(other.rows) == len(index.lexical().rows)
    assert np.array_equal(other.scores(["招商引资"]), index.lexical().scores(["招商引资"]))
