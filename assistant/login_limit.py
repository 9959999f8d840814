"""The login rate limit shared by every app process on one database (the team deployment of the
README: several processes behind one proxy). guard.LoginLimiter counts failures in one process's
memory, so N processes would allow N times the guesses for one user; this one counts them in the
team's database, with the same three calls (wait, failed, succeeded) and the same rule: after
``max_failures`` failures within ``window_s`` for a key (a user name, an address), the next try
waits until the oldest of them leaves the window.

A key is stored as its SHA-256, never as typed: a password typed into the user-name box must
not land in the database. Failures older than the window are deleted as new ones are written."""

from __future__ import annotations

import hashlib
import time

from .db import Database


class SharedLoginLimiter:
    def __init__(self, db: Database, max_failures: int = 5, window_s: float = 60.0, clock=time.time) -> None:
        self.db, self.max_failures, self.window_s, self.clock = db, max_failures, window_s, clock

    def wait(self, *keys: str) -> float:
        """Seconds until a login for these keys is heard again (0: now)."""
        now = self.clock()
        waits = []
        with self.db.connect() as conn:
            for key in keys:
                rows = conn.execute("SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at",
                                    (_hashed(key), now - self.window_s)).fetchall()
                if len(rows) >= self.max_failures:
                    waits.append(self.window_s - (now - rows[-self.max_failures]["at"]))
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self.db.connect() as conn:
            conn.execute("DELETE FROM login_failures WHERE at <= ?", (now - self.window_s,))
            conn.executemany("INSERT INTO login_failures (key, at) VALUES (?, ?)",
                             [(_hashed(key), now) for key in keys])

    def succeeded(self, *keys: str) -> None:
        with self.db.connect() as conn:
            conn.executemany("DELETE FROM login_failures WHERE key = ?", [(_hashed(key),) for key in keys])


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
