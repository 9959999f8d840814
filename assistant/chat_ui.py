"""The Gradio interface, as an adapter in the smolagents style: ``ChatUI(assistant, words)`` builds
the Blocks from one class per tab (ui_chat.py 问答, ui_reports.py 报告, ui_targets.py 指标), whose
event handlers are methods that turn the assistant's results into chat messages and HTML
(render.py) and its typed errors into toasts in the interface's language (ui_base.py). No
retrieval, parsing or choice logic lives here (chain.py names a not-found's filters in the way,
choices.py makes the lists, without Gradio). A new tab is a class with ``build()`` and ``wire()`` added in ``build`` below.

Every handler first asks ``ui.allowed(request, action)``: the request's user (Gradio's login)
and their role, checked on the server by access.py whatever the page shows. The sidebar of saved
chats, the copy and Word buttons are chats_ui.py's; the admin tab and the audit admin_ui.py's."""

from __future__ import annotations

import html

import gradio as gr

from .access import Access
from .accounts import User
from .admin_ui import AdminTab
from .audit import Actor
from .chain import Assistant
from .chats_ui import ChatsPanel
from .choices import chat_choices, removed_choices, report_rows, still_there
from .errors import AssistantError
from .labels import error_message
from .library import list_removed
from .ui_base import PRIVATE
from .ui_chat import ChatTab
from .ui_reports import ReportsTab
from .ui_targets import EXPORTS, TargetsTab

CACHE_AGE_S = 1800  # Gradio's copies of uploads and downloads older than this are deleted


class ChatUI:
    def __init__(self, assistant: Assistant, words: dict, access: Access) -> None:
        self.assistant, self.words, self.access = assistant, words, access
        self.settings, self.index = assistant.settings, assistant.index
        self.chat, self.reports, self.targets = ChatTab(self), ReportsTab(self), TargetsTab(self)
        self.chats, self.admin = ChatsPanel(self, EXPORTS), AdminTab(self)

    def build(self) -> gr.Blocks:
        words = self.words
        # delete_cache: uploads and exports in Gradio's cache go after CACHE_AGE_S (it only grew)
        with gr.Blocks(title=words["title"], analytics_enabled=False,
                       delete_cache=(CACHE_AGE_S // 3, CACHE_AGE_S)) as demo:
            gr.HTML(f'<div class="app-head"><h1>{html.escape(words["title"])}</h1>'
                    f'<p>{html.escape(words["subtitle"])}</p></div>', elem_id="app-head")
            self.chats.sidebar()
            with gr.Tabs(elem_id="tabs"):
                with gr.Tab(words["tab_chat"], id="chat"):
                    self.chat.build()
                with gr.Tab(words["tab_reports"], id="reports"):
                    self.reports.build()
                with gr.Tab(words["tab_targets"], id="targets") as targets_tab:
                    self.targets.build()
                with gr.Tab(words["tab_admin"], id="admin", visible=False) as self.admin_tab:
                    self.admin.build()
            # everything that lists reports, refreshed together after an upload, removal or restore
            self.listings = [self.reports.table, self.reports.remove_choice, self.reports.restore_choice,
                             self.chat.office_filter, self.chat.year_filter]
            self.chat.wire()
            self.reports.wire()
            self.targets.wire(targets_tab)
            # Everything that shows the corpus is filled in when a page loads (after login): the
            # page's config, which the login page carries too, holds no office, title or id.
            t = self.targets
            demo.load(self.on_load, None, [*self.listings, t.t_office, t.t_year, t.t_topic, *t.view],
                      api_visibility=PRIVATE)
            self.chats.wire(demo)
            self.admin.wire(demo)
        return demo

    def allowed(self, request: gr.Request | None, action: str) -> User:
        """The request's user if their role allows ``action``; else the request fails with the
        reason (gr.Error): a crafted call is refused as a click on a hidden button would be."""
        try:
            return self.access.require(getattr(request, "username", None), action)
        except AssistantError as e:
            raise gr.Error(html.escape(error_message(e, self.words)), title=self.words["toast_error"],
                           print_exception=False) from None

    def actor(self, request: gr.Request | None, action: str) -> Actor:
        """Who changes the reports, for library.py to check against each report's office and audit."""
        return Actor(self.allowed(request, action), self.access.db)

    def refreshed(self, picked_offices=(), picked_years=()):
        """New values for everything that lists reports (``listings``); a chat filter keeps what it
        had picked unless that office or year is gone."""
        reports = self.index.reports()
        now = chat_choices(reports, self.words)
        return (report_rows(reports, self.words), gr.update(choices=now.reports, value=None),
                gr.update(choices=removed_choices(list_removed(self.settings), self.words), value=None),
                gr.update(choices=now.offices, value=still_there(picked_offices, now.offices)),
                gr.update(choices=now.years, value=still_there(picked_years, now.years)))

    def on_load(self, request: gr.Request):
        """A page opened: the reports, the filters and the Targets tab as they are now."""
        self.allowed(request, "read")
        return (*self.refreshed(), *self.targets.on_load(request))
