"""The curated Q&A set is sound: every quoted supporting passage occurs in its report."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ITEMS = [json.loads(line) for line in (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


def test_every_quote_occurs_in_its_report():
    for item in ITEMS:
        for support in item["support"]:
            text = (ROOT / "corpus" / f"{support['report']}.txt").read_text(encoding="utf-8")
            assert support["quote"] in text, (item["id"], support["quote"])


def test_set_composition():
    ids = [i["id"] for i in ITEMS]
    assert len(ids) == len(set(ids)) >= 100
    assert sum(i["lang"] == "en" for i in ITEMS) >= 15
    assert sum(not i["answerable"] for i in ITEMS) >= 10
    assert sum(i["type"] == "cross" for i in ITEMS) >= 10
    assert sum(bool(i["history"]) for i in ITEMS) >= 5
    for item in ITEMS:
        assert item["answerable"] == bool(item["key_facts"]) == bool(item["support"]), item["id"]


def test_gate_fails_on_a_regression_and_passes_otherwise():
    from eval.__main__ import gate

    good = {"recall@k": 0.96, "mrr": 0.93, "key_fact_accuracy": 0.95, "citation_precision": 0.99,
            "citation_recall": 0.97, "refusal_accuracy": 1.0, "false_refusal_rate": 0.01,
            "latency_p95_ms": 90.0}
    assert gate(good) == 0
    assert gate({**good, "key_fact_accuracy": 0.5}) == 1
    assert gate({**good, "false_refusal_rate": 0.5}) == 1


def test_runner_scores_and_lists_failures(assistant):
    from eval.run import run

    items = [next(i for i in ITEMS if i["id"] == "tiexi-01"),
             next(i for i in ITEMS if not i["answerable"]),
             {**next(i for i in ITEMS if i["id"] == "tiexi-01"), "id": "wrong", "key_facts": [["99%"]]}]
    results, report = run(assistant, items)
    assert report["overall"]["refusal_accuracy"] == 1
    assert [r.failures for r in results] == [[], [], ["key facts"]]
    assert results[0].recall == 1.0 and results[0].cite_recall
