"""The ``llm`` answerer: any OpenAI-compatible chat endpoint (vLLM, Ollama, Xinference, DeepSeek,
Qwen) through LangChain's ChatOpenAI, streamed. The reply's [n] markers are mapped to the numbered
passages; markers that point nowhere are dropped; a reply with no valid marker has its sentences
matched to passages; numbers no cited passage contains are flagged in the text."""

from __future__ import annotations

import logging
import re
from typing import Iterator

from .chunking import sentence_spans
from .documents import Answer, Citation, cite
from .errors import LLMError, LLMFailedError, LLMNotConfiguredError
from .index import Index
from .labels import say
from .prompts import render
from .query import Query
from .retrieve import Hit
from .settings import Settings
from .textnorm import fold
from .verify import unsupported_numbers

log = logging.getLogger(__name__)
MARKER = re.compile(r"[\[【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]")
NOT_FOUND_REPLY = re.compile(r"没有找到相关内容|not found in the reports|cannot be answered", re.I)


def chat_model(settings: Settings, streaming: bool = False):
    if not settings.llm_base_url:
        raise LLMNotConfiguredError()
    from langchain.chat_models import init_chat_model  # LangChain picks the provider's class

    return init_chat_model(settings.llm_model, model_provider="openai", base_url=settings.llm_base_url,
                           api_key=settings.llm_api_key, temperature=settings.llm_temperature,
                           timeout=settings.llm_timeout, max_retries=0, streaming=streaming)


def passages_block(hits: list[Hit]) -> str:
    blocks = []
    for n, hit in enumerate(hits, 1):
        c = hit.chunk
        text = c.text.replace("<", "‹").replace(">", "›")  # the fence cannot be closed from inside
        blocks.append(f'<passage id="{n}" report="{c.title}" section="{c.section}">\n{text}\n</passage>')
    return "\n\n".join(blocks)


def answer_prompt(settings: Settings, query: Query, hits: list[Hit]) -> str:
    return render(settings.prompts_dir, "answer", question=query.text, passages=passages_block(hits),
                  language_instruction=say(query.lang, "llm_language"))


class LLMAnswerer:
    """Streams the model's answer over the top passages, then maps its markers to citations.
    LLMError when the endpoint fails: the caller answers extractively."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def answer(self, query: Query, hits: list[Hit], index: Index) -> Answer | None:
        final = None
        for final in self.stream(query, hits, index):
            pass
        return final

    def stream(self, query: Query, hits: list[Hit], index: Index):
        """Answers growing as the reply arrives; the last is cited and verified (status
        not_found when the reply cites nothing: the caller says what the reports cover)."""
        if not hits:
            return
        hits = hits[:self.settings.k]
        text = ""
        for piece in stream_reply(self.settings, answer_prompt(self.settings, query, hits)):
            text += piece
            yield Answer(question=query.text, answer=text, status="answered", mode="llm")
        answer_text, citations, unsupported = cite_reply(text, hits, index, query)
        yield Answer(question=query.text, answer=answer_text, status="answered" if citations else "not_found",
                     citations=citations, unsupported_numbers=unsupported, mode="llm")


def stream_reply(settings: Settings, prompt: str) -> Iterator[str]:
    """Text pieces of the model's reply; LLMError on any failure or timeout."""
    try:
        for piece in chat_model(settings, streaming=True).stream(prompt):
            if piece.content:
                yield piece.content
    except LLMError:
        raise
    except Exception as e:  # openai/httpx raise many types; all mean the endpoint failed us
        raise LLMFailedError(settings.llm_base_url, "answer", f"{type(e).__name__}: {e}") from e


def condense_with_llm(settings: Settings, question: str, history: list[str]) -> str:
    prompt = render(settings.prompts_dir, "condense", question=question,
                    history="\n".join(f"- {h}" for h in history[-4:]))
    try:
        reply = chat_model(settings).invoke(prompt).content.strip()
    except Exception as e:
        raise LLMFailedError(settings.llm_base_url or "", "condense", f"{type(e).__name__}: {e}") from e
    return reply.splitlines()[0].strip() if reply else question


def cite_reply(reply: str, hits: list[Hit], index: Index, query: Query):
    """(answer text, citations, unsupported numbers) from a model's reply."""
    if NOT_FOUND_REPLY.search(reply) and not MARKER.search(reply):
        return reply.strip(), [], []
    sentences = [reply[s:e] for s, e in sentence_spans(reply)] or [reply]
    citations: dict[int, Citation] = {}
    out, unsupported = [], []
    for sentence in sentences:
        numbers = [int(n) for m in MARKER.finditer(sentence) for n in re.split(r"[,，、]", m[1])]
        valid = [n for n in numbers if 1 <= n <= len(hits)]
        body = MARKER.sub("", sentence).rstrip()
        if not valid and not body.strip():
            continue
        if not valid:
            best = _best_passage(body, hits)
            valid = [best] if best else []
        sources = [hits[n - 1].chunk.text for n in valid]
        bad = unsupported_numbers(body, sources) if valid else unsupported_numbers(body, [])
        for number in bad:
            body = _flag(body, number, query.lang)
        unsupported.extend(bad)
        markers = ""
        for n in dict.fromkeys(valid):
            if n not in citations:
                citations[n] = _citation(len(citations) + 1, hits[n - 1], body, index)
            markers += f"[{citations[n].n}]"
        tail = body[len(body.rstrip("。.!！?？；;")):]
        out.append(body[:len(body) - len(tail)] + markers + tail)
    return "".join(out).strip(), sorted(citations.values(), key=lambda c: c.n), unsupported


def _flag(text: str, number: str, lang: str) -> str:
    note = say(lang, "llm_unverified")
    pattern = re.escape(number.rstrip("%")) + (r"\s*[%％]" if number.endswith("%") else r"(?![\d.])")
    return re.sub(f"({pattern})", lambda m: m[1] + note, text, count=1)


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", fold(text))
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _best_passage(sentence: str, hits: list[Hit]) -> int | None:
    grams = _bigrams(sentence)
    if not grams:
        return None
    scores = [len(grams & _bigrams(h.chunk.text)) / len(grams) for h in hits]
    best = max(range(len(hits)), key=lambda i: scores[i], default=None)
    return best + 1 if best is not None and scores[best] >= 0.3 else None


def _citation(n: int, hit: Hit, claim: str, index: Index) -> Citation:
    """Cite the sentence of the passage closest to the claim, so the viewer can mark it."""
    chunk = hit.chunk
    report = index.report(chunk.report_id)
    grams = _bigrams(claim)
    spans = sentence_spans(report.text[chunk.start:chunk.end], chunk.start) or [(chunk.start, chunk.end)]
    s, e = max(spans, key=lambda sp: len(grams & _bigrams(report.text[sp[0]:sp[1]])))
    return cite(report, n, s, e, passage=(chunk.text, chunk.start, chunk.end), section=chunk.section)
