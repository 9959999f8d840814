"""A conversation's questions: cleaning what was typed, and reading a follow-up with the turns
before it (the embedded default does it by rules; an LLM, when configured, rewrites it)."""

from __future__ import annotations

import re

from .errors import EmptyQuestionError, QuestionTooLongError
from .query import office_aliases, understand
from .textnorm import Tokenizer

FOLLOW_UP_CUE = re.compile(r"^(那么?|那|还有|另外|再|其中|and|what about|how about|and what about)\b|呢[？?]?$",
                           re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_question(question: str, limit: int = 1000) -> str:
    """The question without control characters; typed errors for an empty or an overlong one
    (``limit``: Settings.max_question_chars)."""
    if question is None or not question.strip():
        raise EmptyQuestionError()
    question = _CONTROL.sub("", question).strip()
    if len(question) > limit:
        raise QuestionTooLongError(len(question), limit)
    return question


def condense(question: str, history: list[str], offices: list[str], tokenizer: Tokenizer | None = None) -> str:
    """Rule-based follow-up rewriting for the embedded default: a follow-up that names a new
    office, year or half-year takes the previous question and swaps those in; one with a new
    topic but no office inherits the previous question's office and year."""
    previous = history[-1]
    q = understand(question, offices, tokenizer)
    prev = understand(previous, offices, tokenizer)
    # a question that names an office and a topic, or a topic of several words, stands alone
    # ("铁西街道2024年招商引资目标是多少？" after a question about another office's canteens)
    independent = (q.offices and len(q.terms) >= 1) or len(q.terms) >= 3
    if independent and not FOLLOW_UP_CUE.search(question.strip()):
        return question
    if len(q.terms) >= 1 and not q.offices and not q.years and not q.half:
        # new topic, same office/year: "那养老方面呢？"
        prefix = "".join(prev.offices) + "".join(f"{y}年" for y in prev.years)
        topic = FOLLOW_UP_CUE.sub("", question.strip()).strip(" ，,？?")
        return f"{prefix}{topic}" if prefix else question
    rewritten = previous
    if q.offices:
        if prev.offices:
            for old in prev.offices:
                for alias in office_aliases(old):
                    if alias.isascii():
                        rewritten = re.sub(re.escape(alias), _pinyin_title(q.offices[0]), rewritten, flags=re.I)
                    else:
                        rewritten = rewritten.replace(alias, "\0")
                rewritten = re.sub("\0+", q.offices[0], rewritten)
        else:
            rewritten = q.offices[0] + rewritten
    if q.years:
        rewritten = re.sub(r"20\d{2}", str(q.years[0]), rewritten) if prev.years \
            else f"{q.years[0]}年{rewritten}"
    if q.half or re.search(r"全年|whole year|full year", question, re.I):
        new = {"H1": "上半年", "H2": "下半年"}.get(q.half, "全年")
        if re.search(r"上半年|下半年|全年", rewritten):
            rewritten = re.sub(r"上半年|下半年|全年", new, rewritten, count=1)
        else:
            rewritten = new + rewritten
    return rewritten


def _pinyin_title(office: str) -> str:
    return office_aliases(office)[-1].title() if office_aliases(office)[-1].isascii() else office
