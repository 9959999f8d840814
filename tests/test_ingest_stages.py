"""An ingest in stages: every stage reported as it happens (read, parse in the reader process, index,
embed n of m, done); a report searchable by its words as soon as it is written, its passages joining
dense search when their vectors are in; vectors that failed computed by the next ingest."""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np
import pytest

from assistant.embeddings import Embedder
from assistant.errors import EmbedServerError
from assistant.index import Index
from assistant.ingest import ingest
from assistant.library import add_report
from assistant.settings import ROOT, Settings
from assistant.vectors import PENDING, READY
from conftest import make_settings

UPLOAD = ROOT / "eval" / "reports" / "dev" / "r10_jiufeng.txt"  # 九峰街道's plan, not in the seeds
WORDS = "九峰"


class GatedEmbedder(Embedder):
    """The real model; passages wait until ``gate`` is set (or fail with ``fail``)."""

    def __init__(self, inner: Embedder, fail: bool = False) -> None:
        super().__init__()
        self.inner, self.name, self.fail = inner, inner.name, fail
        self.reentrant = True  # a question is embedded while the passages wait
        self.gate, self.waiting = threading.Event(), threading.Event()

    def _encode(self, texts, is_query):
        if not is_query:
            if self.fail:
                raise EmbedServerError("http://127.0.0.1:9", "connection refused", "test")
            self.waiting.set()
            assert self.gate.wait(120), "the test never opened the gate"
        return self.inner._encode(texts, is_query)


def world(tmp_path, built) -> Settings:
    """A copy of the session's world (corpus and index), so nothing is embedded again."""
    settings = make_settings(tmp_path)
    shutil.copytree(built[0].index_dir, settings.index_dir)
    return settings


def chunks_of(index: Index, rid: str, found) -> list[str]:
    return [cid for cid, _ in found if cid.startswith(rid + ":")]


def test_an_upload_reports_each_stage_in_order(tmp_path, built, embedder):
    settings = world(tmp_path, built)
    index = Index(settings, embedder)
    steps = []
    result = add_report(settings, index, UPLOAD, progress=steps.append)
    assert result.added and not result.errors
    stages = [s.stage for s in steps]
    assert stages[0] == "read" and stages[-1] == "done"
    assert [s.done for s in steps if s.stage == "parse"] == [1, 2]  # sent by the reader process
    assert all(s.name == UPLOAD.name for s in steps if s.stage in ("read", "parse"))
    assert stages.index("parse") < stages.index("index") < stages.index("embed")
    embeds = [(s.done, s.total) for s in steps if s.stage == "embed"]
    assert embeds[-1] == (result.chunks_embedded, result.chunks_embedded) > (0, 0)
    assert [d for d, _ in embeds] == sorted(d for d, _ in embeds)
    assert all(s.describe("zh") and s.describe("en") for s in steps)


def test_a_report_is_searchable_by_its_words_before_its_vectors_are_in(tmp_path, built, embedder):
    settings = world(tmp_path, built)
    gated = GatedEmbedder(embedder)
    writer = Index(settings, gated)
    upload = threading.Thread(target=add_report, args=(settings, writer, UPLOAD))
    upload.start()
    try:
        assert gated.waiting.wait(120)
        reader = Index(settings, embedder)  # another app process on the same store
        deadline = time.monotonic() + 60
        while "r10_jiufeng" not in reader.records() and time.monotonic() < deadline:
            time.sleep(0.2)
            reader.invalidate()
        assert reader.records()["r10_jiufeng"]["vectors"] == PENDING
        assert reader.pending() == {"r10_jiufeng"}
        lexical = reader.lexical()
        scores = lexical.scores(reader.tokenizer.tokenize(WORDS))
        assert lexical.rows[int(np.argmax(scores))].report_id == "r10_jiufeng"
        assert not chunks_of(reader, "r10_jiufeng", reader.dense_search("九峰街道的工作计划", 200))
    finally:
        gated.gate.set()
        upload.join(180)
    assert not upload.is_alive()
    reader = Index(settings, embedder)
    assert reader.records()["r10_jiufeng"]["vectors"] == READY and not reader.pending()
    reader.lexical()
    assert chunks_of(reader, "r10_jiufeng", reader.dense_search("九峰街道的工作计划", 200))


def test_vectors_that_failed_are_computed_by_the_next_ingest(tmp_path, built, embedder):
    settings = world(tmp_path, built)
    shutil.copy(UPLOAD, settings.corpus_dir / UPLOAD.name)
    (settings.index_dir / "vectors.sqlite").unlink()  # nothing cached: the model must embed
    with pytest.raises(EmbedServerError):
        ingest(Index(settings, GatedEmbedder(embedder, fail=True)))
    index = Index(settings, embedder)
    assert index.records()["r10_jiufeng"]["vectors"] == PENDING  # written, searchable by its words
    again = ingest(index)
    assert again.updated == ["r10_jiufeng"] and again.chunks_embedded > 0
    assert index.records()["r10_jiufeng"]["vectors"] == READY
    index.lexical()
    assert chunks_of(index, "r10_jiufeng", index.dense_search("九峰街道的工作计划", 200))
