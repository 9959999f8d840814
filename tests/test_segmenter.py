"""The segmenter cuts exactly as jieba does: rjieba computes the words (segmenter.py), jieba is the
reference. Compared on every report of the seed corpus and of the dev split, as the index reads
them (chunks' search text, their display text, whole reports), with the corpus's office names
taught to both, and on the strings where rjieba alone differs from jieba."""

from __future__ import annotations

import logging

import pytest

from assistant.chunking import chunk_report
from assistant.ingest import load_manifest
from assistant.parse import read_report
from assistant.settings import ROOT, Settings
from assistant.textnorm import STOPWORDS, USER_WORD_FREQ, Tokenizer, fold, search_form
from eval.worlds import split_files

# rjieba alone: 1-11 and 47911.61m2 kept whole, 鿖鿗 (U+9FD6) read as Chinese, 61m2 in search mode
EDGES = ["2024年1-11月", "面积47911.61m2的", "a1.2.3b", "1-2-3", "完成1-2项", "鿖鿗中国", "㐀中华人民",
         "c++语言", "ipad和iphone", "a_b中", "3.5%增长", "第1.5期", "d支部", "中 国\r\n人民\t共和国"]


@pytest.fixture(scope="module")
def world():
    """(search texts, display texts, whole reports, office names) of the seeds and the dev split."""
    settings = Settings()
    files = [(p, ROOT / "corpus") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    files += [(p, p.parent) for p in split_files("dev") if p.suffix != ".jsonl"]
    manifest = load_manifest(ROOT / "corpus")
    search, display, whole, offices = [], [], [], set()
    for path, corpus in files:
        report = read_report(path, corpus, manifest.get(path.stem))
        offices |= {report.office, report.office.removesuffix("街道")} - {""}
        whole.append(report.text)
        for chunk in chunk_report(report, settings.chunk_tokens, settings.min_chunk_tokens):
            search.append(chunk.search_text)
            display.append(chunk.text)
    return search, display, whole, sorted(offices)


def jieba_reference(words):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    for word in words:
        reference.add_word(word, freq=USER_WORD_FREQ)
    return reference


def reference_tokens(reference, text: str) -> list[str]:
    """Tokenizer.tokenize as it was written over jieba."""
    from assistant.textnorm import _TOKEN_OK

    tokens = [t.strip() for t in reference.cut_for_search(text)]
    return [t for t in tokens if t and t not in STOPWORDS and _TOKEN_OK.search(t)]


def test_search_tokens_are_jiebas_on_every_passage_of_the_seeds_and_dev(world):
    search, display, _, offices = world
    assert len(search) > 400 and len(offices) > 40
    tokenizer, reference = Tokenizer(), jieba_reference(offices)
    tokenizer.add_words(offices)
    texts = search + [fold(t) for t in display] + [search_form(t) for t in display]
    differ = [t[:60] for t in texts if tokenizer.tokenize(t) != reference_tokens(reference, t)]
    assert not differ, f"{len(differ)} of {len(texts)} passages cut otherwise than jieba: {differ[:3]}"


def test_whole_reports_are_cut_as_jieba_cuts_them(world):
    _, _, whole, offices = world
    tokenizer, reference = Tokenizer(), jieba_reference(offices)
    tokenizer.add_words(offices)
    for text in whole + [fold(t) for t in whole]:
        assert tokenizer.cut(text) == list(reference.cut(text))


def test_where_rjieba_alone_differs_the_tokens_are_still_jiebas():
    tokenizer, reference = Tokenizer(), jieba_reference([])
    for text in EDGES:
        assert tokenizer.cut(text) == list(reference.cut(text)), text
        assert tokenizer.tokenize(text) == reference_tokens(reference, text), text


def test_a_word_taught_after_first_use_is_cut_whole_by_both():
    tokenizer, reference = Tokenizer(), jieba_reference(["银杏湾"])
    text = "银杏湾街道推进老旧小区改造"
    before = tokenizer.tokenize(text)
    tokenizer.add_words(["银杏湾"])
    assert "银杏湾" not in before and "银杏湾" in tokenizer.tokenize(text)
    assert tokenizer.tokenize(text) == reference_tokens(reference, text)
    assert tokenizer.tagged(text)[0][0] == "银杏湾"  # jieba's tagger was taught it too
