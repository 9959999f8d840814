"""Load: 20 chat sessions at once against `python app.py` on a copy of the session's world, each
driving the app the way a browser tab does: its own Gradio session (session hash and
connection), the page and its load event, each question submitted through the queue
(POST /gradio_api/queue/join) with the chat the tab shows, the streamed result read from the
session's event stream (GET /gradio_api/queue/data, diffs applied), Clear between conversations.
A few sessions also open the source page each answer cites, as a click on the citation does.

Each session asks back to back for LOAD_SECONDS (60) or LOAD_MAX_REQUESTS questions, whichever
comes first: eval/qa.jsonl questions in Chinese and English, answerable and not, follow-ups that
need the previous question, and odd input (empty, too long, HTML, control characters). Before the
load one session asks every conversation alone; under load each answer must be that same answer
(a race in the answering path shows here) and the known question keeps its figure. A request
fails on an HTTP error, an error event, a warning the question alone did not get, or no answer
in REQUEST_TIMEOUT_S. Latency (submit -> completed), time to the first streamed answer text,
queue wait and throughput are printed (-s) and written to tests/artifacts/load.json with the
machine's load average: on a shared 2-core machine the figures are noisy."""

from __future__ import annotations

import asyncio
import html
import json
import os
import random
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client.utils import apply_diff

from assistant.settings import Settings
from conftest import app_server

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
QA = ROOT / "eval" / "qa.jsonl"
SESSIONS = int(os.environ.get("LOAD_SESSIONS", "20"))  # the issue asks for at least 20
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))  # shorten for local runs, e.g. LOAD_SECONDS=10
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "300"))  # per session: bounds a fast machine
SOURCE_SESSIONS = 4  # these sessions also open the page the first citation of each answer links to
REQUEST_TIMEOUT_S = 30.0  # a question not answered in this time counts as failed
KNOWN = ("铁西街道2024年招商引资目标是多少？", "7亿元")  # a question and the figure its answer has
ODD = [  # (input, what the app does with it)
    ("", "refused"), ("  \n\t ", "refused"),
    (KNOWN[0] * 70, "refused"),  # 1,260 characters: over the question limit
    ("请问：" + KNOWN[0] * 40, "answer"),  # 723 characters: long, but a question
    ('<img src=x onerror="alert(1)"><b>铁西街道</b>招商引资目标是多少？', "answer"),
    ("铁西\x00街道\x1b招商引资目标是多少？", "answer"),
]
ANSWERED = ("answered", "not_found")


def conversations() -> list[tuple[str, ...]]:
    """The questions, as conversations of one or more turns (~70 questions): every English,
    follow-up and comparison item of the eval set, half the Chinese unanswerable ones, an eighth
    of the other Chinese ones, the odd inputs."""
    items = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    special = [i for i in items if i["lang"] == "en" or i["history"] or i["type"] == "compare"]
    zh = [i for i in items if i not in special]
    chosen = special + [i for i in zh if not i["answerable"]][::2] + [i for i in zh if i["answerable"]][::8]
    return ([(KNOWN[0],)] + [(*i["history"], i["question"]) for i in chosen]
            + [(text,) for text, _ in ODD])


@dataclass
class Turn:
    """One question submitted and what came back (times from time.perf_counter)."""
    session: int
    step: tuple[tuple[str, ...], int]  # (conversation, position in it)
    submitted: float
    started: float | None = None  # the queue started it
    first: float | None = None  # the first streamed answer text
    done: float | None = None
    outcome: str = ""  # answered | not_found | refused (a warning, the chat unchanged) | failed
    shown: str = ""  # the question as the chat shows it
    answer: str = ""  # the answer message's HTML
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def question(self) -> str:
        return self.step[0][self.step[1]]

    def same(self) -> tuple:
        return self.outcome, self.shown, self.answer, tuple(self.warnings)


@dataclass
class LoadLog:
    """What the tabs saw."""
    turns: list[Turn] = field(default_factory=list)
    pages: list[tuple[float, str]] = field(default_factory=list)  # source pages: (seconds, error)
    events: list[tuple[str, str]] = field(default_factory=list)  # page loads, Clear: (what, error)
    in_flight: int = 0
    peak: int = 0


class Tab:
    """One browser tab: a Gradio session of its own, the chat it shows."""

    def __init__(self, n: int, http: httpx.AsyncClient, app: dict, report: LoadLog) -> None:
        self.n, self.http, self.app, self.report = n, http, app, report
        self.session_hash = f"load{n:02d}{uuid.uuid4().hex[:8]}"
        self.chat: list = []
        self.asked = 0

    async def events(self, dependency: dict, data: list):
        """Submit one event and yield the messages of the session's stream until it completes."""
        r = await self.http.post(f"{self.app['api']}/queue/join", json={
            "data": data, "event_data": None, "fn_index": dependency["id"],
            "trigger_id": dependency["targets"][0][0], "session_hash": self.session_hash})
        r.raise_for_status()
        async with self.http.stream("GET", f"{self.app['api']}/queue/data",
                                    params={"session_hash": self.session_hash}) as stream:
            stream.raise_for_status()
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    yield message
                    if message["msg"] in ("process_completed", "unexpected_error", "close_stream"):
                        return

    async def other(self, what: str, dependency: dict, data: list) -> list | None:
        """An event that is not a question (the page's load event, Clear); its final outputs."""
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                async for m in self.events(dependency, data):
                    if m["msg"] == "process_completed" and m["success"]:
                        self.report.events.append((what, ""))
                        return m["output"]["data"]
        except (httpx.HTTPError, TimeoutError) as e:
            self.report.events.append((what, f"{type(e).__name__}: {e}"))
            return None
        self.report.events.append((what, "no completed message"))
        return None

    async def open_page(self) -> None:
        r = await self.http.get("/")
        self.report.events.append(("page", "" if r.status_code == 200 else f"HTTP {r.status_code}"))
        for dependency in self.app["load"]:
            await self.other("load", dependency, [])

    async def clear(self) -> None:
        if await self.other("clear", self.app["clear"], []) is not None:
            self.chat = []

    async def ask(self, step: tuple[tuple[str, ...], int]) -> Turn:
        turn = Turn(self.n, step, time.perf_counter())
        self.asked += 1
        data = [self.app["inputs"][i](turn.question, self.chat) for i in self.app["ask"]["inputs"]]
        streamed, final = None, None
        self.report.in_flight += 1
        self.report.peak = max(self.report.peak, self.report.in_flight)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                async for m in self.events(self.app["ask"], data):
                    now = time.perf_counter()
                    if m["msg"] == "process_starts":
                        turn.started = now
                    elif m["msg"] == "log" and m.get("level") in ("warning", "error"):
                        turn.warnings.append(m["log"])
                    elif m["msg"] == "process_generating" and m["success"]:
                        value = m["output"]["data"][0]  # the whole chat first, then diffs
                        streamed = value if streamed is None else apply_diff(streamed, value)
                        shown = chat_of(streamed)
                        if turn.first is None and len(shown) > len(self.chat) + 1 \
                                and text(shown[-1]).strip():
                            turn.first = now
                    elif m["msg"] == "process_completed" and m["success"]:
                        turn.done, final = now, m["output"]["data"]
                    elif m["msg"] in ("process_generating", "process_completed", "unexpected_error"):
                        turn.error = f"error event: {json.dumps(m, ensure_ascii=False)[:300]}"
                        break
        except TimeoutError:
            turn.error = f"no answer in {REQUEST_TIMEOUT_S:.0f} s"
        except httpx.HTTPError as e:
            turn.error = f"{type(e).__name__}: {e}"
        finally:
            self.report.in_flight -= 1
        if final is not None and not turn.error:
            self.classify(turn, final)
        elif not turn.error:
            turn.error = "the stream ended without a completed message"
        turn.outcome = "failed" if turn.error else turn.outcome
        self.report.turns.append(turn)
        return turn

    def classify(self, turn: Turn, final: list) -> None:
        chat, box = chat_of(final[0]), final[3]
        if len(chat) == len(self.chat) + 2 and chat[-1]["role"] == "assistant":
            turn.shown, turn.answer = text(chat[-2]), text(chat[-1])
            status = re.search(r'class="answer ([^"]+)"', turn.answer)
            turn.outcome = html.unescape(status.group(1)) if status else "unrecognised answer"
            self.chat = chat
        elif chat == self.chat and turn.warnings and box == turn.question:
            turn.outcome = "refused"  # the question stays in the box for the user to fix
        else:
            turn.error = f"unexpected chat after the answer: {json.dumps(final, ensure_ascii=False)[:300]}"

    async def open_source(self, turn: Turn) -> None:
        link = re.search(r'href="(/source/[^"#]+)', turn.answer)
        if not link:
            return
        url = html.unescape(link.group(1))
        t0 = time.perf_counter()
        try:
            r = await self.http.get(url)
            error = "" if r.status_code == 200 and "<h1" in r.text else f"{url}: HTTP {r.status_code}"
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}"
        self.report.pages.append((time.perf_counter() - t0, error))


def chat_of(value):
    """The chat's messages from the chatbot's output: the messages themselves, or an update that
    carries them with the votes shown as chosen ({"__type__": "update", "value": [...], ...})."""
    return (value.get("value") or []) if isinstance(value, dict) else value


def text(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(
        part.get("text", "") for part in content if isinstance(part, dict))


async def app_api(http: httpx.AsyncClient) -> dict:
    """What a tab needs from the app's config: the events of the question box, Clear and page
    load, and how to fill the question event's inputs (the other components' current values)."""
    config = (await http.get("/config")).json()
    components = {c["id"]: c for c in config["components"]}
    by_elem = {c["props"].get("elem_id"): i for i, c in components.items()}

    def on(trigger: int, event: str) -> dict:
        return next(d for d in config["dependencies"] if [trigger, event] in d["targets"])

    def value(i: int):
        if i == by_elem["question"]:
            return lambda question, chat: question
        if i == by_elem["chat"]:
            return lambda question, chat: chat
        if components[i]["type"] == "state":
            return lambda question, chat: None  # held by the server for the session
        return lambda question, chat, v=components[i]["props"].get("value"): v

    ask = on(by_elem["question"], "submit")
    return {"api": config.get("api_prefix", "/gradio_api"), "ask": ask, "clear": on(by_elem["clear"], "click"),
            "load": [d for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"])],
            "inputs": {i: value(i) for i in ask["inputs"]}}


async def converse(tab: Tab, conversation: tuple[str, ...], deadline: float = float("inf")) -> None:
    if tab.chat:
        await tab.clear()
    for position in range(len(conversation)):
        if time.monotonic() > deadline or tab.asked >= MAX_REQUESTS:
            return
        turn = await tab.ask((conversation, position))
        if tab.n < SOURCE_SESSIONS and turn.outcome == "answered":
            await tab.open_source(turn)


async def alone(url: str, convs: list[tuple[str, ...]]) -> LoadLog:
    """Every conversation asked once by one tab: the reference answers (and the app warmed up)."""
    report = LoadLog()
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S) as http:
        tab = Tab(SESSIONS, http, await app_api(http), report)
        await tab.open_page()
        for conversation in convs:
            await converse(tab, conversation)
    return report


async def load(url: str, convs: list[tuple[str, ...]]) -> tuple[LoadLog, float]:
    report = LoadLog()
    deadline = time.monotonic() + SECONDS

    async def session(n: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S) as http:
            tab = Tab(n, http, await app_api(http), report)
            await tab.open_page()
            deck = [convs[0]] + random.Random(n).sample(convs[1:], len(convs) - 1)  # known one first
            for i in range(MAX_REQUESTS):
                if time.monotonic() > deadline or tab.asked >= MAX_REQUESTS:
                    break
                await converse(tab, deck[i % len(deck)], deadline)

    t0 = time.perf_counter()
    await asyncio.gather(*(session(n) for n in range(SESSIONS)))
    return report, time.perf_counter() - t0


def ms(values: list[float]) -> dict:
    """Percentiles in milliseconds of durations in seconds."""
    if not values:
        return {}
    a = np.asarray(values) * 1000
    return {"n": len(values), **{f"p{q}": round(float(np.percentile(a, q)), 1) for q in (50, 95, 99)},
            "max": round(float(a.max()), 1)}


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    settings, _ = built
    with app_server(settings, tmp_path_factory.mktemp("load")) as served:
        yield served


@pytest.mark.slow
def test_twenty_chat_sessions_at_once_get_the_answers_each_would_get_alone(server):
    convs = conversations()
    t0 = time.perf_counter()
    reference = asyncio.run(alone(server["url"], convs))
    print(f"\n{len(reference.turns)} questions asked alone in {time.perf_counter() - t0:.1f} s")
    alone_failed = [t for t in reference.turns if t.error] + [e for e in reference.events if e[1]]
    assert not alone_failed, alone_failed[:3]
    expected = {t.step: t for t in reference.turns}
    odd = dict(ODD)
    for t in expected.values():
        wanted = odd.get(t.question, "answer")
        assert (t.outcome == "refused") == (wanted == "refused"), (t.question[:40], t.outcome, t.warnings)
    assert KNOWN[1] in expected[((KNOWN[0],), 0)].answer
    assert "&lt;img src=x" in expected[((ODD[4][0],), 0)].shown  # shown as text, not run

    load_before = os.getloadavg()
    report, seconds = asyncio.run(load(server["url"], convs))
    load_after = os.getloadavg()

    for t in report.turns:  # the same answer as asked alone, or the load changed something
        if not t.error and t.same() != expected[t.step].same():
            t.error = f"differs from the answer asked alone: {t.same()!r:.300}"
            t.outcome = "failed"
    failed = ([f"session {t.session}: {t.question[:40]!r}: {t.error}" for t in report.turns if t.error]
              + [f"source page: {e}" for _, e in report.pages if e]
              + [f"{what}: {e}" for what, e in report.events if e])
    done = [t for t in report.turns if not t.error]
    outcomes = {o: sum(1 for t in report.turns if t.outcome == o) for o in (*ANSWERED, "refused", "failed")}
    summary = {
        "sessions": SESSIONS, "seconds_configured": SECONDS, "seconds": round(seconds, 1),
        "max_requests_per_session": MAX_REQUESTS, "peak_in_flight": report.peak,
        "requests": len(report.turns), "completed": len(done), "failed": len(failed), "outcomes": outcomes,
        "throughput_per_s": round(len(done) / seconds, 2),
        "latency_ms": ms([t.done - t.submitted for t in done]),
        "first_chunk_ms": ms([t.first - t.submitted for t in done if t.first]),
        "queue_wait_ms": ms([t.started - t.submitted for t in done if t.started]),
        "source_pages": len(report.pages), "source_page_ms": ms([p for p, _ in report.pages]),
        "other_events": len(report.events),
        "answer_concurrency": Settings.from_env().answer_concurrency, "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "failures": failed[:20],
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, ensure_ascii=False))

    assert not failed, f"{len(failed)} failed:\n" + "\n".join(failed[:10])
    assert report.peak >= min(SESSIONS, 20)
    for n in range(SESSIONS):
        assert any(t.session == n and t.outcome in ANSWERED for t in done), f"session {n} got no answer"
    known = [t for t in done if t.step == ((KNOWN[0],), 0)]
    assert len(known) >= SESSIONS and all(KNOWN[1] in t.answer for t in known)
    assert report.pages and len(done) >= SESSIONS * 2
