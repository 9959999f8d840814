"""One phase of the side-by-side benchmark (eval/sidebyside.py), run in a process of its own inside
one version of the code: ``python eval/bench_worker.py TREE PHASE JSON`` with the working
directory at TREE, whose ``assistant`` package is the one imported. It prints one line of JSON.

It calls only what every version being compared has (Settings, Index, ingest, add_report,
Assistant.search / ask), so the same phase measures the old code and the new one. Settings
come from the ASSISTANT_* variables the parent sets (corpus, index, embedding model).

Phases:
- ``ingest``: ingest the corpus into the index folder (``vectors_from``: start with that
  embedding cache; ``stand_in``: random vectors instead of the model's, see ``stand_in``);
  passages stored, seconds, seconds of dense embedding, peak memory;
- ``upload``: an app process with the index open and a question answered uploads one file as
  the upload panel does (add_report) while another thread asks a question about it every
  ``every`` seconds; when the upload started, when an answer first cited it, when it ended;
- ``app``: an app process starting: the index opened (without its local lexical files when
  ``cold``), one question answered, then ``questions`` asked; start time, latency, memory.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()


def _settings():
    from assistant.settings import Settings

    return Settings.from_env()


def _assistant(settings):
    from assistant.chain import Assistant
    from assistant.embeddings import make_embedder
    from assistant.index import Index

    return Assistant(settings, Index(settings, make_embedder(settings)))


def _memory() -> dict:
    """Peak and current resident memory, and the private part of it (pages no other process can
    share: memory-mapped files read but not written are not private), in MB (Linux)."""
    out = {"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            out["rss_mb"] = int(line.split()[1]) / 1024
    private = 0
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            private += int(line.split()[1])
        if line.startswith("Pss:"):
            out["pss_mb"] = int(line.split()[1]) / 1024
    out["private_mb"] = private / 1024
    return out


def stand_in(embedder) -> None:
    """Passages embedded as random unit vectors (seeded by their text) instead of by the model:
    for the runs at 1,000 and 10,000 reports, which measure everything but the model (its rate is
    measured on its own) and would otherwise spend an hour embedding on a busy machine.
    Questions are still embedded by the model."""
    import hashlib

    import numpy as np

    dim = len(embedder.embed_query("维度"))

    def embed_documents(texts):
        rows = [np.random.default_rng(int.from_bytes(hashlib.sha1(t.encode()).digest()[:8], "big"))
                .standard_normal(dim).astype(np.float32) for t in texts]
        out = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    embedder.embed_documents = embed_documents


def ingest_phase(args: dict) -> dict:
    from assistant.embeddings import make_embedder
    from assistant.index import VECTOR_CACHE, Index
    from assistant.ingest import ingest

    settings = _settings()
    index = Index(settings, make_embedder(settings))
    if args.get("stand_in"):
        stand_in(index.embedder)
    if args.get("vectors_from") and Path(args["vectors_from"]).exists():
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(args["vectors_from"], settings.index_dir / VECTOR_CACHE)
    load = os.getloadavg()[0]
    result = ingest(index)
    if result.errors:
        raise SystemExit(f"ingest errors: {result.errors[:3]}")
    return {"reports": len(result.added), "chunks": result.chunks_stored, "seconds": result.seconds,
            "embed_seconds": result.embed_seconds, "embedded": result.chunks_embedded,
            "vectors": str(settings.index_dir / VECTOR_CACHE), "load": max(load, os.getloadavg()[0]),
            **_memory()}


def upload_phase(args: dict) -> dict:
    """The app's upload and, in another thread of the same process, a user asking about it (as in
    the app: one Assistant answers and takes uploads)."""
    import threading

    from assistant.library import add_report

    settings = _settings()
    assistant = _assistant(settings)
    assistant.ask(args["warm_question"])  # a running app: segmenter, model and index loaded
    assistant.ask(args["question"])
    before = {r.id for r in assistant.index.reports()}
    upload = Path(args["upload"])
    seen: dict = {"answerable": None, "polls": 0}
    finished = threading.Event()

    def ask_until_answered() -> None:
        while not finished.is_set():
            hits = assistant.search(args["question"]).hits
            seen["polls"] += 1
            if any(h.chunk.report_id not in before for h in hits):
                seen["answerable"] = time.time()
                return
            finished.wait(args["every"])

    asking = threading.Thread(target=ask_until_answered, daemon=True)
    start = time.time()
    asking.start()
    result = add_report(settings, assistant.index, upload, upload_root=upload.parent)
    end = time.time()
    if result.errors:
        raise SystemExit(f"upload errors: {result.errors[:3]}")
    asking.join(timeout=60)  # the last question, asked as the upload finished
    finished.set()
    return {"start": start, "end": end, **seen, "chunks": result.chunks_stored,
            "embedded": result.chunks_embedded, **_memory()}


def app_phase(args: dict) -> dict:
    settings = _settings()
    if args.get("cold"):  # a new worker against the store: no lexical files of its own yet
        for path in settings.index_dir.glob("*lexical*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    imported = time.perf_counter() - STARTED
    assistant = _assistant(settings)
    assistant.index.lexical()
    opened = time.perf_counter() - STARTED
    assistant.ask(args["questions"][0])
    first = time.perf_counter() - STARTED
    latencies = []
    for question in args["questions"]:
        t0 = time.perf_counter()
        assistant.ask(question)
        latencies.append(time.perf_counter() - t0)
    latencies.sort()

    def pct(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(round(q * (len(latencies) - 1))))]

    return {"imported_s": imported, "opened_s": opened, "first_answer_s": first,
            "ask_p50_ms": pct(0.5), "ask_p95_ms": pct(0.95), "reports": len(assistant.index.reports()),
            "load": os.getloadavg()[0], **_memory()}


PHASES = {"ingest": ingest_phase, "upload": upload_phase, "app": app_phase}

if __name__ == "__main__":
    tree, phase, payload = sys.argv[1:4]
    sys.path[0] = tree  # the version under test, not this file's folder
    print(json.dumps(PHASES[phase](json.loads(payload))), flush=True)
