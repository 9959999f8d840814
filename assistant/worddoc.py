"""A whole conversation as a Word document (.docx) whose citations are real Word footnotes:
each marker [n] of an answer becomes a footnote reference, numbered by Word down the document,
and the footnote names the report, the section path and the quoted sentence, with a link to the
source viewer (a hyperlink when the link is absolute, i.e. ASSISTANT_PUBLIC_URL is set).

python-docx writes the body but has no footnote API, so the footnotes part
(``word/footnotes.xml``, WordprocessingML §17.11) is written here: the two separator notes Word
expects (ids -1 and 0), one ``w:footnote`` per reference, the part related to the document
(relationship type "footnotes") and its hyperlinks related to the part itself."""

from __future__ import annotations

import re
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .documents import Answer, Citation
from .footnotes import Line, Piece, answer_lines, note_text

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NOTE_SIZE = 18  # half-points: 9 pt footnote text
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold


def conversation_docx(turns: list[tuple[str, Answer]], path: Path, words: dict, public_link=lambda link: link) -> Path:
    """Write ``turns`` (question, answer) to ``path``; ``public_link``: Settings.public_link."""
    import docx  # only when asked: the app starts without it

    document = docx.Document()
    _chinese(document)
    document.core_properties.title = words["docx_title"]
    document.add_heading(_clean(words["docx_title"]), level=1)
    document.add_paragraph(_clean(words["docx_made"].format(when=time.strftime("%Y-%m-%d %H:%M"))))
    notes = Footnotes(document, public_link)
    for question, answer in turns:
        document.add_heading(_clean(words["docx_question"].format(question=question)), level=2)
        lines = answer_lines(answer)
        i = 0
        while i < len(lines):
            if lines[i].kind == "head":  # a table: its head row and the rows below it
                rows = [lines[i]]
                while i + 1 < len(lines) and lines[i + 1].kind == "row":
                    i += 1
                    rows.append(lines[i])
                _table(document, rows, notes)
            else:
                style = "List Bullet" if lines[i].kind == "li" else None
                _fill(document.add_paragraph(style=style), lines[i].pieces, notes)
            i += 1
    notes.attach()
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def _chinese(document) -> None:
    """The template sets East Asian text in its theme's fonts, which Word and LibreOffice resolve
    to Japanese ones (MS Mincho, MS Gothic): name Chinese fonts instead, 宋体 for text and 黑体
    for headings, and say the East Asian text is zh-CN."""
    for fonts in document.styles.element.iter(f"{{{W_NS}}}rFonts"):
        theme = fonts.attrib.pop(f"{{{W_NS}}}eastAsiaTheme", None)
        if theme is not None:
            fonts.set(f"{{{W_NS}}}eastAsia", "黑体" if theme.startswith("major") else "宋体")
    for lang in document.styles.element.iter(f"{{{W_NS}}}lang"):
        lang.set(f"{{{W_NS}}}eastAsia", "zh-CN")


def _table(document, rows: list[Line], notes: "Footnotes") -> None:
    width = max(len(r.cells) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, cell in enumerate(row.cells):
            paragraph = table.cell(r, c).paragraphs[0]
            _fill(paragraph, [Piece(p.text, p.bold or r == 0, p.note) for p in cell], notes)


def _fill(paragraph, pieces: list[Piece], notes: "Footnotes") -> None:
    for piece in pieces:
        if piece.note is not None:
            notes.reference(paragraph, piece.note)
        elif piece.text:
            paragraph.add_run(_clean(piece.text)).bold = piece.bold or None


class Footnotes:
    """The footnotes of one document: references added to its paragraphs, then the part."""

    def __init__(self, document, public_link) -> None:
        self.document, self.public_link = document, public_link
        self.notes: list[Citation] = []

    def reference(self, paragraph, citation: Citation) -> None:
        """A footnote reference mark at the end of ``paragraph`` (a new note for each reference:
        a Word footnote is referenced once)."""
        from docx.oxml import parse_xml

        self.notes.append(citation)
        paragraph._p.append(parse_xml(
            f'<w:r xmlns:w="{W_NS}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{len(self.notes)}"/></w:r>'))

    def attach(self) -> None:
        """Write word/footnotes.xml and relate it to the document (nothing when there are no notes)."""
        if not self.notes:
            return
        from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, b"", self.document.part.package)
        body = [_separator(-1, "separator"), _separator(0, "continuationSeparator")]
        for number, citation in enumerate(self.notes, start=1):
            link = self.public_link(citation.link)
            rid = part.relate_to(link, RELATIONSHIP_TYPE.HYPERLINK, is_external=True) \
                if link.startswith(("http://", "https://")) else None
            body.append(_note(number, note_text(citation), link, rid))
        part._blob = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      f'<w:footnotes xmlns:w="{W_NS}" xmlns:r="{R_NS}">{"".join(body)}</w:footnotes>').encode("utf-8")
        self.document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
        self._declare_separators()

    def _declare_separators(self) -> None:
        """settings.xml names the separator notes (w:footnotePr), before w:compat as the schema orders it."""
        from docx.oxml import parse_xml

        settings = self.document.settings.element
        pr = parse_xml(f'<w:footnotePr xmlns:w="{W_NS}"><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>')
        compat = settings.find(f"{{{W_NS}}}compat")
        if compat is not None:
            compat.addprevious(pr)


def _separator(number: int, kind: str) -> str:
    mark = "<w:separator/>" if kind == "separator" else "<w:continuationSeparator/>"
    return (f'<w:footnote w:type="{kind}" w:id="{number}"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
            f'w:lineRule="auto"/></w:pPr><w:r>{mark}</w:r></w:p></w:footnote>')


def _note(number: int, text: str, link: str, rid: str | None) -> str:
    size = f'<w:sz w:val="{NOTE_SIZE}"/><w:szCs w:val="{NOTE_SIZE}"/>'
    if rid:
        link_xml = (f'<w:hyperlink r:id={quoteattr(rid)}><w:r><w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/>'
                    f'{size}</w:rPr><w:t xml:space="preserve">{escape(_clean(link))}</w:t></w:r></w:hyperlink>')
    else:
        link_xml = f'<w:r><w:rPr>{size}</w:rPr><w:t xml:space="preserve">{escape(_clean(link))}</w:t></w:r>'
    return (f'<w:footnote w:id="{number}"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
            f'<w:r><w:rPr><w:vertAlign w:val="superscript"/>{size}</w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:rPr>{size}</w:rPr><w:t xml:space="preserve"> {escape(_clean(text))} </w:t></w:r>'
            f"{link_xml}</w:p></w:footnote>")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
