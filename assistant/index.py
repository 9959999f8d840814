"""The hybrid index: Chroma holds everything (chunk vectors, chunk metadata and text, and one
record per report with its parsed structure); the BM25 index over jieba tokens is derived from
it and cached on disk, so any number of app processes can share one Chroma server.

Consistency without home-made transactions: a report's record lists the ids of its chunks and of
its parsed body, and is written (one atomic Chroma upsert) only after they are stored; what it no
longer lists is deleted after. Readers only trust chunks that a report record lists, so a crash at any point leaves the
previous version of every report answering, and the next ingest cleans up.

Several processes can share one store (a Chroma server, or one folder): each keeps the report
records, the listing and the BM25 index in memory and rebuilds them when the store's generation
token changes; every write ends by setting a new token. Dense vectors are embedded from a chunk's
passage and headings (not its office), so the same section in many reports, or a report
re-indexed after a parser change, reuses the vector from the embedding cache.
"""

from __future__ import annotations

import base64
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
import zlib
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
CACHE_FORMAT = 3  # bump when the cached lexical payload changes shape
LOCK_WAIT_S = 600  # a second ingest waits this long for the first to finish, then gives up
VECTOR_CACHE = "vectors.sqlite"
PAGE = 1000  # rows per Chroma read or write: within a Chroma server's request limits
BATCH_REPORTS = 50  # reports written per Chroma round trip: amortises the calls, bounds memory
GENERATION_TTL_S = 1.0  # how stale another process's ingest may look here: one check per request
DENSE_OVERFETCH = (4, 64)  # a filter naming no office is checked here on 4n nearest chunks, then 64n
LOCAL_DENSE_MAX = 300  # up to this many admitted chunks are ranked here exactly (~20 ms of vector reads)


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


@dataclass(slots=True)
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
        self._by_office = None  # (fingerprint, {office: [rows]}) for filtered dense search
        self._records = None  # (generation, {report id: record metadata})
        self._listing = None  # (generation, rows of reports())
        self._offices = None  # (records, sorted office names)
        self._checked = (0.0, "")  # (monotonic time, generation) of the last look at the store
        # every report read stays, with the version it was read at: ~27 KB each (10,000: ~270 MB)
        self._reports: dict[str, tuple[str, Report]] = {}
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
    def bodies(self):
        return self._collection("bodies")

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
                for rid, (version, _) in list(self._reports.items()):  # changed or removed elsewhere
                    if _version(records.get(rid)) != version:
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
                                 "title_inferred": bool(meta.get("title_inferred", False)),
                                 "sha256": meta["sha256"]})
                self._listing = (records, rows)
            return [dict(row) for row in self._listing[1]]

    def offices(self) -> list[str]:
        """The offices of the indexed reports, sorted; recomputed only when the reports change
        (every question reads it: at 10,000 reports, copying the listing each time costs)."""
        with self._lock:
            records = self._current_records()
            if self._offices is None or self._offices[0] is not records:
                self._offices = (records, sorted({meta["office"] for meta in records.values()}))
            return list(self._offices[1])

    def report(self, report_id: str) -> Report:
        """The full parsed report (text and section tree), for the source viewer."""
        with self._lock:
            if report_id in self._reports:
                return self._reports[report_id][1]
        got = self.docs.get(ids=[report_id], include=["metadatas", "documents"])
        if not got["ids"]:
            raise UnknownReportError(report_id)
        body = got["metadatas"][0].get("body")
        if body:
            found = self.bodies.get(ids=[body], include=["metadatas"])
            if not found["ids"]:
                raise UnknownReportError(report_id)
            report = _report_from_dict(_unzip(found["metadatas"][0]["report"]))
        else:  # written before bodies had their own collection
            report = _report_from_dict(json.loads(got["documents"][0]))
        with self._lock:
            self._reports[report_id] = (_version(got["metadatas"][0]), report)
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
        # one string object per distinct token, title or section: at 150,000 chunks the copies
        # would take gigabytes (measured: 3 GB peak without, see README)
        same: dict[str, str] = {}
        for cid, meta in self._get_ids(self.chunks, ids, ["metadatas"]):
            meta = _unpack(meta)
            for key in ("report_id", "office", "title", "section", "half", "phase", "role"):
                meta[key] = same.setdefault(meta[key], meta[key])
            rows.append(_record(cid, meta))
            corpus_tokens.append([same.setdefault(t, t) for t in meta["tokens"].split(" ")])
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
        """The cached payload if it was built for this fingerprint (read first, so a stale
        cache is never unpickled), else None."""
        path = self._cache_path()
        try:
            with path.open("rb") as f:
                if pickle.load(f) != fingerprint:
                    return None
                return pickle.load(f)
        except Exception:  # missing, truncated or from another version: rebuild
            return None

    def _save_cache(self, fingerprint: str, payload) -> None:
        path = self._cache_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as f:
            pickle.dump(fingerprint, f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
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
                               metadatas=[_chunk_meta(c) for c in part])
        metas = [_report_meta(p.report, p.file_sha, [c.id for c in p.chunks]) for p in batch]
        self.bodies.upsert(ids=[m["body"] for m in metas], embeddings=[[0.0]] * len(batch),
                           metadatas=[{"report_id": p.rid, "report": _zip(dataclasses.asdict(p.report))}
                                      for p in batch])
        self.docs.upsert(ids=[p.rid for p in batch], embeddings=[[0.0]] * len(batch), metadatas=metas)
        stale: list[str] = []
        stale_bodies: list[str] = []
        for p, meta in zip(batch, metas):
            self._reports.pop(p.rid, None)
            if p.old is None:
                result.added.append(p.rid)
                continue
            stale += sorted(set(json.loads(p.old["chunk_ids"])) - {c.id for c in p.chunks})
            if p.old.get("body") and p.old["body"] != meta["body"]:
                stale_bodies.append(p.old["body"])
            result.updated.append(p.rid)
        for i in range(0, len(stale), PAGE):
            self.chunks.delete(ids=stale[i:i + PAGE])
        if stale_bodies:
            self.bodies.delete(ids=stale_bodies)

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
        if meta.get("body"):
            self.bodies.delete(ids=[meta["body"]])
        self._reports.pop(rid, None)

    def collect_garbage(self) -> int:
        """Delete chunks and bodies no report lists (left by an ingest that was killed). Returns
        how many chunks."""
        with self._ingest_lock(), self._lock:
            self._checked = (0.0, "")
            records = self.report_records()
            valid = {cid for m in records.values() for cid in json.loads(m["chunk_ids"])}
            orphans = sorted({cid for cid, _ in self._get_all(self.chunks, [])} - valid)
            for i in range(0, len(orphans), PAGE):
                self.chunks.delete(ids=orphans[i:i + PAGE])
            bodies = sorted({b for b, _ in self._get_all(self.bodies, [])} - {m.get("body") for m in records.values()})
            for i in range(0, len(bodies), PAGE):
                self.bodies.delete(ids=bodies[i:i + PAGE])
            return len(orphans)

    # --- dense search ---------------------------------------------------------------------------
    def dense_search(self, query: str, n: int, where: dict | None) -> list[tuple[str, float]]:
        """The ``n`` chunks nearest to the question among those ``where`` admits.

        Chroma's own filtering costs 100-500 ms at 150,000 chunks (measured), so filters are
        applied here with the lexical index's records where they can be: a filter naming offices
        admits few chunks, whose vectors are read and ranked exactly; one naming no office (a
        year, a half-year) admits most chunks, so the nearest chunks are fetched unfiltered and
        checked. Only when that finds too few does Chroma filter."""
        if not self.embedder.enabled:
            return []
        clauses = (where or {}).get("$and", [where] if where else [])
        offices = [o for clause in clauses for o in clause.get("office", {}).get("$in", [])]
        if offices:  # chunk vectors hold no office name; the filter already picks the offices
            query = _without_offices(query, offices)
        vector = self.embedder.embed_query(query)
        simple = all(not k.startswith("$") and (not isinstance(c, dict) or set(c) == {"$in"})
                     for clause in clauses for k, c in clause.items())
        if clauses and simple and self._lexical is not None:
            fingerprint, _, rows, id_to_row, _ = self._lexical
            rest = [c for c in clauses if "office" not in c]
            if offices:
                if self._by_office is None or self._by_office[0] != fingerprint:
                    by_office: dict[str, list[int]] = {}
                    for i, record in enumerate(rows):
                        by_office.setdefault(record.office, []).append(i)
                    self._by_office = (fingerprint, by_office)
                admitted = [rows[i].id for o in offices for i in self._by_office[1].get(o, ())
                            if _admits(rest, rows[i])]
                if len(admitted) <= LOCAL_DENSE_MAX:
                    return self._nearest(vector, admitted, n)
            else:
                for k in (n * factor for factor in DENSE_OVERFETCH):  # 2 ms, then 20 ms at 150,000
                    got = self.chunks.query(query_embeddings=[vector.tolist()], n_results=k,
                                            include=["distances"])
                    found = [(cid, 1.0 - d) for cid, d in zip(got["ids"][0], got["distances"][0])
                             if cid in id_to_row and _admits(clauses, rows[id_to_row[cid]])]
                    if len(found) >= n or len(got["ids"][0]) < k:
                        return found[:n]
        got = self.chunks.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                                include=["distances"])
        return list(zip(got["ids"][0], (1.0 - d for d in got["distances"][0])))

    def _nearest(self, vector: np.ndarray, ids: list[str], n: int) -> list[tuple[str, float]]:
        """Exact cosine ranking of the given chunks (stored vectors are L2-normalised)."""
        if not ids:
            return []
        got = self.chunks.get(ids=ids, include=["embeddings"])
        if not len(got["ids"]):
            return []
        similarity = np.asarray(got["embeddings"], dtype=np.float32) @ vector
        order = np.argsort(-similarity)[:n]
        return [(got["ids"][i], float(similarity[i])) for i in order]


def _admits(clauses: list[dict], record: ChunkRecord) -> bool:
    """Whether a chunk passes Chroma where-clauses of the forms search uses: {"key": value} and
    {"key": {"$in": [...]}}."""
    for clause in clauses:
        for key, condition in clause.items():
            value = getattr(record, key)
            value = value or 0 if key == "year" else value  # stored as 0 when a section has no year
            allowed = condition["$in"] if isinstance(condition, dict) else [condition]
            if value not in allowed:
                return False
    return True


PARSER_VERSION = "2"  # bump when parsing, chunking or dense_text changes: every report is re-indexed


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
    """What the dense model embeds: the passage, in search form, without the office and heading
    prefix that ``search_text`` carries for BM25. The same section then reads the same wherever
    it appears and its vector is computed once; the office is left to filters and BM25 (measured
    on eval/qa.jsonl: recall and MRR with question filters unchanged, see README)."""
    return search_form(chunk.text, report.uses_d_for_dang)


def _without_offices(question: str, offices: list[str]) -> str:
    """The question without the names of the given offices (铁西街道, 铁西, Tiexi), unless
    nothing would be left."""
    from .query import office_aliases

    names = sorted({a for o in offices for a in office_aliases(o)}, key=len, reverse=True)
    stripped = re.sub("|".join(map(re.escape, names)), " ", question, flags=re.I).strip()
    return stripped if re.search(r"\w", stripped) else question


def _chunk_meta(c: Chunk) -> dict:
    """The fields dense search filters on as Chroma metadata; the rest in one JSON value, which
    Chroma stores far faster than a dozen keys (measured: a third less ingest time)."""
    record = {"title": c.title, "section": " › ".join(p for p in c.section_path if p), "role": c.role,
              "start": c.start, "end": c.end, "paragraph_ids": ",".join(c.paragraph_ids), "text": c.text,
              "tokens": " ".join(tokenize(c.search_text))}
    return {"report_id": c.report_id, "office": c.office, "year": c.year or 0, "half": c.half,
            "phase": c.phase, "record": _zip(record)}


def _unpack(meta: dict) -> dict:
    """A chunk's stored fields (also from an index written before they were packed)."""
    return {**meta, **_unzip(meta["record"])} if "record" in meta else meta


def _zip(value) -> str:
    """JSON, compressed, as ASCII: how large values are stored in Chroma metadata. Chroma indexes
    metadata strings and documents for text search; plain Chinese JSON there made ingest three
    times slower (measured), and nothing searches these values."""
    return base64.b64encode(zlib.compress(json.dumps(value, ensure_ascii=False).encode("utf-8"), 1)).decode()


def _unzip(value: str):
    return json.loads(zlib.decompress(base64.b64decode(value)))


def _record(cid: str, meta: dict) -> ChunkRecord:
    return ChunkRecord(id=cid, report_id=meta["report_id"], office=meta["office"], title=meta["title"],
                       section=meta["section"], year=meta["year"] or None, half=meta["half"],
                       phase=meta["phase"], role=meta["role"], start=meta["start"], end=meta["end"],
                       paragraph_ids=meta["paragraph_ids"].split(","), text=meta["text"])


def _report_meta(report: Report, file_sha: str, chunk_ids: list[str]) -> dict:
    body = hashlib.sha1(f"{PARSER_VERSION}:{file_sha}".encode()).hexdigest()[:16]
    return {"title": report.title, "office": report.office, "region": report.region,
            "years": json.dumps(report.years), "kind": report.kind, "source": report.source,
            "date": report.date, "sha256": report.sha256, "file_sha": file_sha,
            "parser": PARSER_VERSION, "chunk_ids": json.dumps(chunk_ids), "body": f"{report.id}:{body}",
            "title_inferred": report.title_inferred}


def _version(record: dict | None) -> str | None:
    """What identifies the stored version of a report: its body (file, overrides and parser)."""
    return None if record is None else record.get("body") or record.get("file_sha")


def _report_from_dict(data: dict) -> Report:
    def section(d: dict) -> Section:
        return Section(**{**d, "path": tuple(d["path"]),
                          "paragraphs": [Paragraph(**p) for p in d["paragraphs"]],
                          "children": [section(c) for c in d["children"]]})

    data["sections"] = [section(s) for s in data["sections"]]
    data["excluded"] = [tuple(x) for x in data["excluded"]]
    return Report(**data)
