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
