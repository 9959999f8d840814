"""Thumbs up / down on answers, kept as JSON lines (data/feedback.jsonl): the question, the
answer and its citations, so a bad answer can be replayed and added to the eval set.

A vote has an id; the reason a user gives after 👎 is written as the same record again with that
id and its ``reason`` filled in (a line is never rewritten): the last line of an id is the vote."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from pathlib import Path

from .documents import Answer, Filters

_write = threading.Lock()  # one line at a time from the app's worker threads
MAX_BYTES = 20 * 1024 * 1024  # ~10,000 votes with their answers: a year of a district's use
log = logging.getLogger(__name__)
MAX_REASON_CHARS = 1000  # a reason is a sentence or two; more is pasted text


def feedback_record(answer: Answer, liked: bool | str, filters: Filters, vote_id: str = "",
                    reason: str = "") -> dict:
    return {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "vote_id": vote_id or uuid.uuid4().hex,
            "liked": liked, "reason": reason.strip()[:MAX_REASON_CHARS],
            "question": answer.question, "standalone_question": answer.standalone_question,
            "answer": answer.answer, "status": answer.status, "mode": answer.mode,
            "notice": answer.notice,
            "filters": {"offices": list(filters.offices), "years": list(filters.years),
                        "phase": filters.phase},
            "citations": answer.to_json()["citations"]}


def record_feedback(path: Path, record: dict) -> bool:
    """Append one vote; refused (False, logged) once the file has reached MAX_BYTES."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _write:
        if path.exists() and path.stat().st_size + len(line.encode()) > MAX_BYTES:
            log.warning("feedback not stored: %s has reached %d bytes", path, MAX_BYTES)
            return False
        with path.open("a", encoding="utf-8") as f:
            f.write(line)
    return True
