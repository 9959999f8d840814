"""HTML for the app: an answer with its citation markers linked to the source viewer, the sources
panel beside the chat, the rows of the Targets tab, and the source viewer page (a whole report by
its sections, the cited sentence highlighted).

Report text is data and a question is user input: every piece of either goes through ``esc``,
so neither can become markup. Chat messages are rendered by Gradio as Markdown; ``esc`` also
turns Markdown's syntax characters into character references and each message is one line of
HTML, so the text shows exactly as written."""

from __future__ import annotations

import html
import re

from .answer import Answer, Citation
from .documents import Paragraph, Report, Section
from .targets import Target

INLINE = re.compile(r"\*\*(.+?)\*\*|\[(\d{1,3})\]")  # the answerers' only inline markup
BULLET = re.compile(r"^\s*[-*•]\s+")
TABLE_ROW = re.compile(r"^\|.*\|$")  # a Markdown table row: | a | b |
TABLE_RULE = re.compile(r"^\|[\s:|-]+\|$")  # the |---|---| line under the header
_MARKDOWN_CHARS = str.maketrans({c: f"&#{ord(c)};" for c in "*_`[]\\~$|#!{}"})


def esc(text: object) -> str:
    """HTML-escape, and make Markdown's syntax characters inert."""
    return html.escape(str(text), quote=True).translate(_MARKDOWN_CHARS)


def citation_link(c: Citation) -> str:
    return c.link


# --- the chat ---------------------------------------------------------------------------------
def question_html(question: str) -> str:
    return f'<div class="q">{esc(question)}</div>'


def answer_html(answer: Answer) -> str:
    """The answer as one line of HTML: report headings bold, quoted sentences as a list, a
    comparison as a table, each marker [n] a link to the cited paragraph. Markers with no
    citation (an LLM reply still streaming) stay plain text."""
    cites = {c.n: c for c in answer.citations}
    out = [f'<div class="answer {esc(answer.status)}">']
    if answer.notice:
        out.append(f'<p class="notice">⚠ {esc(answer.notice)}</p>')
    block, header_done = "", False  # the open list or table ("ul", "table" or ""), its header
    for line in answer.answer.split("\n"):
        stripped = line.strip()
        kind = "ul" if BULLET.match(line) else "table" if TABLE_ROW.match(stripped) else ""
        if kind != block:
            out.append({"ul": "</ul>", "table": "</tbody></table>", "": ""}[block])
            out.append({"ul": "<ul>", "table": '<table class="compare">', "": ""}[kind])
            header_done = False
            block = kind
        if not stripped or TABLE_RULE.match(stripped):
            continue
        if kind == "ul":
            out.append(f"<li>{_inline(line[BULLET.match(line).end():], cites)}</li>")
        elif kind == "table":
            cell = "td" if header_done else "th"
            cells = "".join(f"<{cell}>{_inline(c.strip(), cites)}</{cell}>"
                            for c in stripped.strip("|").split("|"))
            out.append(f"<tr>{cells}</tr>" if header_done else f"<thead><tr>{cells}</tr></thead><tbody>")
            header_done = True
        else:
            out.append(f"<p>{_inline(stripped, cites)}</p>")
    out.append({"ul": "</ul>", "table": "</tbody></table>", "": ""}[block])
    out.append("</div>")
    return "".join(out)


def _inline(text: str, cites: dict[int, Citation]) -> str:
    out, pos = [], 0
    for m in INLINE.finditer(text):
        out.append(esc(text[pos:m.start()]))
        if m[1] is not None:
            out.append(f"<strong>{_inline(m[1], cites)}</strong>")
        elif (c := cites.get(int(m[2]))) is not None:
            out.append(_marker(c))
        else:
            out.append(esc(m[0]))
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def _marker(c: Citation) -> str:
    where = esc(" › ".join(p for p in (c.title, c.section) if p))
    return (f'<a class="cite" href="{citation_link(c)}" target="_blank" rel="noopener" '
            f'title="{where}">{esc(f"[{c.n}]")}</a>')


def sources_html(answer: Answer | None, words: dict) -> str:
    """The panel beside the chat: each cited passage with its report, section path and the cited
    sentences marked. Citations from one passage share a card."""
    head = f'<h2 class="sources-head">{esc(words["sources"])}</h2>'
    if answer is None or not answer.citations:
        return f'<div class="sources empty">{head}<p>{esc(words["sources_empty"])}</p></div>'
    passages: dict[tuple, list[Citation]] = {}
    for c in answer.citations:
        passages.setdefault((c.report_id, c.passage_start, c.passage_end), []).append(c)
    cards = []
    for group in passages.values():
        c = group[0]
        link = citation_link(c)
        numbers = " ".join(f'<a class="src-n" href="{citation_link(g)}" target="_blank" rel="noopener">'
                           f'{esc(f"[{g.n}]")}</a>' for g in group)
        cards.append(
            f'<div class="src" id="src-{c.n}" data-office="{esc(c.office)}" '
            f'data-report="{esc(c.report_id)}">'
            f'<div class="src-head">{numbers} <a class="src-title" href="{link}" target="_blank" '
            f'rel="noopener">{esc(c.title)}</a></div>'
            f'<div class="src-path">{esc(" › ".join(p for p in (c.office, c.section) if p))}</div>'
            f'<div class="src-passage">{mark_in_passage(c.passage, [(g.n, g.text) for g in group])}</div>'
            f'<a class="src-open" href="{link}" target="_blank" rel="noopener">'
            f'{esc(words["open_source"])}</a></div>')
    return f'<div class="sources">{head}{"".join(cards)}</div>'


def mark_in_passage(passage: str, cited: list[tuple[int, str]]) -> str:
    """The passage, escaped, each cited sentence in <mark> followed by its number. Sentences are
    found ignoring whitespace (a passage keeps the report's line breaks, cited text joins them)."""
    spans = sorted((span, n) for n, text in cited if (span := _locate(passage, text)) is not None)
    out, pos = [], 0
    for (s, e), n in spans:
        if s < pos:  # overlaps the previous sentence: already marked
            continue
        out.append(f'{_lines(passage[pos:s])}<mark>{_lines(passage[s:e])}</mark>'
                   f'<sup class="n">{esc(n)}</sup>')
        pos = e
    out.append(_lines(passage[pos:]))
    return "".join(out)


def _lines(text: str) -> str:
    return "<br>".join(esc(part) for part in text.split("\n"))


def _locate(haystack: str, needle: str) -> tuple[int, int] | None:
    keep = [i for i, ch in enumerate(haystack) if not ch.isspace()]
    flat = "".join(haystack[i] for i in keep)
    target = "".join(ch for ch in needle if not ch.isspace())
    at = flat.find(target) if target else -1
    if at < 0:
        return None
    return keep[at], keep[at + len(target) - 1] + 1


# --- the targets table ------------------------------------------------------------------------
TARGET_COLUMNS = ("col_office", "col_period", "col_metric", "col_value", "col_statement", "col_topic",
                  "col_sentence")  # label keys of the Targets tab's columns


def target_rows(targets: list[Target], words: dict) -> list[list[str]]:
    """One row of HTML cells per statement (the table renders them as HTML, so each is escaped);
    the sentence links to the source viewer with the clause highlighted."""
    rows = []
    for t in targets:
        where = " › ".join(p for p in (t.title, t.section) if p)
        at = t.sentence.find(t.quote)
        sentence = (esc(t.sentence) if at < 0 else
                    f"{esc(t.sentence[:at])}<strong>{esc(t.quote)}</strong>{esc(t.sentence[at + len(t.quote):])}")
        rows.append([esc(t.office), esc(target_period(t, words)), esc(t.metric), esc(target_value(t, words)),
                     esc(words.get(f"statement_{t.kind}", t.kind)), esc(words.get(f"topic_{t.topic}", t.topic)),
                     f'<a class="target-src" href="{esc(t.link)}" target="_blank" rel="noopener" '
                     f'title="{esc(where)}" data-report="{esc(t.report_id)}">{sentence}</a>'])
    return rows


def target_period(t: Target, words: dict) -> str:
    """2024年上半年 / 2024 H1; a whole year is the year alone."""
    half = words.get(f"half_{t.half}", t.half) if t.half else ""
    if t.year is None:
        return half
    return words["period_format"].format(year=t.year, half=half).strip()


def target_value(t: Target, words: dict) -> str:
    """The value as the table shows it: 不少于8次, 1–2个, 100余人, 100人以上, or undisclosed (XX)."""
    if t.value is None:
        return words["undisclosed"].format(unit=t.unit)
    number = _number(t.value) + (f"–{_number(t.value_max)}" if t.value_max is not None else "")
    if t.qualifier in ("余", "多"):
        return f"{number}{t.qualifier}{t.unit}"
    if t.qualifier == "以上":
        return f"{number}{t.unit}以上"
    return f"{t.qualifier}{number}{t.unit}"


def _number(value: float) -> str:
    return f"{value:f}".rstrip("0").rstrip(".")  # 7, 0.06, 1729470.5: never 7.0 or 1.7e+06


def topic_choices(targets: list[Target], words: dict) -> list[tuple[str, str]]:
    """(label, topic) for the topic filter: "all", then the topics the statements have, in the
    order of the label table (a topic with no label last, by its name)."""
    present = {t.topic for t in targets}
    order = [k[len("topic_"):] for k in words if k.startswith("topic_") and k != "topic_all"]
    topics = [k for k in order if k in present] + sorted(present - set(order))
    return [(words["topic_all"], "")] + [(words.get(f"topic_{k}", k), k) for k in topics]


def targets_count_html(shown: int, total: int, words: dict) -> str:
    return f'<p class="targets-count">{esc(words["targets_count"].format(shown=shown, total=total))}</p>'


# --- the source viewer --------------------------------------------------------------------------
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
    script = ("addEventListener('load',function(){setTimeout(function(){"
              "var t=document.querySelector('mark')||(location.hash&&"
              "document.getElementById(decodeURIComponent(location.hash.slice(1))));"
              "if(t)t.scrollIntoView({block:'center'});},0);});")
    return (f'<!doctype html><html lang="{words["lang_attr"]}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{PAGE_CSS}</style></head><body>{body}"
            f'<script nonce="{esc(nonce)}">{script}</script></body></html>')


FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", '
         '"Microsoft YaHei", system-ui, sans-serif')
PAGE_CSS = f"""
*{{box-sizing:border-box}}
body{{margin:0;font-family:{FONTS};color:#1f2937;background:#f8fafc;line-height:1.75}}
header{{position:sticky;top:0;z-index:1;padding:10px max(32px, calc((100% - 1216px) / 2)) 8px;
  background:#fff;border-bottom:1px solid #e5e7eb}}
header h1{{margin:2px 0 0;font-size:20px;line-height:1.4}}
.meta{{margin:0;color:#6b7280;font-size:14px}}
.hint{{margin:4px 0 0;font-size:13px;color:#92400e}}
.back{{font-size:14px;color:#2563eb;text-decoration:none}}
.layout{{display:grid;grid-template-columns:260px minmax(0,1fr);gap:24px;padding:16px 32px;
  max-width:1280px;margin:0 auto}}
nav{{position:sticky;top:150px;align-self:start;max-height:calc(100vh - 170px);overflow:auto;
  font-size:13px}}
nav h2{{font-size:14px;margin:0 0 6px;color:#6b7280}}
nav ul{{list-style:none;margin:0;padding-left:12px}} nav>ul{{padding-left:0}}
nav a{{color:#374151;text-decoration:none}} nav a:hover{{color:#2563eb}}
nav a.current{{color:#b45309;font-weight:600}}
article{{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px 32px 24px;
  max-width:52em}}
article h2{{font-size:20px;margin:24px 0 8px}} article h3{{font-size:18px;margin:20px 0 6px}}
article h4{{font-size:16px;margin:16px 0 4px}} article h5{{font-size:15px;margin:12px 0 4px}}
article p{{margin:6px 0;text-indent:2em;scroll-margin-top:150px}}
article section{{scroll-margin-top:150px}}
article .header p{{text-indent:0;color:#6b7280;font-size:14px}} article .signature p{{text-indent:0;text-align:right}}
p.cited{{background:#fffbeb;border-left:3px solid #f59e0b;padding:4px 8px;margin-left:-11px}}
mark{{background:#fde68a;padding:1px 0}}
p:target:not(.cited){{background:#fffbeb}}
.missing{{font-size:16px}} code{{background:#f3f4f6;padding:1px 4px;border-radius:4px}}
@media (max-width:900px){{.layout{{grid-template-columns:1fr}} nav{{position:static}}}}
"""

# The Gradio page: chat messages, the sources panel, citation links.
APP_CSS = f"""
.gradio-container, #reports-table td, #reports-table th, #reports-table span, #targets-table th,
#targets-table span{{font-family:{FONTS} !important}}
.app-head h1{{font-size:20px;margin:0}} .app-head p{{margin:2px 0 0;color:#6b7280;font-size:14px}}
#sources{{height:calc(100vh - 190px);min-height:420px;overflow:auto;padding-right:4px}}
.sources-head{{font-size:15px !important;margin:0 0 8px !important;color:var(--body-text-color-subdued)}}
.sources.empty p{{color:#6b7280;font-size:14px}}
.src{{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px 10px;margin:0 0 10px;
  font-size:14px;line-height:1.65}}
.src-head{{font-weight:600}} .src-path{{color:#6b7280;font-size:13px}}
.src-passage{{margin:6px 0;padding:2px 0 2px 10px;border-left:3px solid #d1d5db;color:#374151}}
.src-passage sup.n{{color:#2563eb;font-weight:600;margin:0 2px}}
.src mark, .answer mark{{background:#fde68a;color:inherit}}
a.cite{{font-size:0.85em;font-weight:600;text-decoration:none !important;margin-left:2px;
  color:#2563eb !important}}
a.cite:hover{{text-decoration:underline !important}}
#filters{{gap:8px;align-items:end}} #filters > *{{min-width:140px}}
.answer .notice{{color:#92400e;background:#fffbeb;padding:4px 8px;border-radius:6px}}
.answer ul{{margin:4px 0 8px 1.2em}} .answer p{{margin:4px 0}}
.answer table.compare{{border-collapse:collapse;font-size:13px;margin:6px 0}}
.answer table.compare th, .answer table.compare td{{border:1px solid var(--border-color-primary);
  padding:3px 6px;text-align:left;vertical-align:top}}
#targets-filters{{gap:8px;align-items:end}} #targets-filters > *{{min-width:140px}}
#targets-bar{{align-items:center}} .targets-count{{margin:0;color:#6b7280;font-size:14px}}
#targets-table a.target-src{{color:inherit;text-decoration:none}}
#targets-table a.target-src:hover{{color:#2563eb;text-decoration:underline}}
#targets-table a.target-src strong{{color:#b45309}}
"""
