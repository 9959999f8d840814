"""The audit of the report collection: who uploaded, replaced, removed or restored which report,
and when. library.py writes an entry for each change it makes on behalf of an ``Actor`` (a user
of the app, or the command line); the Reports tab and ``python -m assistant audit`` read them."""

from __future__ import annotations

from dataclasses import dataclass

from .accounts import User
from .db import Database, now

ACTIONS = ("upload", "replace", "remove", "restore")
SHOWN = 200  # entries the Reports tab lists: a few months of a district's changes


@dataclass(frozen=True)
class Actor:
    """Who asks library.py to change the reports: checked against their role, then recorded."""
    user: User
    db: Database


@dataclass(frozen=True)
class AuditEntry:
    at: str
    user: str
    action: str  # one of ACTIONS
    report_id: str
    title: str
    office: str
    detail: str  # the uploaded file's name, or where the old version went


def record(db: Database, user: str, action: str, report_id: str, title: str = "", office: str = "",
           detail: str = "") -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")  # a bug, not user input
    with db.connect() as conn:
        conn.execute("INSERT INTO audit (at, user, action, report_id, title, office, detail) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", (now(), user, action, report_id, title, office, detail))


def entries(db: Database, limit: int = SHOWN, report_id: str | None = None) -> list[AuditEntry]:
    """The newest first."""
    where, args = ("WHERE report_id = ?", (report_id,)) if report_id else ("", ())
    with db.connect() as conn:
        rows = conn.execute(f"SELECT at, user, action, report_id, title, office, detail FROM audit {where} "
                            f"ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    return [AuditEntry(*row) for row in rows]
