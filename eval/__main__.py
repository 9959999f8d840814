"""python -m eval [--qa FILE] [--k 5] [--compare] [--gate]: score the curated set, print a table,
write eval/report.md and eval/report.json listing every failed item. --compare runs retrieval
configurations side by side; --gate fails (exit 1) when a metric crosses eval/thresholds.toml."""

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
           "refusal_accuracy", "false_refusal_rate", "comparison_tables", "latency_p50_ms", "latency_p95_ms"]


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
    parser.add_argument("--compare", action="store_true", help="compare retrieval configurations")
    parser.add_argument("--gate", action="store_true", help="fail when below eval/thresholds.toml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env()
    assistant = Assistant(settings)
    if not assistant.index.is_built():
        assistant.index.ingest()
    items = load_items(args.qa)
    if args.compare:
        from .compare import compare

        rows = compare(assistant, items, args.k)
        columns = list(next(iter(rows.values())))
        text = "\n".join(["| configuration | " + " | ".join(columns) + " |", "|" + "---|" * (len(columns) + 1),
                          *("| " + name + " | " + " | ".join(str(r[c]) for c in columns) + " |"
                            for name, r in rows.items())])
        print(text)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "compare.md").write_text(f"# Retrieval configurations (k={args.k})\n\n{text}\n",
                                             encoding="utf-8")
        return 0
    results, report = run(assistant, items, args.k)
    reports = {settings.answerer: report}
    if settings.llm_base_url and settings.answerer != "llm":  # score the llm answerer beside it
        from dataclasses import replace

        llm = Assistant(replace(settings, answerer="llm"), assistant.index)
        reports["llm"] = run(llm, items, args.k)[1]
    rows = {"overall": report["overall"], **{f"lang={k}": v for k, v in report["by_language"].items()},
            **{f"type={k}": v for k, v in report["by_type"].items()}}
    summary = table(rows)
    for mode, other in reports.items():
        if mode != settings.answerer:
            summary += f"\n\n{mode} answerer:\n\n" + table({"overall": other["overall"]})
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
                  "- answer:", "", "```", f["answer"], "```",
                  *[f"- [{c['n']}] {c['report_id']} › {c['section']}: {c['text'][:120]}" for c in f["citations"]], ""]
    from .run import __doc__ as definitions

    lines[5:5] = ["## Metric definitions", "", definitions.split("Metrics", 1)[-1].strip(), ""]
    (args.out / "report.md").write_text("\n".join(lines), encoding="utf-8")
    if args.gate:
        return gate(report["overall"])
    return 0


def gate(overall: dict) -> int:
    import tomllib

    limits = tomllib.loads((HERE / "thresholds.toml").read_text(encoding="utf-8"))
    broken = [f"{name} = {overall[name]} < {floor}" for name, floor in limits.get("min", {}).items()
              if overall[name] is None or overall[name] < floor]
    broken += [f"{name} = {overall[name]} > {ceiling}" for name, ceiling in limits.get("max", {}).items()
               if overall[name] is not None and overall[name] > ceiling]
    for line in broken:
        print(f"gate: {line}", file=sys.stderr)
    print("eval gate: " + ("FAILED" if broken else "passed"))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
