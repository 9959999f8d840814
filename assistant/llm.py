"""The ``llm`` answerer: any OpenAI-compatible chat endpoint (vLLM, Ollama, Xinference, DeepSeek,
Qwen) through LangChain's ChatOpenAI. The reply's [n] markers are mapped to the numbered passages;
markers that point nowhere are dropped; a reply with no valid marker has its sentences matched to
passages; numbers no cited passage contains are flagged in the text."""

from __future__ import annotations

import logging
import re
from typing import Iterator

from .answer import Citation
from .chunking import sentence_spans
from .errors import LLMError
from .index import Index
from .prompts import render
from .query import Query
from .retrieve import Hit
from .settings import Settings
from .textnorm import PAYWALL, fold
from .verify import unsupported_numbers

log = logging.getLogger(__name__)
MARKER = re.compile(r"[\[【]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】]")
NOT_FOUND_REPLY = re.compile(r"没有找到相关内容|not found in the reports|cannot be answered", re.I)


def chat_model(settings: Settings, streaming: bool = False):
    if not settings.llm_base_url:
        raise LLMError("no LLM endpoint configured; set ASSISTANT_LLM_BASE_URL, "
                       "e.g. http://127.0.0.1:8000/v1")
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key,
                      model=settings.llm_model, temperature=settings.llm_temperature,
                      timeout=settings.llm_timeout, max_retries=0, streaming=streaming)


def passages_block(hits: list[Hit]) -> str:
    blocks = []
    for n, hit in enumerate(hits, 1):
        c = hit.chunk
        text = c.text.replace("<", "‹").replace(">", "›")  # the fence cannot be closed from inside
        blocks.append(f'<passage id="{n}" report="{c.title}" section="{c.section}">\n{text}\n</passage>')
    return "\n\n".join(blocks)


def answer_prompt(settings: Settings, query: Query, hits: list[Hit]) -> str:
    language = ("Answer in English; quote figures exactly as the Chinese passages give them."
                if query.lang == "en" else "用中文回答，简洁准确。")
    return render(settings.prompts_dir, "answer", question=query.text, passages=passages_block(hits),
                  language_instruction=language)


def stream_reply(settings: Settings, prompt: str) -> Iterator[str]:
    """Text pieces of the model's reply; LLMError on any failure or timeout."""
    try:
        for piece in chat_model(settings, streaming=True).stream(prompt):
            if piece.content:
                yield piece.content
    except LLMError:
        raise
    except Exception as e:  # openai/httpx raise many types; all mean the endpoint failed us
        raise LLMError(f"the LLM endpoint at {settings.llm_base_url} failed: {type(e).__name__}: {e}") from e


def condense_with_llm(settings: Settings, question: str, history: list[str]) -> str:
    prompt = render(settings.prompts_dir, "condense", question=question,
                    history="\n".join(f"- {h}" for h in history[-4:]))
    try:
        reply = chat_model(settings).invoke(prompt).content.strip()
    except Exception as e:
        raise LLMError(f"the LLM endpoint failed while condensing: {e}") from e
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
    note = "（⚠未在引用原文中核实）" if lang == "zh" else " (⚠ not found in the cited source)"
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
    paragraph_id = next((p.id for _, p in report.paragraphs() if p.start <= s < p.end + 1),
                        chunk.paragraph_ids[0])
    text = re.sub(r"\s*\n\s*", "", PAYWALL.sub("", report.text[s:e]))
    return Citation(n=n, report_id=chunk.report_id, title=chunk.title, office=chunk.office,
                    section=chunk.section, text=text, start=s, end=e, paragraph_id=paragraph_id,
                    passage=chunk.text, passage_start=chunk.start, passage_end=chunk.end)
