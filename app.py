"""The chat app: ``python app.py`` serves it at http://127.0.0.1:7860 (settings host and port).

It only adapts: the Gradio Blocks are built from an ``Assistant``, whose answers become chat
messages and HTML (``assistant/render.py``); the source viewer is a plain page at
``/source/<report-id>?start=..&end=..#<paragraph-id>``, one URL per report and paragraph that
can be shared. Typed errors become ``gr.Warning`` here, at the edge."""

from __future__ import annotations

import html
import logging
import secrets
import tempfile
from pathlib import Path

import gradio as gr
from gradio.utils import get_upload_folder
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.routing import Mount

from assistant.answer import Answer
from assistant.chain import Assistant
from assistant.errors import AssistantError
from assistant.export import export_files
from assistant.feedback import feedback_record, record_feedback
from assistant.index import Index
from assistant.labels import error_message, labels
from assistant.library import UPLOAD_SUFFIXES, add_report, remove_report
from assistant.render import APP_CSS, FONTS, TARGET_COLUMNS, answer_html, not_found_page, question_html, \
    source_page, sources_html, target_rows, targets_count_html, topic_choices
from assistant.retrieve import Filters
from assistant.settings import Settings
from assistant.targets import all_targets, filter_targets

log = logging.getLogger("app")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("app", "assistant"):
        logging.getLogger(name).setLevel(logging.INFO)
    settings = Settings.from_env()
    assistant = Assistant(settings)
    build_index_if_missing(assistant.index)
    warm_up(assistant)
    import uvicorn

    log.info("serving on http://%s:%s", settings.host, settings.port)
    uvicorn.run(create_app(settings, assistant), host=settings.host, port=settings.port,
                log_level="warning")


def build_index_if_missing(index: Index) -> None:
    """A fresh checkout has no index: build it now, with progress, instead of failing later."""
    if index.is_built():
        return
    log.info("no index at %s yet: indexing %s (first start only)", index.settings.index_dir,
             index.settings.corpus_dir)
    result = index.ingest(progress=lambda fraction, name: log.info("indexing [%3.0f%%] %s",
                                                                   fraction * 100, name))
    for error in result.errors:
        log.warning("%s", error)
    log.info("index built: %s", result.summary())


def warm_up(assistant: Assistant) -> None:
    """Load the embedding model and the lexical index now, so the first question is fast."""
    try:
        assistant.search("招商引资")
    except AssistantError as e:
        log.warning("%s", e)


# --- the web app ----------------------------------------------------------------------------------
def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """The Gradio UI mounted at / and the source viewer at /source/<report-id>."""
    assistant = assistant or Assistant(settings)
    words = labels(settings.ui_lang)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/source/{report_id:path}", response_class=HTMLResponse)
    def source(report_id: str, request: Request, start: str = "", end: str = ""):
        if settings.auth and not _logged_in(request, app):
            return RedirectResponse("/", status_code=303)
        nonce = secrets.token_urlsafe(16)
        headers = {"Content-Security-Policy": f"default-src 'none'; style-src 'unsafe-inline'; "
                                              f"script-src 'nonce-{nonce}'; base-uri 'none'; "
                                              f"form-action 'none'; frame-ancestors 'self'"}
        if report_id not in {r["id"] for r in assistant.index.reports()}:
            return HTMLResponse(not_found_page(report_id, words, nonce), status_code=404, headers=headers)
        page = source_page(assistant.index.report(report_id), words, _int(start), _int(end), nonce)
        return HTMLResponse(page, headers=headers)

    theme = gr.themes.Default(font=[f.strip('" ') for f in FONTS.split(",")],
                              font_mono=["ui-monospace", "monospace"])  # local fonts: no network
    blocks = build_blocks(assistant, words)
    mounted = gr.mount_gradio_app(
        app, blocks, path="/", server_name=settings.host,
        server_port=settings.port, auth=settings.auth, max_file_size=f"{settings.max_upload_mb}mb",
        footer_links=[], run_history=False, theme=theme, css=APP_CSS)
    # Gradio checks that a file handed to a handler was uploaded (processing_utils._check_allowed)
    # only once the Blocks "has launched", which mount_gradio_app never sets: without this a
    # crafted API call names any file on the server. The upload handler checks again itself.
    blocks.has_launched = True
    return mounted


def example_text(data: gr.SelectData) -> str:
    return data.value["text"]


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _logged_in(request: Request, app: FastAPI) -> bool:
    """The source viewer asks for the same login as the chat: Gradio's session cookie."""
    gradio_app = next(r.app for r in app.routes if isinstance(r, Mount))
    token = (request.cookies.get(f"access-token-{gradio_app.cookie_id}")
             or request.cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}"))
    return token in gradio_app.tokens


def build_blocks(assistant: Assistant, words: dict) -> gr.Blocks:
    settings, index = assistant.settings, assistant.index

    def warn(template: str, **values) -> None:  # toasts render HTML: escape what we pass in
        gr.Warning(html.escape(template.format(**{k: str(v) for k, v in values.items()})))

    def choices():
        reports = index.reports()
        offices = sorted({r["office"] for r in reports})
        years = sorted({str(y) for r in reports for y in r["years"]})
        return reports, offices, years

    def report_rows(reports: list[dict]) -> list[list]:
        return [[r["title"], r["office"], r["region"], "、".join(map(str, r["years"])),
                 words.get(f"kind_{r['kind']}", r["kind"]), r["chunks"], r["source"]] for r in reports]

    def refreshed(picked_offices=(), picked_years=()):
        """New values for everything that lists reports; a chat filter keeps what it had picked
        unless that office or year is gone (a stale choice would fail the next question)."""
        reports, offices, years = choices()
        return (report_rows(reports),
                gr.update(choices=[(f"{r['title']}（{r['id']}）", r["id"]) for r in reports], value=None),
                gr.update(choices=offices, value=[o for o in picked_offices or () if o in offices]),
                gr.update(choices=years, value=[y for y in picked_years or () if y in years]))

    def ask(message: str, chat: list, turns: list, offices: list, years: list, phase: str):
        filters = Filters(offices=tuple(offices or ()), years=tuple(int(y) for y in years or ()),
                          phase=phase or "")
        history = [t["answer"].standalone_question or t["answer"].question for t in turns]
        chat = [*chat, {"role": "user", "content": question_html(message)}]
        yield chat, gr.skip(), turns, ""
        answer: Answer | None = None
        try:
            for answer in assistant.stream(message, history, filters):
                yield ([*chat, {"role": "assistant", "content": answer_html(answer)}], gr.skip(),
                       turns, "")
        except AssistantError as e:
            warn("{message}", message=error_message(e, words))
            yield chat[:-1], gr.skip(), turns, message
            return
        except Exception as e:  # a bug: say so plainly, keep the traceback in the log
            log.exception("answering %r failed", message)
            warn(words["unexpected"], kind=type(e).__name__)
            yield chat[:-1], gr.skip(), turns, message
            return
        if answer.notice:
            warn("{notice}", notice=answer.notice)
        chat.append({"role": "assistant", "content": answer_html(answer)})
        turns = [*turns, {"index": len(chat) - 1, "answer": answer, "filters": filters}]
        yield chat, sources_html(answer, words), turns, ""

    def on_like(turns: list, data: gr.LikeData) -> None:
        at = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = next((t for t in turns if t["index"] == at), None)
        if turn is not None:
            record_feedback(settings.feedback_path,
                            feedback_record(turn["answer"], data.liked, turn["filters"]))

    def on_upload(files: list[str] | None, picked_offices: list, picked_years: list,
                  progress=gr.Progress()):
        for file in files or []:
            name = Path(file).name
            try:
                result = add_report(settings, index, Path(file), name,
                                    progress=lambda fraction, what: progress(fraction, desc=what),
                                    upload_root=Path(get_upload_folder()))
            except AssistantError as e:
                warn(words["upload_failed"], error=e)
                continue
            except Exception as e:  # a bug: say so plainly, keep the traceback in the log
                log.exception("adding %s failed", name)
                warn(words["unexpected"], kind=type(e).__name__)
                continue
            for error in result.errors:
                warn(words["upload_failed"], error=error)
            for rid in result.added + result.updated:
                gr.Info(html.escape(words["uploaded"].format(title=index.report(rid).title)))
            for _ in result.unchanged:
                gr.Info(html.escape(words["unchanged"].format(name=name)))
        return None, *refreshed(picked_offices, picked_years)

    def on_remove(report_id: str | None, picked_offices: list, picked_years: list):
        if not report_id:
            warn(words["nothing_selected"])
            return refreshed(picked_offices, picked_years)
        try:
            title = index.report(report_id).title
            where = remove_report(settings, index, report_id)
        except AssistantError as e:
            warn(words["failed"], error=e)
            return refreshed(picked_offices, picked_years)
        gr.Info(html.escape(words["removed"].format(title=title, where=where or "-")))
        return refreshed(picked_offices, picked_years)

    exports = Path(tempfile.gettempdir()) / "assistant-exports"  # the Targets tab's downloads

    def targets_view(offices: list, year: str, half: str, kind: str, topic: str, text: str):
        """The Targets tab for these filters: rows, count, and the rows as CSV and Excel files."""
        every = all_targets(index)
        try:
            shown = filter_targets(every, tuple(offices or ()), kind or "", topic or "",
                                   int(year) if year else None, half or "", text or "")
        except AssistantError as e:
            warn(words["failed"], error=e)
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        csv_path, xlsx_path = export_files(shown, exports)
        return (target_rows(shown, words), targets_count_html(len(shown), len(every), words),
                str(csv_path), str(xlsx_path))

    def target_choices(every: list) -> tuple[list, list, list]:
        """The choices of the office, year and topic filters: what the statements have."""
        return (sorted({t.office for t in every}),
                [(words["year_all"], ""), *sorted({str(t.year) for t in every if t.year})],
                topic_choices(every, words))

    def targets_refreshed(offices: list, year: str, half: str, kind: str, topic: str, text: str):
        """The filters' choices as the reports are now (a choice that went away is dropped), then
        the view. Run when the tab is opened, not also after each upload or removal: two refreshes
        in flight could send a filter value that the other one's choices no longer hold."""
        office_choices, year_choices, topics = target_choices(all_targets(index))
        offices = [o for o in offices or () if o in office_choices]
        year = year if year in year_choices[1:] else ""
        topic = topic if topic in {k for _, k in topics} else ""
        return (gr.update(choices=office_choices, value=offices), gr.update(choices=year_choices, value=year),
                gr.update(choices=topics, value=topic), *targets_view(offices, year, half, kind, topic, text))

    reports, offices, years = choices()
    every_target = all_targets(index)
    target_offices, target_years, target_topics = target_choices(every_target)
    csv_path, xlsx_path = export_files(every_target, exports)
    with gr.Blocks(title=words["title"], analytics_enabled=False) as demo:
        turns = gr.State([])  # one entry per answer: its chat index, the Answer, the filters used
        gr.HTML(f'<div class="app-head"><h1>{html.escape(words["title"])}</h1>'
                f'<p>{html.escape(words["subtitle"])}</p></div>')
        with gr.Tabs():
            with gr.Tab(words["tab_chat"], id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=480):
                        with gr.Row(elem_id="filters"):
                            office_filter = gr.Dropdown(offices, value=[], multiselect=True, scale=2,
                                                        label=words["office"], elem_id="f-office")
                            year_filter = gr.Dropdown(years, value=[], multiselect=True, scale=1,
                                                      label=words["year"], elem_id="f-year")
                            phase_filter = gr.Radio(
                                [(words["phase_all"], ""), (words["phase_plan"], "plan"),
                                 (words["phase_summary"], "summary")], value="", scale=2,
                                label=words["phase"], elem_id="f-phase")
                        chatbot = gr.Chatbot(
                            label=words["chat"], elem_id="chat", height="calc(100vh - 400px)",
                            min_height=300, latex_delimiters=[], line_breaks=False,
                            examples=[{"text": q} for q in words["examples"]],
                            feedback_options=("Like", "Dislike"),
                            buttons=[])  # Gradio's copy buttons would copy the messages' HTML
                        with gr.Row():
                            question = gr.Textbox(show_label=False, elem_id="question", scale=6,
                                                  placeholder=words["question_placeholder"],
                                                  lines=1, max_lines=4, submit_btn=words["send"])
                            clear = gr.Button(words["clear"], elem_id="clear", scale=1, min_width=90)
                    with gr.Column(scale=2, min_width=320):
                        sources = gr.HTML(sources_html(None, words), elem_id="sources")
            with gr.Tab(words["tab_reports"], id="reports"):
                table = gr.Dataframe(
                    report_rows(reports), headers=[words[k] for k in (
                        "col_title", "col_office", "col_region", "col_years", "col_kind",
                        "col_chunks", "col_source")],
                    label=words["reports_table"], interactive=False, elem_id="reports-table", wrap=True)
                with gr.Row():
                    upload = gr.File(label=words["upload"].format(mb=settings.max_upload_mb),
                                     file_types=list(UPLOAD_SUFFIXES), file_count="multiple",
                                     type="filepath", elem_id="upload")
                    with gr.Column():
                        remove_choice = gr.Dropdown(
                            [(f"{r['title']}（{r['id']}）", r["id"]) for r in reports], value=None,
                            label=words["remove_choice"], elem_id="remove-choice")
                        remove = gr.Button(words["remove"], variant="stop", elem_id="remove")
            with gr.Tab(words["tab_targets"], id="targets") as targets_tab:
                with gr.Row(elem_id="targets-filters"):
                    t_office = gr.Dropdown(target_offices, value=[], multiselect=True, scale=2,
                                           label=words["office"], elem_id="t-office")
                    t_year = gr.Dropdown(target_years, value="", scale=1, label=words["year"],
                                         elem_id="t-year")
                    t_half = gr.Radio([(words["half_all"], ""), (words["half_full"], "full"),
                                       (words["half_H1"], "H1"), (words["half_H2"], "H2")], value="",
                                      scale=3, label=words["half"], elem_id="t-half")
                    t_kind = gr.Radio([(words["statement_all"], ""), (words["statement_target"], "target"),
                                       (words["statement_achieved"], "achieved")], value="", scale=2,
                                      label=words["statement"], elem_id="t-kind")
                    t_topic = gr.Dropdown(target_topics, value="", scale=1,
                                          label=words["topic"], elem_id="t-topic")
                t_text = gr.Textbox(label=words["targets_search"], elem_id="t-text",
                                    placeholder=words["targets_search_placeholder"])
                with gr.Row(elem_id="targets-bar"):
                    t_count = gr.HTML(targets_count_html(len(every_target), len(every_target), words),
                                      elem_id="t-count")
                    t_csv = gr.DownloadButton(words["export_csv"], value=str(csv_path), size="sm",
                                              scale=0, min_width=120, elem_id="t-csv")
                    t_xlsx = gr.DownloadButton(words["export_xlsx"], value=str(xlsx_path), size="sm",
                                               scale=0, min_width=120, elem_id="t-xlsx")
                t_table = gr.Dataframe(
                    target_rows(every_target, words), headers=[words[k] for k in TARGET_COLUMNS],
                    datatype=["html"] * len(TARGET_COLUMNS), label=words["targets_table"],
                    interactive=False, wrap=True, elem_id="targets-table", max_height=600,
                    column_widths=["9%", "8%", "18%", "10%", "7%", "9%", "39%"])

        listings = [table, remove_choice, office_filter, year_filter]
        chat_io = dict(inputs=[question, chatbot, turns, office_filter, year_filter, phase_filter],
                       outputs=[chatbot, sources, turns, question],
                       concurrency_limit=settings.answer_concurrency, concurrency_id="ask")
        question.submit(ask, **chat_io)
        chatbot.example_select(example_text, None, question).then(ask, **chat_io)
        clear.click(lambda: ([], sources_html(None, words), [], ""),
                    outputs=[chatbot, sources, turns, question])
        chatbot.clear(lambda: (sources_html(None, words), []), outputs=[sources, turns])
        chatbot.like(on_like, [turns], None)
        t_filters = [t_office, t_year, t_half, t_kind, t_topic, t_text]
        t_view = [t_table, t_count, t_csv, t_xlsx]
        t_refresh = dict(fn=targets_refreshed, inputs=t_filters, outputs=[t_office, t_year, t_topic, *t_view])
        for box in t_filters[:-1]:  # .input: a user's choice, not the choices refreshed below
            box.input(targets_view, t_filters, t_view, trigger_mode="always_last")
        t_text.change(targets_view, t_filters, t_view, trigger_mode="always_last")  # each edit, in full
        targets_tab.select(**t_refresh)  # opening the tab shows the reports as they are now
        upload.upload(on_upload, [upload, office_filter, year_filter], [upload, *listings])
        remove.click(on_remove, [remove_choice, office_filter, year_filter], listings)
        demo.load(refreshed, None, listings)
    return demo


if __name__ == "__main__":
    main()
