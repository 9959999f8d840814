"""The 指标 tab: every quantitative statement of the reports, filtered by office, year, half-year,
kind, topic and words, each sentence a link to its source, and the rows shown as CSV and Excel
files with column heads and values in the interface's language (export.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from .choices import kept_target_filters, target_choices
from .errors import AssistantError
from .export import export_files
from .labels import error_message
from .render import TARGET_COLUMNS, target_rows, targets_count_html
from .targets import all_targets, filter_targets
from .ui_base import PRIVATE, warn

EXPORTS = Path(tempfile.gettempdir()) / "assistant-exports"  # the Targets tab's downloads


class TargetsTab:
    def __init__(self, ui) -> None:
        self.ui, self.words, self.index = ui, ui.words, ui.index

    def build(self) -> None:
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
        self.filters = [self.t_office, self.t_year, self.t_half, self.t_kind, self.t_topic, self.t_text]
        self.view = [self.t_table, self.t_count, self.t_csv, self.t_xlsx]

    def wire(self, tab: gr.Tab) -> None:
        private = dict(api_visibility=PRIVATE)
        for box in self.filters[:-1]:  # .input: a user's choice, not the choices refreshed below
            box.input(self.targets_view, self.filters, self.view, trigger_mode="always_last", **private)
        self.t_text.change(self.targets_view, self.filters, self.view, trigger_mode="always_last", **private)
        # opening the tab shows the reports as they are now; not also after each upload or removal:
        # two refreshes in flight could send a filter value the other one's choices no longer hold
        tab.select(self.targets_refreshed, self.filters, [self.t_office, self.t_year, self.t_topic, *self.view],
                   **private)

    # --- handlers -------------------------------------------------------------------------------
    def targets_view(self, offices: list, year: str, half: str, kind: str, topic: str, text: str,
                     request: gr.Request):
        """The Targets tab for these filters: rows, count, and the rows as CSV and Excel files
        (their links absolute under ASSISTANT_PUBLIC_URL)."""
        self.ui.allowed(request, "export")
        every = all_targets(self.index)
        try:
            shown = filter_targets(every, tuple(offices or ()), kind or "", topic or "",
                                   int(year) if year else None, half or "", text or "")
        except AssistantError as e:
            warn(self.words, self.words["failed"], error=error_message(e, self.words))
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        csv_path, xlsx_path = export_files(shown, EXPORTS, self.words, self.ui.settings.public_link)
        return (target_rows(shown, self.words), targets_count_html(len(shown), len(every), self.words),
                str(csv_path), str(xlsx_path))

    def targets_refreshed(self, offices: list, year: str, half: str, kind: str, topic: str, text: str,
                          request: gr.Request):
        """The filters' choices as the reports are now (a choice that went away is dropped), then the view."""
        self.ui.allowed(request, "export")
        choices = target_choices(all_targets(self.index), self.words)
        offices, year, topic = kept_target_filters(choices, offices, year, topic)
        return (gr.update(choices=choices.offices, value=offices), gr.update(choices=choices.years, value=year),
                gr.update(choices=choices.topics, value=topic), *self.targets_view(offices, year, half, kind, topic, text, request))

    def on_load(self, request: gr.Request):
        """The tab's choices and rows as they are when a page opens (ChatUI.on_load checked the user)."""
        choices = target_choices(all_targets(self.index), self.words)
        return (gr.update(choices=choices.offices, value=[]), gr.update(choices=choices.years, value=""),
                gr.update(choices=choices.topics, value=""), *self.targets_view([], "", "", "", "", "", request))
