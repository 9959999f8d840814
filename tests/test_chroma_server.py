"""Client–server mode against a real Chroma server (`chroma run`), started here on a free
127.0.0.1 port with a temp --path and stopped at the end: ingest, search and ask go through the
server; another app process, with nothing local but its own cache folder, rebuilds the lexical
index from the server's collections and sees what a later ingest adds or removes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path


import assistant.store as store_module
from assistant.chain import Assistant
from assistant.index import Index
from assistant.retrieve import Filters
from assistant.ingest import ingest, remove
from conftest import HAIXI, KAIYUAN, TIEXI, make_settings

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "铁西街道2024年招商引资目标是多少？"


def _world(tmp_path: Path, url: str, name: str, keep=(TIEXI, KAIYUAN)):
    settings = make_settings(tmp_path, chroma_url=url, collection=name)
    for path in settings.corpus_dir.glob("*.txt"):
        if path.stem not in keep:
            path.unlink()
    return settings


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_ingest_search_and_ask_through_the_server(chroma_url, tmp_path, embedder, monkeypatch):
    monkeypatch.setattr(store_module, "PAGE", 7)  # every read and write spans several pages
    settings = _world(tmp_path, chroma_url, "served")
    index = Index(settings, embedder)
    result = ingest(index)
    assert sorted(result.added) == [TIEXI, KAIYUAN] and not result.errors
    assert not (settings.index_dir / "chroma").exists()  # nothing stored locally but caches
    assert index.store.chunks.count() == sum(r.chunks for r in index.reports()) > 7

    assistant = Assistant(settings, index)
    hits = assistant.search("招商引资", Filters(offices=("开元街道",), years=(2023,)), k=5).hits
    assert hits and all(h.chunk.office == "开元街道" and h.chunk.year == 2023 for h in hits)
    dense = assistant.search("What growth target did Tiexi set for construction output?", k=5, mode="dense")
    assert dense.hits  # the vectors live on the server and its HNSW index answers
    answer = assistant.ask(QUESTION)
    assert answer.status == "answered" and "7亿元" in answer.answer
    assert answer.citations[0].report_id == TIEXI

    # a second app process: its own empty cache folder, the same server
    other = Index(replace(settings, index_dir=tmp_path / "other-app"), embedder)
    assert [r.id for r in other.reports()] == [r.id for r in index.reports()]
    other_answer = Assistant(other.settings, other).ask(QUESTION)
    assert other_answer.answer == answer.answer
    # rebuilt from the server and written as this process's memory-mapped folder
    assert [p for p in (tmp_path / "other-app").glob("*-lexical-*") if (p / "done").exists()]

    # what one process ingests or removes, the other sees without a restart
    shutil.copy(ROOT / "corpus" / f"{HAIXI}.txt", settings.corpus_dir)
    assert ingest(index).added == [HAIXI]
    other_assistant = Assistant(other.settings, other)
    assert _wait_for(lambda: "海西街道" in other_assistant.offices())
    hits = other_assistant.search("党支部", k=3).hits
    assert any(h.chunk.report_id == HAIXI for h in hits)
    remove(index, KAIYUAN)
    assert _wait_for(lambda: KAIYUAN not in {r.id for r in other.reports()})
    assert all(h.chunk.report_id != KAIYUAN for h in other_assistant.search("招商引资", k=10).hits)


def test_cli_process_answers_from_the_server(chroma_url, tmp_path, embedder):
    settings = _world(tmp_path, chroma_url, "cli", keep=(TIEXI,))
    ingest(Index(settings, embedder))
    env = {**os.environ, "ASSISTANT_CHROMA_URL": chroma_url, "ASSISTANT_COLLECTION": "cli",
           "ASSISTANT_INDEX_DIR": str(tmp_path / "cli-cache"), "ASSISTANT_CORPUS_DIR": str(tmp_path / "empty"),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", "--json", QUESTION], env=env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == "answered" and "7亿元" in answer["answer"]
    assert answer["citations"][0]["report_id"] == TIEXI
