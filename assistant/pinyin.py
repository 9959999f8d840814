"""The pinyin of office names, by which English questions name offices (铁西 -> tiexi).

pypinyin takes ~0.5 s to import and ~0.1 ms a name; a worker at 10,000 reports computed it for
every office at its first question (~1.5 s of a 5 s start, measured). So the ingest that builds
the lexical folder writes the pinyin of the corpus's office names there (``pinyin.json``, keyed
like the folder by the report records: a new office means a new folder), and a process that
opens the folder reads it instead. The pinyin of a text is a pure function of the text and
pypinyin's version: the file names the version it was made with and is not read under another,
and a text it lacks is computed here as before."""

from __future__ import annotations

import json
import threading
from importlib import metadata
from pathlib import Path
from typing import Iterable

FILE = "pinyin.json"
_known: dict[str, tuple[str, ...]] = {}  # text -> its syllables (a memo of a pure function)
_lock = threading.Lock()


def syllables(text: str) -> tuple[str, ...]:
    """pypinyin's ``lazy_pinyin(text)`` (its default style), computed once per text."""
    got = _known.get(text)
    if got is None:
        from pypinyin import lazy_pinyin

        got = tuple(lazy_pinyin(text))
        with _lock:
            _known[text] = got
    return got


def _version() -> str:
    return metadata.version("pypinyin")


def write(folder: Path, texts: Iterable[str]) -> None:
    """The pinyin of ``texts`` into ``folder`` (a folder being built, not yet renamed into place)."""
    table = {text: list(syllables(text)) for text in sorted(set(texts)) if text}
    (folder / FILE).write_text(json.dumps({"pypinyin": _version(), "pinyin": table}, ensure_ascii=False),
                               encoding="utf-8")


def load(folder: Path) -> int:
    """Take the pinyin a folder holds (none when it has no file or another pypinyin made it);
    returns how many texts it gave."""
    path = folder / FILE
    if not path.exists():
        return 0
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("pypinyin") != _version():
        return 0
    with _lock:
        for text, got in data["pinyin"].items():
            _known.setdefault(text, tuple(got))
    return len(data["pinyin"])
