"""The source viewer's page: a whole report by its sections, ``report.text[start:end]``
highlighted and scrolled into view, its web header and signature shown; and the 404 page. Plain
HTML with a nonce'd script and the styles of static/viewer.css."""

from __future__ import annotations

from .documents import Paragraph, Report, Section
from .render import STATIC, esc


def source_page(report: Report, words: dict, start: int | None = None, end: int | None = None,
                nonce: str = "") -> str:
    """The whole report structured by its sections; report.text[start:end] highlighted."""
    span = (start, end) if start is not None and end is not None and start < end else None
    kind = words.get(f"kind_{report.kind}", report.kind)
    meta = " · ".join(esc(x) for x in (report.office, report.region,
                                       "、".join(map(str, report.years)), kind, report.source, report.date)
                      if x)
    toc = "".join(_toc(s, span) for s in report.sections)
    body = (_outside(report, "header", span) + "".join(_section(report.text, s, span) for s in report.sections)
            + _outside(report, "signature", span))
    note = f'<p class="hint">{esc(words["cited_here"])}</p>' if span else ""
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


def _outside(report: Report, kind: str, span: tuple[int, int] | None) -> str:
    """The lines outside the sections that answers can cite: a web header (its publication time),
    a signature block (the office and the date). Advertising stays out."""
    lines = [(s, e) for s, e, k in report.excluded if k == kind]
    if not lines:
        return ""
    out = []
    for s, e in lines:
        marks = [span is not None and span[0] <= i < span[1] for i in range(s, e)]
        cls = ' class="cited"' if any(marks) else ""
        out.append(f"<p{cls}>{_runs(report.text[s:e], marks, 0)}</p>")
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


def _section(text: str, section: Section, span: tuple[int, int] | None) -> str:
    level = min(section.level + 2, 6)  # part -> h2, 一、 -> h3, （一） -> h4, 1. -> h5
    first = section.paragraphs[0] if section.paragraphs else None
    inline = bool(section.heading) and first is not None and first.text.startswith(section.heading)
    heading = f"<h{level}>{_cited_line(text, section.heading, section.start, span)}</h{level}>" \
        if section.heading and not inline else ""
    paragraphs = "".join(_paragraph(text, p, span, len(section.heading) if inline and p is first else 0)
                         for p in section.paragraphs)
    children = "".join(_section(text, c, span) for c in section.children)
    return f'<section id="{esc(section.id)}">{heading}{paragraphs}{children}</section>'


def _paragraph(text: str, p: Paragraph, span: tuple[int, int] | None, bold: int = 0) -> str:
    """A paragraph; its first ``bold`` characters are its section's heading, written inline."""
    cited = span is not None and _overlaps(p, span)
    marks = _marks(text, p, *span) if cited else [False] * len(p.text)
    cls = ' class="cited"' if cited else ""
    return f'<p id="{esc(p.id)}"{cls}>{_runs(p.text, marks, bold)}</p>'


def _marks(text: str, p: Paragraph, start: int, end: int) -> list[bool]:
    """Which display characters of ``p`` lie in report.text[start:end]. The display text is the
    report's text with line breaks inside sentences joined, so each of its characters is matched,
    in order, to the raw text; if that fails, the whole paragraph counts as cited."""
    raw = text[p.start:p.end]
    inside, i = [], 0
    for ch in p.text:
        while i < len(raw) and raw[i] != ch:
            i += 1
        if i == len(raw):
            return [True] * len(p.text)
        inside.append(start <= p.start + i < end)
        i += 1
    return inside


def _runs(display: str, marks: list[bool], bold: int) -> str:
    """Escaped text with <mark> around marked runs and <strong> around the first ``bold`` chars."""
    out, run = [], 0
    for k in range(1, len(display) + 1):
        if k == len(display) or marks[k] != marks[run] or k == bold:
            piece = esc(display[run:k])
            piece = f"<mark>{piece}</mark>" if marks[run] else piece
            out.append(f"<strong>{piece}</strong>" if run < bold else piece)
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
