"""A small real world: the seed corpus copied to a temp folder, the real Chroma on disk there, the
real bundled embedding model, built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.chain import Assistant
from assistant.embeddings import Embedder, make_embedder
from assistant.index import Index
from assistant.settings import ROOT, Settings

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
    result = index.ingest()
    assert not result.errors, result.errors
    return settings, index


@pytest.fixture(scope="session")
def assistant(built) -> Assistant:
    settings, index = built
    return Assistant(settings, index)
