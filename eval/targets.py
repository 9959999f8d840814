"""python -m eval.targets: precision and recall of the targets extraction against the
hand-labelled sample eval/targets_gold.jsonl (every statement of the reports it covers).

A predicted statement matches a gold one when both are in the same report and their number spans
overlap. Precision = matched predictions / predictions in the labelled reports; recall = matched
gold statements / gold statements. For matched pairs, field agreement is reported too, overall and per
report. Metric names are free wording, so a predicted metric agrees when it holds at least half of the
gold name's two-character pieces (招商引资到位资金 in 招商引资实际到位内资全年…).

Agreement is also printed per part of the sample, by when its topic disagreements were studied to write
the topic words of assistant/topics.py (README_targets.md): the part never studied is the honest estimate
for a report the words were not fitted to."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.ingest import load_manifest
from assistant.parse import read_report
from assistant.settings import Settings
from assistant.targets import extract_targets

HERE = Path(__file__).resolve().parent
STUDIED_FIRST = ("000", "001")  # round 1: topic words written from these reports' disagreements only
STUDIED_THEN = "002"  # round 2: this report's and 003's before NEVER_STUDIED_FROM
NEVER_STUDIED_FROM = 3613  # 003 from this offset on (the second half of its statements) was never looked at
METRIC_AGREES = 0.5  # share of the gold metric's two-character pieces the predicted metric must hold


def _pieces(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def metric_agrees(predicted: str, gold: str) -> bool:
    pieces = _pieces(gold or "")
    return bool(pieces) and len(pieces & _pieces(predicted)) / len(pieces) >= METRIC_AGREES


def tuning_part(g: dict) -> str:
    """The part of the sample a gold statement is in, by when its topic disagreements were studied."""
    report = g["report"][:3]
    if report in STUDIED_FIRST:
        return "studied, round 1"
    if report == STUDIED_THEN or (report == "003" and g["start"] < NEVER_STUDIED_FROM):
        return "studied, round 2"
    return "never studied"


def score(gold: list[dict], corpus: Path) -> dict:
    manifest = load_manifest(corpus)
    reports = sorted({g["report"] for g in gold})
    predicted = []
    for rid in reports:
        path = next(corpus.glob(f"{rid}.*"))
        predicted += extract_targets(read_report(path, corpus, manifest.get(rid)))
    used: set[int] = set()
    pairs = []
    for g in gold:
        g_start, g_end = g["start"], g["start"] + len(g["quote"])
        match = next((i for i, p in enumerate(predicted) if i not in used and p.report_id == g["report"]
                      and p.start < g_end and g_start < p.end), None)
        if match is not None:
            used.add(match)
            pairs.append((g, predicted[match]))
    missed = [g for g in gold if not any(g is pg for pg, _ in pairs)]
    spurious = [p for i, p in enumerate(predicted) if i not in used]

    def agree(field, convert=lambda v: v, pairs=pairs):
        same = sum(convert(getattr(p, field)) == convert(g.get(field)) for g, p in pairs)
        return round(same / len(pairs), 3) if pairs else None

    def metric_agreement(pairs):
        return round(sum(metric_agrees(p.metric, g.get("metric")) for g, p in pairs) / len(pairs), 3) \
            if pairs else None

    def part(keep):
        some = [(g, p) for g, p in pairs if keep(g)]
        return {"matched": len(some), "topic_agreement": agree("topic", pairs=some),
                "kind_agreement": agree("kind", pairs=some), "metric_agreement": metric_agreement(some)}

    return {"gold": len(gold), "predicted": len(predicted), "matched": len(pairs),
            "precision": round(len(pairs) / len(predicted), 3) if predicted else None,
            "recall": round(len(pairs) / len(gold), 3) if gold else None,
            "value_agreement": agree("value", lambda v: None if v is None else round(float(v), 4)),
            "unit_agreement": agree("unit"), "kind_agreement": agree("kind"),
            "qualifier_agreement": agree("qualifier"), "topic_agreement": agree("topic"),
            "metric_agreement": metric_agreement(pairs),
            "by_report": {rid: part(lambda g, rid=rid: g["report"] == rid) for rid in reports},
            "by_part": {name: part(lambda g, name=name: tuning_part(g) == name)
                        for name in ("studied, round 1", "studied, round 2", "never studied")},
            "missed": [{"report": g["report"], "quote": g["quote"], "start": g["start"], "metric": g.get("metric")}
                       for g in missed],
            "spurious": [{"report": p.report_id, "quote": p.quote, "start": p.start, "sentence": p.sentence[:60]}
                         for p in spurious]}


def main(argv=None) -> int:
    gold_path = HERE / "targets_gold.jsonl"
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = score(gold, Settings.from_env().corpus_dir)
    for key in ("gold", "predicted", "matched", "precision", "recall", "value_agreement", "unit_agreement",
                "kind_agreement", "qualifier_agreement", "topic_agreement", "metric_agreement"):
        print(f"{key:22} {result[key]}")
    print(f"\n{'':22} {'matched':>8} {'topic':>6} {'kind':>6} {'metric':>6}")
    for name, part in [*result["by_report"].items(), *result["by_part"].items()]:
        print(f"{name:22} {part['matched']:>8} {part['topic_agreement']!s:>6} {part['kind_agreement']!s:>6} "
              f"{part['metric_agreement']!s:>6}")
    if "-v" in (argv or sys.argv[1:]):
        for m in result["missed"]:
            print("missed  ", m)
        for s in result["spurious"]:
            print("spurious", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
