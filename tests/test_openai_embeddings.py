"""Embeddings through an OpenAI-compatible /v1/embeddings server (TEI, vLLM, Xinference, Ollama),
here a fake one over real HTTP that answers with deterministic vectors (hashed character
bigrams, so similar texts get similar vectors): batching, retries, ingest and dense search, and
the embedding cache that sends each distinct passage once."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from assistant.chain import Assistant
from assistant.embeddings import OpenAIEmbedder, make_embedder
from assistant.errors import EmbeddingModelError
from assistant.index import Index
from assistant.ingest import ingest
from conftest import TIEXI, make_settings

DIM = 256


def bigram_vector(text: str) -> list[float]:
    v = np.zeros(DIM, dtype=np.float32)
    for a, b in zip(text, text[1:]):
        v[int.from_bytes(hashlib.md5((a + b).encode()).digest()[:4], "little") % DIM] += 1
    return (v / (np.linalg.norm(v) or 1)).tolist()


class FakeEmbeddings:
    """POST /v1/embeddings; answers the queued status codes first (503: overloaded), then vectors."""

    def __init__(self, fail_with: list[int]) -> None:
        self.fail_with = list(fail_with)
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                if fake.fail_with:
                    self.send_response(fake.fail_with.pop(0))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = [{"object": "embedding", "index": i, "embedding": bigram_vector(t)}
                        for i, t in enumerate(body["input"])]
                payload = json.dumps({"object": "list", "data": data[::-1], "model": body["model"],
                                      "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def texts_sent(self) -> int:
        return sum(len(r["input"]) for r in self.requests)

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def server():
    fake = FakeEmbeddings(fail_with=[503])
    yield fake
    fake.close()


def test_ingest_and_dense_search_through_an_embeddings_server(tmp_path, server):
    settings = make_settings(tmp_path, embedding_model="openai:fake-embed", embed_url=server.url,
                             embed_batch=4)
    for path in settings.corpus_dir.glob("*.txt"):
        if path.stem != TIEXI:
            path.unlink()
    embedder = make_embedder(settings)
    embedder.backoff = 0.01
    index = Index(settings, embedder)
    result = ingest(index)
    assert result.added == [TIEXI] and result.chunks_embedded == result.chunks_stored > 4
    # the passages' requests; the report is written before its vectors are in, with placeholders
    # of the model's size, which the ingest asked once by embedding one word
    sized = [r for r in server.requests if r["input"] == ["dimension"]]
    assert len(sized) <= 1
    first, *rest = [r for r in server.requests if r not in sized]
    assert first["model"] == "fake-embed"
    assert len(rest) == -(-result.chunks_stored // 4)  # the failed batch was sent again, then the rest
    assert all(len(r["input"]) <= 4 for r in server.requests)
    assert rest[0]["input"] == first["input"]

    hits = Assistant(settings, index).search("招商引资实际到位内资全年计划完成", k=3, mode="dense").hits
    assert "招商引资实际到位内资" in hits[0].chunk.text


def test_the_same_passage_is_sent_once(tmp_path, server):
    """A second report repeating the first one's sections under another office costs no request."""
    settings = make_settings(tmp_path, embedding_model="openai:fake-embed", embed_url=server.url)
    for path in settings.corpus_dir.glob("*.txt"):
        if path.stem != TIEXI:
            path.unlink()
    source = (settings.corpus_dir / f"{TIEXI}.txt").read_text(encoding="utf-8")
    embedder = make_embedder(settings)
    embedder.backoff = 0.01
    index = Index(settings, embedder)
    first = ingest(index)
    sent = server.texts_sent
    (settings.corpus_dir / "copy.txt").write_text(source.replace("铁西街道", "铁东街道", 1), encoding="utf-8")
    second = ingest(index)
    assert second.added == ["copy"] and second.chunks_reused == second.chunks_stored == first.chunks_stored
    assert second.chunks_embedded == 0 and server.texts_sent == sent
    offices = {h.chunk.office for h in Assistant(settings, index).search("招商引资", k=10).hits}
    assert offices == {"铁西街道", "铁东街道"}


def test_a_client_error_is_not_retried(tmp_path):
    fake = FakeEmbeddings(fail_with=[400, 400, 400])
    try:
        embedder = OpenAIEmbedder("fake-embed", fake.url, "EMPTY", batch=8, backoff=0.01)
        with pytest.raises(EmbeddingModelError, match="embeddings server"):
            embedder.embed_documents(["一", "二"])
        assert len(fake.requests) == 1
    finally:
        fake.close()
