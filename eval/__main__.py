"""python -m eval [--qa FILE] [--k 5] [--out eval/out]: score the curated set, print a table,
write eval/report.md and a JSON file listing every failed item."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from assistant.chain import Assistant
from assistant.settings import Settings

from .run import load_items, run

HERE = Path(__file__).resolve().parent
COLUMNS = ["items", "recall@k", "mrr", "key_fact_accuracy", "citation_precision", "citation_recall",
           "refusal_accuracy", "false_refusal_rate", "latency_p50_ms", "latency_p95_ms"]


def table(rows: dict[str, dict]) -> str:
    head = "| group | " + " | ".join(COLUMNS) + " |"
    sep = "|" + "---|" * (len(COLUMNS) + 1)
    body = ["| " + name + " | " + " | ".join("" if row[c] is None else str(row[c]) for c in COLUMNS) + " |"
            for name, row in rows.items()]
    return "\n".join([head, sep, *body])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval")
    parser.add_argument("--qa", type=Path, default=HERE / "qa.jsonl")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env()
    assistant = Assistant(settings)
    if not assistant.index.is_built():
        assistant.index.ingest()
    items = load_items(args.qa)
    results, report = run(assistant, items, args.k)
    rows = {"overall": report["overall"], **{f"lang={k}": v for k, v in report["by_language"].items()},
            **{f"type={k}": v for k, v in report["by_type"].items()}}
    summary = table(rows)
    print(summary)
    failed = [{"id": r.item["id"], "question": r.item["question"], "why": r.failures,
               "expected": r.item["key_facts"], "status": r.status, "answer": r.answer,
               "citations": [{"n": c.n, "report_id": c.report_id, "section": c.section, "text": c.text}
                             for c in r.citations]} for r in results if r.failures]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps({**report, "failed": failed}, ensure_ascii=False,
                                                     indent=1), encoding="utf-8")
    lines = ["# Evaluation report", "", f"Set: `{args.qa.name}`, {len(items)} items, k={args.k}, "
             f"answerer: {settings.answerer}, embedding: {settings.embedding_model}", "",
             summary, "", f"## Failed items ({len(failed)})", ""]
    for f in failed:
        lines += [f"### {f['id']} — {', '.join(f['why'])}", f"- question: {f['question']}",
                  f"- expected: {f['expected']}", f"- status: {f['status']}",
                  "- answer:", "", "```", f["answer"], "```", ""]
    (args.out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
