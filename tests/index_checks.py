"""Shared check for the index tests: registry, Chroma and BM25 agree exactly."""

from __future__ import annotations

from assistant.pipeline import build_index
from assistant.settings import Settings
from assistant.store import Registry


def assert_index_matches_registry(settings: Settings) -> int:
    """Registry, Chroma and BM25 agree on documents and chunks, with no orphans; returns the chunk count."""
    index = build_index(settings, sync=False)
    registry = Registry(settings.data_dir)
    primary = {e.id for e in registry.indexed()}
    assert index.document_ids() == primary
    assert {d for d, ids in index.lexical.by_document.items() if ids} == primary
    total = 0
    for document in registry.documents():
        chroma = set(index.collection.get(where={"document_id": document.id}, include=[])["ids"])
        expected = {c.id for c in index.chunker.chunk(document)}
        assert chroma == set(index.lexical.by_document[document.id]) == expected, document.name
        total += len(expected)
    assert index.collection.count() == total == len(index.lexical.records) == len(index.lexical.ids)
    stored = {p.stem for p in registry.documents_dir.glob("*.json")}
    assert primary <= stored <= set(registry.entries)  # no cleaned document without a registry entry
    assert {p.stem for p in index.lexical.docs_dir.glob("*.json")} == primary
    return total
