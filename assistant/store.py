"""The store: Chroma collections and how records live in them.

Four collections per embedding model: ``chunks`` (a vector and the packed fields of each passage),
``docs`` (one record per report: its metadata and the ids of its chunks and body), ``bodies``
(each report's parsed text and section tree) and ``state`` (the generation token). Rows are read
and written a page at a time, within a Chroma server's request limits.

The generation token: every write ends by setting a new one, so any process sharing the store (a
Chroma server, or one folder) can tell, with one small read, that what it holds in memory is stale.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
import uuid
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .documents import Chunk, ChunkRecord, Paragraph, Report, ReportRecord, Section
from .errors import IndexPathError
from .locks import held
from .settings import Settings

log = logging.getLogger(__name__)
PAGE = 1000  # rows per Chroma read or write: within a Chroma server's request limits
GENERATION_TTL_S = 1.0  # how stale another process's ingest may look here: one check per request
OPEN_LOCK_FILE = "open.lock"  # held while a process creates the local store or a collection
PARSER_VERSION = "28"  # bump when parsing, chunking or dense_text changes: every report is re-indexed


class Store:
    def __init__(self, settings: Settings, model_name: str) -> None:
        self.settings = settings
        self.model_name = model_name
        self._client = None
        self._collections: dict[str, object] = {}
        self._checked = (0.0, "")  # (monotonic time, token) of the last look at the generation

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
                folder = make_folder(self.settings.index_dir, "ASSISTANT_INDEX_DIR")
                with self._opening():
                    self._client = chromadb.PersistentClient(path=str(folder / "chroma"), settings=chroma_settings)
        return self._client

    @contextmanager
    def _opening(self):
        """One process at a time creates a local store or its collections: Chroma builds a new SQLite
        file's tables without a lock, and two processes opening one fresh folder together (two
        ingests started at once) fail with "table collections already exists". A Chroma server
        does this itself, so only the local folder takes the lock."""
        if self.settings.chroma_url:
            yield
            return
        with held(make_folder(self.settings.index_dir, "ASSISTANT_INDEX_DIR") / OPEN_LOCK_FILE):
            yield

    def collection(self, kind: str):
        if kind not in self._collections:  # one lookup per process, not one per call (a round trip)
            slug = re.sub(r"[^a-zA-Z0-9]+", "-", self.model_name).strip("-")[:40] or "none"
            name = f"{self.settings.collection}-{slug}-{kind}"
            client = self.client
            with self._opening():
                self._collections[kind] = client.get_or_create_collection(
                    name, embedding_function=None, metadata={"hnsw:space": "cosine"})
        return self._collections[kind]

    @property
    def chunks(self):
        return self.collection("chunks")

    @property
    def docs(self):
        return self.collection("docs")

    @property
    def bodies(self):
        return self.collection("bodies")

    @property
    def state(self):
        return self.collection("state")

    def get_all(self, collection, include: list[str]) -> Iterator[tuple[str, dict | None]]:
        """(id, metadata) of every row, a page at a time (a server caps one response)."""
        offset = 0
        while True:
            got = collection.get(include=include, limit=PAGE, offset=offset)
            metas = got["metadatas"] if "metadatas" in include else [None] * len(got["ids"])
            yield from zip(got["ids"], metas)
            if len(got["ids"]) < PAGE:
                return
            offset += PAGE

    def get_ids(self, collection, ids: list[str], include: list[str]) -> Iterator[tuple[str, dict | None]]:
        """(id, metadata) of the given rows that exist, asking for a page of ids at a time."""
        for i in range(0, len(ids), PAGE):
            got = collection.get(ids=ids[i:i + PAGE], include=include)
            metas = got["metadatas"] if "metadatas" in include else [None] * len(got["ids"])
            yield from zip(got["ids"], metas)

    def upsert(self, collection, ids: list[str], embeddings: list, metadatas: list[dict]) -> None:
        for i in range(0, len(ids), PAGE):
            collection.upsert(ids=ids[i:i + PAGE], embeddings=embeddings[i:i + PAGE],
                              metadatas=metadatas[i:i + PAGE])

    def set_vectors(self, collection, ids: list[str], embeddings: list) -> None:
        """New vectors for rows that exist (their metadata stays; a row that is gone stays gone)."""
        for i in range(0, len(ids), PAGE):
            collection.update(ids=ids[i:i + PAGE], embeddings=embeddings[i:i + PAGE])

    def delete(self, collection, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), PAGE):
            collection.delete(ids=ids[i:i + PAGE])

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

    def forget_generation(self) -> None:
        """Look at the store again at the next read: another process may have written."""
        self._checked = (0.0, "")

    def bump(self) -> None:
        """Tell every process that the store changed. Called after each write is complete."""
        self.state.upsert(ids=["generation"], embeddings=[[0.0]],
                          metadatas=[{"token": uuid.uuid4().hex, "at": time.time()}])
        self.forget_generation()

    @contextmanager
    def announce(self):
        """Bump the generation after a write, also one that failed half-way (what it wrote
        counts); a failure to bump never hides the write's own error."""
        try:
            yield
        except BaseException:
            try:
                self.bump()
            except Exception as e:  # the store is likely down: the first error is the one to show
                log.warning("could not record the index generation: %s", e)
            raise
        self.bump()

    # --- dense vectors ----------------------------------------------------------------------------
    def nearest(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """The ``n`` chunks nearest to ``vector`` (cosine similarity), as Chroma ranks them."""
        got = self.chunks.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                                include=["distances"])
        return list(zip(got["ids"][0], (1.0 - d for d in got["distances"][0])))

    def vectors(self, ids: list[str]) -> tuple[list[str], np.ndarray]:
        got = self.chunks.get(ids=ids, include=["embeddings"])
        return list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32)


def make_folder(path: Path, setting: str) -> Path:
    """``path`` as a folder (made if missing); a file in its place is a typed error naming the setting."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as e:
        raise IndexPathError(setting, str(path), type(e).__name__) from e
    return path


# --- records as Chroma stores them ------------------------------------------------------------------
def chunk_meta(c: Chunk, tokens: list[str]) -> dict:
    """The fields dense search filters on as Chroma metadata; the rest in one packed value, which
    Chroma stores far faster than a dozen keys (measured: a third less ingest time)."""
    record = {"title": c.title, "section": " › ".join(p for p in c.section_path if p), "role": c.role,
              "start": c.start, "end": c.end, "paragraph_ids": ",".join(c.paragraph_ids), "text": c.text,
              "tokens": " ".join(tokens)}
    return {"report_id": c.report_id, "office": c.office, "year": c.year or 0, "half": c.half,
            "phase": c.phase, "record": pack(record)}


def unpack_chunk(meta: dict) -> dict:
    """A chunk's stored fields (also from an index written before they were packed)."""
    return {**meta, **unpack(meta["record"])} if "record" in meta else meta


def pack(value) -> str:
    """JSON, compressed, as ASCII: how large values are stored in Chroma metadata. Chroma indexes
    metadata strings and documents for text search; plain Chinese JSON there made ingest three
    times slower (measured), and nothing searches these values."""
    return base64.b64encode(zlib.compress(json.dumps(value, ensure_ascii=False).encode("utf-8"), 1)).decode()


def unpack(value: str):
    return json.loads(zlib.decompress(base64.b64decode(value)))


def chunk_record(cid: str, meta: dict) -> ChunkRecord:
    return ChunkRecord(id=cid, report_id=meta["report_id"], office=meta["office"], title=meta["title"],
                       section=meta["section"], year=meta["year"] or None, half=meta["half"],
                       phase=meta["phase"], role=meta["role"], start=meta["start"], end=meta["end"],
                       paragraph_ids=meta["paragraph_ids"].split(","), text=meta["text"])


def report_meta(report: Report, file_sha: str, chunk_ids: list[str], vectors: str = "ready") -> dict:
    """A report's record; ``vectors``: "pending" while its passages' vectors are being computed."""
    body = hashlib.sha1(f"{PARSER_VERSION}:{file_sha}".encode()).hexdigest()[:16]
    return {"title": report.title, "office": report.office, "region": report.region,
            "years": json.dumps(report.years), "kind": report.kind, "source": report.source,
            "date": report.date, "sha256": report.sha256, "file_sha": file_sha,
            "parser": PARSER_VERSION, "chunk_ids": json.dumps(chunk_ids), "body": f"{report.id}:{body}",
            "title_inferred": report.title_inferred, "vectors": vectors}


def report_record(rid: str, meta: dict) -> ReportRecord:
    return ReportRecord(id=rid, title=meta["title"], office=meta["office"], region=meta.get("region", ""),
                        years=json.loads(meta["years"]), kind=meta["kind"], source=meta["source"],
                        date=meta.get("date", ""), chunks=len(json.loads(meta["chunk_ids"])),
                        title_inferred=bool(meta.get("title_inferred", False)), sha256=meta["sha256"])


def version(meta: dict | None) -> str | None:
    """What identifies the stored version of a report: its body (file, overrides and parser)."""
    return None if meta is None else meta.get("body") or meta.get("file_sha")


def report_from_dict(data: dict) -> Report:
    def section(d: dict) -> Section:
        return Section(**{**d, "path": tuple(d["path"]),
                          "paragraphs": [Paragraph(**p) for p in d["paragraphs"]],
                          "children": [section(c) for c in d["children"]]})

    data["sections"] = [section(s) for s in data["sections"]]
    data["excluded"] = [tuple(x) for x in data["excluded"]]
    data.setdefault("tables", [])
    data.setdefault("pages", [])
    return Report(**data)
