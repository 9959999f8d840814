"""The admin tab (accounts, and the review of users' votes with "add to eval set") and the audit
of report changes under the Reports tab, as an adapter of accounts.py, feedback.py,
candidates.py and audit.py. What a role may not do is absent from the page (the admin tab, the
upload and remove controls) and refused by every handler all the same (ui.allowed)."""

from __future__ import annotations

import html

import gradio as gr

from . import accounts, audit
from .access import may
from .candidates import add_candidate, candidate_item, parse_facts, support_choices
from .errors import AssistantError
from .feedback import get_vote, mark_candidate, votes
from .labels import error_message
from .ui_base import PRIVATE, info, warn
SHORT = 160  # characters of an answer the review table shows; the whole one is in the database


class AdminTab:
    def __init__(self, ui) -> None:
        self.ui, self.words = ui, ui.words
        self.db = ui.access.db

    # --- building -------------------------------------------------------------------------------
    def audit_table(self) -> None:
        """Under the Reports tab: who uploaded, replaced, removed or restored which report, when."""
        words = self.words
        self.audit = gr.Dataframe(
            [], headers=[words[k] for k in ("col_at", "col_user", "col_action", "col_report", "col_office",
                                            "col_detail")],
            label=words["audit_table"], interactive=False, wrap=True, max_height=320, elem_id="audit-table")

    def build(self) -> None:
        words = self.words
        with gr.Tab(words["users_table"], id="admin-users"):
            self.users = gr.Dataframe([], headers=[words["col_user"], words["col_role"], words["col_user_office"]],
                                      interactive=False, elem_id="users-table")
            with gr.Row():
                self.u_name = gr.Textbox(label=words["user_name"], elem_id="u-name")
                self.u_password = gr.Textbox(label=words["user_password"], type="password", elem_id="u-password")
                self.u_role = gr.Dropdown([(words[f"role_{r}"], r) for r in accounts.ROLES], value="reader",
                                          label=words["user_role"], elem_id="u-role")
                self.u_office = gr.Dropdown([], value="", allow_custom_value=True, label=words["user_office"],
                                            elem_id="u-office")
            with gr.Row():
                self.u_add = gr.Button(words["user_add"], variant="primary", elem_id="u-add")
                self.u_pick = gr.Dropdown([], value=None, label=words["user_pick"], elem_id="u-pick")
                self.u_passwd = gr.Button(words["user_passwd"], elem_id="u-passwd")
                self.u_remove = gr.Button(words["user_remove"], variant="stop", elem_id="u-remove")
        with gr.Tab(words["review"], id="admin-review"):
            with gr.Row():
                self.r_vote = gr.Radio([(words["review_all"], ""), (words["review_up"], "up"),
                                        (words["review_down"], "down")], value="", label=words["review_vote"],
                                       elem_id="r-vote")
                self.r_text = gr.Textbox(label=words["review_text"], elem_id="r-text")
                self.r_commented = gr.Checkbox(label=words["review_commented"], elem_id="r-commented")
            self.r_count = gr.HTML("", elem_id="r-count")
            self.r_table = gr.Dataframe(
                [], headers=[words[k] for k in ("col_id", "col_at", "col_user", "col_vote", "col_question",
                                                "col_comment", "col_answer", "col_citations", "col_candidate")],
                interactive=False, wrap=True, max_height=480, elem_id="review-table",
                column_widths=["5%", "10%", "7%", "5%", "15%", "15%", "23%", "12%", "8%"])
            self.r_pick = gr.Dropdown([], value=None, label=words["review_pick"], elem_id="r-pick")
            self.r_facts = gr.Textbox(label=words["review_facts"], lines=3, elem_id="r-facts")
            self.r_support = gr.Dropdown([], value=[], multiselect=True, label=words["review_support"],
                                         elem_id="r-support")
            self.r_unanswerable = gr.Checkbox(label=words["review_unanswerable"], elem_id="r-unanswerable")
            self.r_add = gr.Button(words["review_add"], variant="primary", elem_id="r-add")

    def wire(self, demo: gr.Blocks) -> None:
        ui, private = self.ui, dict(api_visibility=PRIVATE)
        user_form = [self.u_name, self.u_password, self.u_role, self.u_office]
        user_out = [self.users, self.u_pick, self.u_office, self.u_password]
        self.u_add.click(self.on_add_user, user_form, user_out, **private)
        self.u_passwd.click(self.on_passwd, [self.u_pick, self.u_password], user_out, **private)
        self.u_remove.click(self.on_remove_user, [self.u_pick], user_out, **private)
        review_in = [self.r_vote, self.r_text, self.r_commented]
        review_out = [self.r_table, self.r_count, self.r_pick]
        for box in (self.r_vote, self.r_commented):
            box.input(self.review_view, review_in, review_out, **private)
        self.r_text.submit(self.review_view, review_in, review_out, **private)
        ui.admin_tab.select(self.review_view, review_in, review_out, **private)
        self.r_pick.input(self.on_pick, [self.r_pick], [self.r_support, self.r_facts, self.r_unanswerable], **private)
        self.r_add.click(self.on_add_candidate, [self.r_pick, self.r_facts, self.r_support, self.r_unanswerable],
                         review_out, **private).then(self.review_view, review_in, review_out, **private)
        ui.reports.table.change(self.audit_view, None, self.audit, **private)  # after every upload and removal
        demo.load(self.on_load, None, [ui.admin_tab, ui.reports.actions, self.audit, *user_out], **private)

    # --- handlers -------------------------------------------------------------------------------
    def on_load(self, request: gr.Request):
        """What this user's role is offered: the admin tab; the Reports tab's upload, remove and
        restore controls (hidden until this says so: a reader never sees them)."""
        user = self.ui.allowed(request, "read")
        edits, admin = may(user, "upload"), may(user, "users")
        users = self._users() if admin else (gr.skip(),) * 4
        return (gr.update(visible=admin), gr.update(visible=edits), self.audit_view(request), *users)

    def audit_view(self, request: gr.Request):
        self.ui.allowed(request, "audit")
        words = self.words
        return [[e.at.replace("T", " "), e.user, words.get(f"action_{e.action}", e.action), f"{e.title}（{e.report_id}）",
                 e.office, e.detail] for e in audit.entries(self.db)]

    def on_add_user(self, name: str, password: str, role: str, office: str, request: gr.Request):
        self.ui.allowed(request, "users")
        try:
            user = accounts.add_user(self.db, name, password, role, office or "")
            info(self.words, self.words["user_added"], name=user.name, role=self.words[f"role_{user.role}"])
        except AssistantError as e:
            self._warn(e)
        return self._users()

    def on_passwd(self, name: str | None, password: str, request: gr.Request):
        self.ui.allowed(request, "users")
        try:
            accounts.set_password(self.db, name or "", password)
            info(self.words, self.words["user_password_set"], name=name)
        except AssistantError as e:
            self._warn(e)
        return self._users()

    def on_remove_user(self, name: str | None, request: gr.Request):
        self.ui.allowed(request, "users")
        try:
            accounts.remove_user(self.db, name or "")
            info(self.words, self.words["user_removed"], name=name)
        except AssistantError as e:
            self._warn(e)
        return self._users()

    def review_view(self, vote: str, text: str, commented: bool, request: gr.Request):
        """Every 👍/👎 with its question, answer, citations and comment, as filtered."""
        self.ui.allowed(request, "review")
        words = self.words
        liked = {"up": True, "down": False}.get(vote or "")
        found = votes(self.db, liked=liked, text=(text or "").strip(), commented=bool(commented))
        rows = [[v.id, v.at.replace("T", " "), v.user, words["vote_up" if v.liked else "vote_down"], v.question,
                 v.comment, _short(v.answer.answer),
                 "；".join(f"[{c.n}] {c.title} › {c.section}" for c in v.answer.citations), v.candidate] for v in found]
        picks = [(f"#{v.id} {words['vote_up' if v.liked else 'vote_down']} {v.question}", v.id) for v in found]
        return (rows, f'<p class="review-count">{html.escape(words["review_count"].format(count=len(found)))}</p>',
                gr.update(choices=picks, value=None))

    def on_pick(self, vote_id, request: gr.Request):
        """The chosen vote's cited sentences to pick the support quote from."""
        self.ui.allowed(request, "review")
        if vote_id is None:
            return gr.update(choices=[], value=[]), "", False
        choices = support_choices(get_vote(self.db, int(vote_id)))
        return gr.update(choices=choices, value=[]), "", False

    def on_add_candidate(self, vote_id, facts: str, support: list, unanswerable: bool, request: gr.Request):
        self.ui.allowed(request, "review")
        if vote_id is None:
            warn(self.words, self.words["review_pick"])
            return gr.skip(), gr.skip(), gr.skip()
        try:
            vote = get_vote(self.db, int(vote_id))
            item = candidate_item(vote, self.ui.index, parse_facts(facts), list(support or []),
                                  answerable=not unanswerable)
            path = self.ui.settings.candidates_path
            add_candidate(path, item)
            mark_candidate(self.db, vote.id, item["id"])
            info(self.words, self.words["review_added"], id=item["id"], path=path)
        except AssistantError as e:
            self._warn(e)
        return gr.skip(), gr.skip(), gr.skip()

    # --- pieces ---------------------------------------------------------------------------------
    def _users(self):
        """The accounts table, the pick list, the office choices, and an emptied password box."""
        everyone = accounts.list_users(self.db)
        rows = [[u.name, self.words[f"role_{u.role}"], u.office] for u in everyone]
        offices = ["", *self.ui.index.offices()]
        return (rows, gr.update(choices=[u.name for u in everyone], value=None),
                gr.update(choices=offices), "")

    def _warn(self, error: AssistantError) -> None:
        warn(self.words, "{message}", message=error_message(error, self.words))


def _short(text: str) -> str:
    """An answer on one line of the table, its Markdown bold marks dropped."""
    text = " ".join(text.replace("**", "").split())
    return text if len(text) <= SHORT else text[:SHORT - 1] + "…"
