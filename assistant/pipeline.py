"""The one factory: builds the embedder, stores and sinks from settings and wires them together."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assistant.ingest import IndexSink, Ingestor
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.answer import Answerer
    from assistant.embed import Embedder
    from assistant.index import HybridIndex
    from assistant.retrieve import Retriever


def build_embedder(settings: Settings) -> Embedder:
    """The configured embedder behind the on-disk embedding cache (the model loads on first use)."""
    from assistant.embed import build_embedder as make

    cache = settings.embedding.cache_path or settings.data_dir / "cache" / "embeddings.sqlite"
    return make(settings.embedding, cache)


def build_index(settings: Settings, embedder: Embedder | None = None, sync: bool = True) -> HybridIndex:
    """The hybrid index (Chroma + BM25), brought in line with the registry's primary documents."""
    from assistant.chunk import Chunker
    from assistant.index import HybridIndex
    from assistant.store import Registry

    embedder = embedder or build_embedder(settings)
    chunker = Chunker(settings.chunk, embedder.count_tokens, embedder.max_tokens)
    index = HybridIndex(settings.data_dir, embedder, chunker, settings.index, chroma_url=settings.chroma_url)
    if sync:
        registry = Registry(settings.data_dir)
        with registry.lock():
            index.sync(registry.documents())
    return index


def build_retriever(settings: Settings) -> Retriever:
    """A Retriever over the synced index; questions are embedded by the same model without the disk cache."""
    from assistant.embed import CachedEmbedder
    from assistant.retrieve import Retriever

    embedder = build_embedder(settings)
    index = build_index(settings, embedder)
    query_embedder = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    return Retriever(index, query_embedder, settings.retrieval)


def build_sinks(settings: Settings) -> list[IndexSink]:
    """The index sinks that must mirror the registry's primary documents."""
    return [build_index(settings)]


def build_ingestor(settings: Settings) -> Ingestor:
    """An Ingestor wired to every index sink."""
    return Ingestor(settings, sinks=build_sinks(settings))


def facts_path(settings: Settings) -> Path:
    """The reviewed fact set: the draft settings' path, else <corpus_dir>/indicators.csv."""
    return settings.draft.facts_path or settings.corpus_dir / "indicators.csv"


def build_answerer(settings: Settings, retriever: Retriever | None = None) -> Answerer:
    """The answering pipeline: retriever, reviewed facts, cleaned documents and the configured LLM (if any)."""
    from assistant.answer import Answerer
    from assistant.factstore import FactStore
    from assistant.llm import build_llm
    from assistant.store import DocumentCache

    path = facts_path(settings)
    facts = FactStore.from_csv(path) if path.is_file() else FactStore([])
    return Answerer(retriever or build_retriever(settings), facts, DocumentCache(settings.data_dir),
                    settings.answer, build_llm(settings))
