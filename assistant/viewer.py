"""The source viewer's page: a whole report by its sections, ``report.text[start:end]``
highlighted and scrolled into view, its web header and signature shown; and the 404 page. Plain
HTML with a nonce'd script and the styles of static/viewer.css.

A table of the report (a .docx, .xlsx or PDF table, ``Report.tables``) is shown as a table: each
row is the paragraph it was indexed as (its id the anchor a citation scrolls to), the cited row
marked and the cited characters of its cells highlighted. Every page that was read by OCR
(``Report.pages``) is marked where it starts ("识别自扫描件，第 n 页"), and a citation into such a
page says so above the report, since recognised text can hold misread characters."""

from __future__ import annotations

from .documents import Paragraph, Report, Section
from .render import STATIC, esc


class _Layout:
    """Where the report's table rows and OCR'd pages lie. The page is written in text order, and
    each page mark once, before the first thing written at or after the page's start."""

    def __init__(self, report: Report, words: dict) -> None:
        self.words = words
        self.rows = {r["start"]: (n, r) for n, t in enumerate(report.tables) for r in t["rows"]}
        self.tables = report.tables
        self.pages = sorted(report.pages, key=lambda page: page["start"])
        self.pending = list(self.pages)

    def page_at(self, offset: int) -> int | None:
        """The number of the OCR'd page that holds ``offset``, if any."""
        return next((page["number"] for page in self.pages if page["start"] <= offset < page["end"]), None)

    def marks_until(self, offset: int) -> str:
        """The marks of the pages that start at or before ``offset``, not written yet."""
        out = []
        while self.pending and self.pending[0]["start"] <= offset:
            out.append(self.mark(self.pending.pop(0)["number"]))
        return "".join(out)

    def marks_inside(self, start: int, end: int) -> dict[int, str]:
        """{offset: mark} of the pages that start inside text[start:end]: a paragraph that runs on
        over a page break gets the mark where the break is."""
        out = {}
        while self.pending and start < self.pending[0]["start"] < end:
            page = self.pending.pop(0)
            out[page["start"]] = self.mark(page["number"])
        return out

    def mark(self, number: int) -> str:
        label = self.words["ocr_page"].format(n=number)
        return f'<span class="ocr-page" id="page-{number}" role="note">{esc(label)}</span>'


def source_page(report: Report, words: dict, start: int | None = None, end: int | None = None,
                nonce: str = "") -> str:
    """The whole report structured by its sections; report.text[start:end] highlighted."""
    span = (start, end) if start is not None and end is not None and start < end else None
    layout = _Layout(report, words)
    kind = words.get(f"kind_{report.kind}", report.kind)
    meta = " · ".join(esc(x) for x in (report.office, report.region,
                                       "、".join(map(str, report.years)), kind, report.source, report.date)
                      if x)
    toc = "".join(_toc(s, span) for s in report.sections)
    body = (_outside(report, "header", span, layout)
            + "".join(_section(report.text, s, span, layout) for s in report.sections)
            + _outside(report, "signature", span, layout) + layout.marks_until(len(report.text)))
    note = f'<p class="hint">{esc(words["cited_here"])}</p>' if span else ""
    scanned = layout.page_at(span[0]) if span else None
    if scanned is not None:
        note += f'<p class="hint ocr-hint">{esc(words["cited_ocr"].format(n=scanned))}</p>'
    return _page(words, esc(report.title), nonce, f"""
<header><a class="back" href="/">{esc(words["back"])}</a>
<h1 id="top">{_cited_line(report.text, report.title, 0, span)}</h1><p class="meta">{meta}</p>{note}</header>
<div class="layout"><nav><h2>{esc(words["contents"])}</h2><ul>{toc}</ul></nav>
<article>{body}</article></div>""")


def not_found_page(report_id: str, words: dict, nonce: str = "") -> str:
    message = words["not_found_page"].replace("{id}", "\0")
    message = esc(message).replace("\0", f"<code>{esc(report_id)}</code>")
    return _page(words, "404", nonce, f'<header><a class="back" href="/">{esc(words["back"])}</a>'
                                      f'<h1>404</h1><p class="missing">{message}</p></header>')


def _toc(section: Section, span: tuple[int, int] | None) -> str:
    """Headings down to （一）; the one holding the cited text is marked current."""
    children = "".join(_toc(c, span) for c in section.children if section.level < 2)
    if not section.heading:
        return children
    nested = f"<ul>{children}</ul>" if children else ""
    current = span is not None and any(_overlaps(p, span) for s in section.walk() for p in s.paragraphs)
    cls = ' class="current"' if current else ""
    return f'<li><a href="#{esc(section.id)}"{cls}>{esc(section.heading)}</a>{nested}</li>'


def _outside(report: Report, kind: str, span: tuple[int, int] | None, layout: _Layout) -> str:
    """The lines outside the sections that answers can cite: a web header (its publication time),
    a signature block (the office and the date). Advertising stays out."""
    lines = [(s, e) for s, e, k in report.excluded if k == kind]
    if not lines:
        return ""
    out = []
    for s, e in lines:
        marks = [span is not None and span[0] <= i < span[1] for i in range(s, e)]
        cls = ' class="cited"' if any(marks) else ""
        out.append(f"{layout.marks_until(s)}<p{cls}>{_runs(report.text[s:e], marks, 0)}</p>")
    return f'<div id="{kind}" class="{kind}">{"".join(out)}</div>'


def _cited_line(text: str, line: str, near: int, span: tuple[int, int] | None) -> str:
    """A heading or the title, escaped; marked when the cited span is that line of the text (an
    answer about the reports themselves cites a report's title or the heading of one of its parts)."""
    at = text.find(line, near) if line else -1
    if span is None or at < 0 or not (span[0] < at + len(line) and span[1] > at):
        return esc(line)
    marks = [span[0] <= i < span[1] for i in range(at, at + len(line))]
    return _runs(line, marks, 0)


def _overlaps(p: Paragraph, span: tuple[int, int]) -> bool:
    return span[0] < p.end and span[1] > p.start


def _section(text: str, section: Section, span: tuple[int, int] | None, layout: _Layout) -> str:
    level = min(section.level + 2, 6)  # part -> h2, 一、 -> h3, （一） -> h4, 1. -> h5
    first = section.paragraphs[0] if section.paragraphs else None
    inline = bool(section.heading) and first is not None and first.text.startswith(section.heading)
    heading = f"{layout.marks_until(section.start)}<h{level}>{_cited_line(text, section.heading, section.start, span)}" \
              f"</h{level}>" if section.heading and not inline else ""
    blocks, n = [], 0
    while n < len(section.paragraphs):
        p = section.paragraphs[n]
        if p.start in layout.rows:  # a table: its rows are the paragraphs that follow, one by one
            table = layout.rows[p.start][0]
            rows = []
            while n < len(section.paragraphs) and layout.rows.get(section.paragraphs[n].start, (None,))[0] == table:
                rows.append(section.paragraphs[n])
                n += 1
            blocks.append(layout.marks_until(p.start) + _table(text, layout.tables[table], rows, span, layout))
            continue
        blocks.append(layout.marks_until(p.start)
                      + _paragraph(text, p, span, layout, len(section.heading) if inline and p is first else 0))
        n += 1
    children = "".join(_section(text, c, span, layout) for c in section.children)
    return f'<section id="{esc(section.id)}">{heading}{"".join(blocks)}{children}</section>'


def _paragraph(text: str, p: Paragraph, span: tuple[int, int] | None, layout: _Layout, bold: int = 0) -> str:
    """A paragraph; its first ``bold`` characters are its section's heading, written inline; the
    mark of an OCR'd page that starts inside it written where the page starts."""
    raw = _raw_positions(text, p)
    cited = span is not None and _overlaps(p, span)
    marks = [span[0] <= i < span[1] for i in raw] if cited else [False] * len(p.text)
    breaks = {next((k for k, i in enumerate(raw) if i >= at), len(raw)): mark
              for at, mark in layout.marks_inside(p.start, p.end).items()}
    cls = ' class="cited"' if cited else ""
    return f'<p id="{esc(p.id)}"{cls}>{_runs(p.text, marks, bold, breaks)}</p>'


def _table(text: str, table: dict, rows: list[Paragraph], span: tuple[int, int] | None, layout: _Layout) -> str:
    """The rows of a table as an HTML table: the header row as heads (or, for a table continued
    from a page before, the heads its rows carry), each data row under them by grid column."""
    stored = {r["start"]: r for r in table["rows"]}
    width = max([len(table.get("heads") or [])] + [_column(c, i) + 1 for r in table["rows"]
                                                   for i, c in enumerate(r["cells"])])
    head, body = [], []
    if table.get("heads") and not any(r.get("header") for r in table["rows"]):
        head.append("<tr class=\"carried\">" + "".join(f"<th>{esc(h)}</th>" for h in table["heads"]) + "</tr>")
    for p in rows:
        row = stored[p.start]
        cited = span is not None and _overlaps(p, span)
        tag = "th" if row.get("header") else "td"
        cells = {_column(c, i): c for i, c in enumerate(row["cells"])}
        if len(cells) == 1 and width > 1 and not row.get("header"):  # a title merged across the row
            (s, e, *_), = cells.values()
            html = f'<td colspan="{width}">{_cell(text, s, e, span)}</td>'
        else:
            html = "".join(f"<{tag}>{_cell(text, cells[col][0], cells[col][1], span)}</{tag}>" if col in cells
                           else f"<{tag}></{tag}>" for col in range(width))
        cls = ' class="cited"' if cited else ""
        line = f'<tr id="{esc(p.id)}"{cls}>{html}</tr>'
        (head if row.get("header") else body).append(line)
    thead = f"<thead>{''.join(head)}</thead>" if head else ""  # (a sheet's name is a line of its own before it)
    return f'<div class="table-wrap"><table class="doc-table">{thead}<tbody>{"".join(body)}</tbody></table></div>'


def _column(cell: list, place: int) -> int:
    """A stored cell's grid column (tables stored before columns were kept: its place)."""
    return cell[2] if len(cell) > 2 else place


def _cell(text: str, start: int, end: int, span: tuple[int, int] | None) -> str:
    marks = [span is not None and span[0] <= i < span[1] for i in range(start, end)]
    return _runs(text[start:end], marks, 0)


def _raw_positions(text: str, p: Paragraph) -> list[int]:
    """The offset in the report's text of each character of ``p``'s display text (the report's
    text with line breaks inside sentences joined), matched in order; if that fails, the
    paragraph's characters are spread over its span."""
    raw = text[p.start:p.end]
    out, i = [], 0
    for ch in p.text:
        while i < len(raw) and raw[i] != ch:
            i += 1
        if i == len(raw):
            return [p.start + min(k, len(raw) - 1) for k in range(len(p.text))] if raw else [p.start] * len(p.text)
        out.append(p.start + i)
        i += 1
    return out


def _runs(display: str, marks: list[bool], bold: int, breaks: dict[int, str] | None = None) -> str:
    """Escaped text with <mark> around marked runs, <strong> around the first ``bold`` chars and
    the HTML of ``breaks`` ({index: html}) written before the character at each index."""
    breaks = breaks or {}
    out, run = [breaks.get(0, "")], 0
    for k in range(1, len(display) + 1):
        if k == len(display) or marks[k] != marks[run] or k == bold or k in breaks:
            piece = esc(display[run:k])
            piece = f"<mark>{piece}</mark>" if marks[run] else piece
            out.append(f"<strong>{piece}</strong>" if run < bold else piece)
            out.append(breaks.get(k, ""))
            run = k
    return "".join(out)


def _page(words: dict, title: str, nonce: str, body: str) -> str:
    # after the browser's own jump to #p.., centre the highlight (or the paragraph) on screen
    # "← 返回问答": sources open in a tab of their own beside the chat, so going back is closing
    # this tab (the chat is where it was, answers and all); a viewer opened from a shared link,
    # which a script may not close, goes to the app instead
    script = ("addEventListener('load',function(){setTimeout(function(){"
              "var t=document.querySelector('mark')||(location.hash&&"
              "document.getElementById(decodeURIComponent(location.hash.slice(1))));"
              "if(t)t.scrollIntoView({block:'center'});},0);});"
              "document.querySelectorAll('a.back').forEach(function(a){a.addEventListener('click',"
              "function(e){e.preventDefault();window.close();"
              "setTimeout(function(){location.href=a.getAttribute('href');},300);});});")
    return (f'<!doctype html><html lang="{words["lang_attr"]}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{viewer_css()}</style></head><body>{body}"
            f'<script nonce="{esc(nonce)}">{script}</script></body></html>')


def viewer_css() -> str:
    return (STATIC / "viewer.css").read_text(encoding="utf-8")
