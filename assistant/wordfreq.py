"""jieba's word frequencies as a sorted table in memory-mapped files, for the index's tokenizer.

jieba keeps its dictionary (500,000 words and their prefixes) as a dict it unmarshals from its
cache at first use: ~1.4 s and ~60 MB a process, the largest part of an app worker's first
answer (measured at 10,000 reports). Tagging a question looks up a few hundred words, so the
table is looked up where it lies instead: ``Frequencies`` answers ``get``, ``in`` and ``[]``
as the dict does (jieba uses nothing else), words taught later (office names) held in a small
dict of its own. The table is written once per index folder, from jieba's own dict, the first
time a process needs it, into a folder named by jieba's version and its dictionary file (another
jieba, another table), written whole under a temporary name and renamed into place."""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
from pathlib import Path

import numpy as np

_MISSING = object()


class Frequencies:
    """A read-only table of (word, frequency), sorted by the words' UTF-8 bytes, plus words set here."""

    def __init__(self, folder: Path) -> None:
        with (folder / "words.bin").open("rb") as f:
            self._blob = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self._offsets = memoryview(np.load(folder / "offsets.npy", mmap_mode="r").view(np.ndarray)).cast("B").cast("q")
        self._freqs = memoryview(np.load(folder / "freqs.npy", mmap_mode="r").view(np.ndarray)).cast("B").cast("q")
        self._n = len(self._freqs)
        # the rows of the words of each first character (~7,000 of them): a third of the steps
        done = json.loads((folder / "done").read_text())
        self._starts, self.total = done["starts"], done["total"]
        self._added: dict[str, int] = {}

    def _find(self, word: str) -> int:
        if not word:
            return -1
        key = word.encode("utf-8", "surrogatepass")
        lo, hi = self._starts.get(word[0], (0, 0))
        off, blob, end = self._offsets, self._blob, hi
        while lo < hi:
            mid = (lo + hi) // 2
            if blob[off[mid]:off[mid + 1]] < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < end and blob[off[lo]:off[lo + 1]] == key else -1

    def get(self, word: str, default=None):
        got = self._added.get(word, _MISSING)
        if got is not _MISSING:
            return got
        i = self._find(word)
        return default if i < 0 else self._freqs[i]

    def __contains__(self, word: str) -> bool:
        return word in self._added or self._find(word) >= 0

    def __getitem__(self, word: str) -> int:
        got = self.get(word, _MISSING)
        if got is _MISSING:
            raise KeyError(word)
        return got

    def __setitem__(self, word: str, freq: int) -> None:
        self._added[word] = freq


def folder_for(index_dir: Path) -> Path:
    """The table's folder in an index folder: named by jieba's version and dictionary file."""
    import jieba

    dictionary = Path(jieba.__file__).parent / "dict.txt"
    stat = dictionary.stat()
    key = hashlib.sha1(f"{jieba.__version__}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return index_dir / f"jieba-words-{key}"


def write(folder: Path, freq: dict[str, int], total: int) -> None:
    """jieba's dict (``freq``, ``total``) as a table in ``folder``."""
    words = sorted((w.encode("utf-8", "surrogatepass"), f) for w, f in freq.items())
    tmp = folder.with_name(f".{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / "words.bin").write_bytes(b"".join(w for w, _ in words))
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(w) for w, _ in words], out=offsets[1:])
    np.save(tmp / "offsets.npy", offsets)
    np.save(tmp / "freqs.npy", np.array([f for _, f in words], dtype=np.int64))
    starts: dict[str, list[int]] = {}
    for row, (word, _) in enumerate(words):  # sorted by bytes: a first character's words are together
        if word:
            starts.setdefault(word.decode("utf-8", "surrogatepass")[0], [row, row])[1] = row + 1
    (tmp / "done").write_text(json.dumps({"total": total, "words": len(words), "starts": starts}))
    if folder.exists() and not (folder / "done").exists():  # not written here (a folder is renamed
        shutil.rmtree(folder, ignore_errors=True)  # into place whole, "done" in it): nothing to keep
    try:
        os.rename(tmp, folder)
    except OSError:  # another process got there first: theirs is the same table
        shutil.rmtree(tmp, ignore_errors=True)


def jieba_tokenizer(index_dir: Path | None):
    """A jieba Tokenizer with its own dictionary, its frequencies read from the table in
    ``index_dir`` (written there from jieba's dict the first time); None: jieba's dict as usual."""
    import jieba

    tokenizer = jieba.Tokenizer()
    if index_dir is None or not index_dir.is_dir():
        tokenizer.initialize()
        return tokenizer
    folder = folder_for(index_dir)
    if not (folder / "done").exists():
        tokenizer.initialize()
        try:
            write(folder, tokenizer.FREQ, tokenizer.total)
        except OSError:  # a read-only folder: this process keeps jieba's dict
            pass
        return tokenizer
    tokenizer.FREQ = Frequencies(folder)
    tokenizer.total = tokenizer.FREQ.total
    tokenizer.initialized = True
    return tokenizer
