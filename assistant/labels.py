"""Every word the product says to a person, Chinese (the default: the offices' staff) and English.

The words are data: ``assistant/data/labels.toml``, one key a line with its Chinese and its English
text, so a label cannot exist in one language only. Templates use ``str.format`` fields. The
interface, the answers, the not-found messages, the CLI and the typed errors all read their text
from here; ``prompts/`` holds what is said to a language model. The file is read on first use."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

LABELS_FILE = Path(__file__).parent / "data" / "labels.toml"


@functools.cache
def _tables() -> dict[str, dict]:
    table = {key: tuple(pair) for key, pair in tomllib.loads(LABELS_FILE.read_text(encoding="utf-8")).items()}
    bad = [key for key, pair in table.items() if len(pair) != 2 or not all(isinstance(t, str) for t in pair)]
    if bad:
        raise ValueError(f"{LABELS_FILE}: each label needs its Chinese and its English text: {bad}")
    zh = {key: pair[0] for key, pair in table.items()}
    en = {key: pair[1] for key, pair in table.items()}
    for words in (zh, en):
        words["examples"] = words["examples"].split("|")
    return {"LABELS": table, "ZH": zh, "EN": en, "LANGUAGES": {"zh": zh, "en": en}}


def __getattr__(name: str):
    """LABELS (key -> (zh, en)), ZH and EN (key -> text) and LANGUAGES, read on first use."""
    if name in ("LABELS", "ZH", "EN", "LANGUAGES"):
        return _tables()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def labels(lang: str) -> dict:
    """The label table for a language; anything but "en" gets Chinese, the default."""
    tables = _tables()
    return tables["LANGUAGES"].get(lang, tables["ZH"])


def say(lang: str, key: str, **values) -> str:
    """One label in a language, its fields filled in."""
    return labels(lang)[key].format(**values)


def error_message(error: Exception, words: dict) -> str:
    """A typed error in the interface's language (its own template, its fields filled in); any
    other exception inside the localised frame."""
    message = getattr(error, "message", None)
    if callable(message):
        return message(words["lang_attr"][:2])
    return words["failed"].format(error=error)
