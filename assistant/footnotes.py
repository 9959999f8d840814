"""An answer as staff paste it into their own documents: its text with the citation markers as
numbered footnotes, each naming the report's title, the section path and the quoted sentence,
with the source viewer's link (absolute under ASSISTANT_PUBLIC_URL). ``plain_text`` is what the
copy button puts on the clipboard; worddoc.py writes the same lines and notes as a .docx with
real Word footnotes.

The answerers' markup is small (render.py reads the same): ``**bold**``, ``[n]`` markers,
"- " bullets and Markdown table rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .documents import Answer, Citation

INLINE = re.compile(r"\*\*(.+?)\*\*|\[(\d{1,3})\]")
BULLET = re.compile(r"^\s*[-*•]\s+")
TABLE_RULE = re.compile(r"^\|[\s:|-]+\|$")


@dataclass
class Piece:
    text: str
    bold: bool = False
    note: Citation | None = None  # a marker: the citation it stands for (text is "[n]")


@dataclass
class Line:
    kind: str  # "p" a paragraph, "li" a list item, "row" a table row (cells), "head" a table's first row
    pieces: list[Piece] = field(default_factory=list)
    cells: list[list[Piece]] = field(default_factory=list)


def answer_lines(answer: Answer) -> list[Line]:
    """The answer's text as lines of pieces: bold runs and footnote markers told apart."""
    cites = {c.n: c for c in answer.citations}
    lines, in_table = [], False
    for raw in answer.answer.split("\n"):
        stripped = raw.strip()
        if not stripped:
            in_table = False
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            if not TABLE_RULE.match(stripped):
                cells = [pieces(c.strip(), cites) for c in stripped.strip("|").split("|")]
                lines.append(Line("row" if in_table else "head", cells=cells))
                in_table = True
            continue
        in_table = False
        bullet = BULLET.match(raw)
        lines.append(Line("li", pieces(raw[bullet.end():], cites)) if bullet else Line("p", pieces(stripped, cites)))
    return lines


def pieces(text: str, cites: dict[int, Citation], bold: bool = False) -> list[Piece]:
    out, pos = [], 0
    for m in INLINE.finditer(text):
        if m.start() > pos:
            out.append(Piece(text[pos:m.start()], bold))
        if m[1] is not None:
            out.extend(pieces(m[1], cites, True))
        elif int(m[2]) in cites:
            out.append(Piece(m[0], bold, cites[int(m[2])]))
        else:
            out.append(Piece(m[0], bold))
        pos = m.end()
    if pos < len(text):
        out.append(Piece(text[pos:], bold))
    return out


def note_text(c: Citation) -> str:
    """A footnote's words: title › section path：“quoted sentence”."""
    where = " › ".join(p for p in (c.title, c.section) if p)
    return f"{where}：“{c.text}”"


def plain_text(answer: Answer, public_link=lambda link: link) -> str:
    """The answer as plain text, its markers [n] kept, then one footnote per citation:
    ``[n] title › section：“sentence” link``. ``public_link``: Settings.public_link."""
    out = []
    for line in answer_lines(answer):
        if line.kind in ("row", "head"):
            out.append(" | ".join(_flat(cell) for cell in line.cells))
        else:
            out.append(("- " if line.kind == "li" else "") + _flat(line.pieces))
    notes = [f"[{c.n}] {note_text(c)} {public_link(c.link)}" for c in sorted(answer.citations, key=lambda c: c.n)]
    return "\n".join(out) + ("\n\n" + "\n".join(notes) if notes else "") + "\n"


def _flat(line: list[Piece]) -> str:
    return "".join(p.text for p in line).strip()
