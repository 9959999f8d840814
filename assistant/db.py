"""The team's state in one SQLite file (``data/assistant.db``): accounts, the audit of report
changes, saved conversations, feedback and failed logins. Several app processes on one machine share it: the
file is in WAL mode (readers never wait for a writer) and every connection waits up to
``BUSY_TIMEOUT_S`` for another process's write to finish.

The schema grows by migrations: ``MIGRATIONS[i]`` takes the file from version ``i`` to ``i + 1``;
the version is kept in the ``schema_version`` table and a file is brought up to date when it is
opened, inside one write transaction, so two processes starting at once migrate it once. A
migration is never edited after it has shipped: a change is a new one appended.

Nothing here knows what a user or a chat is (accounts.py, chats.py, feedback.py, audit.py do);
this module opens connections and keeps the schema."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

BUSY_TIMEOUT_S = 10.0  # a write takes milliseconds; 10 s is a process stuck, not a queue

MIGRATIONS: list[str] = [
    # 1: accounts, the audit of report changes, saved conversations and feedback
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
        office TEXT NOT NULL DEFAULT '',
        password TEXT NOT NULL,          -- scrypt$n$r$p$salt$key: never the password itself
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        action TEXT NOT NULL,            -- upload | replace | remove | restore
        report_id TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        office TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''  -- the file name, or where the old version went
    );
    CREATE INDEX audit_at ON audit (at);
    CREATE TABLE chats (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL COLLATE NOCASE,
        title TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX chats_user ON chats (user, updated);
    CREATE TABLE turns (
        chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        n INTEGER NOT NULL,              -- 0, 1, 2 ... in the order asked
        question TEXT NOT NULL,
        answer TEXT NOT NULL,            -- the Answer as JSON, citations and all
        filters TEXT NOT NULL,           -- the Filters as JSON
        at TEXT NOT NULL,
        PRIMARY KEY (chat_id, n)
    );
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user TEXT NOT NULL,
        chat_id TEXT NOT NULL DEFAULT '',
        turn INTEGER NOT NULL DEFAULT -1,
        liked INTEGER NOT NULL,          -- 1 thumbs up, 0 thumbs down
        comment TEXT NOT NULL DEFAULT '',
        question TEXT NOT NULL,
        answer TEXT NOT NULL,            -- the Answer as JSON
        filters TEXT NOT NULL,
        history TEXT NOT NULL DEFAULT '[]',  -- the questions asked before it in its chat
        candidate TEXT NOT NULL DEFAULT ''   -- the eval item id once added to the candidates
    );
    CREATE INDEX feedback_at ON feedback (at);
    CREATE UNIQUE INDEX feedback_one_vote ON feedback (user, chat_id, turn) WHERE chat_id != '';
    """,
    # 2: failed logins, counted across the app processes (login_limit.py)
    """
    CREATE TABLE login_failures (
        key TEXT NOT NULL,               -- SHA-256 of "user:<name>" or "addr:<address>"
        at REAL NOT NULL                 -- seconds since the epoch
    );
    CREATE INDEX login_failures_key ON login_failures (key, at);
    """,
]


def now() -> str:
    """A timestamp as the tables keep it: local time, ISO 8601, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")


class Database:
    """One SQLite file. ``connect()`` gives a connection for one unit of work (a transaction:
    committed when the block ends, rolled back on an exception). Opening the file migrates it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        self._prepare()
        conn = self._open()
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def version(self) -> int:
        with self.connect() as conn:
            return _version(conn)

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level="DEFERRED",
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _prepare(self) -> None:
        """Create the folder and the file, switch it to WAL, apply the migrations it lacks (once
        per process; each migration once per file, whichever process gets there first)."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._open()
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.isolation_level = None  # transactions by hand: BEGIN IMMEDIATE takes the write lock
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                    current = _version(conn)
                    for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                        for statement in _statements(script):
                            conn.execute(statement)
                        conn.execute("DELETE FROM schema_version")
                        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            finally:
                conn.close()
            self._ready = True


def _version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return row[0] if row else 0


def _statements(script: str) -> list[str]:
    """A migration's statements (executescript would commit the transaction it runs in)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
