"""The dense vectors of an ingest's new passages, computed beside the rest of it.

A passage the model has embedded once comes from the embedding cache (embeddings.VectorCache).
The others are embedded in one worker thread while the ingest goes on reading the next report
(the reader is a process of its own, so parsing and embedding share the two cores). A batch of
reports is written as soon as it is read, searchable by its words at once: its passages whose
vector is not computed yet are stored with a placeholder and its records marked ``vectors:
pending``, which dense search skips (index.py); when their vectors are in, the worker writes them
and marks the records ready. An ingest killed in between leaves the records pending, and the next
ingest redoes those reports' vectors (from the cache where it has them).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

import numpy as np

from .progress import Sink, Step

log = logging.getLogger(__name__)
PENDING, READY = "pending", "ready"  # a report record's "vectors" field


class Vectors:
    """Vectors for one ingest: ``want`` texts as soon as they are known, ``now`` whichever are
    ready, ``then`` run something once everything wanted so far is embedded; ``close`` waits for
    all of it and raises the first error."""

    def __init__(self, index, result, progress: Sink | None = None) -> None:
        self.index, self.result, self.progress = index, result, progress
        self.batch = max(1, index.settings.embed_batch)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="embed")
        self._wanted: set[str] = set()
        self._futures: list[Future] = []
        self._done = self._total = 0
        self._lock = threading.Lock()

    def want(self, texts: list[str]) -> None:
        """Start embedding the texts that neither the cache nor an earlier call has."""
        if not self.index.embedder.enabled:
            return
        fresh = [t for t in dict.fromkeys(texts) if t not in self._wanted]
        known = self.index.vectors.get(fresh)
        missing = [t for t in fresh if t not in known]
        self._wanted.update(fresh)
        self.result.chunks_reused += len(fresh) - len(missing)
        if missing:
            with self._lock:
                self._total += len(missing)
            self._futures.append(self._pool.submit(self._embed, missing))

    def now(self, texts: list[str]) -> tuple[np.ndarray, list[bool]]:
        """A row for every text, and whether it is real: a placeholder where the vector is not in."""
        if not self.index.embedder.enabled:
            return np.zeros((len(texts), 1), dtype=np.float32), [True] * len(texts)
        known = self.index.vectors.get(texts)
        ready = [t in known for t in texts]
        if all(ready):
            return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 1), np.float32), ready
        filler = placeholder(self.index.embedder)
        return np.stack([known.get(t, filler) for t in texts]), ready

    def then(self, task: Callable[[], None]) -> None:
        """Run ``task`` in the worker once the texts wanted so far are embedded (it runs in order)."""
        self._futures.append(self._pool.submit(task))

    def close(self, raise_errors: bool = True) -> None:
        self._pool.shutdown(wait=True)
        errors = [f.exception() for f in self._futures if f.exception() is not None]
        if errors and raise_errors:
            raise errors[0]

    def _embed(self, texts: list[str]) -> None:
        embedder = self.index.embedder
        for i in range(0, len(texts), self.batch):
            part = texts[i:i + self.batch]
            t0 = time.perf_counter()
            vectors = embedder.embed_documents(part)
            self.result.embed_seconds += time.perf_counter() - t0
            self.index.vectors.put(part, vectors)
            self.result.chunks_embedded += len(part)
            with self._lock:
                self._done += len(part)
                done, total = self._done, self._total
            if self.progress is not None:
                self.progress(Step("embed", done, total))


_placeholders: dict[str, np.ndarray] = {}


def placeholder(embedder) -> np.ndarray:
    """The vector a passage is stored with until its own is in: a fixed random direction of the
    model's size, nearly orthogonal to every text's (so it ranks last; dense search skips it)."""
    if embedder.name not in _placeholders:
        dim = embedder.dimension
        vector = np.random.default_rng(20240601).standard_normal(dim).astype(np.float32)
        _placeholders[embedder.name] = vector / np.linalg.norm(vector)
    return _placeholders[embedder.name]
