"""PDFs and page images. A page with a text layer is read with pypdf, as before; a page whose
ruling lines pdfplumber recognises as a table is read with pdfplumber instead, the table written
as table lines where it stands; a page with no text layer, or a garbage one (glyphs without a
Unicode map), is rendered with pypdfium2 and recognised (assistant/ocr.py)."""

from __future__ import annotations

import io
import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from . import ocr
from .doctext import Loaded, PageProgress, TextBuilder
from .errors import Reason, UnsupportedFileError

log = logging.getLogger(__name__)

MAX_PAGES = 300  # the longest annual report seen is ~40 pages; OCR of 300 takes ~20 minutes
MAX_CHARS = 2_000_000  # ~1,000 dense pages of Chinese: more is not a report
OCR_DPI = 150  # body text (10.5 pt) is ~22 px high: enough for both engines, and half 200 dpi's pixels
MIN_GOOD_CHARS = 20  # a page of text has hundreds of Han characters; under 20 is a scan with a stamp
MIN_GOOD_SHARE = 0.5  # of its visible characters, unmapped glyphs read as junk (private use, Latin-1)
MIN_TABLE_PATHS = 4  # pdfplumber only finds ruled tables; a page with fewer vector paths has none
MAX_IMAGE_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 Mpx; more is a decompression bomb


def read_pdf(data: bytes, path: Path, on_page: PageProgress | None = None,
             engine: str = ocr.DEFAULT_ENGINE) -> Loaded:
    """The text of a PDF, its tables and pages. ``on_page(n, total)`` is called after each page
    that needed OCR, in page order (``total``: how many need it; never called when none does)."""
    import pypdf
    import pypdfium2 as pdfium

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        count = len(reader.pages)
        document = pdfium.PdfDocument(data)
    except Exception as e:  # pypdf and pdfium raise many types on corrupt files
        raise UnsupportedFileError(str(path), Reason("pdf_broken", kind=type(e).__name__)) from e
    if count > MAX_PAGES:
        raise UnsupportedFileError(str(path), Reason("pdf_pages", count=count, limit=MAX_PAGES))
    texts = [_page_text(reader, number, path) for number in range(1, count + 1)]
    if sum(map(len, texts)) > MAX_CHARS:
        raise UnsupportedFileError(str(path), Reason("too_long", chars=f"{MAX_CHARS:,}+", limit=MAX_CHARS))
    try:
        kinds = ["text" if has_text_layer(t) else "ocr" if _has_content(document[n]) else "blank"
                 for n, t in enumerate(texts)]
        return _read_pages(data, path, document, texts, kinds, on_page, engine)
    except UnsupportedFileError:
        raise
    except Exception as e:  # pdfium or pdfplumber on a page they cannot take
        log.exception("%s: reading the pages failed", path.name)
        raise UnsupportedFileError(str(path), Reason("pdf_broken", kind=type(e).__name__)) from e
    finally:
        document.close()


def _read_pages(data: bytes, path: Path, document, texts: list[str], kinds: list[str],
                on_page: PageProgress | None, engine: str) -> Loaded:
    count = len(texts)
    out = TextBuilder()
    plumber = None
    carried: list[str] | None = None  # heads of a table that ended its page, for its continuation
    workers = ocr.workers() if engine == "rapidocr" else 1  # tesseract: one process at a time
    pool = ThreadPoolExecutor(workers, thread_name_prefix="ocr")
    queued = deque(n + 1 for n, kind in enumerate(kinds) if kind == "ocr")
    to_read, done = len(queued), 0
    running: dict[int, Future] = {}
    try:
        for number in range(1, count + 1):
            # pdfium is not thread-safe: pages are rendered here, recognised in the pool, a few ahead
            while queued and len(running) < 2 * workers:
                ahead = queued.popleft()
                running[ahead] = pool.submit(_recognise, _render(document[ahead - 1]), engine, path, ahead)
            kind, text = kinds[number - 1], texts[number - 1]
            out.begin_page(number, ocr=kind == "ocr")
            if kind == "text":
                written = None
                if _path_count(document[number - 1]) >= MIN_TABLE_PATHS:
                    plumber = plumber or _open_plumber(data)
                    if plumber is not None:
                        written = _write_with_tables(plumber.pages[number - 1], out, carried)
                if written is None:
                    out.line(text)
                carried = written or None
            elif kind == "ocr":
                carried = None
                for paragraph in running.pop(number).result():
                    out.line(paragraph)
                done += 1
                if on_page is not None:
                    on_page(done, to_read)
            out.end_page()  # a blank page keeps its number, with an empty span
            if out.length > MAX_CHARS:
                raise UnsupportedFileError(str(path), Reason("too_long", chars=f"{MAX_CHARS:,}+", limit=MAX_CHARS))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if plumber is not None:
            plumber.close()
    return out.build()


def read_image(data: bytes, path: Path, on_page: PageProgress | None = None,
               engine: str = ocr.DEFAULT_ENGINE) -> Loaded:
    """A photographed or scanned page (.png .jpg .jpeg .bmp), or the pages of a scan saved as
    one .tif: each frame an OCR'd page, decoded one at a time; ``on_page(n, total)`` after each."""
    from PIL import Image

    try:
        opened = Image.open(io.BytesIO(data))
        count = getattr(opened, "n_frames", 1)
    except Exception as e:  # PIL raises UnidentifiedImageError, OSError, DecompressionBombError
        raise UnsupportedFileError(str(path), Reason("image_broken", kind=type(e).__name__)) from e
    if count > MAX_PAGES:
        raise UnsupportedFileError(str(path), Reason("pdf_pages", count=count, limit=MAX_PAGES))
    out = TextBuilder()
    with opened:
        for number in range(1, count + 1):
            image = _frame(opened, number, path)
            out.begin_page(number, ocr=True)
            for paragraph in _recognise(image, engine, path, number):
                out.line(paragraph)
            out.end_page()
            if on_page is not None:
                on_page(number, count)
    return out.build()


def _frame(opened, number: int, path: Path):
    """Frame ``number`` (1-based) of an image file, upright (phone photos carry a rotation flag), RGB."""
    from PIL import ImageOps

    try:
        opened.seek(number - 1)
        if opened.width * opened.height > MAX_IMAGE_PIXELS:
            raise UnsupportedFileError(str(path), Reason("image_size", width=opened.width, height=opened.height))
        return ImageOps.exif_transpose(opened).convert("RGB")
    except UnsupportedFileError:
        raise
    except Exception as e:  # a truncated or corrupt frame
        raise UnsupportedFileError(str(path), Reason("image_broken", kind=type(e).__name__)) from e


def _recognise(image, engine: str, path: Path, number: int) -> list[str]:
    try:
        return ocr.page_paragraphs(image, engine)
    except UnsupportedFileError as e:  # the engine's own trouble, told with the file and page
        raise UnsupportedFileError(str(path), Reason("ocr_page", number=number, reason=e.reason)) from e
    except Exception as e:  # onnxruntime / OpenCV on an image they cannot take
        log.exception("%s: OCR of page %d failed", path.name, number)
        raise UnsupportedFileError(str(path), Reason("ocr_page_failed", number=number, kind=type(e).__name__)) from e


def has_text_layer(text: str) -> bool:
    """Enough Han characters or Latin letters and digits, and mostly those (not junk glyphs)."""
    visible = [ch for ch in text if not ch.isspace()]
    good = sum(1 for ch in visible if "\u4e00" <= ch <= "\u9fff" or (ch.isascii() and ch.isalnum()))
    return good >= MIN_GOOD_CHARS and good >= MIN_GOOD_SHARE * len(visible)


def _page_text(reader, number: int, path: Path) -> str:
    try:
        return reader.pages[number - 1].extract_text() or ""
    except Exception as e:  # one broken content stream: the page is rendered and OCR'd instead
        log.warning("%s: page %d has an unreadable text layer (%s); recognising it", path.name, number,
                    type(e).__name__)
        return ""


def _path_count(page) -> int:
    import pypdfium2.raw as pdfium_c

    return sum(1 for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=2))


def _has_content(page) -> bool:
    """Anything drawn at all: a page with no objects is blank and needs no OCR."""
    return next(iter(page.get_objects(max_depth=1)), None) is not None


def _render(page):
    return page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()


def _open_plumber(data: bytes):
    import pdfplumber

    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as e:  # pdfminer is stricter than pypdf on some files; keep pypdf's text
        log.warning("pdfplumber cannot open the PDF (%s); tables are read as plain lines", type(e).__name__)
        return None


def _write_with_tables(page, out: TextBuilder, carried: list[str] | None) -> list[str] | None:
    """The page's lines and tables in reading order. Returns None when it has no table after
    all, else the heads of its last table if that table ends the page (it may go on overleaf),
    else an empty list. ``carried``: the heads of a table that ended the page before."""
    try:
        tables = [t for t in page.find_tables() if len(t.rows) >= 2]
        if not tables:
            return None
        grids = [_grid(t) for t in tables]
        boxes = [t.bbox for t in tables]
        # a character belongs to a table when its centre lies inside it (outside_bbox would also
        # drop a line whose descenders touch the table's bottom rule)
        rest = page.filter(lambda obj: obj.get("object_type") != "char" or not any(
            x0 <= (obj["x0"] + obj["x1"]) / 2 <= x1 and top <= (obj["top"] + obj["bottom"]) / 2 <= bottom
            for x0, top, x1, bottom in boxes))
        items = [(line["top"], 0, line["text"]) for line in rest.extract_text_lines(return_chars=False)]
    except Exception as e:  # pdfminer errors on odd content: fall back to pypdf's lines
        log.warning("page %d: tables could not be read (%s)", page.page_number, type(e).__name__)
        return None
    items += [(table.bbox[1], 1, grid) for table, grid in zip(tables, grids)]
    items.sort(key=lambda x: (x[0], x[1]))
    footer = page.height * 0.9  # a page number under the table does not end it
    for position, (top, kind, item) in enumerate(items):
        if kind == 0:
            out.line(item)
        else:
            out.table(item, heads=carried if position == 0 else None)
    last = max((i for i, it in enumerate(items) if it[1] == 1))
    ends_page = all(it[0] >= footer for it in items[last + 1:])
    return (out.last_heads or []) if ends_page else []


def _grid(table) -> list[list[str]]:
    """pdfplumber's cells, a merged cell's value repeated over the grid places it covers
    (pdfplumber leaves those None)."""
    rows = table.rows
    boxes = [list(row.cells) for row in rows]
    values = table.extract()
    width = max(len(r) for r in boxes)
    col_x = [next(((b[c][0] + b[c][2]) / 2 for b in boxes if c < len(b) and b[c]), None) for c in range(width)]
    row_y = [next(((c[1] + c[3]) / 2 for c in r if c), None) for r in boxes]
    grid = [[(v or "") for v in row] + [""] * (width - len(row)) for row in values]
    for r, row in enumerate(boxes):
        for c in range(width):
            if c < len(row) and row[c] is not None:
                continue
            left = next((k for k in range(c - 1, -1, -1) if k < len(row) and row[k] is not None), None)
            if left is not None and col_x[c] is not None and row[left][2] >= col_x[c]:
                grid[r][c] = grid[r][left]
                continue
            up = next((k for k in range(r - 1, -1, -1) if c < len(boxes[k]) and boxes[k][c] is not None), None)
            if up is not None and row_y[r] is not None and boxes[up][c][3] >= row_y[r]:
                grid[r][c] = grid[up][c]
    return grid
