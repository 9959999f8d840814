"""Incremental, crash-safe ingest into the real Chroma with the real embedding model."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.chain import Assistant
from assistant.index import Index
from assistant.ingest import collect_garbage, ingest
from conftest import HAIXI, KAIYUAN, TIEXI, CountingEmbedder, make_settings

ROOT = Path(__file__).resolve().parent.parent


def small_world(tmp_path, embedder, keep=(TIEXI, KAIYUAN)):
    settings = make_settings(tmp_path)
    for path in settings.corpus_dir.glob("*.txt"):
        if path.stem not in keep:
            path.unlink()
    return settings, Index(settings, CountingEmbedder(embedder))


def test_reingest_of_unchanged_files_embeds_nothing(tmp_path, embedder):
    settings, index = small_world(tmp_path, embedder)
    first = ingest(index)
    assert sorted(first.added) == [TIEXI, KAIYUAN] and index.embedder.texts > 0
    before = index.embedder.texts
    second = ingest(index)
    assert sorted(second.unchanged) == [TIEXI, KAIYUAN] and index.embedder.texts == before


def test_changed_file_embeds_only_new_chunks_and_removed_file_is_pruned(tmp_path, embedder):
    settings, index = small_world(tmp_path, embedder)
    ingest(index)
    path = settings.corpus_dir / f"{TIEXI}.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n五、强作风\n\n一是全年开展作风建设专项检查6次。\n",
                    encoding="utf-8")
    before = index.embedder.texts
    result = ingest(index)
    assert result.updated == [TIEXI]
    assert 0 < index.embedder.texts - before <= 2  # only the new section's chunk
    hits = Assistant(settings, index).search("作风建设专项检查", k=1).hits
    assert "作风建设专项检查6次" in hits[0].chunk.text
    (settings.corpus_dir / f"{KAIYUAN}.txt").unlink()
    result = ingest(index)
    assert result.removed == [KAIYUAN]
    assert [r.id for r in index.reports()] == [TIEXI]


def test_bad_file_is_reported_and_nothing_indexed_is_lost(tmp_path, embedder):
    settings, index = small_world(tmp_path, embedder)
    ingest(index)
    (settings.corpus_dir / "broken.docx").write_bytes(b"this is not a docx")
    result = ingest(index)
    assert len(result.errors) == 1 and "broken.docx" in result.errors[0]
    assert sorted(r.id for r in index.reports()) == [TIEXI, KAIYUAN]


def test_dang_zhibu_finds_d_zhibu(built):
    # A report that writes D for 党 is indexed with 党 read back: its 最强D支部 passage scores for 党支部
    # in BM25 (the hybrid order of the four seed passages that hold 党支部 is a near tie, so the
    # lexical score is what is checked).
    settings, index = built
    lexical = index.lexical()
    assert "党支部" in index.tokenizer.tokenize("党支部")
    scores = lexical.scores(["党支部"])  # the whole word: 支部 alone would match D支部 as written
    rows = [i for i in range(len(lexical.rows)) if "最强D支部" in lexical.rows[i].text]
    assert rows and all(scores[i] > 0 for i in rows)
    assert lexical.rows[rows[0]].report_id == HAIXI
    hits = Assistant(settings, index).search("最强党支部", k=5).hits
    assert any("最强D支部" in h.chunk.text for h in hits)


def test_search_filters_by_office_and_year(assistant):
    from assistant.retrieve import Filters

    hits = assistant.search("招商引资", Filters(offices=("开元街道",), years=(2023,)), k=5).hits
    assert hits and all(h.chunk.office == "开元街道" and h.chunk.year == 2023 for h in hits)


def test_english_question_finds_chinese_passage(assistant):
    hits = assistant.search("What growth target did Tiexi set for construction output?", k=5).hits
    assert any("建筑业总产值全年计划增长10%" in h.chunk.text for h in hits)


@pytest.mark.slow
def test_killed_ingest_leaves_the_old_index_answering(tmp_path, embedder):
    settings, index = small_world(tmp_path, embedder, keep=(TIEXI,))
    ingest(index)
    del index
    # add two reports and kill the ingest at several points while it embeds and writes
    for name in (HAIXI, KAIYUAN):
        (settings.corpus_dir / f"{name}.txt").write_bytes((ROOT / "corpus" / f"{name}.txt").read_bytes())
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "ASSISTANT_INDEX_DIR": str(settings.index_dir), "PYTHONPATH": str(ROOT)}
    # random points (the model load, embedding, the writes), reproducible: KILL_SEED=<printed seed>
    seed = int(os.environ.get("KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    delays = sorted(rng.uniform(0.5, 7.0) for _ in range(4))
    print(f"\nkilling ingests after {', '.join(f'{d:.2f}' for d in delays)} s (KILL_SEED={seed})")
    for delay in delays:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        survivor = Assistant(settings, Index(settings, embedder))
        answer = survivor.ask("铁西街道2024年招商引资目标是多少？")
        assert answer.status == "answered" and "7亿元" in answer.answer
    done = subprocess.run([sys.executable, "-m", "assistant", "ingest"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    final = Index(settings, embedder)
    assert sorted(r.id for r in final.reports()) == [TIEXI, HAIXI, KAIYUAN]
    collect_garbage(final)
    assert final.store.chunks.count() == sum(r.chunks for r in final.reports())
