"""Thumbs up / down on answers, in the team's database: who voted, the question, the answer and
its citations as shown, the filters, the questions before it in its chat, and the voter's
optional comment (the box after 👎). One vote per user and answer: voting again changes it;
the table holds at most MAX_VOTES (a flood of votes is refused, logged, never grows the file).
The admin's review lists them with filters; candidates.py turns one into an eval item."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from .chats import filters_from_json, filters_json
from .db import Database, now
from .documents import Answer, Filters
from .errors import UnknownFeedbackError

MAX_COMMENT = 2000  # characters: a paragraph saying what was wrong, not a pasted report
MAX_VOTES = 50_000  # a year of a district's use many times over; more is a flood, not feedback
log = logging.getLogger(__name__)
REVIEWED = 500  # votes the review lists at once, the latest first


@dataclass
class Vote:
    id: int
    at: str
    user: str
    liked: bool
    question: str
    answer: Answer
    filters: Filters = field(default_factory=Filters)
    comment: str = ""
    history: list[str] = field(default_factory=list)
    chat_id: str = ""
    turn: int = -1
    candidate: str = ""  # the eval item's id once it was added to the candidates


def record_vote(db: Database, user: str, answer: Answer, liked: bool, filters: Filters = Filters(),
                chat_id: str = "", turn: int = -1, history: list[str] | None = None, comment: str = "") -> int | None:
    """Store a vote (or change the user's vote on that answer of that chat); its id, None when
    the table is full (MAX_VOTES)."""
    values = dict(at=now(), user=user, chat_id=chat_id or "", turn=turn, liked=int(bool(liked)),
                  comment=comment[:MAX_COMMENT], question=answer.question,
                  answer=json.dumps(answer.to_json(), ensure_ascii=False), filters=filters_json(filters),
                  history=json.dumps(history or [], ensure_ascii=False))
    with db.connect() as conn:
        if chat_id:
            row = conn.execute("SELECT id FROM feedback WHERE user = ? AND chat_id = ? AND turn = ?",
                               (user, chat_id, turn)).fetchone()
            if row is not None:
                conn.execute("UPDATE feedback SET at = :at, liked = :liked WHERE id = :id",
                             {"at": values["at"], "liked": values["liked"], "id": row["id"]})
                return row["id"]
        if conn.execute("SELECT count(*) FROM feedback").fetchone()[0] >= MAX_VOTES:
            log.warning("vote not stored: the feedback table holds %d votes already", MAX_VOTES)
            return None
        columns = ", ".join(values)
        return conn.execute(f"INSERT INTO feedback ({columns}) VALUES ({', '.join(':' + c for c in values)})",
                            values).lastrowid


def add_comment(db: Database, user: str, vote_id: int, comment: str) -> None:
    """The voter's comment on their own vote (another user's vote id is not found)."""
    with db.connect() as conn:
        if conn.execute("UPDATE feedback SET comment = ? WHERE id = ? AND user = ?",
                        (comment.strip()[:MAX_COMMENT], vote_id, user)).rowcount == 0:
            raise UnknownFeedbackError(vote_id)


def votes(db: Database, liked: bool | None = None, user: str = "", text: str = "", commented: bool = False,
          limit: int = REVIEWED) -> list[Vote]:
    """The votes, latest first: only 👍 or 👎 (``liked``), one user's, those whose question,
    answer or comment holds ``text``, only those with a comment."""
    where, args = [], []
    if liked is not None:
        where.append("liked = ?")
        args.append(int(liked))
    if user:
        where.append("user = ?")
        args.append(user)
    if text:
        where.append("(instr(question, ?) OR instr(answer, ?) OR instr(comment, ?))")
        args += [text] * 3
    if commented:
        where.append("comment != ''")
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    with db.connect() as conn:
        rows = conn.execute(f"SELECT * FROM feedback {clause} ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    return [_vote(row) for row in rows]


def get_vote(db: Database, vote_id: int) -> Vote:
    with db.connect() as conn:
        row = conn.execute("SELECT * FROM feedback WHERE id = ?", (vote_id,)).fetchone()
    if row is None:
        raise UnknownFeedbackError(vote_id)
    return _vote(row)


def mark_candidate(db: Database, vote_id: int, item_id: str) -> None:
    with db.connect() as conn:
        conn.execute("UPDATE feedback SET candidate = ? WHERE id = ?", (item_id, vote_id))


def _vote(row) -> Vote:
    return Vote(id=row["id"], at=row["at"], user=row["user"], liked=bool(row["liked"]), question=row["question"],
                answer=Answer.from_json(json.loads(row["answer"])), filters=filters_from_json(row["filters"]),
                comment=row["comment"], history=json.loads(row["history"]), chat_id=row["chat_id"],
                turn=row["turn"], candidate=row["candidate"])
