"""Number verification: every number in an answer sentence must occur in the passage it cites.

Numbers are compared in a canonical form: full-width folded, thousands separators dropped,
trailing zeros of decimals dropped (71480.00 == 71480), and a percent sign kept (24% != 24)."""

from __future__ import annotations

import re
import unicodedata

NUMBER = re.compile(r"(?<![0-9A-Za-z.])(\d+(?:,\d{3})*(?:\.\d+)?)\s*(%|％)?")
PLACEHOLDER = re.compile(r"[XＸx×]{2,}\s*(元|万元|亿元|人|户|个|件|%)?", re.I)


def canonical(number: str, percent: str | None = None) -> str:
    value = number.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    return value + ("%" if percent else "")


def numbers_in(text: str) -> list[str]:
    """Canonical numbers of a text, in order. Years and ordinals count too: a wrong year is wrong."""
    text = unicodedata.normalize("NFKC", text)
    return [canonical(m[1], m[2]) for m in NUMBER.finditer(text)]


def unsupported_numbers(sentence: str, sources: list[str]) -> list[str]:
    """Numbers of ``sentence`` that occur in none of ``sources``."""
    available = set()
    for source in sources:
        for n in numbers_in(source):
            available.add(n)
            available.add(n.rstrip("%"))
    return [n for n in dict.fromkeys(numbers_in(sentence)) if n not in available]


def has_placeholder(text: str) -> bool:
    return bool(PLACEHOLDER.search(text))
