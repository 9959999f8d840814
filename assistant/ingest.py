"""Writing the index: ingest the corpus folder (or given files), prune reports whose file is gone,
remove one report, collect what a killed ingest left behind.

Unchanged files cost nothing; changed ones are re-parsed and only their new chunks embedded (and
a passage embedded once is never embedded again: the vector cache). A report's record is written
only after its chunks and body, and what it no longer lists is deleted after (see index.py).
Reports are searchable by their words as soon as their batch is read; their vectors are computed
meanwhile and join when they are in (vectors.py). Ingests are serialised across processes by a
lock file in the index folder; it is held only while writing."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from .documents import Chunk, Report
from .errors import AssistantError, CorpusMissingError, IngestLockedError, ManifestError, Reason, \
    UnknownReportError, UnsupportedFileError
from .index import Index
from .labels import say
from .loaders import SUFFIXES
from .locks import LockTimeout, held
from .parse import report_id_for
from .progress import Sink, Step, relay
from .reader import shared_reader
from .store import PARSER_VERSION, chunk_meta, make_folder, pack, report_meta, version
from .textnorm import fold, restore_dang
from .vectors import PENDING, READY, Vectors

log = logging.getLogger(__name__)
LOCK_FILE = "ingest.lock"
LOCK_WAIT_S = 600  # a second ingest waits this long for the first to finish, then gives up
BATCH_REPORTS = 50  # reports written per Chroma round trip: amortises the calls, bounds memory


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
    embed_seconds: float = 0.0  # time in the embedding model only (in parallel with reading)

    def summary(self, lang: str = "en") -> str:
        return say(lang, "ingest_summary", added=len(self.added), updated=len(self.updated),
                   unchanged=len(self.unchanged), removed=len(self.removed), failed=len(self.errors),
                   embedded=self.chunks_embedded, embed_s=self.embed_seconds, reused=self.chunks_reused,
                   total_s=self.seconds)


@dataclass
class _Parsed:
    """A report read and chunked, waiting to be written."""
    rid: str
    report: Report
    chunks: list[Chunk]
    file_sha: str
    old: dict | None
    new: list[tuple[Chunk, str]] = field(default_factory=list)  # chunks to store, with their dense text


@contextmanager
def ingest_lock(index: Index):
    folder = make_folder(index.settings.index_dir, "ASSISTANT_INDEX_DIR")
    try:
        with held(folder / LOCK_FILE, wait_s=LOCK_WAIT_S):
            yield
    except LockTimeout:  # raised only while waiting for the lock, never from the block
        raise IngestLockedError(str(index.settings.index_dir)) from None


def ingest(index: Index, paths: Iterable[Path] | None = None, *, prune: bool | None = None,
           progress: Sink | None = None, manifest: dict | None = None,
           preread: dict[Path, tuple[Report, list[Chunk], bytes]] | None = None) -> IngestResult:
    """Index the corpus folder (or the given files). With ``prune`` (the default when the whole
    corpus is ingested) reports whose file is gone are removed. ``preread``: files already read
    (an upload is read before it enters the corpus), by resolved path: (report, chunks, bytes).
    ``progress`` gets a Step at each stage (progress.py).

    Only writing takes the lock: files are read, parsed and chunked in the reader process and
    their new passages embedded while questions keep being answered from the index as it was;
    then each batch is written and the generation bumped (readers switch at once)."""
    started = time.perf_counter()
    result = IngestResult()
    corpus = index.settings.corpus_dir
    every = sorted(discover(corpus))
    files = every if paths is None else [Path(p) for p in paths]
    prune = paths is None if prune is None else prune
    manifest = load_manifest(corpus) if manifest is None else manifest
    ids = report_ids([*every, *files])
    index.invalidate()  # another process may have written since we last looked
    existing = dict(index.records())
    vectors = Vectors(index, result, progress)
    try:
        _read_and_store(index, files, ids, existing, manifest, preread or {}, result, vectors, progress)
    except BaseException:
        vectors.close(raise_errors=False)
        raise
    vectors.close()
    if prune:
        keep = {ids[p.resolve()] for p in files}
        with ingest_lock(index), index.store.announce():
            index.invalidate()
            for rid, meta in sorted(index.records().items()):
                if rid not in keep:
                    _delete(index, rid, meta)
                    result.removed.append(rid)
        index.invalidate()
    if (result.added or result.updated or result.removed) and index.records():
        index.lexical()  # written beside the store now, so the app processes only open it
    _tell(progress, Step("done", len(files), len(files)))
    result.seconds = time.perf_counter() - started
    log.info("ingest: %s", result.summary())
    return result


def _read_and_store(index: Index, files: list[Path], ids: dict[Path, str], existing: dict, manifest: dict,
                    preread: dict, result: IngestResult, vectors: Vectors, progress: Sink | None) -> None:
    """Read each file (its new passages start embedding at once) and write them by batches."""
    batch: list[_Parsed] = []
    for n, path in enumerate(files):
        _tell(progress, Step("read", n, len(files), path.name))
        rid = ids[path.resolve()]
        try:
            parsed = _read(index, path, rid, existing.get(rid), manifest.get(rid), result,
                           preread.get(path.resolve()), relay(progress, path.name))
        except AssistantError as e:
            log.warning("%s", e)
            result.errors.append(str(e))
            continue
        if parsed is not None:
            parsed.new = _new_chunks(index, parsed)
            vectors.want([text for _, text in parsed.new])
            batch.append(parsed)
        if len(batch) >= BATCH_REPORTS:
            _store(index, batch, result, vectors)
            _tell(progress, Step("index", n + 1, len(files)))
            batch = []
    if batch:
        _store(index, batch, result, vectors)
        _tell(progress, Step("index", len(files), len(files)))


def _tell(progress: Sink | None, step: Step) -> None:
    if progress is not None:
        progress(step)


def report_ids(paths: Iterable[Path]) -> dict[Path, str]:
    """Each file's report id: its name without the suffix, made safe for URLs. Files that would
    share an id (plan.txt and plan.md) keep apart: the first in SUFFIXES order keeps the bare id,
    the others get their suffix added (plan_md), whatever order they arrived in."""
    groups: dict[str, list[Path]] = {}
    for path in {Path(p).resolve() for p in paths}:
        groups.setdefault(report_id_for(path), []).append(path)
    order = {suffix: i for i, suffix in enumerate(SUFFIXES)}
    ids: dict[Path, str] = {}
    for rid, group in groups.items():
        group.sort(key=lambda p: (order.get(p.suffix.lower(), len(order)), p.name))
        ids[group[0]] = rid
        for path in group[1:]:
            ids[path] = f"{rid}_{path.suffix.lower().lstrip('.')}"
    return ids


def _read(index: Index, path: Path, rid: str, old: dict | None, overrides: dict | None,
          result: IngestResult, preread: tuple[Report, list[Chunk], bytes] | None = None,
          progress: Sink | None = None) -> _Parsed | None:
    """Parse and chunk one file in the reader process, or None when it is unchanged since it
    was indexed (and its vectors are in)."""
    try:
        data = preread[2] if preread and not overrides else path.read_bytes()
    except OSError as e:
        raise UnsupportedFileError(str(path), Reason("unreadable", detail=e.strerror)) from e
    file_sha = hashlib.sha256(data + json.dumps(overrides or {}, sort_keys=True).encode()).hexdigest()
    if old is not None and old.get("file_sha") == file_sha and old.get("parser") == PARSER_VERSION \
            and old.get("vectors") != PENDING:
        result.unchanged.append(rid)
        return None
    settings = index.settings
    if preread and not overrides:
        report, chunks = preread[0], preread[1]
    else:
        report, chunks = shared_reader().read(path, data, settings.corpus_dir, overrides, settings.chunk_tokens,
                                              settings.min_chunk_tokens, settings.read_timeout_s, progress)
    if report.id != rid:  # its id is decided by the whole corpus (see report_ids)
        report, chunks = _renamed(report, chunks, rid)
    if not chunks:
        raise UnsupportedFileError(str(path), Reason("no_report_text"))
    index.tokenizer.add_words([report.office, report.office.removesuffix("街道")])
    return _Parsed(rid, report, chunks, file_sha, old)


def _renamed(report: Report, chunks: list[Chunk], rid: str) -> tuple[Report, list[Chunk]]:
    old = report.id
    report = dataclasses.replace(report, id=rid)
    return report, [dataclasses.replace(c, id=rid + c.id[len(old):], report_id=rid) for c in chunks]


def _new_chunks(index: Index, p: _Parsed) -> list[tuple[Chunk, str]]:
    """The chunks of a report the store lacks, with the text the dense model reads: all of them
    when its record was written by another parser version or is still waiting for its vectors."""
    store = index.store
    have = {cid for cid, _ in store.get_ids(store.chunks, [c.id for c in p.chunks], [])}
    redo = p.old is not None and (p.old.get("parser") != PARSER_VERSION or p.old.get("vectors") == PENDING)
    return [(c, dense_text(p.report, c)) for c in p.chunks if redo or c.id not in have]


def _store(index: Index, batch: list[_Parsed], result: IngestResult, vectors: Vectors) -> None:
    """Write a batch under the lock: the vectors that are in, placeholders for the others, which
    the embedding worker fills in when they are (``_fill``)."""
    store = index.store
    new = [item for p in batch for item in p.new]
    tokens = [index.tokenizer.tokenize(c.search_text) for c, _ in new]  # outside the lock
    rows, real = vectors.now([text for _, text in new])
    waiting = {c.report_id for (c, _), ok in zip(new, real) if not ok}
    with ingest_lock(index), store.announce():
        current = dict(store.get_ids(store.docs, [p.rid for p in batch], ["metadatas"]))
        for p in batch:
            p.old = current.get(p.rid)  # as it is now: another ingest may have written meanwhile
        metas = _write(index, batch, new, tokens, rows, waiting, result)
    index.invalidate()
    if waiting:
        later = [(c.id, text) for (c, text), ok in zip(new, real) if not ok]
        versions = {p.rid: version(m) for p, m in zip(batch, metas) if p.rid in waiting}
        vectors.then(lambda: _fill(index, vectors, later, versions))


def _write(index: Index, batch: list[_Parsed], new: list[tuple[Chunk, str]], tokens: list[list[str]],
           vectors: np.ndarray, waiting: set[str], result: IngestResult) -> list[dict]:
    """Store the new chunks of a batch of reports, then their records (one upsert), then delete
    the chunks they no longer list. The records written."""
    store = index.store
    result.chunks_stored += len(new)
    store.upsert(store.chunks, [c.id for c, _ in new], vectors.tolist(),
                 [chunk_meta(c, t) for (c, _), t in zip(new, tokens)])
    metas = [report_meta(p.report, p.file_sha, [c.id for c in p.chunks], PENDING if p.rid in waiting else READY)
             for p in batch]
    store.bodies.upsert(ids=[m["body"] for m in metas], embeddings=[[0.0]] * len(batch),
                        metadatas=[{"report_id": p.rid, "report": pack(dataclasses.asdict(p.report))}
                                   for p in batch])
    store.docs.upsert(ids=[p.rid for p in batch], embeddings=[[0.0]] * len(batch), metadatas=metas)
    stale: list[str] = []
    stale_bodies: list[str] = []
    for p, meta in zip(batch, metas):
        index.forget(p.rid)
        if p.old is None:
            result.added.append(p.rid)
            continue
        stale += sorted(set(json.loads(p.old["chunk_ids"])) - {c.id for c in p.chunks})
        if p.old.get("body") and p.old["body"] != meta["body"]:
            stale_bodies.append(p.old["body"])
        result.updated.append(p.rid)
    store.delete(store.chunks, stale)
    store.delete(store.bodies, stale_bodies)
    return metas


def _fill(index: Index, vectors: Vectors, chunks: list[tuple[str, str]], versions: dict[str, str]) -> None:
    """The embedding worker, once a batch's vectors are in: write them over the placeholders of
    the chunks still stored, and mark ready the records still as written (another ingest may have
    replaced one meanwhile). Nothing is written if a vector is missing (the model failed: the
    records stay pending and the next ingest embeds them)."""
    rows, real = vectors.now([text for _, text in chunks])
    if not all(real):
        return
    store = index.store
    with ingest_lock(index), store.announce():
        ids = [cid for cid, _ in chunks]
        present = {cid for cid, _ in store.get_ids(store.chunks, ids, [])}
        keep = [i for i, cid in enumerate(ids) if cid in present]
        store.set_vectors(store.chunks, [ids[i] for i in keep], rows[keep].tolist())
        current = dict(store.get_ids(store.docs, list(versions), ["metadatas"]))
        ready = [rid for rid, v in versions.items() if version(current.get(rid)) == v]
        if ready:
            store.docs.update(ids=ready, metadatas=[{"vectors": READY}] * len(ready))
    index.invalidate()


def remove(index: Index, report_id: str) -> None:
    """Take one report out of the index (its file stays where it is: see library.py)."""
    with ingest_lock(index):
        index.invalidate()
        records = index.records()
        if report_id not in records:
            raise UnknownReportError(report_id)
        with index.store.announce():
            _delete(index, report_id, records[report_id])
    index.invalidate()


def _delete(index: Index, rid: str, meta: dict) -> None:
    store = index.store
    store.docs.delete(ids=[rid])  # first the record: its chunks stop counting at once
    store.delete(store.chunks, json.loads(meta["chunk_ids"]))
    if meta.get("body"):
        store.bodies.delete(ids=[meta["body"]])
    index.forget(rid)


def collect_garbage(index: Index) -> int:
    """Delete chunks and bodies no report lists (left by an ingest that was killed). Returns how
    many chunks."""
    store = index.store
    with ingest_lock(index):
        index.invalidate()
        records = index.records()
        valid = {cid for m in records.values() for cid in json.loads(m["chunk_ids"])}
        orphans = sorted({cid for cid, _ in store.get_all(store.chunks, [])} - valid)
        store.delete(store.chunks, orphans)
        bodies = {m.get("body") for m in records.values()}
        store.delete(store.bodies, sorted({b for b, _ in store.get_all(store.bodies, [])} - bodies))
        return len(orphans)


def load_manifest(corpus_dir: Path) -> dict:
    """corpus/manifest.toml: metadata that parsing cannot infer, by report id."""
    import tomllib

    path = corpus_dir / "manifest.toml"
    if not path.exists():
        return {}
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(str(path), str(e)) from e


def discover(corpus: Path):
    if not corpus.is_dir():
        raise CorpusMissingError(str(corpus))
    for path in corpus.rglob("*"):
        if path.is_file() and path.suffix.lower() in SUFFIXES and not path.name.startswith("."):
            yield path


def dense_text(report: Report, chunk: Chunk) -> str:
    """What the dense model embeds: the passage, folded (D read as 党 where the report writes it),
    without the office and heading prefix that ``search_text`` carries for BM25. The same section
    then reads the same wherever it appears and its vector is computed once; the office is left to
    filters and BM25 (measured on eval/qa.jsonl: recall and MRR with question filters unchanged, see
    README). Synonyms are not rewritten here: the model reads paraphrase itself."""
    return fold(restore_dang(chunk.text) if report.uses_d_for_dang else chunk.text)
