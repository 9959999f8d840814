"""The domain's words as data: assistant/data/vocabulary.toml, loaded once on first use and read
by every stage that needs them (parsing, metadata, questions, answers). Patterns are compiled
here; word lists become alternations longest first, so a longer word wins over a word inside it."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

PATH = Path(__file__).parent / "data" / "vocabulary.toml"


@functools.cache
def data() -> dict:
    with PATH.open("rb") as f:
        return tomllib.load(f)


def words(section: str, name: str) -> list[str]:
    return list(data()[section][name])


@functools.cache
def alternation(section: str, name: str) -> str:
    """The words of a list as a regular-expression alternation, longest first, escaped."""
    return "|".join(re.escape(w) for w in sorted(words(section, name), key=len, reverse=True))


@functools.cache
def pattern(section: str, name: str, flags: int = 0) -> re.Pattern:
    """A compiled entry: a *_pattern is compiled as it is, a word list as an alternation."""
    value = data()[section][name]
    return re.compile(value if isinstance(value, str) else alternation(section, name), flags)


@functools.cache
def office_kinds() -> tuple[tuple[str, str], ...]:
    """(as written, office kind) pairs, longest written form first."""
    pairs = [(k["written"], k["kind"]) for k in data()["offices"]["kinds"]]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@functools.cache
def kind_names() -> tuple[str, ...]:
    """The office kinds themselves (街道, 镇, 苏木 …), longest first: 办事处 before 街道, 苏木 before 乡."""
    return tuple(sorted(dict.fromkeys(kind for _, kind in office_kinds()), key=len, reverse=True))


@functools.cache
def not_names() -> frozenset[str]:
    return frozenset(words("offices", "not_names"))


SYNONYMS = Path(__file__).parent / "data" / "synonyms.tsv"


@functools.cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    """Groups of words that stand for one another (data/synonyms.tsv)."""
    groups = []
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            groups.append(tuple(w.strip().lower() for w in line.split("|") if w.strip()))
    return tuple(groups)


@functools.cache
def synonym_pattern() -> re.Pattern:
    """Any member of any synonym group, longest first."""
    members = sorted({w for g in synonym_groups() for w in g}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in members))


@functools.cache
def synonym_group_of() -> dict[str, tuple[str, ...]]:
    """Each member's synonym group (made once: every passage and question is matched with it)."""
    return {w: g for g in synonym_groups() for w in g}


def synonyms_in(text: str) -> list[tuple[str, ...]]:
    """The synonym groups a (folded) text names a member of, in order, each once."""
    by_member = synonym_group_of()
    found = []
    for m in synonym_pattern().finditer(text):
        group = by_member[m[0]]
        if group not in found:
            found.append(group)
    return found
