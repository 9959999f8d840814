"""Read a report file of any supported format into plain text.

The text returned is what citations' character offsets point into, so it is kept as close to
the file as the format allows: plain text is decoded as is; .docx, .pdf and .html are turned
into one paragraph per line.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

from .errors import Reason, UnsupportedFileError

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # a .docx report is < 5 MB unpacked; more is a zip bomb
MAX_ZIP_RATIO = 200  # honest XML compresses ~10x; hundreds of times is a bomb
MAX_XML_BYTES = 20 * 1024 * 1024  # the text parts of a 100-page report are ~5 MB of XML unpacked
MAX_CHARS = 2_000_000  # characters of text in one file: a long annual report has ~100,000


def read_text(path: Path, data: bytes | None = None) -> str:
    """The text of a report file. Raises UnsupportedFileError naming the file and the fix."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedFileError(str(path), Reason("type", suffix=suffix or "(none)", allowed=", ".join(SUFFIXES)))
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise UnsupportedFileError(str(path), Reason("unreadable", detail=e.strerror)) from e
    if not data.strip():
        raise UnsupportedFileError(str(path), Reason("empty"))
    if suffix in (".txt", ".md"):
        text = decode(data, path)
    elif suffix == ".docx":
        text = _docx_text(data, path)
    elif suffix == ".pdf":
        text = _pdf_text(data, path)
    else:
        text = _html_text(decode(data, path))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if len(text) > MAX_CHARS:
        raise UnsupportedFileError(str(path), Reason("too_long", chars=len(text), limit=MAX_CHARS))
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text) and len(text.strip()) < 20:
        raise UnsupportedFileError(str(path), Reason("no_text"))
    return text


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


def _docx_text(data: bytes, path: Path) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(info.file_size for info in zf.infolist())
            packed = sum(info.compress_size for info in zf.infolist()) or 1
            xml = sum(info.file_size for info in zf.infolist() if info.filename.endswith(".xml"))
    except zipfile.BadZipFile as e:
        raise UnsupportedFileError(str(path), Reason("docx_zip")) from e
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO or xml > MAX_XML_BYTES:
        raise UnsupportedFileError(str(path), Reason("docx_bomb", kb=total // 1024))
    import docx  # heavy import, only when a .docx arrives

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises several unrelated types on broken XML
        raise UnsupportedFileError(str(path), Reason("docx_broken", kind=type(e).__name__)) from e
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


def _pdf_text(data: bytes, path: Path) -> str:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as e:  # pypdf raises many types on corrupt files
        raise UnsupportedFileError(str(path), Reason("pdf_broken", kind=type(e).__name__)) from e
    return "\n".join(pages)


def _html_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return "\n".join(line for line in lines if line)
