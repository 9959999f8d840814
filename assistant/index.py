"""The hybrid index: Chroma holds everything (chunk vectors, chunk metadata and text, and one
record per report with its parsed structure); the BM25 index over jieba tokens is derived from
it and cached on disk, so any number of app processes can share one Chroma server.

Consistency without home-made transactions: a report's record lists the ids of its chunks and is
written (one atomic Chroma upsert) only after its new chunks are stored; old chunks are deleted
after. Readers only trust chunks that a report record lists, so a crash at any point leaves the
previous version of every report answering, and the next ingest cleans up.

Several processes can share one store (a Chroma server, or one folder): each keeps the report
records, the listing and the BM25 index in memory and rebuilds them when the store's generation
token changes; every write ends by setting a new token. Dense vectors are embedded from a chunk's
passage and headings (not its office), so the same section in many reports, or a report
re-indexed after a parser change, reuses the vector from the embedding cache.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import math
import logging
import os
import pickle
import re
import threading
import time
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .chunking import chunk_report
from .documents import Chunk, Paragraph, Report, Section
from .embeddings import Embedder, VectorCache
from .errors import AssistantError, IndexNotBuiltError, IngestLockedError, UnknownReportError, \
    UnsupportedFileError
from .loaders import SUFFIXES
from .parse import read_report, report_id_for
from .settings import Settings
from .textnorm import add_words, search_form, tokenize

log = logging.getLogger(__name__)
LEXICAL_CACHE = "lexical.pkl"
LOCK_FILE = "ingest.lock"
CACHE_FORMAT = 2  # bump when the cached lexical payload changes shape
LOCK_WAIT_S = 600  # a second ingest waits this long for the first to finish, then gives up
VECTOR_CACHE = "vectors.sqlite"
PAGE = 1000  # rows per Chroma read or write: within a Chroma server's request limits
BATCH_REPORTS = 50  # reports written per Chroma round trip: amortises the calls, bounds memory
GENERATION_TTL_S = 1.0  # how stale another process's ingest may look here: one check per request
REPORT_CACHE = 256  # parsed reports kept in memory for the source viewer and the answerer


@dataclass
class IngestResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "file: what went wrong and what to do"
    chunks_stored: int = 0  # new chunks written
    chunks_embedded: int = 0  # of those, passages the model embedded
    chunks_reused: int = 0  # of those, vectors taken from the embedding cache
    seconds: float = 0.0
    embed_seconds: float = 0.0  # time in the embedding model only

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} "
                f"unchanged, {len(self.removed)} removed, {len(self.errors)} failed; "
                f"{self.chunks_embedded} chunks embedded in {self.embed_seconds:.1f}s, "
                f"{self.chunks_reused} vectors reused; total {self.seconds:.1f}s")


@dataclass
class ChunkRecord:
    """A stored chunk as search sees it."""
    id: str
    report_id: str
    office: str
    title: str
    section: str  # heading path joined with " › "
    year: int | None
    half: str
    phase: str
    role: str
    start: int
    end: int
    paragraph_ids: list[str]
    text: str


@dataclass
class _Parsed:
    """A report read and chunked, waiting to be written."""
    rid: str
    report: Report
    chunks: list[Chunk]
    file_sha: str
    old: dict | None


class Index:
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client = None
        self._collections: dict[str, object] = {}
        self._lock = threading.RLock()
        self._lexical = None  # (fingerprint, bm25, records, id_to_row, df)
        self._lexical_token = None  # the generation the in-memory lexical index was built at
        self._records = None  # (generation, {report id: record metadata})
        self._listing = None  # (generation, rows of reports())
        self._checked = (0.0, "")  # (monotonic time, generation) of the last look at the store
        self._reports: OrderedDict[str, Report] = OrderedDict()
        self.vectors = VectorCache(settings.index_dir / VECTOR_CACHE, embedder.name)

    # --- Chroma --------------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)
            if self.settings.chroma_url:
                from urllib.parse import urlparse

                url = urlparse(self.settings.chroma_url)
                self._client = chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1", port=url.port or 8000,
                    ssl=url.scheme == "https", settings=chroma_settings)
            else:
                self.settings.index_dir.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(
                    path=str(self.settings.index_dir / "chroma"), settings=chroma_settings)
        return self._client

    def _collection(self, kind: str):
        if kind not in self._collections:  # one lookup per process, not one per call (a round trip)
            slug = re.sub(r"[^a-zA-Z0-9]+", "-", self.embedder.name).strip("-")[:40] or "none"
            name = f"{self.settings.collection}-{slug}-{kind}"
            self._collections[kind] = self.client.get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine"})
        return self._collections[kind]

    @property
    def chunks(self):
        return self._collection("chunks")

    @property
    def docs(self):
        return self._collection("docs")

    @property
    def state(self):
        return self._collection("state")

    def _get_all(self, collection, include: list[str]):
        """(id, metadata) of every row, a page at a time (a server caps one response)."""
        offset = 0
        while True:
            got = collection.get(include=include, limit=PAGE, offset=offset)
            metas = got["metadatas"] if "metadatas" in include else [None] * len(got["ids"])
            yield from zip(got["ids"], metas)
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    def _get_ids(self, collection, ids: list[str], include: list[str]):
        """(id, metadata) of the given rows that exist, asking for a page of ids at a time."""
        for i in range(0, len(ids), PAGE):
            got = collection.get(ids=ids[i:i + PAGE], include=include)
            metas = got["metadatas"] if "metadatas" in include else [None] * len(got["ids"])
            yield from zip(got["ids"], metas)

    # --- generation: has any process changed the store? ------------------------------------------
    def generation(self) -> str:
        """The store's current generation token ("" for a store written before tokens existed:
        then every read goes to the store). Looked up at most once per GENERATION_TTL_S."""
        now = time.monotonic()
        checked_at, token = self._checked
        if token and now - checked_at < GENERATION_TTL_S:
            return token
        got = self.state.get(ids=["generation"], include=["metadatas"])
        token = got["metadatas"][0]["token"] if got["ids"] else ""
        self._checked = (now, token)
        return token

    def _bump(self) -> None:
        """Tell every process that the store changed. Called after each write is complete."""
        self.state.upsert(ids=["generation"], embeddings=[[0.0]],
                          metadatas=[{"token": uuid.uuid4().hex, "at": time.time()}])
        self._checked = (0.0, "")
        self._records = self._listing = None
        self._lexical = None

    @contextmanager
    def _announce(self):
        """Bump the generation after a write, also one that failed half-way (what it wrote
        counts); a failure to bump never hides the write's own error."""
        try:
            yield
        except BaseException:
            try:
                self._bump()
            except Exception as e:  # the store is likely down: the first error is the one to show
                log.warning("could not record the index generation: %s", e)
            raise
        self._bump()

    # --- reading --------------------------------------------------------------------------------
    def _current_records(self) -> dict[str, dict]:
        with self._lock:
            token = self.generation()
            if self._records is None or not token or self._records[0] != token:
                records = dict(self._get_all(self.docs, ["metadatas"]))
                for rid, report in list(self._reports.items()):  # changed or removed elsewhere
                    if records.get(rid, {}).get("sha256") != report.sha256:
                        del self._reports[rid]
                self._records = (token, records)
            return self._records[1]

    def report_records(self) -> dict[str, dict]:
        return dict(self._current_records())

    def is_built(self) -> bool:
        return self.docs.count() > 0

    def reports(self) -> list[dict]:
        """Metadata of every indexed report, for listings."""
        with self._lock:
            records = self._current_records()
            if self._listing is None or self._listing[0] is not records:
                rows = []
                for rid, meta in sorted(records.items()):
                    rows.append({"id": rid, "title": meta["title"], "office": meta["office"],
                                 "region": meta.get("region", ""), "years": json.loads(meta["years"]),
                                 "kind": meta["kind"], "source": meta["source"],
                                 "date": meta.get("date", ""), "chunks": len(json.loads(meta["chunk_ids"])),
                                 "title_inferred": bool(meta.get("title_inferred", False))})
                self._listing = (records, rows)
            return [{**row, "years": list(row["years"])} for row in self._listing[1]]

    def report(self, report_id: str) -> Report:
        """The full parsed report (text and section tree), for the source viewer."""
        with self._lock:
            if report_id in self._reports:
                self._reports.move_to_end(report_id)
                return self._reports[report_id]
        got = self.docs.get(ids=[report_id], include=["documents"])
        if not got["ids"]:
            raise UnknownReportError(report_id)
        report = _report_from_json(got["documents"][0])
        with self._lock:
            self._reports[report_id] = report
            while len(self._reports) > REPORT_CACHE:
                self._reports.popitem(last=False)
        return report

    def lexical(self):
        """(bm25, records, id_to_row): rebuilt when the set of indexed reports has changed."""
        with self._lock:
            records = self._current_records()
            token = self._records[0]
            if self._lexical and token and self._lexical_token == token:
                return self._lexical[1:4]
            if not records:
                raise IndexNotBuiltError(self.settings.chroma_url or str(self.settings.index_dir))
            fingerprint = hashlib.sha1(json.dumps(
                [CACHE_FORMAT] + sorted((rid, m["sha256"], m["chunk_ids"]) for rid, m in records.items())).encode()
            ).hexdigest()
            if not (self._lexical and self._lexical[0] == fingerprint):
                cached = self._load_cache(fingerprint)
                if cached is None:
                    cached = self._build_lexical(records)
                    self._save_cache(fingerprint, cached)
                add_words(m["office"] for m in records.values())
                add_words(m["office"].removesuffix("街道") for m in records.values())
                self._lexical = (fingerprint, *cached)
            self._lexical_token = token
            return self._lexical[1:4]

    def idf(self, term: str) -> float:
        """Inverse document frequency of a token among the chunks; unseen terms count as rare."""
        self.lexical()
        _, _, rows, _, df = self._lexical
        n = len(rows)
        return math.log(1 + (n - df.get(term, 0) + 0.5) / (df.get(term, 0) + 0.5))

    def _build_lexical(self, records: dict[str, dict]):
        import bm25s

        ids = [cid for m in records.values() for cid in json.loads(m["chunk_ids"])]
        rows: list[ChunkRecord] = []
        corpus_tokens: list[list[str]] = []
        for cid, meta in self._get_ids(self.chunks, ids, ["metadatas"]):
            rows.append(_record(cid, meta))
            corpus_tokens.append(meta["tokens"].split(" "))
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(corpus_tokens, show_progress=False)
        df: dict[str, int] = {}
        for tokens in corpus_tokens:
            for token in set(tokens):
                df[token] = df.get(token, 0) + 1
        return bm25, rows, {r.id: i for i, r in enumerate(rows)}, df

    def _cache_path(self) -> Path:
        slug = re.sub(r"[^a-zA-Z0-9]+", "-", f"{self.settings.chroma_url or 'local'}-{self.embedder.name}")
        return self.settings.index_dir / f"{slug}-{LEXICAL_CACHE}"

    def _load_cache(self, fingerprint: str):
        path = self._cache_path()
        try:
            with path.open("rb") as f:
                stored_fingerprint, payload = pickle.load(f)
            return payload if stored_fingerprint == fingerprint else None
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return None

    def _save_cache(self, fingerprint: str, payload) -> None:
        path = self._cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as f:
            pickle.dump((fingerprint, payload), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: readers see the old cache or the new one

    # --- writing --------------------------------------------------------------------------------
    @contextmanager
    def _ingest_lock(self):
        self.settings.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.settings.index_dir / LOCK_FILE, "w") as handle:
            deadline = time.monotonic() + LOCK_WAIT_S
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise IngestLockedError(str(self.settings.index_dir))
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ingest(self, paths: Iterable[Path] | None = None, *, prune: bool | None = None,
               progress: Callable[[float, str], None] | None = None,
               manifest: dict | None = None) -> IngestResult:
        """Index the corpus folder (or the given files). Unchanged files cost nothing; changed
        ones are re-parsed and only their new chunks embedded. With ``prune`` (the default when
        the whole corpus is ingested) reports whose file is gone are removed."""
        started = time.perf_counter()
        result = IngestResult()
        corpus = self.settings.corpus_dir
        files = sorted(_discover(corpus)) if paths is None else [Path(p) for p in paths]
        prune = paths is None if prune is None else prune
        manifest = load_manifest(corpus) if manifest is None else manifest
        with self._ingest_lock(), self._lock:
            self._checked = (0.0, "")  # another process may have written since we last looked
            existing = self.report_records()
            seen: set[str] = set()
            batch: list[_Parsed] = []
            with self._announce():
                for n, path in enumerate(files):
                    if progress:
                        progress(n / max(len(files), 1), f"{path.name}")
                    rid = report_id_for(path)
                    seen.add(rid)
                    try:
                        parsed = self._read(path, rid, existing.get(rid), manifest.get(rid), result)
                    except AssistantError as e:
                        log.warning("%s", e)
                        result.errors.append(str(e))
                        continue
                    if parsed is not None:
                        batch.append(parsed)
                    if len(batch) >= BATCH_REPORTS:
                        self._write(batch, result)
                        batch = []
                if batch:
                    self._write(batch, result)
                if prune:
                    for rid in sorted(set(existing) - seen):
                        self._delete(rid, existing[rid])
                        result.removed.append(rid)
        if progress:
            progress(1.0, "done")
        result.seconds = time.perf_counter() - started
        log.info("ingest: %s", result.summary())
        return result

    def _read(self, path: Path, rid: str, old: dict | None, overrides: dict | None,
              result: IngestResult) -> _Parsed | None:
        """Parse and chunk one file, or None when it is unchanged since it was indexed."""
        try:
            data = path.read_bytes()
        except OSError as e:
            raise UnsupportedFileError(str(path), f"cannot be read ({e.strerror})") from e
        file_sha = hashlib.sha256(data + json.dumps(overrides or {}, sort_keys=True).encode()).hexdigest()
        if old is not None and old.get("file_sha") == file_sha and old.get("parser") == PARSER_VERSION:
            result.unchanged.append(rid)
            return None
        report = read_report(path, self.settings.corpus_dir, overrides, data)
        chunks = chunk_report(report, self.settings.chunk_tokens, self.settings.min_chunk_tokens)
        if not chunks:
            raise UnsupportedFileError(str(path), "no report text found in it (only headers, "
                                                  "advertising or an empty body)")
        add_words([report.office, report.office.removesuffix("街道")])
        return _Parsed(rid, report, chunks, file_sha, old)

    def _write(self, batch: list[_Parsed], result: IngestResult) -> None:
        """Store the new chunks of a batch of reports, then their records (one upsert), then
        delete the chunks they no longer list."""
        every = [c.id for p in batch for c in p.chunks]
        have = {cid for cid, _ in self._get_ids(self.chunks, every, [])}
        new: list[tuple[Chunk, str]] = []
        for p in batch:
            # a record written by another parser version: its chunks' vectors are redone
            fresh = p.old is not None and p.old.get("parser") != PARSER_VERSION
            new += [(c, dense_text(p.report, c)) for c in p.chunks if fresh or c.id not in have]
        vectors = self._embed([text for _, text in new], result)
        result.chunks_stored += len(new)
        for i in range(0, len(new), PAGE):
            part = [c for c, _ in new[i:i + PAGE]]
            self.chunks.upsert(ids=[c.id for c in part], embeddings=vectors[i:i + PAGE].tolist(),
                               documents=[c.search_text for c in part],
                               metadatas=[_chunk_meta(c) for c in part])
        self.docs.upsert(ids=[p.rid for p in batch], embeddings=[[0.0]] * len(batch),
                         documents=[_report_to_json(p.report) for p in batch],
                         metadatas=[_report_meta(p.report, p.file_sha, [c.id for c in p.chunks])
                                    for p in batch])
        stale: list[str] = []
        for p in batch:
            self._reports.pop(p.rid, None)
            if p.old is None:
                result.added.append(p.rid)
                continue
            stale += sorted(set(json.loads(p.old["chunk_ids"])) - {c.id for c in p.chunks})
            result.updated.append(p.rid)
        for i in range(0, len(stale), PAGE):
            self.chunks.delete(ids=stale[i:i + PAGE])

    def _embed(self, texts: list[str], result: IngestResult) -> np.ndarray:
        """Vectors for passages: from the embedding cache where it has them, else from the model
        (each distinct text once), which are then cached."""
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if not self.embedder.enabled:
            return np.zeros((len(texts), 1), dtype=np.float32)
        known = self.vectors.get(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            t0 = time.perf_counter()
            computed = self.embedder.embed_documents(missing)
            result.embed_seconds += time.perf_counter() - t0
            self.vectors.put(missing, computed)
            known.update(zip(missing, computed))
        result.chunks_embedded += len(missing)
        result.chunks_reused += len(texts) - len(missing)
        return np.stack([known[t] for t in texts])

    def remove(self, report_id: str) -> None:
        with self._ingest_lock(), self._lock:
            self._checked = (0.0, "")
            records = self.report_records()
            if report_id not in records:
                raise UnknownReportError(report_id)
            with self._announce():
                self._delete(report_id, records[report_id])

    def _delete(self, rid: str, meta: dict) -> None:
        self.docs.delete(ids=[rid])  # first the record: its chunks stop counting at once
        ids = json.loads(meta["chunk_ids"])
        for i in range(0, len(ids), PAGE):
            self.chunks.delete(ids=ids[i:i + PAGE])
        self._reports.pop(rid, None)

    def collect_garbage(self) -> int:
        """Delete chunks no report lists (left by an ingest that was killed). Returns how many."""
        with self._ingest_lock(), self._lock:
            self._checked = (0.0, "")
            valid = {cid for m in self.report_records().values() for cid in json.loads(m["chunk_ids"])}
            stored = {cid for cid, _ in self._get_all(self.chunks, [])}
            orphans = sorted(stored - valid)
            for i in range(0, len(orphans), PAGE):
                self.chunks.delete(ids=orphans[i:i + PAGE])
            return len(orphans)

    # --- dense search ---------------------------------------------------------------------------
    def dense_search(self, query: str, n: int, where: dict | None) -> list[tuple[str, float]]:
        if not self.embedder.enabled:
            return []
        vector = self.embedder.embed_query(query)
        got = self.chunks.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                                include=["distances"])
        return list(zip(got["ids"][0], (1.0 - d for d in got["distances"][0])))


PARSER_VERSION = "2"  # bump when parsing, chunking or dense_text changes: every report is re-indexed
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、．.]|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]|"
                        r"\d{1,2}\s*[、．.](?!\d))\s*")


def load_manifest(corpus_dir: Path) -> dict:
    import tomllib

    path = corpus_dir / "manifest.toml"
    if not path.exists():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise AssistantError(f"{path}: not valid TOML ({e}); fix the file or remove it") from e


def _discover(corpus: Path):
    if not corpus.exists():
        raise AssistantError(f"no corpus folder at {corpus}; create it and put the reports there")
    for path in corpus.rglob("*"):
        if path.is_file() and path.suffix.lower() in SUFFIXES and not path.name.startswith("."):
            yield path


def dense_text(report: Report, chunk: Chunk) -> str:
    """What the dense model embeds: the chunk's headings without their numbers, then its passage,
    in search form. Not the office name (which filters and BM25 handle): so the same section
    reads the same wherever it appears and its vector is computed once."""
    headings = " ".join(_NUMBERING.sub("", h) for h in chunk.section_path if h)
    return search_form(f"{headings}\n{chunk.text}" if headings else chunk.text, report.uses_d_for_dang)


def _chunk_meta(c: Chunk) -> dict:
    return {"report_id": c.report_id, "office": c.office, "title": c.title,
            "section": " › ".join(p for p in c.section_path if p), "year": c.year or 0,
            "half": c.half, "phase": c.phase, "role": c.role, "start": c.start, "end": c.end,
            "paragraph_ids": ",".join(c.paragraph_ids), "text": c.text,
            "tokens": " ".join(tokenize(c.search_text))}


def _record(cid: str, meta: dict) -> ChunkRecord:
    return ChunkRecord(id=cid, report_id=meta["report_id"], office=meta["office"], title=meta["title"],
                       section=meta["section"], year=meta["year"] or None, half=meta["half"],
                       phase=meta["phase"], role=meta["role"], start=meta["start"], end=meta["end"],
                       paragraph_ids=meta["paragraph_ids"].split(","), text=meta["text"])


def _report_meta(report: Report, file_sha: str, chunk_ids: list[str]) -> dict:
    return {"title": report.title, "office": report.office, "region": report.region,
            "years": json.dumps(report.years), "kind": report.kind, "source": report.source,
            "date": report.date, "sha256": report.sha256, "file_sha": file_sha,
            "parser": PARSER_VERSION, "chunk_ids": json.dumps(chunk_ids),
            "title_inferred": report.title_inferred}


def _report_to_json(report: Report) -> str:
    return json.dumps(dataclasses.asdict(report), ensure_ascii=False)


def _report_from_json(payload: str) -> Report:
    data = json.loads(payload)

    def section(d: dict) -> Section:
        return Section(**{**d, "path": tuple(d["path"]),
                          "paragraphs": [Paragraph(**p) for p in d["paragraphs"]],
                          "children": [section(c) for c in d["children"]]})

    data["sections"] = [section(s) for s in data["sections"]]
    data["excluded"] = [tuple(x) for x in data["excluded"]]
    return Report(**data)
