"""What a loader returns: the report's text plus where its tables and pages lie in it.

Every reader (plain text, .docx, .xlsx, PDF, OCR) writes through one `TextBuilder`, so the
offsets of tables, rows, cells and pages are computed in one place and always point into the
final text. A table is written as lines, where it stands in the document:

    指标 | 全年目标 | 上半年完成 | 完成率                       <- the header row
    社区老年食堂 | 全年目标 2家 | 上半年完成 1家 | 完成率 50%     <- a data row, heads carried

so that a row read alone (a chunk, a citation) still says what each figure is. A cell's offsets
point at its value ("2家"), a row's span its whole line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# on_page(n, total): the n-th of the ``total`` pages that need OCR has been read (a scanned page
# takes seconds, so a long scan reports each one; pages with a text layer are not counted)
PageProgress = Callable[[int, int], None]

CELL_SEPARATOR = " | "
MAX_HEAD_CHARS = 20  # a column head is a short label; a longer first-row cell is data
# a cell that is a figure (2家, 50%, 0.30亿元, 3.2平方公里, -5%) rather than a label; a year or
# month heading a column (2024年, 2024年目标, 6月, 1季度) is a label
FIGURE = re.compile(r"^[+\-−]?\d[\d.,，]*(?![\d.,，]|\s*[年月季])")


@dataclass
class Cell:
    start: int
    end: int
    text: str
    column: int = 0  # its place in the row's grid (empty cells are not written, so not len(cells))


@dataclass
class TableRow:
    start: int
    end: int
    cells: list[Cell]
    header: bool = False


@dataclass
class Table:
    start: int
    end: int
    rows: list[TableRow]
    caption: str = ""  # written as its own line just before `start` when not empty
    heads: list[str] = field(default_factory=list)  # the column heads its rows carry (its own or the part before's)


@dataclass
class Page:
    number: int  # 1-based
    start: int
    end: int
    ocr: bool  # the text was recognised from an image


@dataclass
class Loaded:
    text: str
    tables: list[Table] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def clean(text: str) -> str:
    """Line ends folded to \\n and NULs dropped, before any offset is taken."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _cell_text(text: str) -> str:
    """A cell on one line: its own paragraphs joined by a space, runs of spaces folded."""
    return re.sub(r"\s+", " ", clean(text)).strip()


def is_header_row(cells: list[str]) -> bool:
    """A first row of short labels, none of them a figure: 指标 | 全年目标 | 完成率."""
    filled = [c for c in cells if c]
    return (len(filled) >= 2 and all(len(c) <= MAX_HEAD_CHARS and not FIGURE.match(c) for c in filled)
            and len(set(filled)) > 1)


class TextBuilder:
    """Accumulates lines, tables and pages; `build()` returns the Loaded."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._page: tuple[int, int, bool] | None = None
        self.tables: list[Table] = []
        self.pages: list[Page] = []
        self.warnings: list[str] = []
        self.last_heads: list[str] | None = None  # the column heads of the table written last

    @property
    def length(self) -> int:
        return self._length

    def _start_line(self) -> int:
        if self._parts:
            self._append("\n")
        return self._length

    def _append(self, piece: str) -> None:
        self._parts.append(piece)
        self._length += len(piece)

    def line(self, text: str) -> tuple[int, int]:
        """One paragraph (it may hold line breaks of its own, as a .docx soft break does)."""
        start = self._start_line()
        self._append(clean(text))
        return start, self._length

    def raw(self, text: str) -> None:
        """Text taken as it is (a .txt file), continuing the current line."""
        self._append(clean(text))

    def table(self, grid: list[list[str]], caption: str = "", heads: list[str] | None = None) -> Table | None:
        """Write a table given as rows of cell strings (merged cells already repeated).
        ``heads``: the column heads of the part before, for a table continued on a new page
        without its header row; used when the widths agree and the first row is no header."""
        rows = [[_cell_text(c) for c in row] for row in grid]
        rows = [row for row in rows if any(row)]
        if not rows:
            return None
        if caption:
            self.line(caption)
        own = len(rows) > 1 and is_header_row(rows[0])
        if own:
            heads = rows[0]
        elif heads is not None and len(heads) != max(len(r) for r in rows):
            heads = None
        written = [self._row(row, None if own and i == 0 else heads, header=own and i == 0)
                   for i, row in enumerate(rows)]
        self.last_heads = heads
        table = Table(written[0].start, written[-1].end, written, caption=_cell_text(caption), heads=list(heads or []))
        self.tables.append(table)
        return table

    def _row(self, row: list[str], heads: list[str] | None, header: bool) -> TableRow:
        filled = [c for c in row if c]
        if len(filled) > 1 and len(set(filled)) == 1:
            row = [filled[0]]  # one cell merged across the whole row: a title inside the table
        start = self._start_line()
        cells: list[Cell] = []
        for col, value in enumerate(row):
            if not value:
                continue
            if cells:
                self._append(CELL_SEPARATOR)
            head = heads[col] if heads is not None and 0 < col < len(heads) else ""
            if head and head != value:
                self._append(head + " ")
            cell_start = self._length
            self._append(value)
            cells.append(Cell(cell_start, self._length, value, col))
        return TableRow(start, self._length, cells, header=header)

    def begin_page(self, number: int, ocr: bool) -> None:
        """The page starts where its first line will (after the break that line adds)."""
        self.end_page()
        self._page = (number, self._length + (1 if self._parts else 0), ocr)

    def end_page(self) -> None:
        if self._page is not None:
            number, start, ocr = self._page
            start = min(start, self._length)  # a page that wrote nothing is empty, not negative
            self.pages.append(Page(number, start, self._length, ocr))
            self._page = None

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def build(self) -> Loaded:
        self.end_page()
        return Loaded("".join(self._parts), self.tables, self.pages, self.warnings)
