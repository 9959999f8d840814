"""Run the curated Q&A set through the assistant and score it.

Metrics (each over the items it names):
- recall@k: answerable items' supporting passages found in the top k retrieved chunks (a chunk
  counts when its span contains the quoted passage's start), averaged over the passages;
- MRR: mean of 1/rank of the first retrieved chunk holding a supporting passage (0 if none);
- key-fact accuracy: answerable items whose answer holds a variant of every key fact;
- citation precision: citations whose cited text holds every number of the answer line that cites
  it and at least half of that line's character bigrams (for a table row: the numbers of its value
  cell);
- citation recall: answerable items whose citations include a supporting passage;
- refusal accuracy: unanswerable items answered not_found; false-refusal rate: answerable items
  answered not_found;
- comparison tables: "compare" items answered with a table whose rows cite their sources;
- cross-report office recall: for items whose answer lies in several reports, the share of those
  reports the answer cites;
- latency: p50/p95 of a warm ask, milliseconds.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.chain import Assistant
from assistant.retrieve import Filters
from assistant.verify import numbers_in

MARKER = re.compile(r"\[(\d+)\]")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace(" ", "")


def load_items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class ItemResult:
    item: dict
    status: str
    answer: str
    citations: list
    retrieved: list  # (report_id, start, end)
    latency_ms: float
    recall: float = 0.0
    rr: float = 0.0
    facts_ok: bool = False
    cite_recall: bool = False
    cite_checked: int = 0
    cite_precise: int = 0
    office_recall: float | None = None  # a cross-report item: share of its reports the answer cites
    failures: list = field(default_factory=list)


def locate(text: str, quote: str) -> int:
    """Where a supporting quote starts in a report's text: exactly, else ignoring whitespace (a
    .docx or .pdf puts line breaks and spaces of its own into the text), else -1."""
    at = text.find(quote)
    if at >= 0 or not quote.strip():
        return at
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    flat = "".join(text[i] for i in keep)
    at = flat.find("".join(quote.split()))
    return keep[at] if at >= 0 else -1


def quote_positions(assistant: Assistant, item: dict) -> list[tuple[str, int]]:
    """Where each supporting quote is; -1 for a report the index no longer holds (an item made
    from feedback on a report removed since) or a quote it does not contain: found by nothing."""
    known = {r.id for r in assistant.index.reports()}
    out = []
    for support in item["support"]:
        if support["report"] not in known:
            out.append((support["report"], -1))
            continue
        text = assistant.index.report(support["report"]).text
        out.append((support["report"], locate(text, support["quote"])))
    return out


def score_item(assistant: Assistant, item: dict, k: int) -> ItemResult:
    history = item.get("history") or []
    started = time.perf_counter()
    answer = assistant.ask(item["question"], history=history)
    latency = (time.perf_counter() - started) * 1000
    standalone = answer.standalone_question or item["question"]
    hits = assistant.search(standalone, Filters(), k=k).hits
    retrieved = [(h.chunk.report_id, h.chunk.start, h.chunk.end) for h in hits]
    result = ItemResult(item, answer.status, answer.answer, answer.citations, retrieved, latency)
    if item["answerable"]:
        positions = quote_positions(assistant, item)
        found = [any(r == rid and s <= pos < e for r, s, e in retrieved) for rid, pos in positions]
        result.recall = sum(found) / len(found) if found else 0.0
        for rank, (r, s, e) in enumerate(retrieved, 1):
            if any(r == rid and s <= pos < e for rid, pos in positions):
                result.rr = 1 / rank
                break
        text = fold(answer.answer)
        result.facts_ok = answer.status == "answered" and all(
            any(fold(v) in text for v in group) for group in item["key_facts"])
        result.cite_recall = any(c.report_id == rid and c.passage_start <= pos < c.passage_end
                                 for c in answer.citations for rid, pos in positions)
        if item["type"] in ("cross", "compare") and len(set(item["reports"])) > 1:
            cited = {c.report_id for c in answer.citations}
            result.office_recall = len(cited & set(item["reports"])) / len(set(item["reports"]))
        if not result.facts_ok:
            result.failures.append("key facts")
        if answer.status != "answered":
            result.failures.append("false refusal")
    elif answer.status != "not_found":
        result.failures.append("not refused")
    lines = answer.answer.splitlines()
    by_n = {c.n: c for c in answer.citations}
    for line in lines:
        body = MARKER.sub("", line)
        for n in MARKER.findall(line):
            citation = by_n.get(int(n))
            if citation is None:
                continue
            result.cite_checked += 1
            if line.startswith("|"):  # a table row: its value cell must be in the cited text
                cells = [c.strip() for c in line.strip("|").split("|")]
                value = cells[3] if len(cells) > 3 else body
                if all(num in numbers_in(citation.text) for num in numbers_in(value)):
                    result.cite_precise += 1
                continue
            cited = fold(citation.text)
            grams = {body[i:i + 2] for i in range(len(fold(body)) - 1)}
            folded = fold(body)
            grams = {folded[i:i + 2] for i in range(len(folded) - 1)}
            share = sum(g in cited for g in grams) / len(grams) if grams else 0
            if all(num in numbers_in(citation.text) for num in numbers_in(body)) and share >= 0.5:
                result.cite_precise += 1
    return result


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summarise(results: list[ItemResult]) -> dict:
    answerable = [r for r in results if r.item["answerable"]]
    unanswerable = [r for r in results if not r.item["answerable"]]
    checked = sum(r.cite_checked for r in results)

    def mean(values):
        return round(statistics.mean(values), 3) if values else None

    return {
        "items": len(results),
        "recall@k": mean([r.recall for r in answerable]),
        "mrr": mean([r.rr for r in answerable]),
        "key_fact_accuracy": mean([r.facts_ok for r in answerable]),
        "citation_precision": round(sum(r.cite_precise for r in results) / checked, 3) if checked else None,
        "citation_recall": mean([r.cite_recall for r in answerable]),
        "refusal_accuracy": mean([r.status == "not_found" for r in unanswerable]),
        "false_refusal_rate": mean([r.status == "not_found" for r in answerable]),
        "comparison_tables": mean(["\n|" in r.answer and bool(r.citations)
                                   for r in results if r.item["type"] == "compare"]),
        "cross_office_recall": mean([r.office_recall for r in results if r.office_recall is not None]),
        "latency_p50_ms": round(percentile([r.latency_ms for r in results], 0.5), 1),
        "latency_p95_ms": round(percentile([r.latency_ms for r in results], 0.95), 1),
    }


def breakdown(results: list[ItemResult], key) -> dict:
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        groups.setdefault(key(r.item), []).append(r)
    return {name: summarise(group) for name, group in sorted(groups.items())}


def run(assistant: Assistant, items: list[dict], k: int = 5) -> tuple[list[ItemResult], dict]:
    assistant.ask(items[0]["question"])  # warm: models and caches load once, outside the timings
    results = [score_item(assistant, item, k) for item in items]
    report = {"overall": summarise(results),
              "by_language": breakdown(results, lambda i: i["lang"]),
              "by_type": breakdown(results, lambda i: i["type"])}
    return results, report
