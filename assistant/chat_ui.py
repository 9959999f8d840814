"""The Gradio interface, as an adapter in the smolagents style: ``ChatUI(assistant, words)`` builds
the Blocks, one builder per tab, and its event handlers are methods that turn the assistant's
results into chat messages and HTML (render.py) and its typed errors into warnings. No retrieval,
parsing or choice logic lives here (choices.py holds the last, without Gradio)."""

from __future__ import annotations

import html
import logging
import tempfile
from pathlib import Path

import gradio as gr
from gradio.utils import get_upload_folder

from .chain import Assistant
from .choices import chat_choices, kept_target_filters, report_rows, still_there, target_choices
from .documents import Answer, Filters
from .errors import AssistantError, ReportExistsError
from .export import export_files
from .feedback import feedback_record, record_feedback
from .labels import error_message
from .library import UPLOAD_SUFFIXES, add_report, remove_report
from .render import TARGET_COLUMNS, answer_html, question_html, sources_html, target_rows, targets_count_html
from .targets import all_targets, filter_targets

log = logging.getLogger(__name__)
EXPORTS = Path(tempfile.gettempdir()) / "assistant-exports"  # the Targets tab's downloads
CACHE_AGE_S = 1800  # Gradio's copies of uploads and downloads older than this are deleted
PRIVATE = "private"  # every event: callable by the page, described to no one


class ChatUI:
    def __init__(self, assistant: Assistant, words: dict) -> None:
        self.assistant, self.words = assistant, words
        self.settings, self.index = assistant.settings, assistant.index

    # --- building -------------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        words = self.words
        # delete_cache: uploads and exports in Gradio's cache go after CACHE_AGE_S (it only grew)
        with gr.Blocks(title=words["title"], analytics_enabled=False,
                       delete_cache=(CACHE_AGE_S // 3, CACHE_AGE_S)) as demo:
            self.turns = gr.State([])  # one entry per answer: its chat index, the Answer, the filters used
            gr.HTML(f'<div class="app-head"><h1>{html.escape(words["title"])}</h1>'
                    f'<p>{html.escape(words["subtitle"])}</p></div>')
            with gr.Tabs():
                with gr.Tab(words["tab_chat"], id="chat"):
                    self._chat_tab()
                with gr.Tab(words["tab_reports"], id="reports"):
                    self._reports_tab()
                with gr.Tab(words["tab_targets"], id="targets") as self.targets_tab:
                    self._targets_tab()
            self.pending = gr.State(None)  # an upload waiting for the user to confirm its replacement
            self._wire()
            # Everything that shows the corpus is filled in when a page loads (after login): the
            # page's config, which the login page carries too, holds no office, title or id.
            demo.load(self.on_load, None, [*self.listings, self.t_office, self.t_year, self.t_topic,
                                           *self.t_view], api_visibility=PRIVATE)
        return demo

    def _chat_tab(self) -> None:
        words, now = self.words, chat_choices([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=480):
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
                    label=words["chat"], elem_id="chat", height="calc(100vh - 400px)",
                    min_height=300, latex_delimiters=[], line_breaks=False,
                    examples=[{"text": q} for q in words["examples"]],
                    feedback_options=("Like", "Dislike"),
                    buttons=[])  # Gradio's copy buttons would copy the messages' HTML
                with gr.Row():
                    self.question = gr.Textbox(show_label=False, elem_id="question", scale=6,
                                               placeholder=words["question_placeholder"],
                                               lines=1, max_lines=4, submit_btn=words["send"])
                    self.clear = gr.Button(words["clear"], elem_id="clear", scale=1, min_width=90)
            with gr.Column(scale=2, min_width=320):
                self.sources = gr.HTML(sources_html(None, words), elem_id="sources")

    def _reports_tab(self) -> None:
        words = self.words
        self.table = gr.Dataframe(
            [], headers=[words[k] for k in (
                "col_title", "col_office", "col_region", "col_years", "col_kind", "col_chunks", "col_source")],
            label=words["reports_table"], interactive=False, elem_id="reports-table", wrap=True)
        with gr.Row():
            self.upload = gr.File(label=words["upload"].format(mb=self.settings.max_upload_mb),
                                  file_types=list(UPLOAD_SUFFIXES), file_count="multiple",
                                  type="filepath", elem_id="upload")
            with gr.Column():
                self.replace = gr.Button(words["replace"], variant="primary", visible=False, elem_id="replace")
                self.remove_choice = gr.Dropdown([], value=None, label=words["remove_choice"],
                                                 elem_id="remove-choice")
                self.remove = gr.Button(words["remove"], variant="stop", elem_id="remove")

    def _targets_tab(self) -> None:
        words = self.words
        choices = target_choices([], words)
        with gr.Row(elem_id="targets-filters"):
            self.t_office = gr.Dropdown(choices.offices, value=[], multiselect=True, scale=2,
                                        label=words["office"], elem_id="t-office")
            self.t_year = gr.Dropdown(choices.years, value="", scale=1, label=words["year"], elem_id="t-year")
            self.t_half = gr.Radio([(words["half_all"], ""), (words["half_full"], "full"),
                                    (words["half_H1"], "H1"), (words["half_H2"], "H2")], value="",
                                   scale=3, label=words["half"], elem_id="t-half")
            self.t_kind = gr.Radio([(words["statement_all"], ""), (words["statement_target"], "target"),
                                    (words["statement_achieved"], "achieved")], value="", scale=2,
                                   label=words["statement"], elem_id="t-kind")
            self.t_topic = gr.Dropdown(choices.topics, value="", scale=1, label=words["topic"], elem_id="t-topic")
        self.t_text = gr.Textbox(label=words["targets_search"], elem_id="t-text",
                                 placeholder=words["targets_search_placeholder"])
        with gr.Row(elem_id="targets-bar"):
            self.t_count = gr.HTML("", elem_id="t-count")
            self.t_csv = gr.DownloadButton(words["export_csv"], value=None, size="sm",
                                           scale=0, min_width=120, elem_id="t-csv")
            self.t_xlsx = gr.DownloadButton(words["export_xlsx"], value=None, size="sm",
                                            scale=0, min_width=120, elem_id="t-xlsx")
        self.t_table = gr.Dataframe(
            [], headers=[words[k] for k in TARGET_COLUMNS],
            datatype=["html"] * len(TARGET_COLUMNS), label=words["targets_table"],
            interactive=False, wrap=True, elem_id="targets-table", max_height=600,
            column_widths=["9%", "8%", "18%", "10%", "7%", "9%", "39%"])

    def _wire(self) -> None:
        words = self.words
        self.listings = [self.table, self.remove_choice, self.office_filter, self.year_filter]
        private = dict(api_visibility=PRIVATE)  # none of these is an API: nothing is described before login
        chat_io = dict(inputs=[self.question, self.chatbot, self.turns, self.office_filter, self.year_filter,
                               self.phase_filter],
                       outputs=[self.chatbot, self.sources, self.turns, self.question],
                       concurrency_limit=self.settings.answer_concurrency, concurrency_id="ask", **private)
        self.question.submit(self.ask, **chat_io)
        self.chatbot.example_select(example_text, None, self.question, **private).then(self.ask, **chat_io)
        self.clear.click(lambda: ([], sources_html(None, words), [], ""),
                         outputs=[self.chatbot, self.sources, self.turns, self.question], **private)
        self.chatbot.clear(lambda: (sources_html(None, words), []), outputs=[self.sources, self.turns], **private)
        self.chatbot.like(self.on_like, [self.turns], [self.turns], **private)
        t_filters = [self.t_office, self.t_year, self.t_half, self.t_kind, self.t_topic, self.t_text]
        self.t_view = t_view = [self.t_table, self.t_count, self.t_csv, self.t_xlsx]
        for box in t_filters[:-1]:  # .input: a user's choice, not the choices refreshed below
            box.input(self.targets_view, t_filters, t_view, trigger_mode="always_last", **private)
        self.t_text.change(self.targets_view, t_filters, t_view, trigger_mode="always_last", **private)
        # opening the tab shows the reports as they are now; not also after each upload or removal:
        # two refreshes in flight could send a filter value the other one's choices no longer hold
        self.targets_tab.select(self.targets_refreshed, t_filters,
                                [self.t_office, self.t_year, self.t_topic, *t_view], **private)
        upload_out = [self.upload, self.pending, self.replace, *self.listings]
        self.upload.upload(self.on_upload, [self.upload, self.office_filter, self.year_filter], upload_out,
                           **private)
        self.replace.click(self.on_replace, [self.pending, self.office_filter, self.year_filter], upload_out,
                           **private)
        self.remove.click(self.on_remove, [self.remove_choice, self.office_filter, self.year_filter],
                          self.listings, **private)

    # --- handlers -------------------------------------------------------------------------------
    def warn(self, template: str, **values) -> None:
        """A warning toast (toasts render HTML: what we pass in is escaped)."""
        gr.Warning(html.escape(template.format(**{k: str(v) for k, v in values.items()})))

    def refreshed(self, picked_offices=(), picked_years=()):
        """New values for everything that lists reports; a chat filter keeps what it had picked
        unless that office or year is gone."""
        reports = self.index.reports()
        now = chat_choices(reports)
        return (report_rows(reports, self.words), gr.update(choices=now.reports, value=None),
                gr.update(choices=now.offices, value=still_there(picked_offices, now.offices)),
                gr.update(choices=now.years, value=still_there(picked_years, now.years)))

    def ask(self, message: str, chat: list, turns: list, offices: list, years: list, phase: str):
        filters = Filters(offices=tuple(offices or ()), years=tuple(int(y) for y in years or ()),
                          phase=phase or "")
        history = [t["answer"].standalone_question or t["answer"].question for t in turns]
        chat = [*chat, {"role": "user", "content": question_html(message)}]
        yield chat, gr.skip(), turns, ""
        answer: Answer | None = None
        try:
            for answer in self.assistant.stream(message, history, filters):
                yield ([*chat, {"role": "assistant", "content": answer_html(answer)}], gr.skip(), turns, "")
        except AssistantError as e:
            self.warn("{message}", message=error_message(e, self.words))
            yield chat[:-1], gr.skip(), turns, message
            return
        except Exception as e:  # a bug: say so plainly, keep the traceback in the log
            log.exception("answering %r failed", message)
            self.warn(self.words["unexpected"], kind=type(e).__name__)
            yield chat[:-1], gr.skip(), turns, message
            return
        if answer.notice:
            self.warn("{notice}", notice=answer.notice)
        chat.append({"role": "assistant", "content": answer_html(answer)})
        turns = [*turns, {"index": len(chat) - 1, "answer": answer, "filters": filters}]
        yield chat, sources_html(answer, self.words), turns, ""

    def on_load(self):
        """A page opened: the reports, the filters and the Targets tab as they are now."""
        choices = target_choices(all_targets(self.index), self.words)
        return (*self.refreshed(), gr.update(choices=choices.offices, value=[]),
                gr.update(choices=choices.years, value=""), gr.update(choices=choices.topics, value=""),
                *self.targets_view([], "", "", "", "", ""))

    def on_like(self, turns: list, data: gr.LikeData) -> list:
        """One vote per answer and session: a vote is stored when it changes, not at every click."""
        at = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = next((t for t in turns if t["index"] == at), None)
        if turn is None or turn.get("vote") == data.liked:
            return turns
        record_feedback(self.settings.feedback_path, feedback_record(turn["answer"], data.liked, turn["filters"]))
        return [{**t, "vote": data.liked} if t is turn else t for t in turns]

    def on_upload(self, files: list[str] | None, picked_offices: list, picked_years: list,
                  progress=gr.Progress()):
        pending = None
        for file in files or []:
            pending = self._add(Path(file), False, progress) or pending
        return self._after_upload(pending, picked_offices, picked_years)

    def on_replace(self, pending: str | None, picked_offices: list, picked_years: list, progress=gr.Progress()):
        """The user confirmed: the upload replaces the report it collided with."""
        if pending:
            self._add(Path(pending), True, progress)
        return self._after_upload(None, picked_offices, picked_years)

    def _after_upload(self, pending, picked_offices, picked_years):
        return (None, pending, gr.update(visible=pending is not None),
                *self.refreshed(picked_offices, picked_years))

    def _add(self, file: Path, replace: bool, progress) -> str | None:
        """Add one uploaded file; its path when it waits for the user to confirm a replacement."""
        words, name = self.words, file.name
        try:
            result = add_report(self.settings, self.index, file, name, replace=replace,
                                progress=lambda fraction, what: progress(fraction, desc=what),
                                on_page=lambda n, total: progress(n / total, desc=words["ocr_progress"].format(
                                    name=name, n=n, total=total)),
                                upload_root=Path(get_upload_folder()))
        except ReportExistsError as e:
            self.warn("{message}", message=error_message(e, words))
            return str(file)
        except AssistantError as e:
            self.warn(words["upload_failed"], error=error_message(e, words))
            result = None
        except Exception as e:  # a bug: say so plainly, keep the traceback in the log
            log.exception("adding %s failed", name)
            self.warn(words["unexpected"], kind=type(e).__name__)
            result = None
        _forget_upload(file)
        for error in result.errors if result else []:
            self.warn(words["upload_failed"], error=error)
        for rid in result.added + result.updated if result else []:
            gr.Info(html.escape(words["uploaded"].format(title=self.index.report(rid).title)))
        for _ in result.unchanged if result else []:
            gr.Info(html.escape(words["unchanged"].format(name=name)))
        return None

    def on_remove(self, report_id: str | None, picked_offices: list, picked_years: list):
        if not report_id:
            self.warn(self.words["nothing_selected"])
            return self.refreshed(picked_offices, picked_years)
        try:
            title = self.index.report(report_id).title
            where = remove_report(self.settings, self.index, report_id)
        except AssistantError as e:
            self.warn(self.words["failed"], error=error_message(e, self.words))
            return self.refreshed(picked_offices, picked_years)
        gr.Info(html.escape(self.words["removed"].format(title=title, where=where or "-")))
        return self.refreshed(picked_offices, picked_years)

    def targets_view(self, offices: list, year: str, half: str, kind: str, topic: str, text: str):
        """The Targets tab for these filters: rows, count, and the rows as CSV and Excel files."""
        every = all_targets(self.index)
        try:
            shown = filter_targets(every, tuple(offices or ()), kind or "", topic or "",
                                   int(year) if year else None, half or "", text or "")
        except AssistantError as e:
            self.warn(self.words["failed"], error=error_message(e, self.words))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        csv_path, xlsx_path = export_files(shown, EXPORTS)
        return (target_rows(shown, self.words), targets_count_html(len(shown), len(every), self.words),
                str(csv_path), str(xlsx_path))

    def targets_refreshed(self, offices: list, year: str, half: str, kind: str, topic: str, text: str):
        """The filters' choices as the reports are now (a choice that went away is dropped), then the view."""
        choices = target_choices(all_targets(self.index), self.words)
        offices, year, topic = kept_target_filters(choices, offices, year, topic)
        return (gr.update(choices=choices.offices, value=offices), gr.update(choices=choices.years, value=year),
                gr.update(choices=choices.topics, value=topic), *self.targets_view(offices, year, half, kind, topic, text))


def example_text(data: gr.SelectData) -> str:
    return data.value["text"]


def _forget_upload(file: Path) -> None:
    """An upload leaves Gradio's cache once it is in the corpus (or refused): a removed report's
    text must not stay downloadable from /gradio_api/file=."""
    try:
        if file.resolve().is_relative_to(Path(get_upload_folder()).resolve()):
            file.unlink(missing_ok=True)
    except OSError as e:
        log.warning("could not delete the upload %s: %s", file, e)
