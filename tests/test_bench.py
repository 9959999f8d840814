"""The benchmark's synthetic corpus reads like the real one, and a one-run benchmark at five
reports writes its table (the full benchmark is not run here: python -m eval.bench)."""

from __future__ import annotations

import json

from assistant.ingest import load_manifest
from assistant.parse import read_report
from assistant.settings import ROOT
from eval import bench


def test_synthetic_reports_parse_as_reports_of_their_new_office(tmp_path):
    corpus = bench.synthetic_corpus(tmp_path / "corpus", 25)
    synthetic = sorted(corpus.glob("syn_*.txt"))
    assert len(synthetic) == 20 and len(list(corpus.glob("0*.txt"))) == 5
    questions = " ".join(json.loads(line)["question"] for line in
                         (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines() if line)
    offices = set()
    manifest = load_manifest(corpus)
    for path in synthetic:
        report = read_report(path, corpus, manifest.get(path.stem))
        assert report.title.startswith(report.region) and report.office in report.title
        assert report.kind in ("plan", "summary+plan") and 2024 in report.years
        assert sum(1 for s in report.walk() if s.level == 1) >= 3
        assert report.office.removesuffix("街道") not in questions
        offices.add(report.office)
    assert len(offices) == 20


def test_one_run_at_five_reports_writes_the_table(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "none")  # the workers inherit it; no model load
    assert bench.main(["--sizes", "5", "--runs", "1", "--ingest-runs", "1", "--questions", "3",
                       "--out", str(tmp_path)]) == 0
    table = (tmp_path / "bench.md").read_text(encoding="utf-8")
    assert "| corpus: reports / chunks | 5 / " in table and "search p95 ms" in table
    assert "search p95 at 5 reports" in table
    result = json.loads((tmp_path / "bench-5.json").read_text(encoding="utf-8"))
    assert result["cold"][0]["reports"] == 5 and len(result["app"]["runs"]) == 1


def test_the_side_by_side_plan_is_new_text_of_about_the_asked_length(tmp_path):
    from assistant.chunking import chunk_report
    from assistant.ingest import dense_text
    from eval import sidebyside

    plan = sidebyside.plan_file(tmp_path, 100)
    report = read_report(plan, tmp_path)
    assert report.office == sidebyside.PLAN_OFFICE and "plan" in report.kind and 2025 in report.years
    passages = {dense_text(report, c) for c in chunk_report(report, 360, 40)}
    assert 80 <= len(passages) <= 130
    seed = set()
    manifest = load_manifest(ROOT / "corpus")
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        known = read_report(path, ROOT / "corpus", manifest.get(path.stem))
        seed |= {dense_text(known, c) for c in chunk_report(known, 360, 40)}
    assert not passages & seed  # nothing of it comes from the embedding cache of the seed index


def test_the_side_by_side_phases_measure_ingest_upload_and_an_app_start(tmp_path):
    """The worker's phases on this checkout (without the model): the upload is answered before it
    is all in or as it ends, and a new app worker opens the index and answers."""
    from eval import sidebyside

    here = sidebyside.Version("here", ROOT)
    settings = {"embedding_model": "none", "data_dir": tmp_path / "data"}  # no model: seconds, not minutes
    index = tmp_path / "index"
    ingested = sidebyside.run_phase(here, "ingest", {}, corpus_dir=ROOT / "corpus", index_dir=index, **settings)
    assert ingested["reports"] == 5 and ingested["chunks"] > 50 and ingested["seconds"] > 0
    sidebyside.plan_file(tmp_path / "plan", 30)
    up = sidebyside.upload(here, index, ROOT / "corpus", next((tmp_path / "plan").iterdir()), tmp_path,
                          embedding_model="none")
    assert up["chunks"] >= 20 and up["answerable_s"] is not None and up["start"] < up["answerable"]
    app = sidebyside.run_phase(here, "app", {"cold": True, "questions": [sidebyside.WARM_QUESTION] * 3},
                               corpus_dir=ROOT / "corpus", index_dir=index, **settings)
    assert app["reports"] == 5 and 0 < app["opened_s"] <= app["first_answer_s"] and app["private_mb"] > 0
