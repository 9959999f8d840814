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
