"""The web edge's protections, as ASGI middleware around the whole app (Gradio and the viewer):

- security headers on every response: no framing by other sites (the remove button cannot be
  clickjacked), no content sniffing, a Content-Security-Policy that allows only this origin;
- a login rate limit: after ``max_failures`` wrong passwords within ``window_s`` for one user name
  or from one address, every login for it is refused (429, Retry-After) until the window has passed,
  the right password included, so guessing costs minutes instead of milliseconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

# Gradio's page runs its own inline scripts and styles and talks to this origin only.
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
               "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
               "connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; "
               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin")]


class LoginLimiter:
    """Failed logins per key (a user name, an address) within a sliding window."""

    def __init__(self, max_failures: int = 5, window_s: float = 60.0, clock=time.monotonic) -> None:
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> float:
        """Seconds until a login for these keys is heard again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = []
            for key in keys:
                times = self._failures.get(key)
                while times and now - times[0] > self.window_s:
                    times.popleft()
                if times is not None and len(times) >= self.max_failures:
                    waits.append(self.window_s - (now - times[0]))
            return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class Guard:
    """The middleware: headers on every response, the rate limit on POST /login."""

    def __init__(self, app, limiter: LoginLimiter | None = None, refusal: str = "") -> None:
        self.app = app
        self.limiter = limiter or LoginLimiter()
        self.refusal = refusal  # what a refused login is told (labels: login_locked)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/login"):
            return await self._login(scope, receive, send)
        return await self.app(scope, receive, _with_headers(send))

    async def _login(self, scope, receive, send):
        body, messages = b"", []
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        user = (parse_qs(body.decode("utf-8", "replace")).get("username") or [""])[0].strip().lower()
        address = (scope.get("client") or ("?", 0))[0]
        keys = (f"user:{user}", f"addr:{address}")
        wait = self.limiter.wait(*keys)
        if wait > 0:
            log.warning("login refused for %r from %s: too many failures", user, address)
            return await _refuse(send, wait, self.refusal)

        async def replay():
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        status = {}

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await _with_headers(send)(message)

        await self.app(scope, replay, watch)
        if status.get("code") == 200:
            self.limiter.succeeded(*keys)
        else:
            self.limiter.failed(*keys)


def _with_headers(send):
    async def sender(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in HEADERS if k not in names]
            if b"content-security-policy" not in names:
                headers.append((b"content-security-policy", PAGE_POLICY.encode()))
            message = {**message, "headers": headers}
        await send(message)
    return sender


async def _refuse(send, wait: float, refusal: str) -> None:
    import json

    body = json.dumps({"detail": refusal.format(seconds=int(wait) + 1)}, ensure_ascii=False).encode()
    await _with_headers(send)({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/json"), (b"retry-after", str(int(wait) + 1).encode()),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
