"""The chat app: ``python app.py`` serves it at http://127.0.0.1:7860 (settings host and port).

It only adapts: the Gradio Blocks are built from an ``Assistant`` by ``assistant/chat_ui.py``;
the source viewer is a plain page at ``/source/<report-id>?start=..&end=..#<paragraph-id>``
(``assistant/viewer.py``), one URL per report and paragraph that can be shared.

It serves at once: until the index is built (first start) and the search model loaded, every
address answers with a waiting page that shows the progress and turns into the app by itself
(``assistant/startup.py``).

Logins are checked against the accounts of the team's database (``assistant/access.py``), or
ASSISTANT_AUTH's single admin; with neither, the app is open to this machine only and refuses to
start on any other address."""

from __future__ import annotations

import logging
import secrets
import threading
from typing import Callable

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.routing import Mount

from assistant.access import Access
from assistant.chain import Assistant
from assistant.chat_ui import ChatUI
from assistant.db import Database
from assistant.errors import AssistantError
from assistant.guard import Guard
from assistant.index import Index
from assistant.ingest import ingest
from assistant.labels import labels
from assistant.library import UPLOAD_SUFFIXES, drop_incoming
from assistant.login_limit import SharedLoginLimiter
from assistant.render import FONTS, app_css, copy_script
from assistant.settings import Settings, quiet_gradio
from assistant.startup import Startup, StartupGate
from assistant.ui_base import page_head
from assistant.viewer import not_found_page, source_page

log = logging.getLogger("app")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("app", "assistant"):
        logging.getLogger(name).setLevel(logging.INFO)
    settings = Settings.from_env()
    access = Access.open(settings, Database(settings.database_path))
    try:
        access.check_listening(settings.host)
    except AssistantError as e:
        log.error("%s", e)
        raise SystemExit(2) from None
    log.info("%s", _login_mode(access))
    assistant = Assistant(settings)
    startup = Startup()
    app = create_app(settings, assistant, startup, access)
    threading.Thread(target=prepare, args=(assistant, startup), daemon=True, name="prepare").start()
    import uvicorn

    log.info("serving on http://%s:%s", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


def prepare(assistant: Assistant, startup: Startup) -> None:
    """What happens before the first question, while the waiting page is served: half-finished
    uploads dropped, the index built if there is none, the model loaded. Then the app is ready."""
    settings = assistant.settings
    try:
        for name in drop_incoming(settings):
            log.warning("dropped %s: an upload that did not finish (the process stopped during it)", name)
        built = build_index_if_missing(assistant.index, startup.indexing)
        startup.loading()
        if not built:
            threading.Thread(target=catch_up, args=(assistant.index,), daemon=True, name="catch-up").start()
        warm_up(assistant)
    except AssistantError as e:
        log.error("the app cannot start: %s", e)
        startup.failed(e.message(settings.ui_lang))
        return
    except Exception as e:  # a bug: the page says so, the log has the traceback
        log.exception("the app cannot start")
        startup.failed(labels(settings.ui_lang)["unexpected"].format(kind=type(e).__name__))
        return
    startup.ready()
    log.info("ready")


def _login_mode(access: Access) -> str:
    if not access.login_required:
        return ("no accounts and no ASSISTANT_AUTH: open to this machine only (127.0.0.1); add one with: "
                "python -m assistant users add NAME --role admin")
    return f"login required: accounts in {access.db.path}" + (" and ASSISTANT_AUTH's admin" if access.settings.auth else "")


def catch_up(index: Index) -> None:
    """Index what reached the corpus folder while the app was stopped (a file copied there, an
    upload renamed into place just before the process died); the app answers meanwhile."""
    try:
        result = ingest(index)
    except AssistantError as e:
        log.warning("catching up with the corpus folder failed: %s", e)
        return
    if result.added or result.updated or result.removed or result.errors:
        log.info("caught up with the corpus folder: %s", result.summary())


def build_index_if_missing(index: Index, reports_done: Callable[[int, int], None] | None = None) -> bool:
    """A fresh checkout has no index: build it now, with progress, instead of failing later.
    ``reports_done(n, total)``: the report being indexed (1-based) of how many. True when it did."""
    if index.is_built():
        return False
    log.info("no index at %s yet: indexing %s (first start only)", index.settings.index_dir,
             index.settings.corpus_dir)
    def progress(step) -> None:
        log.info("indexing: %s", step.describe("en"))
        if reports_done and step.stage == "read" and step.total:  # the file being read, 1-based, of how many
            reports_done(min(step.total, step.done + 1), step.total)

    result = ingest(index, progress=progress)
    for error in result.errors:
        log.warning("%s", error)
    log.info("index built: %s", result.summary())
    return True


def warm_up(assistant: Assistant) -> None:
    """Load the embedding model and the lexical index now, so the first question is fast."""
    try:
        assistant.search("招商引资")
    except AssistantError as e:
        log.warning("%s", e)


def create_app(settings: Settings, assistant: Assistant | None = None,
               startup: Startup | None = None, access: Access | None = None) -> FastAPI:
    """The Gradio UI mounted at / and the source viewer at /source/<report-id>; while ``startup``
    is not ready, the waiting page instead (None: ready now)."""
    quiet_gradio()  # before the Blocks (and their queue) are made
    assistant = assistant or Assistant(settings)
    access = access or Access.open(settings, Database(settings.database_path))
    words = labels(settings.ui_lang)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    if startup is None:
        startup = Startup()
        startup.ready()
    app.add_middleware(StartupGate, startup=startup, words=words)  # inside Guard: its headers apply
    # the limit counts in the team's database: every process behind the proxy sees the same failures
    limiter = SharedLoginLimiter(access.db, settings.login_failures, settings.login_window_s)
    app.add_middleware(Guard, limiter=limiter, refusal=words["login_locked"])

    @app.get("/source/{report_id:path}", response_class=HTMLResponse)
    def source(report_id: str, request: Request, start: str = "", end: str = ""):
        if access.user(_session_user(request, app)) is None:  # the same login as the chat, still an account
            return RedirectResponse("/", status_code=303)
        nonce = secrets.token_urlsafe(16)
        headers = {"Content-Security-Policy": f"default-src 'none'; style-src 'unsafe-inline'; "
                                              f"script-src 'nonce-{nonce}'; base-uri 'none'; "
                                              f"form-action 'none'; frame-ancestors 'none'"}
        if report_id not in {r.id for r in assistant.index.reports()}:
            return HTMLResponse(not_found_page(report_id, words, nonce), status_code=404, headers=headers)
        page = source_page(assistant.index.report(report_id), words, _int(start), _int(end), nonce)
        return HTMLResponse(page, headers=headers)

    theme = gr.themes.Default(font=[f.strip('" ') for f in FONTS.split(",")],
                              font_mono=["ui-monospace", "monospace"])  # local fonts: no network
    blocks = ChatUI(assistant, words, access).build()
    mounted = gr.mount_gradio_app(
        app, blocks, path="/", server_name=settings.host, server_port=settings.port,
        auth=access.login if access.login_required else None, max_file_size=f"{settings.max_upload_mb}mb",
        footer_links=[], run_history=False, theme=theme, css=app_css(),
        head=page_head(words, UPLOAD_SUFFIXES) + f"<script>{copy_script()}</script>")
    # Gradio checks that a file handed to a handler was uploaded (processing_utils._check_allowed)
    # only once the Blocks "has launched", which mount_gradio_app never sets: without this a
    # crafted API call names any file on the server. The upload handler checks again itself.
    blocks.has_launched = True
    return mounted


def _int(value: str) -> int | None:
    """An offset from the URL: ASCII digits only ("²" and "٣" are digits to str.isdigit)."""
    return int(value) if value.isascii() and value.isdigit() else None


def _session_user(request: Request, app: FastAPI) -> str | None:
    """Who the request's Gradio session cookie logged in (the source viewer asks for the same
    login as the chat), None without one."""
    gradio_app = next(r.app for r in app.routes if isinstance(r, Mount))
    token = (request.cookies.get(f"access-token-{gradio_app.cookie_id}")
             or request.cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}"))
    return gradio_app.tokens.get(token) if token else None


if __name__ == "__main__":
    main()
