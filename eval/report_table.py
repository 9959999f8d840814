"""The side-by-side benchmark's table (eval/sidebyside.py): one row per figure, the earlier
version, this checkout, and their ratio (the figure that holds on a noisy machine)."""

from __future__ import annotations

import statistics


def _median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _row(label: str, old: float | None, new: float | None, fmt: str = "{:.1f}") -> str:
    def cell(v):
        return "–" if v is None else fmt.format(v)

    ratio = f"{new / old:.2f}" if old and new is not None else "–"
    return f"| {label} | {cell(old)} | {cell(new)} | {ratio} |"


def table(results: dict, old: str, new: str) -> str:
    """Markdown: metric | old | new | new ÷ old."""
    lines = [f"| metric | {old} | {new} | new ÷ old |", "|---|---|---|---|"]

    def pair(get, label, fmt="{:.1f}"):
        def value(version):
            try:
                return get(version)
            except (KeyError, IndexError, TypeError, ZeroDivisionError):  # not measured (yet)
                return None

        lines.append(_row(label, value(old), value(new), fmt))

    dense, lexical = results.get("dense"), results.get("lexical")
    if dense:
        runs = len(dense[old])
        chunks = dense[old][0]["chunks"]
        pair(lambda v: _median([r["chunks"] / r["seconds"] for r in dense[v]]),
             f"ingest with dense embedding, {chunks} passages, empty cache: passages/s (median of {runs})")
        pair(lambda v: _median([r["embedded"] / r["embed_seconds"] for r in dense[v] if r["embed_seconds"]]),
             "… the embedding model alone: passages/s")
        pair(lambda v: _median([r["chunks"] / r["seconds"] for r in lexical[v]]),
             f"ingest without dense embedding: passages/s (median of {runs})", "{:.0f}")
    if "upload" in results:
        up = results["upload"]
        plan = up[old].get("chunks", "?")
        pair(lambda v: up[v]["answerable_s"], f"upload of a {plan}-passage plan: seconds until answerable")
        pair(lambda v: up[v]["all_in_s"], "… seconds until all in (dense vectors too)")
    if "load" in results:
        _load_rows(pair, results["load"], old)
    for n, at in results.get("scale", {}).items():
        _scale_rows(pair, int(n), at)
    if dense:
        loads = {v: [r["load"] for r in dense[v] + lexical[v]] for v in (old, new)}
        pair(lambda v: _median(loads[v]), "load average (1 min) during the ingests")
    return "\n".join(lines)


def _load_rows(pair, load: dict, old: str) -> None:
    sessions = load[old].get("sessions", 20)
    for p in ("p50", "p95", "p99"):
        pair(lambda v, p=p: load[v]["latency_ms"].get(p), f"{sessions} sessions at once: answer {p}, ms", "{:.0f}")
    pair(lambda v: load[v]["queue_wait_ms"].get("p95"), "… queue wait p95, ms", "{:.0f}")
    pair(lambda v: load[v]["throughput_per_s"], "… throughput, answers/s")
    pair(lambda v: load[v]["failed"], "… failed requests", "{:.0f}")
    pair(lambda v: load[v]["app_peak_mb"], "… app process peak memory, MB", "{:.0f}")
    pair(lambda v: load[v]["load_average_before"][0], "… load average (1 min) before the load")
    pair(lambda v: load[v]["load_average_after"][0], "… load average (1 min) after it")


def _scale_rows(pair, n: int, at: dict) -> None:
    pair(lambda v: at[v]["ingest"]["chunks"] / at[v]["ingest"]["seconds"],
         f"{n:,} reports: ingest, model stood in for: passages/s", "{:.0f}")
    pair(lambda v: at[v]["ingest"]["maxrss_mb"], f"{n:,} reports: ingest peak memory, MB", "{:.0f}")
    for kind, what in (("cold", "a new worker (no lexical files of its own)"),
                       ("warm", "with its lexical files")):
        pair(lambda v, k=kind: at[v][k]["first_answer_s"], f"{n:,} reports: start to first answer, {what}, s")
    pair(lambda v: at[v]["warm"]["rss_mb"], f"{n:,} reports: app memory after 30 answers (resident), MB", "{:.0f}")
    pair(lambda v: at[v]["warm"]["private_mb"], f"{n:,} reports: … of which private (not shareable), MB",
         "{:.0f}")
    pair(lambda v: at[v]["cold"]["maxrss_mb"], f"{n:,} reports: app peak memory, new worker, MB", "{:.0f}")
    pair(lambda v: at[v]["warm"]["ask_p95_ms"], f"{n:,} reports: ask p95 (one process alone), ms", "{:.0f}")
    pair(lambda v: at[v]["index_mb"], f"{n:,} reports: index on disk, MB", "{:.0f}")
    pair(lambda v: at[v]["warm"]["load"], f"{n:,} reports: load average (1 min) after the app's answers")
