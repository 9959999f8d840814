"""Load: 20 chat sessions at once against `python app.py` on a copy of the session's world, each
driving the app the way a browser tab does (eval/load.py: the generator, shared with the
side-by-side benchmark). Before the load one session asks every conversation alone; under load
each answer must be that same answer and the known question keeps its figure; no request may
fail. Latency, time to the first streamed text, queue wait and throughput are printed (-s) and
written to tests/artifacts/load.json with the machine's load average: on a shared 2-core
machine the figures are noisy (speed figures come from `make bench`, side by side)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.settings import Settings
from conftest import app_server
from eval.load import ANSWERED, KNOWN, ODD, measure

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
SESSIONS = int(os.environ.get("LOAD_SESSIONS", "20"))  # the issue asks for at least 20
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))  # shorten for local runs, e.g. LOAD_SECONDS=10
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "300"))  # per session: bounds a fast machine


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    settings, _ = built
    with app_server(settings, tmp_path_factory.mktemp("load")) as served:
        yield served


@pytest.mark.slow
def test_twenty_chat_sessions_at_once_get_the_answers_each_would_get_alone(server):
    run = measure(server["url"], SESSIONS, SECONDS, MAX_REQUESTS)
    reference, expected, report, failed = run.reference, run.expected, run.report, run.failed
    print(f"\n{len(reference.turns)} questions asked alone in {run.summary['alone_seconds']:.1f} s")
    alone_failed = [t for t in reference.turns if t.error] + [e for e in reference.events if e[1]]
    assert not alone_failed, alone_failed[:3]
    odd = dict(ODD)
    for t in expected.values():
        wanted = odd.get(t.question, "answer")
        assert (t.outcome == "refused") == (wanted == "refused"), (t.question[:40], t.outcome, t.warnings)
    assert KNOWN[1] in expected[((KNOWN[0],), 0)].answer
    assert "&lt;img src=x" in expected[((ODD[4][0],), 0)].shown  # shown as text, not run

    summary = {**run.summary, "answer_concurrency": Settings.from_env().answer_concurrency}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, ensure_ascii=False))

    done = [t for t in report.turns if not t.error]
    assert not failed, f"{len(failed)} failed:\n" + "\n".join(failed[:10])
    assert report.peak >= min(SESSIONS, 20)
    for n in range(SESSIONS):
        assert any(t.session == n and t.outcome in ANSWERED for t in done), f"session {n} got no answer"
    known = [t for t in done if t.step == ((KNOWN[0],), 0)]
    assert len(known) >= SESSIONS and all(KNOWN[1] in t.answer for t in known)
    assert report.pages and len(done) >= SESSIONS * 2
