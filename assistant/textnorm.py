"""Text normalisation and tokenisation for search. Display text is never changed here.

- full-width digits, letters and punctuation fold to half-width (NFKC): ２４％ -> 24%;
- a report that writes "D" for 党 (D支部, D的二十大) has it restored for search only;
- jieba's segmentation (computed by rjieba, segmenter.py) cuts Chinese; office names found in one
  index's corpus are added to that index's segmenter so that 望月湖 stays one token.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

log = logging.getLogger(__name__)

PAYWALL = re.compile(r"##paid(?:begin|end)##")
# "D" standing alone between Chinese characters, not in 3D, AB, D级: D支部, 大D委, 全面从严治D。
_D_FOR_DANG = re.compile(r"(?<![A-Za-z0-9])D(?![A-Za-z0-9])(?=[\u4e00-\u9fff“”\"（(、，。；]|$)")
_D_MIN_USES = 5  # a report must use the pattern this often before we read D as 党

SENTENCE_END = "。！？；;!?"
_TOKEN_OK = re.compile(r"[\w%.\-]")
STOPWORDS = frozenset(
    "的 了 和 与 及 是 在 对 把 将 为 等 中 上 下 共 其 这 那 也 都 又 并 或 以 于 由 从 被 向 之 "
    "呢 吗 吧 啊 哪些 哪个 什么 多少 几 怎么 如何 是否 有没有 有 有关 关于 请问 一下 一些 方面 情况 "
    "the a an of to in on for and or what which how many much is are was were did does do "
    "with by at from about its it their there this that as be".split())

def fold(text: str) -> str:
    """Full-width to half-width and compatibility forms (NFKC), lower-case ASCII, no paywall marks,
    traditional characters read as simplified (a mirror of a page in 繁體 is searched like the page)."""
    return readable(PAYWALL.sub("", unicodedata.normalize("NFKC", text)).lower())


# Mirror sites that convert a page to 繁體 write a pinyin gloss after some characters: 發(fā)布.
_GLOSS = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}[)）]")


def readable(text: str) -> str:
    """The text to match words in: simplified characters, no pinyin glosses (not for display)."""
    return _GLOSS.sub("", simplified(text))


_t2s = None


def simplified(text: str) -> str:
    """The text with traditional characters in their simplified form (opencc's t2s; the same length
    as the text: a character for a character)."""
    global _t2s
    if not text or text.isascii():
        return text
    if _t2s is None:
        import opencc

        _t2s = opencc.OpenCC("t2s")
    converted = _t2s.convert(text)
    return converted if len(converted) == len(text) else text


def uses_d_for_dang(text: str) -> bool:
    return len(_D_FOR_DANG.findall(text)) >= _D_MIN_USES


def restore_dang(text: str) -> str:
    return _D_FOR_DANG.sub("党", text)


def search_form(text: str, d_for_dang: bool = False) -> str:
    """The form of a text that is indexed and matched: folded, D read as 党 where the report does,
    words that stand for one another in their common form."""
    if d_for_dang:
        text = restore_dang(text)
    return canonical(fold(text))


def canonical(folded: str) -> str:
    """A folded text with every word of a synonym group (data/synonyms.tsv) written as the group's
    first: 加梯 and 电梯加装 read as 加装电梯, so a question in one word finds a passage in another."""
    from . import vocab

    if not folded:
        return folded
    groups = vocab.synonym_group_of()
    return vocab.synonym_pattern().sub(lambda m: groups[m[0]][0], folded)


_base = None  # the segmenter with jieba's own dictionary only, shared: never taught a word
_base_lock = threading.Lock()
USER_WORD_FREQ = 20000  # a taught name outweighs the dictionary's words it could be cut into


def _new_jieba(words_dir=None):
    """A jieba Tokenizer of its own (its frequencies from the table in ``words_dir``: wordfreq.py)."""
    import jieba

    from .wordfreq import jieba_tokenizer

    jieba.setLogLevel(logging.WARNING)
    return jieba_tokenizer(words_dir)


class Tokenizer:
    """jieba's segmentation for one index: the names of its corpus (offices) are taught to it so
    that 望月湖 stays one token. Each index has its own, so what one index has taught never changes
    how another one reads, nor how a report is parsed (the parser uses ``base_tokenizer()``).

    Words are cut by rjieba (segmenter.py: jieba's words exactly, ten times faster); jieba itself
    loads only for parts of speech and word frequencies, on first use, taught the same words;
    ``words_dir`` (the index folder) holds its frequencies as a mapped table (wordfreq.py)."""

    def __init__(self, teachable: bool = True, words_dir=None) -> None:
        self.teachable = teachable
        self.words_dir = words_dir
        self._segmenter = None
        self._jieba = None
        self._pos = None
        self._lock = threading.Lock()
        self.words: set[str] = set()

    @property
    def segmenter(self):
        from .segmenter import Segmenter

        return self._taught("_segmenter", Segmenter)

    @property
    def jieba(self):
        return self._taught("_jieba", lambda: _new_jieba(self.words_dir))

    def _taught(self, slot: str, make):
        """The cutter in ``slot``, made on first use and taught the words taught so far."""
        if getattr(self, slot) is None:
            with self._lock:
                if getattr(self, slot) is None:
                    cutter = make()
                    for word in self.words:
                        cutter.add_word(word, USER_WORD_FREQ)
                    setattr(self, slot, cutter)
        return getattr(self, slot)

    def add_words(self, words) -> None:
        """Teach the segmenter names from the corpus (offices, regions)."""
        if not self.teachable:
            raise ValueError("the shared base tokenizer is never taught words")
        with self._lock:
            for word in words:
                if word and word not in self.words:
                    self.words.add(word)
                    if self._segmenter is not None:
                        self._segmenter.add_word(word, USER_WORD_FREQ)
                    if self._jieba is not None:
                        self._jieba.add_word(word, USER_WORD_FREQ)

    def tokenize(self, text: str) -> list[str]:
        """Search tokens of an already folded text: jieba's search-mode words, no punctuation or
        stop words."""
        tokens = []
        for token in self.segmenter.cut_for_search(text):
            token = token.strip()
            if not token or token in STOPWORDS or not _TOKEN_OK.search(token):
                continue
            tokens.append(token)
        return tokens

    def cut(self, text: str) -> list[str]:
        return self.segmenter.cut(text)

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """(word, part of speech) pairs (jieba's posseg: its own HMM tags unknown words, which
        rjieba's tagger leaves untagged)."""
        if self._pos is None:
            self._pos = _pos_tagger(self.jieba)
        return [(pair.word, pair.flag) for pair in self._pos.cut(text)]

    def frequency(self, word: str) -> int:
        """How often jieba's dictionary has seen the word (0 if never)."""
        return self.jieba.FREQ.get(word) or 0


def _pos_tagger(cutter):
    """jieba's part-of-speech tagger over ``cutter``. Each tagger reads its dictionary file into
    a word -> tag table (350,000 lines: ~1.5 s and ~40 MB each, measured), and the one
    jieba.posseg makes when imported has read the same file: its table is shared. No word taught
    here carries a tag, so nothing ever writes to it (POSTokenizer.makesure_userdict_loaded)."""
    import jieba.posseg

    shared = jieba.posseg.dt
    if cutter.dictionary != shared.tokenizer.dictionary:
        return jieba.posseg.POSTokenizer(cutter)
    tagger = object.__new__(jieba.posseg.POSTokenizer)  # its __init__ would read the table again
    tagger.tokenizer, tagger.word_tag_tab = cutter, shared.word_tag_tab
    return tagger


def base_tokenizer() -> Tokenizer:
    """The shared segmenter with jieba's dictionary only: what the parser reads with."""
    global _base
    if _base is None:
        with _base_lock:
            if _base is None:
                _base = Tokenizer(teachable=False)
    return _base


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
