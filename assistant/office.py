"""Office Open XML readers: .docx (paragraphs and tables in document order) and .xlsx
(every sheet a table). Both are zip containers, checked for bombs before anything unpacks."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from pathlib import Path

from .doctext import Loaded, TextBuilder
from .errors import Reason, UnsupportedFileError

log = logging.getLogger(__name__)

MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # a report is < 5 MB unpacked; more is a zip bomb
MAX_ZIP_RATIO = 200  # honest XML compresses ~10-30x; hundreds of times is a bomb
MAX_XML_BYTES = 20 * 1024 * 1024  # the text parts of a 100-page report are ~5 MB of XML unpacked
MAX_SHEET_ROWS = 20_000  # a statistics sheet of a street office has hundreds of rows
MAX_CELLS = 500_000  # over all sheets: ~10x the largest honest workbook, far below memory trouble
MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)\"")


def check_zip(data: bytes, path: Path, kind: str) -> None:
    """Refuse a broken container, or one that unpacks to far more than any report (a zip bomb),
    from its directory alone, before a byte is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as e:
        raise UnsupportedFileError(str(path), Reason("zip_broken", kind=kind)) from e
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    worst = max((info.file_size / max(info.compress_size, 1) for info in infos), default=0)
    xml = sum(info.file_size for info in infos if info.filename.endswith(".xml"))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO or worst > 5 * MAX_ZIP_RATIO \
            or xml > MAX_XML_BYTES:
        raise UnsupportedFileError(str(path), Reason("zip_bomb", kb=total // 1024, ratio=round(total / packed)))


# ---------------------------------------------------------------- .docx

def read_docx(data: bytes, path: Path) -> Loaded:
    check_zip(data, path, ".docx")
    import docx  # heavy import, only when a .docx arrives

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises several unrelated types on broken XML
        raise UnsupportedFileError(str(path), Reason("docx_broken", kind=type(e).__name__)) from e
    out = TextBuilder()
    try:
        _walk(document.element.body, document, out, path)
    except UnsupportedFileError:
        raise
    except Exception as e:  # malformed XML that python-docx trips over outside a table
        raise UnsupportedFileError(str(path), Reason("docx_malformed", kind=type(e).__name__, detail=str(e)[:120])) from e
    return out.build()


def _walk(container, document, out: TextBuilder, path: Path) -> None:
    """Paragraphs and tables in the order they stand in the body; content controls (w:sdt)
    are looked into, since forms and templates keep their text there."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            out.line(Paragraph(child, document).text)
        elif child.tag == qn("w:tbl"):
            grid = _table_grid(Table(child, document), path, out)
            if grid:
                out.table(grid)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _walk(content, document, out, path)


def _table_grid(table, path: Path, out: TextBuilder) -> list[list[str]]:
    """Rows of cell texts, merged cells repeated over the columns and rows they span. A table
    whose merges python-docx cannot resolve (a vertical merge with no cell above it: "no tr
    above topmost tr") is read cell by cell without the merges; one that fails even so is
    left out with a warning."""
    try:
        return [[""] * row.grid_cols_before + [cell.text for cell in row.cells] for row in table.rows]
    except Exception as e:  # ValueError / IndexError from the merge logic on malformed XML
        first = e
    try:
        from docx.table import _Cell

        grid = [[_Cell(tc, table).text for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
    except Exception as e:
        message = (f"{path.name}: a table could not be read ({type(first).__name__}: {first}) and was "
                   "left out; open and save the file again in Word or WPS to repair it")
        log.warning("%s (%s)", message, e)
        out.warn(message)
        return []
    message = (f"{path.name}: a table has broken merged cells ({first}); it was read without "
               "the merges, so a merged value appears once")
    log.warning(message)
    out.warn(message)
    return grid


# ---------------------------------------------------------------- .xlsx

def read_xlsx(data: bytes, path: Path) -> Loaded:
    """Every sheet a table, its name a caption line before it. Values are the ones Excel last
    computed (data_only), formatted as the sheet shows them where that matters (50%, dates)."""
    check_zip(data, path, ".xlsx")
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises KeyError, ValueError, lxml errors on broken files
        raise UnsupportedFileError(str(path), Reason("xlsx_broken", kind=type(e).__name__)) from e
    out = TextBuilder()
    cells = 0
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # a stale <dimension> would pad every row to 16,384 columns
            grid: list[list[str]] = []
            for row in sheet.iter_rows():
                if len(grid) >= MAX_SHEET_ROWS:
                    raise UnsupportedFileError(str(path), Reason("xlsx_rows", sheet=sheet.title, limit=MAX_SHEET_ROWS))
                values = [_cell_value(c) for c in row]
                cells += len(values)
                if cells > MAX_CELLS:
                    raise UnsupportedFileError(str(path), Reason("xlsx_cells", limit=MAX_CELLS))
                grid.append(values)
            _fill_merged(grid, _merged_ranges(sheet))
            if out.table(grid, caption=sheet.title) is None:
                log.info("%s: sheet %r is empty", path.name, sheet.title)
    except UnsupportedFileError:
        raise
    except Exception as e:
        raise UnsupportedFileError(str(path), Reason("xlsx_broken", kind=type(e).__name__)) from e
    finally:
        workbook.close()
    return out.build()


def _cell_value(cell) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        if "%" in fmt:
            return _number(value * 100) + "%"
        return _number(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ", "minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _number(value: float) -> str:
    """12000 not 12000.0, 0.3 not 0.30000000000000004, never 1.2e+07."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col), 1-based, read from the sheet's XML: read-only
    worksheets do not parse <mergeCells>, which follows the rows."""
    from openpyxl.utils import column_index_from_string

    source_path = getattr(sheet, "_worksheet_path", None)  # openpyxl 3.1's read-only sheet
    if source_path is None:
        return []
    ranges, tail = [], b""
    with sheet.parent._archive.open(source_path) as source:
        while chunk := source.read(1 << 20):
            buf = tail + chunk
            for m in MERGE_REF.finditer(buf):
                ranges.append((int(m[2]), column_index_from_string(m[1].decode()),
                               int(m[4]), column_index_from_string(m[3].decode())))
            tail = buf[-80:]  # a tag cut by the chunk boundary is found in the next pass
    return sorted(set(ranges))


def _fill_merged(grid: list[list[str]], ranges) -> None:
    """Repeat a merged cell's value over the cells it covers (within the rows read)."""
    for min_row, min_col, max_row, max_col in ranges:
        if min_row > len(grid):
            continue
        top = grid[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else ""
        if not value:
            continue
        for r in range(min_row - 1, min(max_row, len(grid))):
            row = grid[r]
            width = min(max_col, min_col + 200)  # a merge across the whole sheet is a title
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            for c in range(min_col - 1, width):
                row[c] = value
