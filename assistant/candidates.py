"""A vote becomes an eval item: the admin types the facts a right answer must hold and picks the
supporting sentence from the passages the answer cited; the item, in the format of
``eval/qa.jsonl`` (eval/README_qa.md), is written to ``eval/candidates.jsonl``, which
``python -m eval --qa eval/candidates.jsonl`` scores. A candidate is reviewed by a person before
it joins the curated set: it is written apart, never into qa.jsonl.

An item that says "the reports do not answer this" (``answerable=False``: the assistant should
have refused) needs no facts and no quote."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .errors import NoKeyFactsError, QuoteNotFoundError, UnknownReportError
from .feedback import Vote
from .index import Index
from .locks import held
from .query import language

VARIANT_SEP = "|"  # "7亿元 | 7亿": either form counts; one fact per line


def parse_facts(text: str) -> list[list[str]]:
    """Facts as the admin typed them, one per line (or separated by ；/;), variants by "|"."""
    groups = []
    for line in re.split(r"[\n；;]", text or ""):
        variants = [v.strip() for v in line.split(VARIANT_SEP) if v.strip()]
        if variants:
            groups.append(variants)
    return groups


def support_choices(vote: Vote) -> list[tuple[str, str]]:
    """The sentences the answer cited, as (label, value) for a dropdown: "[n] title › section: text"
    and "report_id\\tsentence"."""
    seen, out = set(), []
    for c in vote.answer.citations:
        value = f"{c.report_id}\t{c.text}"
        if value not in seen:
            seen.add(value)
            out.append((f"[{c.n}] {c.title} › {c.section}：{c.text}", value))
    return out


def candidate_item(vote: Vote, index: Index, facts: list[list[str]], support: list[str],
                   answerable: bool = True) -> dict:
    """The eval item: ``support`` values from support_choices (a report id, a tab, a quote that
    must be in that report as written, whitespace aside)."""
    if answerable and not facts:
        raise NoKeyFactsError(vote.id)
    quotes = []
    for value in support if answerable else []:
        report_id, _, quote = value.partition("\t")
        known = {r.id for r in index.reports()}
        if report_id not in known:
            raise UnknownReportError(report_id)
        if not _contains(index.report(report_id).text, quote.strip()):
            raise QuoteNotFoundError(report_id, quote.strip()[:80])
        quotes.append({"report": report_id, "quote": quote.strip()})
    item = {"id": f"fb-{vote.id}", "question": vote.question, "lang": language(vote.question),
            "type": "feedback", "history": list(vote.history), "answerable": answerable,
            "reports": list(dict.fromkeys(q["report"] for q in quotes)), "key_facts": facts if answerable else [],
            "support": quotes}
    if vote.comment:
        item["note"] = vote.comment
    return item


def add_candidate(path: Path, item: dict) -> None:
    """Append the item to the candidates file, or replace the line of the same id (the admin
    added that vote again). Locked against another app process doing the same."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with held(path.with_name(path.name + ".lock")):  # the file itself is replaced whole
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        kept = [line for line in lines if line.strip() and json.loads(line).get("id") != item["id"]]
        kept.append(json.dumps(item, ensure_ascii=False))
        part = path.with_name(path.name + ".part")
        part.write_text("\n".join(kept) + "\n", encoding="utf-8")
        os.replace(part, path)


def _contains(text: str, quote: str) -> bool:
    """``quote`` in ``text``, ignoring whitespace (a .docx or .pdf has line breaks of its own)."""
    if not quote:
        return False
    return quote in text or "".join(quote.split()) in "".join(text.split())
