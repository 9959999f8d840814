"""Retrieval configurations side by side on the same questions (recall@k and MRR):
BM25 only, dense only, hybrid, hybrid with the question-understanding filters and boosts, and a
naive LangChain baseline — RecursiveCharacterTextSplitter at 500 characters over the raw files,
a Chroma vector store, the same embedding model — so the gain over the tutorial pipeline is a
measured number."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from assistant.chain import Assistant
from assistant.conversation import condense
from assistant.loaders import read_text
from assistant.retrieve import Filters, search

from .run import percentile, quote_positions


class _LangChainEmbeddings:
    """Our embedder seen through LangChain's Embeddings interface."""

    def __init__(self, embedder):
        self.embedder = embedder

    def embed_documents(self, texts):
        return self.embedder.embed_documents(texts).tolist()

    def embed_query(self, text):
        return self.embedder.embed_query(text).tolist()


def naive_baseline(assistant: Assistant, k: int):
    """A search function over the tutorial pipeline: fixed 500-character splits, dense only."""
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
    documents = []
    corpus = assistant.settings.corpus_dir
    for report in assistant.index.reports():
        text = read_text(corpus / report.source)
        documents += splitter.split_documents([Document(page_content=text, metadata={"report_id": report.id})])
    store = Chroma(collection_name="naive", embedding_function=_LangChainEmbeddings(assistant.index.embedder),
                   persist_directory=tempfile.mkdtemp(prefix="naive-chroma-"),
                   client_settings=ChromaSettings(anonymized_telemetry=False))
    store.add_documents(documents)

    def run(question: str):
        found = store.similarity_search(question, k=k)
        return [(d.metadata["report_id"], d.metadata["start_index"],
                 d.metadata["start_index"] + len(d.page_content)) for d in found]

    return run


def compare(assistant: Assistant, items: list[dict], k: int) -> dict[str, dict]:
    offices = assistant.offices()
    settings = assistant.settings

    def ours(mode: str, understood: bool):
        def run(question: str):
            query = assistant.understand(question)
            filters = Filters().merged(query) if understood else Filters()
            if not understood:
                query = replace(query, offices=[], years=[], half="", phase="", problems=False)
            hits = search(assistant.index, query, settings, filters, k=k, mode=mode).hits
            return [(h.chunk.report_id, h.chunk.start, h.chunk.end) for h in hits]
        return run

    configs = {"bm25 only": ours("lexical", False), "dense only": ours("dense", False),
               "hybrid": ours("hybrid", False), "hybrid + question filters": ours("hybrid", True)}
    if assistant.index.embedder.enabled:
        configs["naive LangChain (500-char splits, dense)"] = naive_baseline(assistant, k)
    answerable = [i for i in items if i["answerable"]]
    table = {}
    for name, run in configs.items():
        recalls, rrs, times = [], [], []
        by_lang: dict[str, list[float]] = {}
        for item in answerable:
            question = condense(item["question"], item["history"], offices, assistant.index.tokenizer) \
                if item["history"] else item["question"]
            started = time.perf_counter()
            retrieved = run(question)
            times.append((time.perf_counter() - started) * 1000)
            positions = quote_positions(assistant, item)
            found = [any(r == rid and s <= pos < e for r, s, e in retrieved) for rid, pos in positions]
            recall = sum(found) / len(found)
            recalls.append(recall)
            by_lang.setdefault(item["lang"], []).append(recall)
            rank = next((n for n, (r, s, e) in enumerate(retrieved, 1)
                         if any(r == rid and s <= pos < e for rid, pos in positions)), None)
            rrs.append(1 / rank if rank else 0.0)
        table[name] = {"recall@k": round(sum(recalls) / len(recalls), 3),
                       **{f"recall@k {lang}": round(sum(v) / len(v), 3) for lang, v in sorted(by_lang.items())},
                       "mrr": round(sum(rrs) / len(rrs), 3),
                       "p50_ms": round(percentile(times, 0.5), 1), "p95_ms": round(percentile(times, 0.95), 1)}
    return table
