"""Saved conversations, one list per user: every answered question is kept with its answer and
citations as they were shown (the Answer as JSON), so a chat reopened tomorrow reads the same and
a follow-up asked in it is read with its earlier questions. A chat is titled by its first
question; only its owner lists, reopens or deletes it (another user's chat id is "not found",
never "not yours")."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from .db import Database, now
from .documents import Answer, Filters
from .errors import UnknownChatError

TITLE_CHARS = 40  # a sidebar line: a question's first 40 characters say which chat it was
LISTED = 100  # chats the sidebar lists, the latest first


@dataclass(frozen=True)
class ChatSummary:
    id: str
    title: str
    updated: str
    turns: int


@dataclass
class Turn:
    question: str
    answer: Answer
    filters: Filters


def title_of(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1] + "…"


def filters_json(filters: Filters) -> str:
    return json.dumps({"offices": list(filters.offices), "years": list(filters.years), "phase": filters.phase,
                       "half": filters.half}, ensure_ascii=False)


def filters_from_json(text: str) -> Filters:
    data = json.loads(text or "{}")
    return Filters(offices=tuple(data.get("offices", ())), years=tuple(int(y) for y in data.get("years", ())),
                   phase=data.get("phase", ""), half=data.get("half", ""))


def save_turn(db: Database, user: str, chat_id: str | None, question: str, answer: Answer,
              filters: Filters = Filters()) -> str:
    """Add a question and its answer to the user's chat (a new chat when ``chat_id`` is None);
    returns the chat's id."""
    with db.connect() as conn:
        if chat_id is None:
            chat_id = secrets.token_urlsafe(12)
            conn.execute("INSERT INTO chats (id, user, title, created, updated) VALUES (?, ?, ?, ?, ?)",
                         (chat_id, user, title_of(question), now(), now()))
        elif conn.execute("UPDATE chats SET updated = ? WHERE id = ? AND user = ?",
                          (now(), chat_id, user)).rowcount == 0:
            raise UnknownChatError(chat_id)
        n = conn.execute("SELECT COUNT(*) FROM turns WHERE chat_id = ?", (chat_id,)).fetchone()[0]
        conn.execute("INSERT INTO turns (chat_id, n, question, answer, filters, at) VALUES (?, ?, ?, ?, ?, ?)",
                     (chat_id, n, question, json.dumps(answer.to_json(), ensure_ascii=False),
                      filters_json(filters), now()))
    return chat_id


def list_chats(db: Database, user: str, limit: int = LISTED) -> list[ChatSummary]:
    with db.connect() as conn:
        rows = conn.execute("SELECT c.id, c.title, c.updated, COUNT(t.n) FROM chats c LEFT JOIN turns t "
                            "ON t.chat_id = c.id WHERE c.user = ? GROUP BY c.id ORDER BY c.updated DESC, "
                            "c.rowid DESC LIMIT ?", (user, limit)).fetchall()
    return [ChatSummary(*row) for row in rows]


def load_chat(db: Database, user: str, chat_id: str) -> list[Turn]:
    """The chat's turns in the order asked; UnknownChatError when it is not this user's."""
    with db.connect() as conn:
        if conn.execute("SELECT 1 FROM chats WHERE id = ? AND user = ?", (chat_id, user)).fetchone() is None:
            raise UnknownChatError(chat_id)
        rows = conn.execute("SELECT question, answer, filters FROM turns WHERE chat_id = ? ORDER BY n",
                            (chat_id,)).fetchall()
    return [Turn(r["question"], Answer.from_json(json.loads(r["answer"])), filters_from_json(r["filters"]))
            for r in rows]


def delete_chat(db: Database, user: str, chat_id: str) -> None:
    with db.connect() as conn:
        if conn.execute("DELETE FROM chats WHERE id = ? AND user = ?", (chat_id, user)).rowcount == 0:
            raise UnknownChatError(chat_id)


def history(turns: list[Turn]) -> list[str]:
    """What a follow-up is read with: the earlier questions, as the assistant understood them."""
    return [t.answer.standalone_question or t.question for t in turns]
