"""The first start as the browser sees it. Indexing the corpus takes about a minute on a fresh
checkout (and loading the search model a few seconds on every start); meanwhile every address
answers with a waiting page that shows how far it has got ("第 3/5 份") and turns into the app by
itself when it is ready, instead of refusing connections.

``Startup`` is the state: one thread (app.py's preparation) writes it, requests read it.
``StartupGate`` is the ASGI middleware in front of the app: until ready it serves the waiting page
(503 with Retry-After: not an error, "come back soon") and its progress as JSON at /startup."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field

from .render import STATIC, esc

STATUS_PATH = "/startup"
POLL_MS = 1000  # how often the waiting page asks how far the start has got
RETRY_AFTER_S = 2  # what a client that is not the page is told to wait


@dataclass
class Startup:
    stage: str = "loading"  # "indexing" (the first start) | "loading" (the model) | "ready" | "failed"
    done: int = 0  # reports indexed so far, of total
    total: int = 0
    error: str = ""  # stage "failed": what went wrong, in the interface's language
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def indexing(self, done: int, total: int) -> None:
        with self._lock:
            self.stage, self.done, self.total = "indexing", done, total

    def loading(self) -> None:
        with self._lock:
            self.stage = "loading"

    def ready(self) -> None:
        with self._lock:
            self.stage = "ready"

    def failed(self, error: str) -> None:
        with self._lock:
            self.stage, self.error = "failed", error

    @property
    def is_ready(self) -> bool:
        return self.stage == "ready"

    def status(self, words: dict) -> dict:
        """What the waiting page shows, as JSON: the stage, the counts and the line to show."""
        with self._lock:
            data = {"stage": self.stage, "done": self.done, "total": self.total, "error": self.error}
        return {**data, "text": status_text(data, words), "share": share_done(data)}


def share_done(status: dict) -> int:
    """The bar's length in percent: the reports finished (the one under way is not), then all."""
    if status["stage"] == "indexing":
        return round(100 * max(status["done"] - 1, 0) / status["total"]) if status["total"] else 0
    return 100 if status["stage"] in ("loading", "ready") else 0


def status_text(status: dict, words: dict) -> str:
    if status["stage"] == "indexing":
        return words["startup_indexing"].format(done=status["done"], total=status["total"])
    if status["stage"] == "failed":
        return words["startup_failed"].format(error=status["error"])
    return words["startup_loading"]


def waiting_page(status: dict, words: dict, nonce: str) -> str:
    """The page served until the app is ready: the progress line and bar, updated from /startup
    every POLL_MS; it reloads itself (into the app) once the stage is "ready"."""
    script = (f"(function(){{var line=document.getElementById('status'),bar=document.getElementById('bar');"
              f"function poll(){{fetch('{STATUS_PATH}',{{cache:'no-store'}}).then(function(r){{return r.json();}})"
              f".then(function(s){{if(s.stage==='ready'){{location.reload();return;}}"
              f"line.textContent=s.text;bar.style.width=s.share+'%';"
              f"setTimeout(poll,{POLL_MS});}}).catch(function(){{setTimeout(poll,{POLL_MS});}});}}"
              f"setTimeout(poll,{POLL_MS});}})();")
    css = (STATIC / "waiting.css").read_text(encoding="utf-8")
    return (f'<!doctype html><html lang="{words["lang_attr"]}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{esc(words["title"])}</title><style>{css}</style></head><body><main id="waiting">'
            f'<h1>{esc(words["title"])}</h1><h2>{esc(words["startup_title"])}</h2>'
            f'<p id="status" class="{esc(status["stage"])}">{esc(status_text(status, words))}</p>'
            f'<div class="track"><div id="bar" style="width:{status["share"]}%"></div></div>'
            f'<p class="hint">{esc(words["startup_hint"])}</p></main>'
            f'<script nonce="{nonce}">{script}</script></body></html>')


class StartupGate:
    """ASGI middleware: the app itself once ``startup`` is ready; before that, the waiting page
    for every address and its progress at STATUS_PATH (also after: {"stage": "ready"})."""

    def __init__(self, app, startup: Startup, words: dict) -> None:
        self.app, self.startup, self.words = app, startup, words

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or (self.startup.is_ready and scope["path"] != STATUS_PATH):
            return await self.app(scope, receive, send)
        status = self.startup.status(self.words)
        if scope["path"] == STATUS_PATH:
            body = json.dumps(status, ensure_ascii=False).encode()
            return await _respond(send, 200, body, "application/json", [(b"cache-control", b"no-store")])
        nonce = secrets.token_urlsafe(16)
        policy = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
                  f"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        body = waiting_page(status, self.words, nonce).encode()
        await _respond(send, 503, body, "text/html; charset=utf-8",
                       [(b"retry-after", str(RETRY_AFTER_S).encode()), (b"cache-control", b"no-store"),
                        (b"content-security-policy", policy.encode())])


async def _respond(send, status: int, body: bytes, kind: str, headers: list) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", kind.encode()), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})
