"""Conversation traces (eval/conversations/*.jsonl; format in its README): each trace's questions
asked one after another in one chat, as the app asks them (the history is the questions before,
each as the assistant understood it), and every turn scored:

- a standalone turn must be answered exactly as the same question asked alone (same status, same
  answer text, same cited passages): "standalone kept";
- an elliptical turn is scored on its key facts (answerable) or on being refused (unanswerable).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .run import fold


@dataclass
class TurnResult:
    trace: str
    turn: dict
    standalone: bool
    ok: bool
    answer: str
    rewritten: str
    why: list = field(default_factory=list)


def _same(a, b) -> bool:
    return (a.status == b.status and a.answer == b.answer
            and [(c.report_id, c.start, c.end) for c in a.citations] == [(c.report_id, c.start, c.end) for c in b.citations])


def _facts(answer, turn: dict) -> bool:
    if not turn["answerable"]:
        return answer.status == "not_found"
    text = fold(answer.answer)
    return answer.status == "answered" and all(any(fold(v) in text for v in group) for group in turn["key_facts"])


def run_traces(assistant, traces: list[dict]) -> tuple[list[TurnResult], dict]:
    results: list[TurnResult] = []
    for trace in traces:
        history: list[str] = []
        for turn in trace["turns"]:
            answer = assistant.ask(turn["question"], history=history)
            rewritten = answer.standalone_question or turn["question"]
            if turn["standalone"]:
                alone = assistant.ask(turn["question"])
                ok = _same(answer, alone)
                why = [] if ok else [f"answered differently after the other turns (read as {rewritten!r})"]
            else:
                ok = _facts(answer, turn)
                why = [] if ok else ["key facts" if turn["answerable"] else "not refused"]
            results.append(TurnResult(trace["id"], turn, turn["standalone"], ok, answer.answer, rewritten, why))
            history.append(rewritten)
    standalone = [r.ok for r in results if r.standalone]
    elliptical = [r for r in results if not r.standalone]

    def mean(values):
        return round(statistics.mean(values), 3) if values else None

    summary = {"traces": len(traces), "turns": len(results),
               "standalone_kept": mean(standalone),
               "elliptical_key_facts": mean([r.ok for r in elliptical if r.turn["answerable"]]),
               "elliptical_refusals": mean([r.ok for r in elliptical if not r.turn["answerable"]])}
    return results, summary
