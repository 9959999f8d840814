"""What every tab of the Gradio interface shares: toasts in the interface's language (Gradio's
own titles are "Info" and "Warning"), the events' visibility, the page's script."""

from __future__ import annotations

import html
import json

import gradio as gr

from .render import STATIC

PRIVATE = "private"  # every event: callable by the page, described to no one


def warn(words: dict, template: str, **values) -> None:
    """A warning toast (toasts render HTML: what we pass in is escaped)."""
    gr.Warning(_text(template, values), title=words["toast_warning"])


def info(words: dict, template: str, **values) -> None:
    gr.Info(_text(template, values), title=words["toast_info"])


def _text(template: str, values: dict) -> str:
    return html.escape(template.format(**{k: str(v) for k, v in values.items()}))


def page_head(words: dict, upload_types: tuple[str, ...]) -> str:
    """The <script> app.py puts into the page's head (static/app.js), told the upload types and
    the toasts' titles: Gradio 6 heads each group of toasts with its level ("Info", "Warning",
    "Error") whatever ``title`` it was given, so the page puts ours there."""
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    titles = {level: words[f"toast_{level}"] for level in ("info", "warning", "error")}
    config = (f"window.APP_UPLOAD_TYPES={json.dumps(list(upload_types))};"
              f"window.APP_TOAST_TITLES={json.dumps(titles, ensure_ascii=False)};")
    config = config.replace("</", "<\\/")  # a label cannot end the script early
    return f"<script>{config}\n{script}</script>"
