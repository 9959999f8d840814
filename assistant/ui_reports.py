"""The 报告 tab: the reports table (each title opens the report), uploading, replacing after the
user agreed, removing after the user confirmed, with an undo, and restoring any version kept in
data/removed. Every report is named by its title; no server path reaches the page. Under them,
the audit of who changed which report (admin_ui.py). The upload, remove and restore controls
show only to a role that may use them, and every handler checks the request's user all the same
(ui.actor: library.py checks the role against each report's office and records the change)."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
from gradio.utils import get_upload_folder

from .errors import AssistantError, ReportExistsError, UnknownReportError
from .labels import error_message
from .library import UPLOAD_SUFFIXES, add_report, list_removed, remove_report, restore_report
from .render import esc
from .ui_base import PRIVATE, info, warn

log = logging.getLogger(__name__)
TABLE_COLUMNS = ("col_title", "col_office", "col_region", "col_years", "col_kind", "col_chunks", "col_format")


class ReportsTab:
    def __init__(self, ui) -> None:
        self.ui, self.words, self.settings, self.index = ui, ui.words, ui.settings, ui.index

    def build(self) -> None:
        words = self.words
        self.table = gr.Dataframe(
            [], headers=[words[k] for k in TABLE_COLUMNS], label=words["reports_table"], interactive=False,
            datatype=["html", "str", "str", "str", "str", "number", "str"], elem_id="reports-table", wrap=True)
        with gr.Row(elem_id="reports-actions", visible=False) as self.actions:  # shown by admin_ui.on_load
            # no file_types: Gradio's own refusal is English; on_upload refuses in the page's language
            self.upload = gr.File(label=words["upload"].format(types=" ".join(UPLOAD_SUFFIXES),
                                                               mb=self.settings.max_upload_mb),
                                  file_count="multiple", type="filepath", elem_id="upload")
            with gr.Column():
                self.replace = gr.Button(words["replace"], variant="primary", visible=False, elem_id="replace")
                self.remove_choice = gr.Dropdown([], value=None, label=words["remove_choice"],
                                                 elem_id="remove-choice")
                self.remove = gr.Button(words["remove"], variant="stop", elem_id="remove")
                with gr.Group(visible=False, elem_id="remove-confirm") as self.confirm:
                    self.confirm_text = gr.Markdown("", elem_id="remove-confirm-text")
                    with gr.Row():
                        self.remove_yes = gr.Button(words["remove_yes"], variant="stop", elem_id="remove-yes")
                        self.remove_no = gr.Button(words["remove_no"], elem_id="remove-no")
                self.undo = gr.Button("", visible=False, elem_id="undo-remove")
                with gr.Accordion(words["removed_list"], open=False, elem_id="removed-list"):
                    self.restore_choice = gr.Dropdown([], value=None, label=words["restore_choice"],
                                                      elem_id="restore-choice")
                    self.restore = gr.Button(words["restore"], elem_id="restore")
        self.ui.admin.audit_table()
        self.pending = gr.State(None)  # an upload waiting for the user to confirm its replacement
        self.to_remove = gr.State(None)  # the report id the confirmation is about
        self.undoable = gr.State(None)  # (file in data/removed, title) of the last removal

    def wire(self) -> None:
        ui, private = self.ui, dict(api_visibility=PRIVATE)
        picks = [ui.chat.office_filter, ui.chat.year_filter]
        upload_out = [self.upload, self.pending, self.replace, *ui.listings]
        self.upload.upload(self.on_upload, [self.upload, *picks], upload_out, **private)
        self.replace.click(self.on_replace, [self.pending, *picks], upload_out, **private)
        self.remove.click(self.ask_to_remove, [self.remove_choice], [self.confirm, self.confirm_text, self.to_remove],
                          **private)
        self.remove_no.click(lambda: (gr.update(visible=False), None), None, [self.confirm, self.to_remove],
                             **private)
        self.remove_yes.click(self.on_remove, [self.to_remove, *picks],
                              [self.confirm, self.to_remove, self.undo, self.undoable, *ui.listings], **private)
        self.undo.click(self.on_undo, [self.undoable, *picks], [self.undo, self.undoable, *ui.listings], **private)
        self.restore.click(self.on_restore, [self.restore_choice, *picks], ui.listings, **private)

    # --- handlers -------------------------------------------------------------------------------
    def on_upload(self, files: list[str] | None, picked_offices: list, picked_years: list,
                  request: gr.Request, progress=gr.Progress()):
        actor = self.ui.actor(request, "upload")
        pending = None
        for file in files or []:
            pending = self._add(Path(file), False, progress, actor) or pending
        return self._after_upload(pending, picked_offices, picked_years)

    def on_replace(self, pending: str | None, picked_offices: list, picked_years: list, request: gr.Request,
                   progress=gr.Progress()):
        """The user confirmed: the upload replaces the report it collided with."""
        actor = self.ui.actor(request, "replace")
        if pending:
            self._add(Path(pending), True, progress, actor)
        return self._after_upload(None, picked_offices, picked_years)

    def _after_upload(self, pending, picked_offices, picked_years):
        return (None, pending, gr.update(visible=pending is not None),
                *self.ui.refreshed(picked_offices, picked_years))

    def _add(self, file: Path, replace: bool, progress, actor) -> str | None:
        """Add one uploaded file; its path when it waits for the user to confirm a replacement."""
        words, name = self.words, file.name
        try:
            result = add_report(self.settings, self.index, file, name, replace=replace,
                                progress=lambda step: progress((step.done, step.total),
                                                               desc=step.describe(self.settings.ui_lang)),
                                upload_root=Path(get_upload_folder()), suffixes=UPLOAD_SUFFIXES,
                                actor=actor)
        except ReportExistsError as e:
            warn(words, "{message}", message=error_message(e, words))
            return str(file)
        except AssistantError as e:
            warn(words, words["upload_failed"], error=error_message(e, words))
            result = None
        except Exception as e:  # a bug: say so plainly, keep the traceback in the log
            log.exception("adding %s failed", name)
            warn(words, words["unexpected"], kind=type(e).__name__)
            result = None
        _forget_upload(file)
        for error in result.errors if result else []:
            warn(words, words["upload_failed"], error=error)
        for rid in result.added + result.updated if result else []:
            info(words, words["uploaded"], title=self.index.report(rid).title)
        for _ in result.unchanged if result else []:
            info(words, words["unchanged"], name=name)
        return None

    def _title(self, report_id: str | None) -> str | None:
        return next((r.title for r in self.index.reports() if r.id == report_id), None)

    def ask_to_remove(self, report_id: str | None, request: gr.Request):
        """The confirmation, naming the report; nothing is removed yet."""
        self.ui.allowed(request, "remove")
        title = self._title(report_id)
        if title is None:
            warn(self.words, self.words["nothing_selected"])
            return gr.update(visible=False), "", None
        return gr.update(visible=True), esc(self.words["remove_confirm"].format(title=title)), report_id

    def on_remove(self, report_id: str | None, picked_offices: list, picked_years: list, request: gr.Request):
        """Confirmed: remove it; its file is kept in data/removed and the undo button offers it back."""
        actor = self.ui.actor(request, "remove")
        title, undo = self._title(report_id), (gr.skip(), gr.skip())
        try:
            if title is None:
                raise UnknownReportError(report_id or "")
            kept = remove_report(self.settings, self.index, report_id, actor=actor)
        except AssistantError as e:
            warn(self.words, self.words["failed"], error=error_message(e, self.words))
        else:
            info(self.words, self.words["removed"], title=title)
            undo = ((gr.update(visible=True, value=self.words["undo_remove"].format(title=title)),
                     (kept.name, title)) if kept else (gr.update(visible=False), None))
        return (gr.update(visible=False), None, *undo, *self.ui.refreshed(picked_offices, picked_years))

    def on_undo(self, undoable, picked_offices: list, picked_years: list, request: gr.Request):
        actor = self.ui.actor(request, "restore")
        if undoable:
            self._restore(undoable[0], actor)
        return (gr.update(visible=False), None, *self.ui.refreshed(picked_offices, picked_years))

    def on_restore(self, file: str | None, picked_offices: list, picked_years: list, request: gr.Request):
        actor = self.ui.actor(request, "restore")
        if not file:
            warn(self.words, self.words["nothing_to_restore"])
        else:
            self._restore(file, actor)
        return self.ui.refreshed(picked_offices, picked_years)

    def _restore(self, file: str, actor) -> None:
        """Put a kept version back and index it; its title in the toast."""
        title = next((e.title for e in list_removed(self.settings) if e.file == file), file)
        try:
            result = restore_report(self.settings, self.index, file, actor=actor)
        except AssistantError as e:
            warn(self.words, self.words["failed"], error=error_message(e, self.words))
            return
        for error in result.errors:
            warn(self.words, self.words["failed"], error=error)
        if not result.errors:
            info(self.words, self.words["restored"], title=title)


def _forget_upload(file: Path) -> None:
    """An upload leaves Gradio's cache once it is in the corpus (or refused): a removed report's
    text must not stay downloadable from /gradio_api/file=."""
    try:
        if file.resolve().is_relative_to(Path(get_upload_folder()).resolve()):
            file.unlink(missing_ok=True)
    except OSError as e:
        log.warning("could not delete the upload %s: %s", file, e)
