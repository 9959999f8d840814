"""HTML for the app's page: an answer with its citation markers linked to the source viewer, the
sources panel beside the chat, the rows of the Targets tab. (The source viewer's page: viewer.py;
the styles: static/app.css.)

Report text is data and a question is user input: every piece of either goes through ``esc``,
so neither can become markup. Chat messages are rendered by Gradio as Markdown; ``esc`` also
turns Markdown's syntax characters into character references and each message is one line of
HTML, so the text shows exactly as written."""

from __future__ import annotations

import re

from pathlib import Path

from .documents import Answer, Citation
from .footnotes import plain_text
from .labels import LABELS
from .targets import Target

STATIC = Path(__file__).parent / "static"
FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", '
         '"Microsoft YaHei", system-ui, sans-serif')  # local fonts only: the page loads nothing


def app_css() -> str:
    return (STATIC / "app.css").read_text(encoding="utf-8")

INLINE = re.compile(r"\*\*(.+?)\*\*|\[(\d{1,3})\]")  # the answerers' only inline markup
BULLET = re.compile(r"^\s*[-*•]\s+")
TABLE_ROW = re.compile(r"^\|.*\|$")  # a Markdown table row: | a | b |
TABLE_RULE = re.compile(r"^\|[\s:|-]+\|$")  # the |---|---| line under the header
# One pass over the text: HTML's special characters and Markdown's syntax characters become
# character references together (escaping twice turned the "#" of "&#x27;" into "&#35;", so an
# apostrophe showed as "&#x27;" in the bubble).
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
                          **{c: f"&#{ord(c)};" for c in "*_`[]\\~$|#!{}"}})


_SPECIAL = re.compile("[" + re.escape("".join(chr(c) for c in _ESCAPES)) + "]")


def esc(text: object) -> str:
    """HTML-escape, and make Markdown's syntax characters inert (a text with none of them is
    returned as it is: str.translate reads every character in Python's slow path, ~5% of the
    app's time under load, and most passages have none)."""
    text = str(text)
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def citation_link(c: Citation) -> str:
    return c.link


# --- the chat ---------------------------------------------------------------------------------
def question_html(question: str) -> str:
    return f'<div class="q">{esc(question)}</div>'


def answer_html(answer: Answer) -> str:
    """The answer as one line of HTML: report headings bold, quoted sentences as a list, a
    comparison as a table, each marker [n] a link to the cited paragraph. Markers with no
    citation (an LLM reply still streaming) stay plain text. How the question was read, when not
    as typed, heads it (按此理解：…); a not-found answer's closest sections link to the source viewer."""
    cites = {c.n: c for c in answer.citations}
    out = [f'<div class="answer {esc(answer.status)}">']
    if answer.read_as:
        out.append(f'<p class="read-as">{esc(read_as_line(answer))}</p>')
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
        if answer.closest and stripped.startswith(CLOSEST_PREFIXES):
            out.append(_closest_line(stripped, answer.closest))
        elif kind == "ul":
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


def read_as_line(answer: Answer) -> str:
    """The line over an answer that was not read as typed, in the answer's language: the question
    as condensed from the conversation ("按此理解：开元街道2024年养老服务有哪些安排？"), then what
    else chain.py noted (「今年」按2024年理解); only those notes when the question stood alone."""
    rewritten = answer.standalone_question
    if not rewritten or rewritten == answer.question:
        return answer.read_as
    for i in (0, 1):  # which language chain.py wrote it in
        said = LABELS["read_as_question"][i].format(question=rewritten)
        if answer.read_as.startswith(said):
            rest = answer.read_as[len(said):].removeprefix(LABELS["list_sep"][i]).strip()
            line = LABELS["read_as_shown"][i].format(question=rewritten)
            if not rest:
                return line
            return f"{line}（{rest}）" if i == 0 else f"{line} ({rest})"
    return answer.read_as


def copy_bar_html(answer: Answer, words: dict, public_link=lambda link: link) -> str:
    """The copy button under an answer, carrying what it copies: the answer as plain text with
    numbered footnotes (footnotes.plain_text), one hidden span per line. Chat messages are
    sanitised (no data- attributes, no scripts): static/copy.js finds the spans by class."""
    lines = "".join(f'<span class="l">{esc(line)}</span>'
                    for line in plain_text(answer, public_link).rstrip("\n").split("\n"))
    return (f'<div class="copy-bar"><button type="button" class="copy-answer">{esc(words["copy_answer"])}</button>'
            f'<span class="copy-text" hidden>{lines}</span>'
            f'<span class="copy-done" hidden>{esc(words["copied"])}</span></div>')


def copy_script() -> str:
    return (STATIC / "copy.js").read_text(encoding="utf-8")
# the not-found line naming the closest sections, in either language (an answer speaks its
# question's): (its text before the places, the separator between them)
CLOSEST_LINES = [(LABELS["not_found_closest"][i].split("{places}")[0], LABELS["place_sep"][i]) for i in (0, 1)]
CLOSEST_PREFIXES = tuple(prefix for prefix, _ in CLOSEST_LINES)


def _closest_line(line: str, closest: list[Citation]) -> str:
    """「最接近的内容在：A › B；C › D」 with each place a link to that passage in the source viewer."""
    prefix, sep = next((p, s) for p, s in CLOSEST_LINES if line.startswith(p))
    links = esc(sep).join(f'<a class="near" href="{esc(c.link)}" target="_blank" rel="noopener">'
                          f'{esc(" › ".join(p for p in (c.title, c.section) if p))}</a>' for c in closest)
    return f'<p class="closest">{esc(prefix)}{links}</p>'


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


def targets_count_html(shown: int, total: int, words: dict) -> str:
    return f'<p class="targets-count">{esc(words["targets_count"].format(shown=shown, total=total))}</p>'
