"""python -m eval: score the assistant, print a table, write a report.

    python -m eval                      the seed set (eval/qa.jsonl) on the seed corpus
    python -m eval --split dev          the seeds plus the dev split of eval/reports/: its questions
                                        and the metadata of its reports; failures listed
    python -m eval --split test         the same for the test split: aggregate figures only
    python -m eval --conversations dev  conversation traces (eval/conversations/dev.jsonl), turn by turn
    python -m eval --compare            retrieval configurations side by side (seed set)
    python -m eval --gate               what CI runs: the seed set, the test split and the test
                                        conversations against eval/thresholds.toml; exit 1 on a regression
    python -m eval --qa FILE            any file of items in the same format (eval/candidates.jsonl:
                                        the items admins made from users' feedback), on the corpus
                                        and index the settings name (ASSISTANT_CORPUS_DIR, ...);
                                        its report is FILE's name: report-candidates.md
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from assistant.chain import Assistant
from assistant.ingest import ingest
from assistant.settings import Settings

from .conversations import run_traces
from .run import load_items, run
from .worlds import OUT, metadata_score, split_settings

HERE = Path(__file__).resolve().parent
COLUMNS = ["items", "recall@k", "mrr", "key_fact_accuracy", "citation_precision", "citation_recall",
           "refusal_accuracy", "false_refusal_rate", "comparison_tables", "cross_office_recall",
           "latency_p50_ms", "latency_p95_ms"]


def table(rows: dict[str, dict], columns=COLUMNS) -> str:
    head = "| group | " + " | ".join(columns) + " |"
    sep = "|" + "---|" * (len(columns) + 1)
    body = ["| " + name + " | " + " | ".join("" if row.get(c) is None else str(row[c]) for c in columns) + " |"
            for name, row in rows.items()]
    return "\n".join([head, sep, *body])


def assistant_for(settings: Settings) -> Assistant:
    assistant = Assistant(settings)
    result = ingest(assistant.index)  # incremental: only new or changed reports cost anything
    for error in result.errors:
        logging.warning("%s", error)
    return assistant


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--qa", type=Path, default=HERE / "qa.jsonl")
    parser.add_argument("--split", choices=["dev", "test"])
    parser.add_argument("--conversations", choices=["dev", "test"])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--compare", action="store_true", help="compare retrieval configurations")
    parser.add_argument("--gate", action="store_true", help="fail when below eval/thresholds.toml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.gate:
        return run_gate(args.k)
    if args.split:
        return split_report(args.split, args.k, args.out)
    settings = Settings.from_env()
    assistant = assistant_for(settings)
    if args.conversations:
        return conversations_report(assistant, args.conversations, args.out)
    items = load_items(args.qa)
    if not items:
        print(f"{args.qa}: no items to score (one JSON object per line, as in eval/qa.jsonl)", file=sys.stderr)
        return 1
    if args.compare:
        return compare_report(assistant, items, args.k, args.out)
    results, report = run(assistant, items, args.k)
    rows = {"overall": report["overall"], **{f"lang={k}": v for k, v in report["by_language"].items()},
            **{f"type={k}": v for k, v in report["by_type"].items()}}
    summary = table(rows)
    if settings.llm_base_url and settings.answerer != "llm":  # score the llm answerer beside it
        from dataclasses import replace

        llm = Assistant(replace(settings, answerer="llm"), assistant.index)
        summary += "\n\nllm answerer:\n\n" + table({"overall": run(llm, items, args.k)[1]["overall"]})
    print(summary)
    name = "report" if args.qa.resolve() == (HERE / "qa.jsonl").resolve() else f"report-{args.qa.stem}"
    write_report(args.out, name, f"`{args.qa.name}`, {len(items)} items, k={args.k}, answerer: "
                 f"{settings.answerer}, embedding: {settings.embedding_model}", summary, report, results)
    return 0


def split_report(split: str, k: int, out: Path) -> int:
    """A split of the unseen reports: questions and metadata. The test split prints only aggregates."""
    assistant = assistant_for(split_settings(split))
    items = load_items(Path(__file__).parent / "reports" / split / "qa.jsonl")
    results, report = run(assistant, items, k)
    meta = metadata_score(assistant.index, split)
    rows = {"overall": report["overall"], **{f"lang={k}": v for k, v in report["by_language"].items()}}
    if split != "test":
        rows.update({f"type={k}": v for k, v in report["by_type"].items()})
    summary = table(rows) + "\n\nmetadata: " + json.dumps({k: v for k, v in meta.items() if k != "wrong"})
    print(summary)
    if split == "test":  # never studied: no items, no answers, no report names
        out.mkdir(parents=True, exist_ok=True)
        (out / "report-test.json").write_text(json.dumps({"overall": report["overall"], "metadata": {
            k: v for k, v in meta.items() if k != "wrong"}}, indent=1), encoding="utf-8")
        return 0
    report["metadata"] = meta
    write_report(out, f"report-{split}", f"split {split}: {len(items)} items on the seeds plus "
                 f"{meta['reports']} reports", summary, report, results)
    return 0


def conversations_report(assistant: Assistant, which: str, out: Path) -> int:
    traces = load_items(HERE / "conversations" / f"{which}.jsonl")
    results, summary = run_traces(assistant, traces)
    print(table({"conversations": summary}, list(summary)))
    if which == "test":
        return 0
    failed = [{"trace": r.trace, "question": r.turn["question"], "standalone": r.standalone, "why": r.why,
               "read_as": r.rewritten, "answer": r.answer} for r in results if not r.ok]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"report-conversations-{which}.json").write_text(
        json.dumps({"summary": summary, "failed": failed}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def compare_report(assistant: Assistant, items: list[dict], k: int, out: Path) -> int:
    from .compare import compare

    rows = compare(assistant, items, k)
    columns = list(next(iter(rows.values())))
    text = "\n".join(["| configuration | " + " | ".join(columns) + " |", "|" + "---|" * (len(columns) + 1),
                      *("| " + name + " | " + " | ".join(str(r[c]) for c in columns) + " |"
                        for name, r in rows.items())])
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.md").write_text(f"# Retrieval configurations (k={k})\n\n{text}\n", encoding="utf-8")
    return 0


def write_report(out: Path, name: str, what: str, summary: str, report: dict, results) -> None:
    failed = [{"id": r.item["id"], "question": r.item["question"], "why": r.failures,
               "expected": r.item["key_facts"], "status": r.status, "answer": r.answer,
               "citations": [{"n": c.n, "report_id": c.report_id, "section": c.section, "text": c.text}
                             for c in r.citations]} for r in results if r.failures]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps({**report, "failed": failed}, ensure_ascii=False, indent=1),
                                      encoding="utf-8")
    from .run import __doc__ as definitions

    lines = ["# Evaluation report", "", f"Set: {what}", "", "## Metric definitions", "",
             definitions.split("Metrics", 1)[-1].strip(), "", summary, "", f"## Failed items ({len(failed)})", ""]
    for f in failed:
        lines += [f"### {f['id']} — {', '.join(f['why'])}", f"- question: {f['question']}",
                  f"- expected: {f['expected']}", f"- status: {f['status']}", "- answer:", "", "```",
                  f["answer"], "```",
                  *[f"- [{c['n']}] {c['report_id']} › {c['section']}: {c['text'][:120]}" for c in f["citations"]], ""]
    (out / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")


def run_gate(k: int) -> int:
    """The seed set, the test split (questions and metadata) and the test conversations."""
    seed_assistant = assistant_for(Settings.from_env())
    seed = run(seed_assistant, load_items(HERE / "qa.jsonl"), k)[1]["overall"]
    test_assistant = assistant_for(split_settings("test"))
    test = run(test_assistant, load_items(HERE / "reports" / "test" / "qa.jsonl"), k)[1]["overall"]
    test.update({f"metadata_{k}": v for k, v in metadata_score(test_assistant.index, "test").items()
                 if k.endswith("accuracy")})
    talks = run_traces(seed_assistant, load_items(HERE / "conversations" / "test.jsonl"))[1]
    for name, figures in (("seed", seed), ("test", test), ("conversations", talks)):
        print(f"{name}: " + json.dumps({k: v for k, v in figures.items()}))
    status = max(gate(seed, "seed"), gate(test, "test"), gate(talks, "conversations"))
    print("eval gate: " + ("FAILED" if status else "passed"))
    return status


def gate(figures: dict, section: str = "seed") -> int:
    """1 when a figure is below its floor or above its ceiling in thresholds.toml [section.*]."""
    import tomllib

    limits = tomllib.loads((HERE / "thresholds.toml").read_text(encoding="utf-8"))[section]
    broken = [f"{section}: {name} = {figures.get(name)} < {floor}" for name, floor in limits.get("min", {}).items()
              if figures.get(name) is None or figures[name] < floor]
    broken += [f"{section}: {name} = {figures[name]} > {ceiling}" for name, ceiling in limits.get("max", {}).items()
               if figures.get(name) is not None and figures[name] > ceiling]
    for line in broken:
        print(f"gate: {line}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    sys.exit(main())
