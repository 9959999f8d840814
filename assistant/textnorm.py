"""Text normalisation and tokenisation for search. Display text is never changed here.

- full-width digits, letters and punctuation fold to half-width (NFKC): ２４％ -> 24%;
- a report that writes "D" for 党 (D支部, D的二十大) has it restored for search only;
- jieba segments Chinese; office names found in the corpus are added to its dictionary so
  that 望月湖 stays one token.
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

_jieba = None
_jieba_lock = threading.Lock()
_user_words: set[str] = set()


def fold(text: str) -> str:
    """Full-width to half-width and compatibility forms (NFKC), lower-case ASCII, no paywall marks."""
    return PAYWALL.sub("", unicodedata.normalize("NFKC", text)).lower()


def uses_d_for_dang(text: str) -> bool:
    return len(_D_FOR_DANG.findall(text)) >= _D_MIN_USES


def restore_dang(text: str) -> str:
    return _D_FOR_DANG.sub("党", text)


def search_form(text: str, d_for_dang: bool = False) -> str:
    """The form of a text that is indexed and matched: folded, D read as 党 where the report does."""
    if d_for_dang:
        text = restore_dang(text)
    return fold(text)


def _tokenizer():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def add_words(words) -> None:
    """Teach the segmenter names from the corpus (offices, regions)."""
    tokenizer = _tokenizer()
    for word in words:
        if word and word not in _user_words:
            tokenizer.add_word(word, freq=20000)
            _user_words.add(word)


def tokenize(text: str) -> list[str]:
    """Search tokens of an already folded text: jieba's search-mode words, no punctuation or stop words."""
    tokens = []
    for token in _tokenizer().cut_for_search(text):
        token = token.strip()
        if not token or token in STOPWORDS or not _TOKEN_OK.search(token):
            continue
        tokens.append(token)
    return tokens


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
