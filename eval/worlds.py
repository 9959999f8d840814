"""The worlds the eval runs in: the seed corpus alone (``corpus/``), or the seeds plus one split of
the reports the assistant was not built on (``eval/reports/dev`` or ``eval/reports/test``, split by
office; see eval/reports/README.md), each with its own index folder under eval/out/ (git-ignored;
kept between runs, so a second run only re-checks the files).

Also the metadata score: for every report of a split, whether the index has the office, the years
and the kind its hand label says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from assistant.settings import ROOT, Settings

REPORTS = ROOT / "eval" / "reports"
OUT = ROOT / "eval" / "out"
NOT_REPORTS = {"qa.jsonl", "metadata.jsonl", "README.md", "SOURCES.md"}


def split_files(split: str) -> list[Path]:
    folder = REPORTS / split
    if not folder.is_dir():
        raise SystemExit(f"no split {split!r}: expected a folder {folder}")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name not in NOT_REPORTS)


def split_settings(split: str, out: Path = OUT, **overrides) -> Settings:
    """Settings for a world of the seed reports plus the split's reports: a corpus folder made to
    hold exactly those files (copied when new or changed), an index folder of its own."""
    corpus = out / f"{split}-corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    wanted = {p.name: p for p in [*sorted((ROOT / "corpus").iterdir()), *split_files(split)] if p.is_file()}
    for path in corpus.iterdir():
        if path.name not in wanted:
            path.unlink()
    for name, source in wanted.items():
        target = corpus / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
    return Settings.from_env(corpus_dir=corpus, index_dir=out / f"{split}-index", data_dir=out / f"{split}-data",
                             **overrides)


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _field(record, name: str):
    """A report record's field (a ReportRecord, or the dict an older index version listed)."""
    return record[name] if isinstance(record, dict) else getattr(record, name)


def metadata_score(index, split: str) -> dict:
    """Share of the split's reports whose office, years and kind the index has as labelled, and the
    reports it got wrong (what was expected, what it has)."""
    labels = load_jsonl(REPORTS / split / "metadata.jsonl")
    records = {_field(r, "id"): r for r in index.reports()}
    right = {"office": 0, "years": 0, "kind": 0, "all": 0}
    wrong = []
    for label in labels:
        record = records.get(label["report"])
        got = {} if record is None else {"office": _field(record, "office"),
                                          "years": sorted(_field(record, "years")), "kind": _field(record, "kind")}
        expected = {"office": label["office"], "years": sorted(label["years"]), "kind": label["kind"]}
        ok = {k: got.get(k) == v for k, v in expected.items()}
        for k, v in ok.items():
            right[k] += v
        right["all"] += all(ok.values())
        if not all(ok.values()):
            wrong.append({"report": label["report"], "expected": expected, "got": got or "not indexed"})
    n = len(labels) or 1
    return {"reports": len(labels), **{f"{k}_accuracy": round(v / n, 3) for k, v in right.items()},
            "wrong": wrong}
