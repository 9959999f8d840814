"""The lexical index: BM25 over the jieba tokens of every chunk a report record lists, derived from
the store and kept on disk beside it, memory-mapped.

One folder per fingerprint of the report records (ids, text hashes, chunk ids), so a stale index
is never read: BM25's matrix (bm25s's layout: a column of scores per token, Lucene's BM25) and the
chunk records column by column (texts in one UTF-8 file). Every process that opens it maps the same
pages, and a record is made only when a question reads it: at 10,000 reports (150,000 chunks) a
process holds a few MB of it instead of gigabytes, and opens it in a fraction of a second. The
folder is written whole under a temporary name and renamed into place, so a reader sees the old
index or the new one; whoever needs an index that is not there builds it (the ingest that changed
the records does, so the app processes only open it).
"""

from __future__ import annotations

import hashlib
import json
import math
import mmap
import os
import re
import shutil
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import pinyin
from .documents import ChunkRecord, Filters
from .settings import Settings
from .store import Store, unpack_chunk

FORMAT = 7  # bump when the folder's layout changes (7: the offices' pinyin, pinyin.py)
CODED = ("report_id", "office", "title", "section", "half", "phase", "role")  # few distinct values
TEXTS = ("id", "paragraph_ids", "text")  # one value per chunk, in text.bin


RECORDS_HELD = 4096  # records kept made (~1 KB each): a question reads ~100, often the same ones


def _mapped(path: Path) -> np.ndarray:
    """A column file memory-mapped, as a plain array over the mapped pages (np.memmap's own
    indexing costs ~1 µs a read in Python, and a question reads thousands)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


class Rows:
    """The chunk records, by row, from the folder's columns (a ChunkRecord made on first access
    and kept, up to RECORDS_HELD of them: records are never changed once made)."""

    def __init__(self, folder: Path) -> None:
        self.codes = {name: _mapped(folder / f"{name}.npy") for name in CODED}
        self.ints = {name: _mapped(folder / f"{name}.npy") for name in ("year", "start", "end")}
        self.values = json.loads((folder / "values.json").read_text(encoding="utf-8"))
        self.offsets = _mapped(folder / "text.npy")
        self.blob = _map_bytes(folder / "text.bin") if self.offsets[-1] else b""
        self.id_keys, self.id_rows = _mapped(folder / "id_key.npy"), _mapped(folder / "id_row.npy")
        self._made: dict[int, ChunkRecord] = {}

    def __len__(self) -> int:
        return len(self.codes["office"])

    def text(self, i: int, field_: int) -> str:
        a, b = int(self.offsets[3 * i + field_]), int(self.offsets[3 * i + field_ + 1])
        return self.blob[a:b].decode("utf-8")

    def __getitem__(self, i: int) -> ChunkRecord:
        i = int(i)
        made = self._made.get(i)
        if made is not None:
            return made
        coded = {name: self.values[name][int(self.codes[name][i])] for name in CODED}
        year, start, end = (int(self.ints[name][i]) for name in ("year", "start", "end"))
        made = ChunkRecord(id=self.text(i, 0), year=year or None, start=start, end=end,
                           paragraph_ids=self.text(i, 1).split(","), text=self.text(i, 2), **coded)
        if len(self._made) >= RECORDS_HELD:
            self._made.clear()  # threads may race here: a record made twice is the same record
        self._made[i] = made
        return made

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def codes_value(self, i: int, name: str):
        """One coded column's value of a row, without making its record."""
        return self.values[name][int(self.codes[name][i])]

    def code(self, name: str, value) -> int:
        """The code of a value in a coded column (-1 when no row has it)."""
        try:
            return self.values[name].index(value)
        except ValueError:
            return -1


@dataclass
class LexicalIndex:
    fingerprint: str
    rows: Rows
    vocab: dict[str, int]  # token -> its column
    data: np.ndarray  # BM25 scores, column by column (float32)
    indices: np.ndarray  # the row of each score
    indptr: np.ndarray  # where each token's column starts
    _by_office: dict[str, list[int]] = field(default_factory=dict)

    def row_of(self, cid: str) -> int | None:
        """The row of a chunk id, None when no row has it."""
        return self.rows_by_id([cid])[0]

    def rows_by_id(self, ids: list[str]) -> list[int | None]:
        """The rows of chunk ids (None for an id no row has), looked up in the folder's sorted
        table of id hashes and checked against the stored id: no table of 150,000 ids is made in
        memory (~90 MB and 0.6 s at 10,000 reports, measured)."""
        if not ids:
            return []
        keys, order = self.rows.id_keys, self.rows.id_rows
        wanted = np.array([id_key(cid) for cid in ids], dtype=np.uint64)
        at = np.searchsorted(keys, wanted)
        out: list[int | None] = []
        for cid, key, j in zip(ids, wanted.tolist(), at.tolist()):
            found = None
            while j < len(keys) and int(keys[j]) == key:  # two ids may share a hash: the text decides
                if self.rows.text(int(order[j]), 0) == cid:
                    found = int(order[j])  # the last row of an id, were one stored twice
                j += 1
            out.append(found)
        return out

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for the query tokens (bm25s's sum, in the query's order)."""
        scores = np.zeros(len(self.rows), dtype=np.float32)
        for token in tokens:
            column = self.vocab.get(token)
            if column is not None:
                a, b = self.indptr[column], self.indptr[column + 1]
                scores[self.indices[a:b]] += self.data[a:b]  # a column holds each row once
        return scores

    def df(self, term: str) -> int:
        """In how many chunks a token occurs."""
        column = self.vocab.get(term)
        return 0 if column is None else int(self.indptr[column + 1] - self.indptr[column])

    def idf(self, term: str) -> float:
        """Inverse document frequency of a token among the chunks; unseen terms count as rare."""
        n, df = len(self.rows), self.df(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def rows_of(self, office: str) -> list[int]:
        """The rows of one office's chunks."""
        if office not in self._by_office:
            code = self.rows.code("office", office)
            self._by_office[office] = np.flatnonzero(self.rows.codes["office"] == code).tolist() if code >= 0 else []
        return self._by_office[office]

    def admitted(self, filters: Filters) -> np.ndarray:
        """Which rows the filters admit, column by column (Filters.admits for every row)."""
        codes, rows = self.rows.codes, self.rows
        keep = np.ones(len(rows), dtype=bool)
        for name, wanted in (("office", filters.offices), ("phase", (filters.phase,) if filters.phase else ())):
            if wanted:
                keep &= np.isin(codes[name], [rows.code(name, v) for v in wanted])
        if filters.years:
            keep &= np.isin(rows.ints["year"], list(filters.years))
        if filters.half:
            keep &= np.isin(codes["half"], [rows.code("half", ""), rows.code("half", filters.half)])
        return keep


def id_key(cid: str) -> int:
    """A chunk id's 64-bit hash, by which the folder's id table is sorted."""
    return int.from_bytes(hashlib.blake2b(cid.encode("utf-8"), digest_size=8).digest(), "little")


def _map_bytes(path: Path) -> mmap.mmap:
    """A file memory-mapped read-only, sliced as bytes."""
    with path.open("rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def fingerprint(records: dict[str, dict]) -> str:
    """What the cache was built from: each report's file, chunks and parser version (a new parser
    may keep a chunk's id and change what is known of it: its role, period, section)."""
    return hashlib.sha1(json.dumps(
        [FORMAT] + sorted((rid, m["sha256"], m["chunk_ids"], m.get("parser", "")) for rid, m in records.items())
    ).encode()).hexdigest()


def load_or_build(store: Store, records: dict[str, dict], settings: Settings) -> LexicalIndex:
    """The lexical index of these records: its folder if one was built for them, else built from
    the store (and written for the next process)."""
    key = fingerprint(records)
    folder = folder_for(settings, store.model_name, key)
    if not (folder / "done").exists():
        _build(store, records, settings, folder)
    return open_folder(folder, key)


def folder_for(settings: Settings, model_name: str, key: str) -> Path:
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", f"{settings.chroma_url or 'local'}-{model_name}")
    return settings.index_dir / f"{slug}-lexical-{key[:20]}"


def open_folder(folder: Path, key: str) -> LexicalIndex:
    pinyin.load(folder)  # the offices' pinyin, for the English names of the first question
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    arrays = {name: _mapped(folder / f"bm25.{name}.npy") for name in ("data", "indices", "indptr")}
    return LexicalIndex(key, Rows(folder), {token: i for i, token in enumerate(vocab)}, **arrays)


def _build(store: Store, records: dict[str, dict], settings: Settings, folder: Path) -> None:
    """Read every listed chunk from the store a page at a time, write its columns, then BM25."""
    ids = [cid for m in records.values() for cid in json.loads(m["chunk_ids"])]
    tmp = folder.with_name(f".{folder.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    values: dict[str, dict[str, int]] = {name: {} for name in CODED}
    codes = {name: array("i") for name in CODED}
    ints = {"year": array("i"), "start": array("q"), "end": array("q")}
    offsets, vocab, tokens, lengths = array("q", [0]), {}, array("i"), array("q")
    keys = array("Q")
    with (tmp / "text.bin").open("wb") as blob:
        for cid, meta in store.get_ids(store.chunks, ids, ["metadatas"]):
            meta = unpack_chunk(meta)
            keys.append(id_key(cid))
            for name in CODED:
                codes[name].append(values[name].setdefault(meta[name], len(values[name])))
            ints["year"].append(meta["year"] or 0)
            ints["start"].append(meta["start"])
            ints["end"].append(meta["end"])
            for value in (cid, meta["paragraph_ids"], meta["text"]):
                data = value.encode("utf-8")
                blob.write(data)
                offsets.append(offsets[-1] + len(data))
            row = [vocab.setdefault(t, len(vocab)) for t in meta["tokens"].split(" ")]
            tokens.extend(row)
            lengths.append(len(row))
    for name in CODED:
        np.save(tmp / f"{name}.npy", np.frombuffer(codes[name], dtype=np.int32))
    for name, column in ints.items():
        np.save(tmp / f"{name}.npy", np.frombuffer(column, dtype=np.int32 if name == "year" else np.int64))
    np.save(tmp / "text.npy", np.frombuffer(offsets, dtype=np.int64))
    key_of_row = np.frombuffer(keys, dtype=np.uint64)
    order = np.argsort(key_of_row, kind="stable")
    np.save(tmp / "id_key.npy", key_of_row[order])
    np.save(tmp / "id_row.npy", order.astype(np.int32))
    (tmp / "values.json").write_text(json.dumps({n: list(v) for n, v in values.items()}, ensure_ascii=False),
                                     encoding="utf-8")
    (tmp / "vocab.json").write_text(json.dumps(list(vocab), ensure_ascii=False), encoding="utf-8")
    from .query import pinyin_texts

    pinyin.write(tmp, (text for office in values["office"] if office for text in pinyin_texts(office)))
    matrix = bm25_matrix(np.frombuffer(tokens, dtype=np.int32), np.frombuffer(lengths, dtype=np.int64),
                         len(vocab), settings.bm25_k1, settings.bm25_b)
    for name, value in zip(("data", "indices", "indptr"), matrix):
        np.save(tmp / f"bm25.{name}.npy", value)
    (tmp / "done").write_text(str(len(lengths)))
    _publish(tmp, folder)


def bm25_matrix(tokens: np.ndarray, lengths: np.ndarray, n_vocab: int, k1: float, b: float):
    """bm25s's Lucene BM25 index of token ids (rows of ``lengths`` tokens each), computed with
    numpy instead of a Python loop per chunk, bit for bit the same (tests/test_lexical.py):
    score = float32(idf32 * tf / (k1 * ((1 - b) + b * dl / avgdl) + tf)), idf32 = float32(log(1 + (N - df + .5) /
    (df + .5))); one column per token, its rows ascending. Returns (data, indices, indptr)."""
    n_docs = len(lengths)
    docs = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    pairs, tf = np.unique(tokens.astype(np.int64) * max(n_docs, 1) + docs, return_counts=True)
    column, row = pairs // max(n_docs, 1), pairs % max(n_docs, 1)
    df = np.bincount(column, minlength=n_vocab)
    idf = np.array([math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) if d else 0.0 for d in df.tolist()],
                   dtype=np.float32)
    avgdl = np.array(lengths).mean() if n_docs else 1.0
    norm = k1 * ((1 - b) + b * lengths.astype(np.float64) / avgdl)  # per row, as bm25s computes it
    tf32 = tf.astype(np.float32).astype(np.float64)
    data = (idf[column].astype(np.float64) * (tf32 / (norm[row] + tf32))).astype(np.float32)
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return data, row.astype(np.int32), indptr


def _publish(tmp: Path, folder: Path) -> None:
    """Rename the finished folder into place (another process may have got there first: theirs is
    the same index) and remove the folders of older records (a process still reading one keeps
    its mapped files until it lets go)."""
    try:
        os.rename(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
    prefix = folder.name.rsplit("-", 1)[0] + "-"
    for other in folder.parent.glob(prefix + "*"):
        if other != folder and other.is_dir() and not other.name.startswith("."):
            shutil.rmtree(other, ignore_errors=True)
    for old in folder.parent.glob("*-lexical.pkl"):  # the cache of the previous format
        old.unlink(missing_ok=True)
