"""The index as readers see it: the reports, their parsed bodies, the lexical index and dense
search, over one store (``store.py``). Read-only: ``ingest.py`` writes.

Consistency without home-made transactions: a report's record lists the ids of its chunks and of
its parsed body, and is written only after they are stored, so readers trust only chunks that a
report record lists and a crash at any point leaves the previous version of every report
answering. Several processes can share one store: each keeps the records, the listing and the
lexical index in memory and rebuilds them when the store's generation token changes.

Per-index state lives here too, keyed by the generation: the segmenter taught the corpus's office
names (``tokenizer``) and anything derived from the reports (``derived``, e.g. the targets)."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import numpy as np

from .documents import Filters, Report, ReportRecord
from .embeddings import Embedder, VectorCache
from .errors import IndexNotBuiltError, UnknownReportError
from .lexical import LexicalIndex, load_or_build
from .settings import Settings
from .store import Store, report_from_dict, report_record, unpack, version
from .textnorm import Tokenizer
from .vectors import PENDING

log = logging.getLogger(__name__)
VECTOR_CACHE = "vectors.sqlite"
DENSE_OVERFETCH = (4, 64)  # a filter naming no office is checked here on 4n nearest chunks, then 64n
# reports kept parsed in memory, the least recently read dropped first: an answer cites a few,
# a listing up to ~20; keeping every report read held 1 GB at 10,000 reports after one question
# that compared offices (measured), re-reading one from the store takes a few ms
REPORTS_HELD = 256
LOCAL_DENSE_MAX = 300  # up to this many admitted chunks are ranked here exactly (~20 ms of vector reads)


class Index:
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = Store(settings, embedder.name)
        self.tokenizer = Tokenizer(words_dir=settings.index_dir)
        self.vectors = VectorCache(settings.index_dir / VECTOR_CACHE, embedder.name)
        self.lock = threading.RLock()
        self._records: tuple[str, dict[str, dict]] | None = None  # (generation, {id: record metadata})
        self._written = False  # this process wrote to the store since the records were last read
        self._listing: tuple[object, list[ReportRecord]] | None = None
        self._lexical: LexicalIndex | None = None
        self._lexical_token: str | None = None  # the generation the lexical index was built at
        self._derived: dict[str, tuple[object, object]] = {}  # name -> (records, value)
        self._held: dict[str, object] = {}  # per-index objects: caches that outlive a generation
        # the reports read last, with the version each was read at (REPORTS_HELD of them)
        self._reports: OrderedDict[str, tuple[str, Report]] = OrderedDict()

    # --- the records ----------------------------------------------------------------------------
    def records(self) -> dict[str, dict]:
        """Each report's stored record (metadata), as of the store's current generation."""
        with self.lock:
            token = self.store.generation()
            if self._records is None or not token or self._records[0] != token:
                records = self._read_records(token)
                for rid, (seen, _) in list(self._reports.items()):  # changed or removed elsewhere
                    if version(records.get(rid)) != seen:
                        del self._reports[rid]
                self._records = (token, records)
            return self._records[1]

    def _read_records(self, token: str) -> dict[str, dict]:
        """The records of generation ``token``: from this folder's copy of them when it was made at
        that generation (reading 10,000 records from Chroma takes ~1 s, the copy ~0.1 s), else
        from the store, and the copy written for the next process (only if the generation did
        not change meanwhile: the copy is never labelled with a generation it is not of)."""
        path = self.records_path()
        written_here, self._written = self._written, False
        if token and not written_here:  # after this process's own write the store is read: the
            try:  # generation may not be bumped yet (an ingest reads between writing and bumping)
                held = json.loads(path.read_text(encoding="utf-8"))
                if held.get("token") == token:
                    return held["records"]
            except (OSError, ValueError, AttributeError, KeyError):
                pass  # none yet, or half-written by a crash: read the store
        records = dict(self.store.get_all(self.store.docs, ["metadatas"]))
        self.store.forget_generation()
        if token and not written_here and self.store.generation() == token and self.settings.index_dir.is_dir():
            tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
            try:
                tmp.write_text(json.dumps({"token": token, "records": records}, ensure_ascii=False), encoding="utf-8")
                os.replace(tmp, path)
            except OSError as e:  # a read-only folder: every start reads the store
                log.info("could not keep the records at %s: %s", path, e)
        return records

    def records_path(self) -> Path:
        """Where this folder keeps its copy of the report records (beside the lexical folders)."""
        from .lexical import folder_for

        return folder_for(self.settings, self.store.model_name, "records").with_suffix(".json")

    def invalidate(self) -> None:
        """Read the store afresh at the next call (this process has just written to it)."""
        with self.lock:
            self.store.forget_generation()
            self._records = self._listing = None
            self._written = True

    def is_built(self) -> bool:
        return self.store.docs.count() > 0

    def reports(self) -> list[ReportRecord]:
        """Every indexed report, by id."""
        with self.lock:
            records = self.records()
            if self._listing is None or self._listing[0] is not records:
                self._listing = (records, [report_record(rid, m) for rid, m in sorted(records.items())])
            return list(self._listing[1])

    def offices(self) -> list[str]:
        """The offices of the indexed reports, sorted (every question reads it: computed once
        per generation)."""
        return list(self.derived("offices", lambda reports: sorted({r.office for r in reports})))

    def derived(self, name: str, make: Callable[[list[ReportRecord]], object]):
        """``make(reports)``, computed once per generation of the reports and kept on the index."""
        with self.lock:
            records = self.records()
            held = self._derived.get(name)
            if held is None or held[0] is not records:
                held = (records, make(self.reports()))
                self._derived[name] = held
            return held[1]

    def held(self, name: str, make: Callable[[], object]):
        """A per-index object (a cache), made on first use and kept as long as the index."""
        with self.lock:
            if name not in self._held:
                self._held[name] = make()
            return self._held[name]

    def report(self, report_id: str) -> Report:
        """The full parsed report (text and section tree), for answers and the source viewer."""
        with self.lock:
            if report_id in self._reports:
                self._reports.move_to_end(report_id)
                return self._reports[report_id][1]
        got = self.store.docs.get(ids=[report_id], include=["metadatas", "documents"])
        if not got["ids"]:
            raise UnknownReportError(report_id)
        meta = got["metadatas"][0]
        if meta.get("body"):
            found = self.store.bodies.get(ids=[meta["body"]], include=["metadatas"])
            if not found["ids"]:
                raise UnknownReportError(report_id)
            report = report_from_dict(unpack(found["metadatas"][0]["report"]))
        else:  # written before bodies had their own collection
            report = report_from_dict(json.loads(got["documents"][0]))
        with self.lock:
            self._reports[report_id] = (version(meta), report)
            while len(self._reports) > REPORTS_HELD:
                self._reports.popitem(last=False)
        return report

    def forget(self, report_id: str) -> None:
        with self.lock:
            self._reports.pop(report_id, None)

    # --- lexical --------------------------------------------------------------------------------
    def lexical(self) -> LexicalIndex:
        """The lexical index of the reports as they are now: rebuilt when they have changed."""
        with self.lock:
            records = self.records()
            token = self._records[0]
            if self._lexical is not None and token and self._lexical_token == token:
                return self._lexical
            if not records:
                raise IndexNotBuiltError(self.settings.chroma_url or str(self.settings.index_dir))
            from .lexical import fingerprint

            if self._lexical is None or self._lexical.fingerprint != fingerprint(records):
                self._lexical = load_or_build(self.store, records, self.settings)
                self.tokenizer.add_words(m["office"] for m in records.values())
                self.tokenizer.add_words(m["office"].removesuffix("街道") for m in records.values())
            self._lexical_token = token
            return self._lexical

    def idf(self, term: str) -> float:
        return self.lexical().idf(term)

    def mentions(self, phrase: str) -> bool:
        """Whether any indexed passage holds ``phrase`` (a community or a village a question names
        is no unknown office when a report speaks of it)."""
        from .textnorm import fold

        lexical = self.lexical()
        tokens = self.tokenizer.tokenize(fold(phrase))
        if not tokens:
            return False
        scores = lexical.scores(tokens)
        top = np.argsort(-scores)[:20]
        folded = fold(phrase)
        return any(scores[i] > 0 and folded in fold(lexical.rows[i].text) for i in top)

    # --- dense ----------------------------------------------------------------------------------
    def dense_search(self, query: str, n: int, filters: Filters = Filters(),
                     office_aliases: Callable[[str], tuple[str, ...]] | None = None) -> list[tuple[str, float]]:
        """The ``n`` chunks nearest to the question among those ``filters`` admit.

        Chroma's own filtering costs 100-500 ms at 150,000 chunks (measured), so filters are
        applied here with the lexical index's records where they can be: a filter naming offices
        admits few chunks, whose vectors are read and ranked exactly; one naming no office (a
        year, a half-year) admits most chunks, so the nearest chunks are fetched unfiltered and
        checked. Only when that finds too few does Chroma filter. Chunk vectors hold no office
        name, so the office names (``office_aliases``) are taken out of the question first."""
        if not self.embedder.enabled:
            return []
        if filters.offices and office_aliases:
            query = _without(query, {a for o in filters.offices for a in office_aliases(o)})
        vector = self.embedder.embed_query(query)
        found = self._nearest(vector, n, filters)
        pending = self.pending()
        if pending:  # their chunks hold placeholders (ranked last) until their vectors are in
            found = [(cid, s) for cid, s in found if cid.rpartition(":")[0] not in pending]
        return found

    def pending(self) -> frozenset[str]:
        """The reports written before their vectors (searchable by their words; dense search
        skips them until the ingest writes their vectors)."""
        return self.derived("pending", lambda _: frozenset(
            rid for rid, meta in self.records().items() if meta.get("vectors") == PENDING))

    def _nearest(self, vector: np.ndarray, n: int, filters: Filters) -> list[tuple[str, float]]:
        lexical = self._lexical
        if filters and lexical is not None:
            if filters.offices:
                admitted = [lexical.rows[i].id for o in filters.offices for i in lexical.rows_of(o)
                            if filters.admits(lexical.rows[i])]
                if len(admitted) <= LOCAL_DENSE_MAX:
                    return self._exact(vector, admitted, n)
            else:
                for k in (n * factor for factor in DENSE_OVERFETCH):  # 2 ms, then 20 ms at 150,000
                    got = self.store.nearest(vector, k)
                    found = [(cid, s) for (cid, s), row in zip(got, lexical.rows_by_id([cid for cid, _ in got]))
                             if row is not None and filters.admits(lexical.rows[row])]
                    if len(found) >= n or len(got) < k:
                        return found[:n]
        return self.store.nearest(vector, n, filters.where())

    def _exact(self, vector: np.ndarray, ids: list[str], n: int) -> list[tuple[str, float]]:
        """Exact cosine ranking of the given chunks (stored vectors are L2-normalised)."""
        if not ids:
            return []
        got_ids, vectors = self.store.vectors(ids)
        if not got_ids:
            return []
        similarity = vectors @ vector
        order = np.argsort(-similarity)[:n]
        return [(got_ids[i], float(similarity[i])) for i in order]


def _without(question: str, names: set[str]) -> str:
    """The question without the given names (铁西街道, 铁西, Tiexi), unless nothing would be left."""
    names = sorted(names, key=len, reverse=True)
    stripped = re.sub("|".join(map(re.escape, names)), " ", question, flags=re.I).strip()
    return stripped if re.search(r"\w", stripped) else question
