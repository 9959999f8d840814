"""What a worker reads at start instead of computing it (issue 15, 10,000 reports): the report
records' copy, the offices' pinyin in the lexical folder, jieba's frequencies as a mapped table.
Each must give exactly what it stands for, and never a stale value after the reports change."""

from __future__ import annotations

import json
import shutil

import jieba
import pytest

from assistant import pinyin, wordfreq
from assistant.index import Index
from assistant.ingest import ingest
from assistant.query import office_aliases
from assistant.textnorm import Tokenizer

from conftest import CORPUS, LIAOXI, TIEXI, lexical_world_of


def _fail(*_a, **_k):
    pytest.fail("read from the store")


def test_records_copy_is_read_at_its_generation_and_not_after_a_new_report(tmp_path, monkeypatch):
    settings, index = lexical_world_of(tmp_path, keep=(TIEXI,))
    index.records()
    assert not index.records_path().exists()  # the ingesting process reads the store after its writes
    records = Index(settings, index.embedder).records()  # a worker starting: reads the store, keeps a copy
    assert index.records_path().exists()
    other = Index(settings, index.embedder)
    with monkeypatch.context() as m:
        m.setattr(other.store, "get_all", _fail)
        assert other.records() == records  # the copy, not Chroma
    shutil.copy2(CORPUS / f"{LIAOXI}.txt", settings.corpus_dir)  # a new report comes in
    ingest(index)
    fresh = Index(settings, index.embedder)
    assert set(fresh.records()) == {TIEXI, LIAOXI}
    assert len(fresh.offices()) == 2
    assert json.loads(index.records_path().read_text(encoding="utf-8"))["records"].keys() == {TIEXI, LIAOXI}


def test_a_broken_records_copy_is_read_from_the_store(tmp_path):
    settings, index = lexical_world_of(tmp_path, keep=(TIEXI,))
    records = Index(settings, index.embedder).records()
    index.records_path().write_text('{"token": ', encoding="utf-8")  # a crash half-way through
    assert Index(settings, index.embedder).records() == records


def test_offices_pinyin_is_read_from_the_lexical_folder(tmp_path, monkeypatch):
    settings, index = lexical_world_of(tmp_path, keep=(TIEXI, LIAOXI))
    offices = index.offices()
    expected = {o: office_aliases(o) for o in offices}
    monkeypatch.setattr(pinyin, "_known", {})
    office_aliases.cache_clear()
    import pypinyin

    monkeypatch.setattr(pypinyin, "lazy_pinyin", _fail)  # every office's pinyin comes from the file
    Index(settings, index.embedder).lexical()
    assert {o: office_aliases(o) for o in offices} == expected
    assert "tiexi" in expected["铁西街道"]
    office_aliases.cache_clear()


def test_a_new_office_gets_its_pinyin_in_the_new_folder(tmp_path):
    settings, index = lexical_world_of(tmp_path, keep=(TIEXI,))
    index.lexical()
    shutil.copy2(CORPUS / f"{LIAOXI}.txt", settings.corpus_dir)
    ingest(index)
    folders = [p for p in settings.index_dir.glob("*-lexical-*") if p.is_dir()]
    assert len(folders) == 1  # the old folder is gone
    table = json.loads((folders[0] / pinyin.FILE).read_text(encoding="utf-8"))["pinyin"]
    assert table["辽西"] == ["liao", "xi"] and table["铁西"] == ["tie", "xi"]


def test_pinyin_of_another_pypinyin_is_not_read(tmp_path, monkeypatch):
    pinyin.write(tmp_path, ["铁西"])
    data = json.loads((tmp_path / pinyin.FILE).read_text(encoding="utf-8"))
    data["pinyin"]["铁西"] = ["wrong"]
    data["pypinyin"] = "0.0.0"
    (tmp_path / pinyin.FILE).write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(pinyin, "_known", {})
    assert pinyin.load(tmp_path) == 0
    assert pinyin.syllables("铁西") == ("tie", "xi")


def test_jieba_table_answers_as_jiebas_dict(tmp_path):
    first = Tokenizer(words_dir=tmp_path)  # writes the table from jieba's own dict
    reference = first.jieba.FREQ
    assert isinstance(reference, dict)
    second = Tokenizer(words_dir=tmp_path)
    table = second.jieba.FREQ
    assert isinstance(table, wordfreq.Frequencies)
    assert second.jieba.total == first.jieba.total
    keys = list(reference)
    assert all(table.get(k) == reference[k] for k in keys[::25])  # prefixes (0) and words alike
    assert table.get("不存在的词汇啊") is None and "不存在的词汇啊" not in table and table.get("") is None
    words = ["望月湖街道", "望月湖", "铁西街道", "铁西", "银杏湾"]
    first.add_words(words)
    second.add_words(words)
    lines = [line for path in sorted(CORPUS.glob("*.txt")) for line in
             path.read_text(encoding="utf-8").splitlines()[:40] if line.strip()]
    assert [first.tagged(x) for x in lines] == [second.tagged(x) for x in lines]
    assert [first.frequency(w) for w in words + ["工业", "住宅"]] == [second.frequency(w) for w in words + ["工业", "住宅"]]


def test_jieba_table_half_written_or_of_another_jieba_is_not_read(tmp_path, monkeypatch):
    folder = wordfreq.folder_for(tmp_path)
    folder.mkdir()
    (folder / "words.bin").write_bytes(b"")  # no "done": a crash while writing
    assert isinstance(Tokenizer(words_dir=tmp_path).jieba.FREQ, dict)
    assert (folder / "done").exists()  # written again, whole
    assert isinstance(Tokenizer(words_dir=tmp_path).jieba.FREQ, wordfreq.Frequencies)
    monkeypatch.setattr(jieba, "__version__", "9.9.9")
    assert wordfreq.folder_for(tmp_path) != folder
