"""The bounded caches: the LRU map, and the document cache built on it (a large archive stays out of memory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.lru import Lru
from assistant.store import DocumentCache, Registry, RegistryEntry
from tests.retrieval_fixtures import make_document


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now newer than b
    cache.put("c", 3)
    assert (cache.get("b"), cache.get("a"), cache.get("c"), len(cache)) == (None, 1, 3, 2)
    cache.put("a", 4)  # replacing keeps the size
    assert (cache.get("a"), len(cache)) == (4, 2)
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError):
        Lru(0)


def test_the_document_cache_keeps_only_its_size_and_still_finds_every_document(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    documents = [make_document(f"rapport-{i}.txt", f"Rapport {i}\n\nText nummer {i} om hemtjänsten.\n")
                 for i in range(3)]
    with registry.lock():
        for document in documents:
            registry.save_document(document)
            registry.entries[document.id] = RegistryEntry(id=document.id, name=document.name,
                                                          sha256=document.sha256, meta=document.meta,
                                                          status="indexed")
        registry.save()
    cache = DocumentCache(Registry(tmp_path), size=2)
    for _ in range(2):
        assert [cache(d.name) for d in documents] == documents
    assert len(cache._docs) == 2
