"""The 问答 tab: the filters, the chat and the sources panel beside it; under the chat, a not-found
reply's offer to ask again without the filters that kept the answer out (Answer.filtered_out), and the reason box that
follows a 👎. Handlers turn the assistant's answers into chat messages (render.py); the choices
behind them are made without Gradio (chain.py, feedback.py). Each handler checks the request's
user first (ui.allowed); votes and their reasons go into the team's database under that user,
with the saved chat they belong to (chats_ui.py saves each answer after ``asked``)."""

from __future__ import annotations

import logging
from dataclasses import replace

import gradio as gr

from .choices import chat_choices
from .documents import Answer, Filters
from .errors import AssistantError
from .feedback import add_comment, record_vote
from .labels import error_message
from .render import answer_html, question_html, sources_html
from .ui_base import PRIVATE, info, warn

log = logging.getLogger(__name__)
VOTES = {True: "Like", False: "Dislike"}  # LikeData.liked -> the chatbot's feedback value
DROPPABLE = {"offices": (), "years": (), "phase": ""}  # the filters this tab sets, and their "none"


class ChatTab:
    def __init__(self, ui) -> None:
        self.ui, self.words, self.assistant = ui, ui.words, ui.assistant

    def build(self) -> None:
        words, now = self.words, chat_choices([])
        with gr.Row(equal_height=False, elem_id="chat-tab"):
            with gr.Column(scale=3, min_width=320, elem_id="chat-column"):
                with gr.Row(elem_id="filters"):
                    self.office_filter = gr.Dropdown(now.offices, value=[], multiselect=True, scale=2,
                                                     label=words["office"], elem_id="f-office")
                    self.year_filter = gr.Dropdown(now.years, value=[], multiselect=True, scale=1,
                                                   label=words["year"], elem_id="f-year")
                    self.phase_filter = gr.Radio(
                        [(words["phase_all"], ""), (words["phase_plan"], "plan"),
                         (words["phase_summary"], "summary")], value="", scale=2,
                        label=words["phase"], elem_id="f-phase")
                self.chatbot = gr.Chatbot(
                    label=words["chat"], show_label=False, elem_id="chat", height="calc(100vh - 390px)",
                    min_height=300, latex_delimiters=[], line_breaks=False,
                    examples=[{"text": q} for q in words["examples"]],
                    feedback_options=("Like", "Dislike"), feedback_value=[],
                    buttons=[])  # Gradio's copy buttons would copy the messages' HTML
                self.drop = gr.Button("", visible=False, size="sm", elem_id="drop-filter")
                with gr.Row(visible=False, elem_id="reason-row") as self.reason_row:
                    self.reason = gr.Textbox(label=words["feedback_reason"], lines=1, max_lines=3, scale=5,
                                             placeholder=words["feedback_reason_placeholder"], elem_id="reason")
                    self.reason_send = gr.Button(words["feedback_send"], scale=1, min_width=80,
                                                 elem_id="reason-send")
                with gr.Row(elem_id="ask-row"):
                    self.question = gr.Textbox(show_label=False, elem_id="question", scale=6,
                                               placeholder=words["question_placeholder"],
                                               lines=1, max_lines=4, submit_btn=words["send"])
                    self.clear = gr.Button(words["clear"], elem_id="clear", scale=0, min_width=96)
            with gr.Column(scale=2, min_width=300, elem_id="sources-column"):
                self.sources = gr.HTML(sources_html(None, words), elem_id="sources")
        self.turns = gr.State([])  # one entry per answer: its chat index, the Answer, the filters, the vote
        self.retry = gr.State(None)  # a not-found question and the filters that let it be answered
        self.reason_for = gr.State(None)  # the chat index of the answer the reason box is about
        self.shown_votes = gr.State(())  # the votes the Chatbot was last sent: ((chat index, vote), ...)

    def wire(self) -> None:
        words, private = self.words, dict(api_visibility=PRIVATE)
        below = [self.drop, self.retry, self.reason_row]  # what shows under the chat for the last answer
        chat_io = dict(inputs=[self.question, self.chatbot, self.turns, self.office_filter, self.year_filter,
                               self.phase_filter, self.shown_votes],
                       outputs=[self.chatbot, self.sources, self.turns, self.question, *below, self.shown_votes],
                       concurrency_limit=self.ui.settings.answer_concurrency, concurrency_id="ask", **private)
        self.asked = [self.question.submit(self.ask, **chat_io),  # chats_ui saves each answer after them
                      self.chatbot.example_select(example_text, None, self.question, **private).then(
                          self.ask, **chat_io)]
        self.chatbot.clear(lambda: (sources_html(None, words), [], gr.update(visible=False), None,
                                    gr.update(visible=False)),
                           outputs=[self.sources, self.turns, *below], **private)
        self.chatbot.like(self.on_like, [self.turns, self.ui.chats.state],
                          [self.turns, self.reason_row, self.reason, self.reason_for], **private)
        for event in (self.reason_send.click, self.reason.submit):
            event(self.on_reason, [self.reason, self.turns, self.reason_for],
                  [self.reason_row, self.reason, self.turns], **private)
        self.asked.append(self.drop.click(self.dropped, [self.retry], [self.office_filter, self.year_filter,
                                                                       self.phase_filter, self.question],
                                          **private).then(self.ask, **chat_io))
        # 清空对话 (self.clear) is wired by chats_ui.ChatsPanel, as one event that also starts a new
        # saved chat: two events on one click each wrote the question box, and the later one could
        # wipe what the user had begun to type after the first

    # --- handlers -------------------------------------------------------------------------------
    def ask(self, message: str, chat: list, turns: list, offices: list, years: list, phase: str,
            shown_votes: tuple, request: gr.Request):
        """Stream the answer into the chat. Outputs: the chat, the sources, the turns, the question
        box, under the chat the drop-the-filter button, its question, the reason box; the votes
        the Chatbot shows."""
        self.ui.allowed(request, "ask")
        words = self.words
        filters = Filters(offices=tuple(offices or ()), years=tuple(int(y) for y in years or ()),
                          phase=phase or "")
        history = [t["answer"].standalone_question or t["answer"].question for t in turns]
        chat = [*chat, {"role": "user", "content": question_html(message)}]
        # Each step costs the one interpreter lock that twenty tabs share (measured under load):
        # a prop update, and gr.skip() too, makes Gradio build the component anew with its API
        # schema (~10 ms for the Chatbot), a plain value only postprocesses it. So the votes go
        # with the first step only, and only when they differ from those it was sent last (later
        # steps send the bare chat, the votes stay as set); the hidden offer gets its label as a
        # plain value; an answer is shown when the next one arrives or it is complete (an
        # extractive answer is one step, not two).
        offer_label = words["drop_filter"]
        shown, votes = self._chat(chat, turns, shown_votes)
        yield shown, gr.skip(), turns, "", gr.update(visible=False), None, gr.update(visible=False), votes
        answer: Answer | None = None
        try:
            for grown in self.assistant.stream(message, history, filters):
                if answer is not None:
                    yield ([*chat, {"role": "assistant", "content": answer_html(answer)}], gr.skip(), turns, "",
                           offer_label, None, gr.skip(), votes)
                answer = grown
        except AssistantError as e:
            warn(words, "{message}", message=error_message(e, words))
            yield chat[:-1], gr.skip(), turns, message, offer_label, None, gr.skip(), votes
            return
        except Exception as e:  # a bug: say so plainly, keep the traceback in the log
            log.exception("answering %r failed", message)
            warn(words, words["unexpected"], kind=type(e).__name__)
            yield chat[:-1], gr.skip(), turns, message, offer_label, None, gr.skip(), votes
            return
        if answer.notice:
            warn(words, "{notice}", notice=answer.notice)
        chat.append({"role": "assistant", "content": answer_html(answer)})
        turns = [*turns, {"index": len(chat) - 1, "answer": answer, "filters": filters}]
        # a not-found that the page's filters caused: the reply names them (chain.py); offer to drop them
        dropped = [name for name in answer.filtered_out if name in DROPPABLE]
        offer = gr.update(visible=True, value=offer_label) if dropped else offer_label  # else still hidden
        retry = {"question": message, "filters": replace(filters, **{n: DROPPABLE[n] for n in dropped})} \
            if dropped else None
        yield chat, sources_html(answer, words), turns, "", offer, retry, gr.skip(), votes

    def _chat(self, chat: list, turns: list, shown: tuple):
        """The chat with each answer's vote shown as chosen (a new message would clear them), and
        those votes; the bare chat when the Chatbot was last sent these same votes."""
        at = {t["index"]: VOTES.get(t.get("vote")) for t in turns}
        votes = tuple((i, v) for i, v in sorted(at.items()) if v)
        if votes == tuple(map(tuple, shown or ())):
            return chat, votes
        return gr.update(value=chat, feedback_value=[at.get(i) for i, m in enumerate(chat)
                                                     if m["role"] == "assistant"]), votes

    def dropped(self, retry: dict | None):
        """The filters set as the not-found reply offered, and its question back in the box."""
        if not retry:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        f: Filters = retry["filters"]
        return (gr.update(value=list(f.offices)), gr.update(value=[str(y) for y in f.years]),
                gr.update(value=f.phase), retry["question"])

    def on_like(self, turns: list, chat_state: dict | None, data: gr.LikeData, request: gr.Request):
        """One vote per answer: stored when it changes, not at every click (in the database, under
        the user, with the questions before it in its saved chat). Thanks either way; after a 👎
        the reason box opens under the chat."""
        user = self.ui.allowed(request, "vote")
        at = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        found = next(((n, t) for n, t in enumerate(turns) if t["index"] == at), None)
        liked = data.liked if isinstance(data.liked, bool) else None  # None: the vote taken back
        if found is None or liked is None or found[1].get("vote") == liked:
            return turns, gr.skip(), gr.skip(), gr.skip()
        n, turn = found
        history = [t["answer"].standalone_question or t["answer"].question for t in turns[:n]]
        vote_id = record_vote(self.ui.access.db, user.name, turn["answer"], liked, turn["filters"],
                              chat_id=(chat_state or {}).get("id") or "", turn=n, history=history)
        if vote_id is None:
            warn(self.words, self.words["feedback_full"])
        info(self.words, self.words["feedback_thanks_up" if liked else "feedback_thanks_down"])
        turns = [{**t, "vote": liked, "vote_id": vote_id} if t is turn else t for t in turns]
        return turns, gr.update(visible=not liked and vote_id is not None), "", at if not liked else None

    def on_reason(self, reason: str, turns: list, at: int | None, request: gr.Request):
        """The reason after a 👎, the comment of that vote (feedback.add_comment: only the voter's own)."""
        user = self.ui.allowed(request, "vote")
        turn = next((t for t in turns if t["index"] == at and t.get("vote") is False), None)
        if turn is None or turn.get("vote_id") is None or not (reason or "").strip():
            return gr.update(visible=turn is not None), reason, turns
        try:
            add_comment(self.ui.access.db, user.name, int(turn["vote_id"]), reason)
            info(self.words, self.words["feedback_saved"])
        except AssistantError as e:
            warn(self.words, "{message}", message=error_message(e, self.words))
        return gr.update(visible=False), "", turns


def example_text(data: gr.SelectData) -> str:
    return data.value["text"]
