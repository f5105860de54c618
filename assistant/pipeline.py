"""The one factory: builds the embedder, stores and sinks from settings and wires them together."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assistant.ingest import IndexSink, Ingestor
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.answering import Answerer
    from assistant.answering.vectors import UnitVectors
    from assistant.embed import Embedder
    from assistant.factdb import FactDB
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
    registry = Registry.of(settings)
    index = HybridIndex(settings.data_dir, embedder, chunker, settings.index, chroma_url=settings.chroma_url,
                        source=registry if registry.shared is not None else None)
    if sync:
        with registry.lock():
            index.sync_registry(registry)
    return index


def build_retriever(settings: Settings, index: HybridIndex | None = None) -> Retriever:
    """A Retriever over the synced index (or this one); questions are embedded by the same model without the disk
    cache."""
    from assistant.embed import CachedEmbedder
    from assistant.retrieve import Retriever

    index = index or build_index(settings)
    embedder = index.embedder
    query_embedder = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    return Retriever(index, query_embedder, settings.retrieval)


def build_factdb(settings: Settings, sync: bool = True) -> FactDB:
    """The fact store (SQLite in the data directory unless database_url names a server), synced with the registry."""
    from assistant.factdb import FactDB, database_url
    from assistant.store import Registry

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    facts = FactDB(database_url(settings.data_dir, settings.database_url), facts_path(settings))
    if sync:
        registry = Registry.of(settings)
        with registry.lock():
            facts.sync_ids({e.id for e in registry.indexed()}, registry.load_document)
    return facts


def build_sinks(settings: Settings, index: HybridIndex | None = None) -> list[IndexSink]:
    """The index sinks that must mirror the registry's primary documents: the search index (this one, else a new
    one) and the fact store."""
    sinks: list[IndexSink] = [index or build_index(settings), build_factdb(settings)]
    vectors = build_unit_vectors(settings)
    if vectors is not None:
        sinks.append(vectors)
    return sinks


def build_ingestor(settings: Settings, index: HybridIndex | None = None) -> Ingestor:
    """An Ingestor wired to every index sink (the search index given, so that a server opens it once)."""
    return Ingestor(settings, sinks=build_sinks(settings, index))


def facts_path(settings: Settings) -> Path:
    """The reviewed fact set: the draft settings' path, else <corpus_dir>/indicators.csv."""
    return settings.draft.facts_path or settings.corpus_dir / "indicators.csv"


def build_answerer(settings: Settings, retriever: Retriever | None = None) -> Answerer:
    """The answering pipeline: retriever, reviewed facts, cleaned documents and the configured LLM (if any)."""
    from assistant.answering import Answerer
    from assistant.llm import build_llm
    from assistant.store import DocumentCache, Registry

    facts = build_factdb(settings, sync=False)
    documents = DocumentCache(Registry.of(settings), settings.answer.cached_documents)
    return Answerer(retriever or build_retriever(settings), documents, settings.answer,
                    build_llm(settings), facts_of=facts.in_span, vectors=build_unit_vectors(settings))


def build_unit_vectors(settings: Settings) -> UnitVectors | None:
    """Unit vectors through the embedding cache (None when the cache is off)."""
    from assistant.answering.vectors import UnitVectors
    from assistant.embed import CachedEmbedder

    embedder = build_embedder(settings)
    if not isinstance(embedder, CachedEmbedder):
        return None
    return UnitVectors(embedder, settings.answer.embed_missing)
