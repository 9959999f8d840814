"""Read a report file of any supported format into text, tables and pages.

`load(path)` returns a Loaded (assistant/doctext.py): the text that citations' character
offsets point into, one paragraph per line, with tables written in place as lines
(`指标 | 全年目标 | 上半年完成`, then `社区老年食堂 | 全年目标 2家 | 上半年完成 1家`) and the
offsets of every table, row, cell and page. `read_text(path)` is `load(path).text`.

Formats: plain text (.txt .md, UTF-8 or GBK/GB18030) decoded as is; .html (visible text);
.docx (paragraphs and tables in document order) and .xlsx (assistant/office.py); .doc and .wps
through LibreOffice (assistant/convert.py); .pdf, scanned or not, and page images
(assistant/pdf.py, assistant/ocr.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from .doctext import Cell, Loaded, Page, PageProgress, Table, TableRow, TextBuilder
from .errors import Reason, UnsupportedFileError
from .office import MAX_UNZIPPED_BYTES, MAX_ZIP_RATIO  # noqa: F401  (kept importable from here)

log = logging.getLogger(__name__)
MAX_CHARS = 2_000_000  # characters of text in one file: a long annual report has ~100,000

__all__ = ["SUFFIXES", "Cell", "Loaded", "Page", "Table", "TableRow", "decode", "load", "read_text"]

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")  # a .tif may hold many pages
SUFFIXES = (".txt", ".md", ".docx", ".doc", ".wps", ".xlsx", ".pdf", ".html", ".htm") + IMAGE_SUFFIXES
# Files an office has that no reader here takes: the refusal says what to save each as
# (LibreOffice here has Writer only, so no spreadsheet or slides; nothing reads OFD offline).
SAVE_AS = {".xls": "sheet", ".et": "sheet", ".ods": "sheet", ".csv": "sheet",
           ".ppt": "slides", ".pptx": "slides", ".dps": "slides", ".odp": "slides",
           ".ofd": "ofd", ".rtf": "word", ".odt": "word", ".wpt": "word", ".dot": "word", ".dotx": "word",
           ".heic": "image", ".webp": "image", ".gif": "image"}


def load(path: Path, data: bytes | None = None, on_page: PageProgress | None = None,
         ocr_engine: str = "rapidocr") -> Loaded:
    """The text, tables and pages of a report file. ``on_page(n, total)`` is called after each
    page that is read by OCR (a scanned page takes seconds): n of the total that need it.
    Raises UnsupportedFileError naming the file and the fix; no other exception escapes for a
    bad file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedFileError(str(path), unsupported_type(suffix))
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise UnsupportedFileError(str(path), Reason("unreadable", detail=e.strerror)) from e
    if not data.strip():
        raise UnsupportedFileError(str(path), Reason("empty"))
    loaded = _dispatch(suffix, data, path, on_page, ocr_engine)
    text = loaded.text
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text) and len(text.strip()) < 20:
        scanned = any(p.ocr for p in loaded.pages) or suffix in IMAGE_SUFFIXES
        raise UnsupportedFileError(str(path), Reason("no_text_ocr" if scanned else "no_text"))
    if len(text) > MAX_CHARS:
        raise UnsupportedFileError(str(path), Reason("too_long", chars=len(text), limit=MAX_CHARS))
    for warning in loaded.warnings:
        log.warning(warning)
    return loaded


def unsupported_type(suffix: str) -> Reason:
    """Why a file of this type is refused, and what to save it as instead."""
    if suffix in SAVE_AS:
        return Reason(f"type_{SAVE_AS[suffix]}", suffix=suffix)
    return Reason("type", suffix=suffix or "(none)", allowed=" ".join(SUFFIXES))


def read_text(path: Path, data: bytes | None = None) -> str:
    """The text of a report file (what `load` returns as .text)."""
    return load(path, data).text


def _dispatch(suffix: str, data: bytes, path: Path, on_page: PageProgress | None, engine: str) -> Loaded:
    if suffix in TEXT_SUFFIXES:
        out = TextBuilder()
        out.raw(decode(data, path))
        return out.build()
    if suffix in HTML_SUFFIXES:
        out = TextBuilder()
        for line in _html_lines(decode(data, path)):
            out.line(line)
        return out.build()
    if suffix == ".docx":
        from .office import read_docx

        return read_docx(data, path)
    if suffix == ".xlsx":
        from .office import read_xlsx

        return read_xlsx(data, path)
    if suffix in (".doc", ".wps"):
        return _converted(data, path)
    from .pdf import read_image, read_pdf

    if suffix == ".pdf":
        return read_pdf(data, path, on_page, engine)
    return read_image(data, path, on_page, engine)


def _converted(data: bytes, path: Path) -> Loaded:
    """A .doc or .wps through LibreOffice into .docx, then read as a .docx."""
    from .convert import to_docx
    from .office import read_docx

    loaded = read_docx(to_docx(data, path), path)
    # LibreOffice falls back to its plain-text filter for bytes no filter claims: that is junk
    if _looks_garbled(loaded.text):
        raise UnsupportedFileError(str(path), Reason("libreoffice_junk"))
    return loaded


def decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and _looks_garbled(text):
            break
        return text
    raise UnsupportedFileError(str(path), Reason("encoding"))


def _looks_garbled(text: str) -> bool:
    """GB18030 decodes almost any bytes; real Chinese text is mostly common CJK and ASCII."""
    sample = text[:4000]
    if not sample:
        return True
    common = sum(1 for ch in sample if ch.isascii() or "\u4e00" <= ch <= "\u9fa5"
                 or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")
    return common / len(sample) < 0.9


def _html_lines(html: str) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return [line for line in lines if line]
