"""The targets table as files to download: CSV (UTF-8 with a byte-order mark, so Excel reads the
Chinese) and Excel .xlsx, one row per statement with its report id, offsets and source-viewer link.
The CLI (``targets --csv/--xlsx``) and the app's Targets tab both write through here.

The files are for the staff who open them in Excel: column heads and the kind, topic and period
values are in the interface's language (街道, 时期, 类别 目标/已完成, 领域 经济发展, 2024年上半年).
The field codes stay documented in one mapping: ``COLUMNS`` in order, each head the label
``export_<code>`` (labels.py); the .xlsx carries that mapping on its second sheet (字段说明), and
``export_rows`` keeps the codes and raw values for code (the CLI's --json, the tests).

A cell that starts with = + - @ would be run as a formula by a spreadsheet; report text is data
(an uploaded report can hold anything), so text cells are written so that it never is. A link is
written absolute when ASSISTANT_PUBLIC_URL is set (``public_link``: Settings.public_link), so it
opens from Excel; a relative /source/... link has no page to be relative to there."""

from __future__ import annotations

import csv
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

from .labels import ZH
from .render import target_period
from .targets import Target

COLUMNS = ("office", "period", "kind", "topic", "metric", "qualifier", "value", "value_max", "unit", "quote",
           "sentence", "title", "section", "report_id", "paragraph_id", "start", "end", "sentence_start",
           "sentence_end", "link")
NUMERIC = {"value", "value_max", "start", "end", "sentence_start", "sentence_end"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
KEEP_EXPORTS_S = 600  # a download is copied into Gradio's cache at once; older files are litter
REUSE = 16  # exports of the same statements kept for reuse: every page load offers the whole table
_recent: OrderedDict[tuple, tuple[list, Path, Path]] = OrderedDict()
_recent_lock = threading.Lock()


def _same(link: str) -> str:
    return link


def export_rows(targets: list[Target], public_link=_same) -> list[dict]:
    """The exported columns of each statement by code, raw values; whole numbers as int (7, not
    7.0), None undisclosed; the link made absolute by ``public_link``."""
    rows = []
    for t in targets:
        data = t.to_json()
        row = {c: data[c] for c in COLUMNS}
        row["link"] = public_link(row["link"])
        for c in ("value", "value_max"):
            if isinstance(row[c], float) and row[c].is_integer():
                row[c] = int(row[c])
        rows.append(row)
    return rows


def headers(words: dict) -> list[str]:
    """The column heads in the interface's language, in COLUMNS order."""
    return [words[f"export_{c}"] for c in COLUMNS]


def shown_rows(targets: list[Target], words: dict, public_link=_same) -> list[dict]:
    """``export_rows`` as the files show them: period, kind and topic in words (2024年上半年,
    目标, 经济发展) instead of codes (2024 H1, target, economy)."""
    rows = export_rows(targets, public_link)
    for t, row in zip(targets, rows):
        row["period"] = target_period(t, words)
        row["kind"] = words.get(f"statement_{t.kind}", t.kind)
        row["topic"] = words.get(f"topic_{t.topic}", t.topic)
    return rows


def write_csv(targets: list[Target], path: Path, words: dict = ZH, public_link=_same) -> Path:
    """UTF-8 with a BOM; an undisclosed value is an empty cell; text that a spreadsheet would read
    as a formula gets a leading apostrophe."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(headers(words))
        for row in shown_rows(targets, words, public_link):
            writer.writerow(["" if v is None else v if c in NUMERIC else _inert(str(v))
                             for c, v in row.items()])
    return path


def write_xlsx(targets: list[Target], path: Path, words: dict = ZH, public_link=_same) -> Path:
    """The statements' sheet, its header row frozen; numbers as numbers, text always as text (never
    a formula), links as hyperlinks; a second sheet maps each column head to its field code."""
    from openpyxl import Workbook  # only when asked: the CLI and the app start without it

    book = Workbook()
    sheet = book.active
    sheet.title = words["export_sheet"]
    sheet.append(headers(words))
    for r, row in enumerate(shown_rows(targets, words, public_link), start=2):
        for c, (column, value) in enumerate(row.items(), start=1):
            cell = sheet.cell(row=r, column=c, value=None if value == "" else value)
            if column not in NUMERIC and cell.value is not None:
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
            if column == "link" and str(value).startswith(("http://", "https://")):
                cell.hyperlink = value  # opens the source viewer from Excel
    sheet.freeze_panes = "A2"
    mapping = book.create_sheet(words["export_columns_sheet"])
    mapping.append([words["export_head_column"], words["export_head_code"]])
    for head, code in zip(headers(words), COLUMNS):
        mapping.append([head, code])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def export_files(targets: list[Target], folder: Path, words: dict = ZH, public_link=_same) -> tuple[Path, Path]:
    """指标.csv and 指标.xlsx (targets.* in English) in a new sub-folder of ``folder``. The same
    statements exported again soon after, in the same language and with the same links, get the
    same files (never changed once written, so two users may share them)."""
    key = (str(folder), words["export_sheet"], public_link, tuple(map(id, targets)))  # the entry holds the list
    with _recent_lock:
        hit = _recent.get(key)
    if hit and hit[2].exists() and time.time() - hit[1].parent.stat().st_mtime < KEEP_EXPORTS_S / 2:
        return hit[1], hit[2]  # the same statements exported a moment ago: written once, not per page load
    paths = _export(targets, folder, words, public_link)
    with _recent_lock:
        _recent[key] = (targets, *paths)
        while len(_recent) > REUSE:
            _recent.popitem(last=False)
    return paths


def _export(targets: list[Target], folder: Path, words: dict, public_link) -> tuple[Path, Path]:
    here = fresh_folder(folder)
    name = words["export_sheet"]  # 指标.csv, 指标.xlsx
    return (write_csv(targets, here / f"{name}.csv", words, public_link),
            write_xlsx(targets, here / f"{name}.xlsx", words, public_link))


def fresh_folder(folder: Path) -> Path:
    """A new sub-folder of ``folder`` for one download; sub-folders older than KEEP_EXPORTS_S
    are removed first."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        try:
            if old.is_dir() and time.time() - old.stat().st_mtime > KEEP_EXPORTS_S:
                shutil.rmtree(old, ignore_errors=True)
        except FileNotFoundError:  # removed by another export just now
            pass
    return Path(tempfile.mkdtemp(dir=folder))


def _inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text
