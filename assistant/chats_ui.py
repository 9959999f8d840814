"""The chat's team side in the Gradio page, as an adapter of chats.py, feedback.py, footnotes.py
and worddoc.py: the sidebar of the user's past chats (reopen, delete, start anew, download the
open one as .docx), each answer saved as soon as it is shown, a copy button under each answer
(plain text with numbered footnotes, render.copy_bar_html). Votes and their reasons are the chat
tab's (ui_chat.py), told which saved chat they belong to by ``state``.

``ChatsPanel(ui)`` hangs off a ChatUI: it builds its components where ChatUI calls it and wires
them to the chat tab's components. Every handler checks the request's user first (ui.allowed)."""

from __future__ import annotations

import html
import logging
import time
from pathlib import Path

import gradio as gr

from . import chats
from .errors import AssistantError, UnknownChatError
from .export import fresh_folder
from .labels import error_message
from .render import answer_html, copy_bar_html, question_html, sources_html
from .ui_base import PRIVATE, info, warn
from .worddoc import conversation_docx

log = logging.getLogger(__name__)
NEW_CHAT = {"id": None, "saved": 0}  # the open chat: its id once saved, how many of its turns are
CLOSED = (gr.update(visible=False), None, gr.update(visible=False))  # drop-filter button, its retry, reason box


class ChatsPanel:
    def __init__(self, ui, exports: Path) -> None:
        self.ui, self.words, self.exports = ui, ui.words, exports
        self.db, self.settings = ui.access.db, ui.settings

    # --- building -------------------------------------------------------------------------------
    def sidebar(self) -> None:
        words = self.words
        self.state = gr.State(dict(NEW_CHAT))
        with gr.Sidebar(label=words["chats"], open=False, elem_id="chats-sidebar"):
            self.who = gr.HTML("", elem_id="who")
            self.new = gr.Button(words["chat_new"], elem_id="chat-new", size="sm")
            self.list = gr.Radio([], value=None, label=words["chats"], info=words["chats_empty"],
                                 elem_id="chat-list")
            with gr.Row():
                self.docx = gr.DownloadButton(words["download_docx"], value=None, visible=False, size="sm",
                                              elem_id="chat-docx")
                self.delete = gr.Button(words["chat_delete"], visible=False, size="sm", variant="stop",
                                        elem_id="chat-delete")

    def wire(self, demo: gr.Blocks) -> None:
        chat, private = self.ui.chat, dict(api_visibility=PRIVATE)
        shown = [chat.chatbot, chat.sources, chat.turns, chat.question, self.state, self.docx, self.delete]
        below = [chat.drop, chat.retry, chat.reason_row]  # the last answer's offers under the chat: closed
        saves = [asked.then(self.saved, [chat.chatbot, chat.turns, self.state],
                            [chat.chatbot, self.state, self.list, self.docx, self.delete], **private)
                 for asked in chat.asked]
        self.list.input(self.reopen, [self.list], [*shown, *below], **private)
        # a new chat reads one user's list of chats: every tab at once, not one tab after another
        # (Gradio runs one event of a listener at a time unless told otherwise)
        self.new.click(self.new_chat, None, [*shown, self.list, *below], concurrency_limit=None, **private)
        # an answer still streaming must not refill the chat, a save still to come must not put
        # the cleared answer back
        chat.clear.click(self.new_chat, None, [*shown, self.list, *below], cancels=[*chat.asked, *saves],
                         concurrency_limit=None, **private)
        self.delete.click(self.on_delete, [self.state], [*shown, self.list, *below], **private)
        demo.load(self.on_load, None, [self.who, self.list], **private)

    # --- handlers -------------------------------------------------------------------------------
    def on_load(self, request: gr.Request):
        user = self.ui.allowed(request, "chats")
        words = self.words
        if not self.ui.access.login_required:
            who = f'<p class="who open">{html.escape(words["open_mode"])}</p>'
        else:
            role = words[f"role_{user.role}"] + (f" · {user.office}" if user.office else "")
            who = (f'<p class="who">{html.escape(words["signed_in"].format(name=user.name, role=role))} '
                   f'<a href="/logout">{html.escape(words["logout"])}</a></p>')
        return who, self._listing(user.name, None)

    def saved(self, chat: list, turns: list, state: dict, request: gr.Request):
        """After an answer: the new turns stored in the user's chat (a new chat at the first),
        copy buttons under the new answers, the list and the .docx as they are now."""
        user = self.ui.allowed(request, "chats")
        state = dict(state or NEW_CHAT)
        new = turns[state["saved"]:]
        if not new:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        chat = list(chat)
        for turn in new:
            answer = turn["answer"]
            try:
                state["id"] = chats.save_turn(self.db, user.name, state["id"], answer.question, answer, turn["filters"])
            except UnknownChatError:  # deleted in another tab meanwhile: this answer starts a new one
                state["id"] = chats.save_turn(self.db, user.name, None, answer.question, answer, turn["filters"])
            chat[turn["index"]] = {"role": "assistant", "content": self._answer(answer)}
        state["saved"] = len(turns)
        return (chat, state, self._listing(user.name, state["id"]),
                gr.update(value=self._docx(turns), visible=True), gr.update(visible=True))

    def reopen(self, chat_id: str | None, request: gr.Request):
        """A past chat as it was: its questions, answers and citations, its last sources; a
        follow-up asked now reads its earlier questions (ChatUI.ask takes them from the turns)."""
        user = self.ui.allowed(request, "chats")
        if not chat_id:
            return (gr.skip(),) * 10
        try:
            saved = chats.load_chat(self.db, user.name, chat_id)
        except AssistantError as e:
            warn(self.words, "{message}", message=error_message(e, self.words))
            return (gr.skip(),) * 10
        chat, turns = [], []
        for turn in saved:
            chat.append({"role": "user", "content": question_html(turn.question)})
            chat.append({"role": "assistant", "content": self._answer(turn.answer)})
            turns.append({"index": len(chat) - 1, "answer": turn.answer, "filters": turn.filters})
        last = saved[-1].answer if saved else None
        return (chat, sources_html(last, self.words), turns, "", {"id": chat_id, "saved": len(turns)},
                gr.update(value=self._docx(turns) if turns else None, visible=bool(turns)), gr.update(visible=True),
                *CLOSED)

    def new_chat(self, request: gr.Request):
        user = self.ui.allowed(request, "chats")
        return ([], sources_html(None, self.words), [], "", dict(NEW_CHAT), gr.update(value=None, visible=False),
                gr.update(visible=False), self._listing(user.name, None), *CLOSED)

    def on_delete(self, state: dict, request: gr.Request):
        user = self.ui.allowed(request, "chats")
        chat_id = (state or {}).get("id")
        if chat_id:
            title = next((c.title for c in chats.list_chats(self.db, user.name) if c.id == chat_id), "")
            try:
                chats.delete_chat(self.db, user.name, chat_id)
                info(self.words, self.words["chat_deleted"], title=title)
            except AssistantError as e:
                warn(self.words, "{message}", message=error_message(e, self.words))
        return self.new_chat(request)

    # --- pieces ---------------------------------------------------------------------------------
    def _listing(self, user: str, value: str | None):
        """The user's chats, the latest first, titled by their first question; the hint that
        chats are saved only while there is none."""
        choices = [(c.title, c.id) for c in chats.list_chats(self.db, user)]
        return gr.update(choices=choices, value=value, info="" if choices else self.words["chats_empty"])

    def _answer(self, answer) -> str:
        return answer_html(answer) + copy_bar_html(answer, self.words, self.settings.public_link)

    def _docx(self, turns: list) -> str:
        folder = fresh_folder(self.exports)
        path = folder / f"chat-{time.strftime('%Y%m%d-%H%M')}.docx"
        conversation_docx([(t["answer"].question, t["answer"]) for t in turns], path, self.words,
                          self.settings.public_link)
        return str(path)
