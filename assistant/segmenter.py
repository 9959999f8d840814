"""jieba's segmentation, computed by rjieba (jieba-rs, the same dictionary and HMM, in Rust): the
same words as ``jieba.Tokenizer.cut`` and ``cut_for_search`` (HMM on), about 10x faster, and the
dictionary loads in about 0.5 s instead of 1-4 s.

rjieba differs from jieba in three places, which are put right here so the tokens stay identical
(tests/test_segmenter.py compares both on every report of the seed corpus and the dev split):
- jieba's HMM splits a run of Latin letters and digits it does not know at ``[a-zA-Z0-9]+(\\.\\d+)?%?``
  (1-11 -> 1 - 11, 47911.61m2 -> 47911.61 m2); rjieba keeps the run whole: such a word is split again
  with jieba's pattern;
- jieba reads Chinese as U+4E00-U+9FD5; rjieba reads further (extension A, U+9FD6-U+9FFF, the
  supplementary planes): a text holding such a character is cut a block at a time, with jieba's
  own block patterns, so those characters stand alone as jieba has them;
- rjieba's search mode adds pieces of words that are not in the dictionary (61m2): search mode is
  jieba's, written out below over rjieba's words and dictionary.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")  # jieba's re_han_default
_SPACE = re.compile(r"(\r\n|\s)")  # jieba's re_skip_default
_HAN = re.compile(r"[\u4E00-\u9FD5]")
_UNKNOWN_RUN = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba's finalseg re_skip
_OTHER_HAN = re.compile("[\u3400-\u4DBF\u9FD6-\u9FFF\uF900-\uFAFF\U00020000-\U0003FFFF]")


class Segmenter:
    """One rjieba dictionary (words added to it stay in this one)."""

    def __init__(self) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()

    def add_word(self, word: str, freq: int) -> None:
        self._jieba.add_word(word, freq, None)

    def has_word(self, word: str) -> bool:
        return self._jieba.has_word(word)

    def cut(self, text: str) -> list[str]:
        """jieba's precise mode with HMM."""
        if _OTHER_HAN.search(text):
            return self._cut_blocks(text)
        return self._mend(self._jieba.cut(text, True))

    def cut_for_search(self, text: str) -> list[str]:
        """jieba's search mode: each word, after the dictionary words of two and three characters
        inside it."""
        has = self._jieba.has_word
        out: list[str] = []
        for word in self.cut(text):
            n = len(word)
            if n > 2:
                out.extend(word[i:i + 2] for i in range(n - 1) if has(word[i:i + 2]))
            if n > 3:
                out.extend(word[i:i + 3] for i in range(n - 2) if has(word[i:i + 3]))
            out.append(word)
        return out

    def _mend(self, words: list[str]) -> list[str]:
        """rjieba's words with each unknown Latin-and-digit run split as jieba's HMM splits it."""
        out: list[str] | None = None
        for i, word in enumerate(words):
            if len(word) > 1 and not _HAN.search(word) and not _SPACE.fullmatch(word) \
                    and not self._jieba.has_word(word):
                parts = [p for p in _UNKNOWN_RUN.split(word) if p]
                if parts != [word]:
                    if out is None:
                        out = words[:i]
                    out.extend(parts)
                    continue
            if out is not None:
                out.append(word)
        return words if out is None else out

    def _cut_blocks(self, text: str) -> list[str]:
        """jieba's cut, a block at a time: Chinese (as jieba reads it) through rjieba, spaces as they
        are, anything else a character at a time."""
        out: list[str] = []
        for block in _BLOCK.split(text):
            if not block:
                continue
            if _BLOCK.fullmatch(block):
                out.extend(self._mend(self._jieba.cut(block, True)))
                continue
            for piece in _SPACE.split(block):
                if _SPACE.fullmatch(piece):
                    out.append(piece)
                elif piece:
                    out.extend(piece)
        return out
