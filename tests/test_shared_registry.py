"""The registry in the relational store (shared between app servers) and an index following another's changes.

Fast: SQLite stands in for PostgreSQL (same SQLAlchemy code, a file lock instead of the advisory lock) and the
hash embedder for the model; tests/test_shared_state.py runs the real servers.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from assistant.ingest import Ingestor
from assistant.pipeline import build_index, build_sinks
from assistant.retrieve import Retriever
from assistant.settings import Settings
from assistant.store import Registry, RegistryEntry
from assistant.types import DocumentMeta
from tests.retrieval_fixtures import make_document

TEXT = ("Verksamhetsberättelse 2025 Fritidsnämnden\n\nBadhuset\n\nBadhuset i Norrvik hade 41 200 besök under 2025, "
        "fler än året innan eftersom kvällsöppettiderna utökades.\n")


def _settings(root: Path, name: str, url: str) -> Settings:
    return Settings(data_dir=root / name, corpus_dir=root / "ingen-korpus", database_url=url,
                    embedding={"kind": "hash"})


def _entry(doc_id: str, name: str) -> RegistryEntry:
    return RegistryEntry(id=doc_id, name=name, sha256="0" * 64, meta=DocumentMeta(), status="indexed")


def test_entries_and_documents_round_trip_and_every_save_raises_the_counter(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'delad.sqlite'}"
    writer, reader = Registry(tmp_path / "a", url), Registry(tmp_path / "b", url)
    document = make_document("norrvik.txt", TEXT, municipality="Norrvik kommun")
    start = reader.stamp()
    with writer.lock():
        writer.save_document(document)
        writer.entries[document.id] = _entry(document.id, "norrvik.txt")
        writer.save()
    assert reader.stamp() == start + 1 and writer.version == start + 1
    reader.reload()
    assert reader.by_name("norrvik.txt") == writer.entries[document.id]
    assert reader.load_document(document.id) == document
    assert not (tmp_path / "a" / "registry.json").exists()  # nothing of it in a local file
    with writer.lock():
        writer.entries.clear()
        writer.save()
        assert writer.prune_document_files() == [document.id]
    with pytest.raises(FileNotFoundError):
        reader.load_document(document.id)
    assert reader.stamp() == start + 2


def test_try_lock_gives_way_to_a_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'delad.sqlite'}"
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with Registry(tmp_path / "a", url).lock():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(10)
    with Registry(tmp_path / "b", url).try_lock() as got:
        assert got is False
    release.set()
    thread.join()
    with Registry(tmp_path / "b", url).try_lock() as got:
        assert got is True


def test_an_index_follows_another_servers_upload_and_delete(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'delad.sqlite'}"
    a, b = _settings(tmp_path, "a", url), _settings(tmp_path, "b", url)
    folder = tmp_path / "filer"
    folder.mkdir()
    (folder / "norrvik-fritid-2025.txt").write_text(TEXT, encoding="utf-8")
    index_b = build_index(b)  # B starts first, with nothing
    retriever_b = Retriever(index_b, index_b.embedder, b.retrieval)
    assert not retriever_b.search("kvällsöppettiderna badhuset").chunks

    report = Ingestor(a, sinks=build_sinks(a)).ingest([folder])
    assert report.ok, report.outcomes
    hits = retriever_b.search("kvällsöppettiderna badhuset").chunks
    assert [h.chunk.document for h in hits] == ["norrvik-fritid-2025.txt"] and "bm25" in hits[0].ranks

    doc_id = Registry.of(a).by_name("norrvik-fritid-2025.txt").id  # type: ignore[union-attr]
    assert Ingestor(b, sinks=build_sinks(b)).delete(doc_id)
    index_a = build_index(a, sync=False)
    retriever_a = Retriever(index_a, index_a.embedder, a.retrieval)
    assert not retriever_a.search("kvällsöppettiderna badhuset").chunks
    assert doc_id not in index_a.lexical.by_document


def test_a_document_not_yet_committed_is_kept_while_its_writer_holds_the_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'delad.sqlite'}"
    settings = _settings(tmp_path, "a", url)
    index = build_index(settings)
    registry = Registry.of(settings)
    document = make_document("norrvik.txt", TEXT, municipality="Norrvik kommun")
    with registry.lock():  # an ingestion half-way: in the index, not yet in the registry
        index.add(document)
        registry.save()  # another document's commit meanwhile: the counter moves, so the index looks again
        index.follow()
        assert document.id in index.lexical.by_document
    index.follow()  # the writer is gone and never committed: the document goes
    assert document.id not in index.lexical.by_document


def test_a_document_cache_asks_the_shared_counter_at_most_twice_a_second(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.store import SHARED_LOOK_S, DocumentCache

    url = f"sqlite:///{tmp_path / 'delad.sqlite'}"
    writer = Registry(tmp_path / "a", url)
    documents = [make_document(f"norrvik-{i}.txt", TEXT.replace("41 200", f"4{i} 200")) for i in range(2)]

    def commit(document: object) -> None:
        with writer.lock():
            writer.save_document(document)  # type: ignore[arg-type]
            writer.entries[document.id] = _entry(document.id, document.name)  # type: ignore[attr-defined]
            writer.save()

    commit(documents[0])
    cache = DocumentCache(Registry(tmp_path / "b", url))
    asked = [0]
    counter = cache.registry.shared.counter  # type: ignore[union-attr]

    def counting() -> int:
        asked[0] += 1
        return counter()

    monkeypatch.setattr(cache.registry.shared, "counter", counting)
    for _ in range(50):  # one answer's lookups
        assert cache("norrvik-0.txt") == documents[0]
    assert asked[0] == 1
    commit(documents[1])  # another server's upload: seen once the interval has passed
    assert cache("norrvik-1.txt") is None
    time.sleep(SHARED_LOOK_S + 0.05)
    assert cache("norrvik-1.txt") == documents[1] and asked[0] == 2
