"""A small real world: the seed corpus copied to a temp folder, the real Chroma on disk there, the
real bundled embedding model, built once per session; and `python app.py` served on a copy of it
(``app_server``, for the browser and load tests)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.chain import Assistant
from assistant.embeddings import Embedder, make_embedder
from assistant.index import Index
from assistant.settings import ROOT, Settings
from assistant.ingest import ingest

CORPUS = ROOT / "corpus"
TIEXI, LIAOXI, WANGYUEHU, HAIXI, KAIYUAN = (
    "000_64b46b310826ad2c", "001_949f904d724a341c", "002_c643702f8278aec9", "003_3b4603013e2893ef",
    "004_816acc65fcd6227e")


def make_settings(tmp: Path, **overrides) -> Settings:
    corpus = tmp / "corpus"
    if not corpus.exists():
        shutil.copytree(CORPUS, corpus)
    return Settings.from_env(corpus_dir=corpus, index_dir=tmp / "index", data_dir=tmp / "data",
                             **overrides)


def lexical_world_of(tmp: Path, keep: tuple[str, ...] = (TIEXI,), built: bool = True) -> tuple[Settings, Index]:
    """A small world of the seed reports in ``keep`` with BM25 only (no embedding model): fast to
    build. ``built``: ingested (False: an index folder that a first start must build)."""
    settings = make_settings(tmp, embedding_model="none")
    for path in settings.corpus_dir.glob("*.txt"):
        if path.stem not in keep:
            path.unlink()
    index = Index(settings, make_embedder(settings))
    if built:
        ingest(index)
    return settings, index


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a server this test started; kill it when it does not exit in ``timeout`` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class CountingEmbedder(Embedder):
    """The real model, counting the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__()
        self.inner, self.name, self.texts = inner, inner.name, 0

    def _encode(self, texts, is_query):
        if not is_query:
            self.texts += len(texts)
        return self.inner._encode(texts, is_query)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return make_embedder(Settings())


@pytest.fixture(scope="session")
def built(tmp_path_factory, embedder):
    settings = make_settings(tmp_path_factory.mktemp("world"))
    index = Index(settings, embedder)
    result = ingest(index)
    assert not result.errors, result.errors
    return settings, index


@pytest.fixture(scope="session")
def assistant(built) -> Assistant:
    settings, index = built
    return Assistant(settings, index)


APP_START_TIMEOUT_S = 120  # a cold start loads the embedding model and the index


@contextmanager
def app_server(settings: Settings, world: Path, copy_index: bool = True, ready: bool = True, **env: str):
    """`python app.py` on a free port, on a copy of ``settings``' corpus and index in ``world``
    (tests upload and remove reports; the shared world stays as it was). ``env`` adds
    ``ASSISTANT_*`` settings. ``copy_index=False``: a first start (no index); ``ready=False``:
    yield as soon as it answers at all (its waiting page), not once it serves the app.
    Yields {"url", "world"}; the app's output is in world/app.log."""
    shutil.copytree(settings.corpus_dir, world / "corpus")
    if copy_index:
        shutil.copytree(settings.index_dir, world / "index")
    with app_process(world / "app.log", ready, ASSISTANT_CORPUS_DIR=str(world / "corpus"),
                     ASSISTANT_INDEX_DIR=str(world / "index"), ASSISTANT_DATA_DIR=str(world / "data"), **env) as url:
        yield {"url": url, "world": world}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_process(log_path: Path, ready: bool = True, **env: str):
    """`python app.py` on a free port with these ``ASSISTANT_*`` settings; yields its URL once it
    serves the app (``ready=False``: once it answers at all, its waiting page included), stops it
    at the end. Its output goes to ``log_path``."""
    port = free_port()
    env = {**os.environ, "ASSISTANT_PORT": str(port), "ASSISTANT_HOST": "127.0.0.1", "ASSISTANT_UI_LANG": "zh",
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", **env}
    env.pop("ASSISTANT_LLM_BASE_URL", None)
    log = log_path.open("w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app.py exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                urllib.request.urlopen(url + "/", timeout=1)
                break
            except urllib.error.HTTPError:  # 503: the waiting page of a start still under way
                if not ready:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.perf_counter() - started > APP_START_TIMEOUT_S:
                pytest.fail(f"app.py did not serve in {APP_START_TIMEOUT_S} s:\n{log_path.read_text()}")
            time.sleep(0.2)
        print(f"\napp served after {time.perf_counter() - started:.1f} s")
        yield url
    finally:
        stop(proc)
        log.close()


CHROMA_START_TIMEOUT_S = 90  # a cold start on a loaded 2-core CI machine takes a few seconds


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    """A real Chroma server (`chroma run`) on a free 127.0.0.1 port and a temp --path, stopped at the end."""
    import httpx

    binary = Path(sys.executable).with_name("chroma")
    binary = str(binary) if binary.exists() else shutil.which("chroma")
    assert binary, "the chroma CLI (installed with the chromadb package) is missing"
    folder = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([binary, "run", "--path", str(folder / "data"), "--host", "127.0.0.1",
                                   "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + CHROMA_START_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Chroma server did not start:\n{log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        stop(server, timeout=15)
