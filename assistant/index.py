"""The index sink: chunk vectors in Chroma (via llama-index's ChromaVectorStore) and BM25 beside them."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import math
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from llama_index.core.schema import BaseNode

from assistant.chunk import Chunker, indexed_text, to_node
from assistant.clean import CLEANER_VERSION
from assistant.embed import Embedder
from assistant.query import Analyzer
from assistant.settings import IndexSettings
from assistant.store import ReadWriteLock, Registry, atomic_write_text
from assistant.types import Chunk, DocumentMeta, SourceDocument

log = logging.getLogger(__name__)

INDEX_VERSION = "1"
# BM25 is rebuilt over all chunks; rebuilding after every document makes a large ingestion quadratic. A change
# is indexed at once while the changed chunks are at least this share of the indexed ones, else on the next
# search or flush (so the total rebuild work of a long batch is a few times one final rebuild).
REBUILD_SHARE = 0.25
CHROMA_PAGE = 5000  # ids per Chroma get when listing the whole store
EMBED_STEP = 32  # chunks embedded between two progress reports (a large document reports many times)
ChunkProgress = Callable[[int, int], None]  # (chunks done, chunks of the document)


def chroma_client(url: str | None, path: Path) -> Any:
    """An HttpClient for a `chroma run` server when a URL is given, else a PersistentClient in `path`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        return chromadb.HttpClient(
            host=parsed.hostname or "localhost", port=port, ssl=parsed.scheme == "https", settings=chroma_settings
        )
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class _Bm25:
    """One BM25 state, replaced as a whole so that a search never mixes rows of two builds."""

    ids: list[str]  # chunk ids in row order
    doc_keys: list[str]
    doc_of_row: np.ndarray
    words: Any
    ngrams: Any


_EMPTY = _Bm25([], [], np.zeros(0, dtype=np.int64), None, None)


class LexicalIndex:
    """Chunk table plus two BM25 indexes (Snowball stems; character n-grams), persisted in one folder.

    Shared between processes through the index lock (the folder's parent's index.lock): writers (put, drop,
    save) hold it exclusively, loading holds it shared, and only writers ever write files. One object serves
    many reader threads and one writer thread at once: loads and writes swap in new tables (copies, never
    changed in place) and a new BM25 state whole, so a reader never sees a table change under it.
    """

    def __init__(self, folder: Path, analyzer: Analyzer, k1: float, b: float) -> None:
        self.folder = folder
        self.analyzer = analyzer
        self.k1, self.b = k1, b
        self.lock = ReadWriteLock.for_path(folder.parent / "index.lock")
        self.records: dict[str, dict[str, Any]] = {}  # chunk id → record
        self.by_document: dict[str, list[str]] = {}
        self._bm25 = _EMPTY
        self._state_mtime: int | None = None
        self.generation = 0  # bumped whenever the chunk table changes, so readers know to refresh
        self._pending = 0  # chunks added or dropped since BM25 was last built
        self.unsaved = False  # the BM25 in memory is not the one on disk (a writer's save() fixes that)
        self._lock = threading.RLock()
        self.load()

    @property
    def ids(self) -> list[str]:
        """Chunk ids in BM25 row order (builds BM25 first if changes are pending)."""
        self.flush()
        return self._bm25.ids

    @property
    def words(self) -> Any:
        """The BM25 index of word stems (None when empty)."""
        return self._bm25.words

    @property
    def ngrams(self) -> Any:
        """The BM25 index of character n-grams (None when empty or switched off)."""
        return self._bm25.ngrams

    @property
    def docs_dir(self) -> Path:
        """One JSON file of chunk records per document."""
        return self.folder / "docs"

    @property
    def state_path(self) -> Path:
        """Written last on every change; its stamp names the chunk set the saved BM25 files belong to."""
        return self.folder / "state.json"

    def load(self) -> None:
        """Read the chunk table and the saved BM25 indexes; if they do not match (a crash, a deferred rebuild),
        build BM25 in memory: a reader never writes, the next writer saves (see save)."""
        import bm25s

        with self.lock.hold(), self._lock:
            records: dict[str, dict[str, Any]] = {}
            by_document: dict[str, list[str]] = {}
            if self.docs_dir.is_dir():
                for path in sorted(self.docs_dir.glob("*.json")):
                    stored = json.loads(path.read_text(encoding="utf-8"))
                    for record in stored:  # n-grams are only needed to build BM25: read again then (memory)
                        record.pop("ngrams", None)
                    _put_records(records, by_document, path.stem, stored)
            mtime = self.state_path.stat().st_mtime_ns if self.state_path.is_file() else None
            state = json.loads(self.state_path.read_text()) if mtime is not None else {}
            if state.get("stamp") == self._stamp(records) and state.get("ids") and (self.folder / "words").is_dir():
                # Memory-mapped: a serving process keeps only the posting lists its questions touch resident.
                words = bm25s.BM25.load(str(self.folder / "words"), load_vocab=True, mmap=True, show_progress=False)
                ngram_dir = self.folder / "ngrams"
                ngrams = None
                if ngram_dir.is_dir():
                    ngrams = bm25s.BM25.load(str(ngram_dir), load_vocab=True, mmap=True, show_progress=False)
                bm25, self.unsaved = self._state(list(state["ids"]), records, by_document, words, ngrams), False
            else:
                bm25, self.unsaved = self._build(records, by_document), True
            self.by_document, self.records, self._bm25 = by_document, records, bm25
            self._pending = 0
            self.generation += 1
            self._state_mtime = mtime

    def reload_if_changed(self) -> None:
        """Pick up changes written by another process (an ingestion run) since this one loaded."""
        try:
            mtime = self.state_path.stat().st_mtime_ns
        except FileNotFoundError:
            return
        if mtime != self._state_mtime:
            with self.lock.hold():  # no writer half-way; look again, it may have changed once more
                if self.state_path.stat().st_mtime_ns != self._state_mtime:
                    self.load()

    def _stamp(self, records: dict[str, dict[str, Any]]) -> str:
        return _digest([self.k1, self.b, self.analyzer.ngram_size, sorted(records)])

    @staticmethod
    def _state(
        ids: list[str], records: dict[str, dict[str, Any]], by_document: dict[str, list[str]], words: Any, ngrams: Any
    ) -> _Bm25:
        doc_keys = sorted(by_document)
        position = {d: i for i, d in enumerate(doc_keys)}
        doc_of_row = np.array([position[records[i]["document_id"]] for i in ids], dtype=np.int64)
        return _Bm25(ids, doc_keys, doc_of_row, words, ngrams)

    def put(self, document: SourceDocument, chunks: list[Chunk]) -> None:
        """Store (or replace) one document's chunks; BM25 follows now or before the next search (see REBUILD_SHARE)."""
        records = []
        for chunk in chunks:
            text = indexed_text(chunk)
            record = {**chunk.model_dump(mode="json"), **document.meta.model_dump(mode="json")}
            record.update(stems=self.analyzer.stems(text), ngrams=self.analyzer.ngrams(text))
            records.append(record)
        with self.lock.hold(exclusive=True), self._lock:
            self._pending += len(self.by_document.get(document.id, [])) + len(records)
            atomic_write_text(self.docs_dir / f"{document.id}.json", json.dumps(records, ensure_ascii=False))
            self._swap(document.id, records)
            self._changed()

    def _swap(self, doc_id: str, records: list[dict[str, Any]] | None) -> None:
        """Put (or with None drop) one document's records in new tables, then swap them in (readers keep theirs)."""
        table, by_document = dict(self.records), dict(self.by_document)
        _put_records(table, by_document, doc_id, records or [])
        if records is None:
            by_document.pop(doc_id, None)
        self.by_document, self.records = by_document, table  # readers take by_document first (documents_meta)

    def drop(self, doc_id: str) -> None:
        """Forget one document's chunks; BM25 follows as for put."""
        with self.lock.hold(exclusive=True), self._lock:
            if doc_id not in self.by_document:
                return
            self._pending += len(self.by_document[doc_id])
            (self.docs_dir / f"{doc_id}.json").unlink(missing_ok=True)
            self._swap(doc_id, None)
            self._changed()

    def _changed(self) -> None:
        """After a change of the chunk files: rebuild when the change is large, else mark BM25 stale.

        The chunk files are the truth; state.json names the chunk set the saved BM25 files belong to, so a
        crash or another process that loads before the rebuild sees the mismatch and builds its own (see load).
        Touching state.json tells readers in other processes to reload.
        """
        self.generation += 1
        self.unsaved = True
        if self._pending >= REBUILD_SHARE * len(self._bm25.ids) or not self.state_path.is_file():
            self.rebuild()
            return
        stamp = max(time.time_ns(), (self._state_mtime or 0) + 1)
        os.utime(self.state_path, ns=(stamp, stamp))
        self._state_mtime = self.state_path.stat().st_mtime_ns

    def flush(self) -> None:
        """Build BM25 in memory if changes are pending (searches do this themselves; save() writes it)."""
        if self._pending:
            with self._lock:
                if self._pending:
                    self._bm25 = self._build(self.records, self.by_document)
                    self._pending = 0

    def rebuild(self) -> None:
        """BM25 over the stored tokens (no re-analysis of unchanged documents), then save."""
        with self._lock:
            self._pending = max(self._pending, 1)
            self.save()

    def save(self) -> None:
        """Write BM25 (built first if pending) and then the state that names its chunk set; a writer's job."""
        with self.lock.hold(exclusive=True), self._lock:
            self.flush()
            bm25 = self._bm25
            for name, model in (("words", bm25.words), ("ngrams", bm25.ngrams)):
                target = self.folder / name
                shutil.rmtree(target, ignore_errors=True)  # readers that mapped the old files keep them
                if model is not None:
                    model.save(str(target), show_progress=False)
            atomic_write_text(self.state_path, json.dumps({"stamp": self._stamp(self.records), "ids": bm25.ids}))
            self._state_mtime = self.state_path.stat().st_mtime_ns
            self.unsaved = False

    def _build(self, records: dict[str, dict[str, Any]], by_document: dict[str, list[str]]) -> _Bm25:
        import bm25s

        ids = sorted(records)
        words = ngrams = None
        if ids:
            words = bm25s.BM25(k1=self.k1, b=self.b)
            words.index([records[i]["stems"] or ["_"] for i in ids], show_progress=False)
            if self.analyzer.ngram_size > 0:
                ngrams = bm25s.BM25(k1=self.k1, b=self.b)
                ngrams.index([tokens or ["_"] for tokens in self._ngram_tokens(records, ids)], show_progress=False)
        return self._state(ids, records, by_document, words, ngrams)

    def _ngram_tokens(self, records: dict[str, dict[str, Any]], ids: list[str]) -> list[list[str]]:
        """Each chunk's n-grams: from memory if put by this process, else from its document's file."""
        from_files: dict[str, list[str]] = {}
        read: set[str] = set()
        out = []
        for chunk_id in ids:
            record = records[chunk_id]
            tokens = record.get("ngrams")
            if tokens is None:
                doc_id = record["document_id"]
                if doc_id not in read:
                    read.add(doc_id)
                    stored = json.loads((self.docs_dir / f"{doc_id}.json").read_text(encoding="utf-8"))
                    from_files.update((r["id"], r["ngrams"]) for r in stored)
                tokens = from_files.pop(chunk_id)
            out.append(tokens)
        return out

    def vocabulary(self, which: str) -> dict[str, int]:
        """The tokens one BM25 index knows."""
        self.flush()
        bm25 = self._bm25
        model = bm25.words if which == "words" else bm25.ngrams
        return model.vocab_dict if model is not None else {}

    def search(
        self, which: str, weights: dict[str, float], n: int, doc_ids: set[str] | None
    ) -> list[tuple[str, float]]:
        """Top n (chunk id, score) of one BM25 index for weighted query tokens, restricted to some documents."""
        self.flush()
        bm25 = self._bm25  # one state for the whole search, whatever another thread loads meanwhile
        model = bm25.words if which == "words" else bm25.ngrams
        if model is None:
            return []
        data, indices, indptr = model.scores["data"], model.scores["indices"], model.scores["indptr"]
        ids = bm25.ids
        scores = np.zeros(len(ids), dtype=np.float32)
        for token, weight in weights.items():
            column = model.vocab_dict.get(token)
            if column is None:
                continue
            lo, hi = indptr[column], indptr[column + 1]
            scores[indices[lo:hi]] += weight * data[lo:hi]
        if doc_ids is not None:
            allowed = np.array([d in doc_ids for d in bm25.doc_keys], dtype=bool)
            scores[~allowed[bm25.doc_of_row]] = 0.0
        return [(ids[i], float(scores[i])) for i in _top(scores, n) if scores[i] > 0]


def _put_records(
    records: dict[str, dict[str, Any]], by_document: dict[str, list[str]], doc_id: str, new: list[dict[str, Any]]
) -> None:
    for old in by_document.pop(doc_id, []):
        records.pop(old, None)
    by_document[doc_id] = [r["id"] for r in new]
    for record in new:
        # one string object per distinct stem instead of one per occurrence (a large share of the memory)
        record["stems"] = [sys.intern(s) for s in record.get("stems") or []]
        records[record["id"]] = record


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Rows of the n highest scores, ties in row order: a stable full sort, without sorting every row."""
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    if n < len(scores):
        negated = -scores
        bound = np.partition(negated, n - 1)[n - 1]
        rows = np.flatnonzero(negated <= bound)  # the top n and every tie with the n-th, in row order
        return rows[np.argsort(negated[rows], kind="stable")][:n]
    return np.argsort(-scores, kind="stable")[:n]


class HybridIndex:
    """An IndexSink holding every primary document as chunks: vectors in Chroma, BM25 on disk beside it."""

    def __init__(
        self,
        data_dir: Path,
        embedder: Embedder,
        chunker: Chunker,
        settings: IndexSettings,
        chroma_url: str | None = None,
        client: Any = None,
        source: Registry | None = None,
    ) -> None:
        self.embedder, self.chunker, self.settings = embedder, chunker, settings
        # With a shared state the registry another server changes: follow() keeps this server's index in step.
        self.source = source
        self._followed: int | None = None  # the source's counter this index was last brought in line with
        self._following = threading.Lock()
        self.analyzer = Analyzer(settings.ngram_size)
        self.fingerprint = _digest(
            {"index": INDEX_VERSION, "embedder": embedder.name, "chunker": chunker.fingerprint,
             "cleaner": CLEANER_VERSION, "ef_search": settings.hnsw_ef_search}
        )
        self.collection_name = f"{settings.collection_prefix}-{self.fingerprint}"
        # An embedded Chroma is not multi-process safe: a process that opened it does not see another process's
        # writes and its queries can fail ("Error finding id") once that process has written. So every read and
        # write holds the index lock (readers shared, the writer exclusive) and after each write the writer
        # leaves a new generation; a holder that sees a generation it did not write reopens Chroma (and BM25).
        self.lock = ReadWriteLock.for_path(data_dir / "index" / "index.lock")
        self._generation_path = data_dir / "index" / "generation"
        self._chroma_path = data_dir / "chroma"
        self._reopenable = client is None and not chroma_url
        self._refreshing = threading.Lock()
        with self.lock.hold(exclusive=True):
            self._generation = self._read_generation()
            self.client = client or chroma_client(chroma_url, self._chroma_path)
            self._open_collection()
            if not chroma_url:
                self._drop_stale_collections()
            lexical_fp = _digest([self.fingerprint, settings.bm25_k1, settings.bm25_b, settings.ngram_size])
            self.lexical_dir = data_dir / "index" / f"bm25-{lexical_fp}"
            self._drop_stale_lexical(data_dir / "index")
            self.lexical = LexicalIndex(self.lexical_dir, self.analyzer, settings.bm25_k1, settings.bm25_b)

    def _open_collection(self) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.collection = self.client.get_or_create_collection(
            name=self.collection_name,
            # A wide search makes the approximate index exact at this size, so rankings do not depend on how
            # the graph happened to be built (embedded store or server, insertion order, threads).
            configuration={"hnsw": {"space": "cosine", "ef_search": self.settings.hnsw_ef_search}},
            metadata={"fingerprint": self.fingerprint, "embedder": self.embedder.name, "cleaner": CLEANER_VERSION},
            embedding_function=None,  # vectors always come from our embedder; never Chroma's ONNX default
        )
        self.vector_store = ChromaVectorStore(chroma_collection=self.collection)
        self._tune_search()

    def search_breadth(self, chunks: int) -> int:
        """HNSW ef_search for a collection of this size: exact and repeatable while small (the configured breadth
        covers every chunk), bounded once large, where the full breadth costs most of a question's time."""
        settings = self.settings
        if chunks < settings.hnsw_large_from:
            return settings.hnsw_ef_search
        return min(settings.hnsw_ef_search, settings.hnsw_ef_search_large)

    def _tune_search(self) -> None:
        """Set the collection's ef_search for its present size (a query-time setting Chroma lets us change; it is
        stored with the collection, so every process and server sharing it searches alike). An embedded store
        keeps the breadth its loaded segment was opened with, so it is opened afresh."""
        breadth = self.search_breadth(self.collection.count())
        if (self.collection.configuration or {}).get("hnsw", {}).get("ef_search") != breadth:
            self.collection.modify(configuration={"hnsw": {"ef_search": breadth}})
            if self._reopenable:
                self._reopen_embedded()

    def _reopen_embedded(self) -> None:
        """A new client on the embedded store: it reads what other processes (or a new configuration) left."""
        from chromadb.api.shared_system_client import SharedSystemClient

        # Chroma caches one system per path in a process; drop it so the new client reads the disk.
        SharedSystemClient._identifier_to_system.pop(str(self._chroma_path), None)
        self.client = chroma_client(None, self._chroma_path)
        self._open_collection()

    def _read_generation(self) -> str:
        try:
            return self._generation_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def _refresh(self) -> None:
        """With the lock held: after another writer's change, open Chroma afresh and reload BM25."""
        generation = self._read_generation()
        if generation == self._generation:
            return
        with self._refreshing:
            if generation == self._generation:
                return
            if self._reopenable:
                self._reopen_embedded()
            self.lexical.reload_if_changed()
            self._generation = generation

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Read both stores as one writer left them (no write half-way)."""
        with self.lock.hold():
            self._refresh()
            yield

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Change both stores while readers wait; they see the change whole, then a new generation."""
        with self.lock.hold(exclusive=True):
            self._refresh()
            try:
                yield
            finally:
                self._generation = uuid.uuid4().hex
                atomic_write_text(self._generation_path, self._generation)
                self._tune_search()

    def _drop_stale_collections(self) -> None:
        """An embedded store keeps only the current fingerprint's collection (a server may serve other configs)."""
        for collection in self.client.list_collections():
            name = getattr(collection, "name", collection)
            if name.startswith(f"{self.settings.collection_prefix}-") and name != self.collection_name:
                log.info("tar bort inaktuell samling %s", name)
                self.client.delete_collection(name)

    def _drop_stale_lexical(self, parent: Path) -> None:
        if parent.is_dir():
            for child in parent.glob("bm25-*"):
                if child != self.lexical_dir:
                    shutil.rmtree(child, ignore_errors=True)

    # -- IndexSink -------------------------------------------------------------------------------------------

    def add(self, document: SourceDocument, progress: ChunkProgress | None = None) -> None:
        """Chunk, embed (cache permitting) and store one document; unchanged chunks are left alone.

        progress(done, total) is called as chunks are embedded, so a large document reports many times.
        """
        chunks = self.chunker.chunk(document)
        new_ids = {c.id for c in chunks}
        with self.reading():
            vectors_ok = self._chroma_ids(document.id) == new_ids
            lexical_ok = set(self.lexical.by_document.get(document.id, [])) == new_ids
        if vectors_ok and lexical_ok:
            if progress:
                progress(len(chunks), len(chunks))
            return
        nodes: list[BaseNode] = [] if vectors_ok else [to_node(c, document) for c in chunks]
        self._embed(nodes, progress)  # the slow part: done before readers are made to wait
        with self._writing():
            if not vectors_ok:
                self.vector_store.delete(document.id)
                self._add_vectors(nodes)
            if not lexical_ok:
                self.lexical.put(document, chunks)
        if progress and not nodes:
            progress(len(chunks), len(chunks))

    def _embed(self, nodes: list[BaseNode], progress: ChunkProgress | None) -> None:
        """Give each node its vector, EMBED_STEP chunks at a time, reporting progress after each step."""
        for start in range(0, len(nodes), EMBED_STEP):
            step = nodes[start : start + EMBED_STEP]
            vectors = self.embedder.embed([n.get_content() for n in step])
            for node, vector in zip(step, vectors, strict=True):
                node.embedding = vector.tolist()
            if progress:
                progress(start + len(step), len(nodes))

    @functools.cached_property
    def max_batch_size(self) -> int:
        """The most records Chroma takes in one write (a server is asked once; ~5,000 for the embedded store)."""
        return max(1, int(self.client.get_max_batch_size()))

    def _add_vectors(self, nodes: list[BaseNode]) -> None:
        """Write nodes to Chroma in batches it accepts (one large document can have many thousand chunks)."""
        size = self.max_batch_size
        for start in range(0, len(nodes), size):
            self.vector_store.add(nodes[start : start + size])

    def remove(self, document_id: str) -> None:
        """Forget a document's chunks in both indexes."""
        with self.reading():
            present = document_id in self.lexical.by_document or bool(self._chroma_ids(document_id))
        if present:
            with self._writing():
                self.vector_store.delete(document_id)
                self.lexical.drop(document_id)

    # -- consistency -----------------------------------------------------------------------------------------

    def _chroma_ids(self, document_id: str) -> set[str]:
        with self.reading():
            return set(self.collection.get(where={"document_id": document_id}, include=[])["ids"])

    def _chroma_chunks(self) -> dict[str, set[str]]:
        """Chunk ids in the vector store, by document."""
        chunks: dict[str, set[str]] = {}
        offset = 0
        while True:  # in pages: one get of every id fails past SQLite's variable limit (~32k chunks)
            with self.reading():
                got = self.collection.get(include=["metadatas"], limit=CHROMA_PAGE, offset=offset)
            for chunk_id, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
                chunks.setdefault(str(meta["document_id"]), set()).add(chunk_id)
            if len(got["ids"]) < CHROMA_PAGE:
                return chunks
            offset += CHROMA_PAGE

    def document_ids(self) -> set[str]:
        """Documents that have chunks in the vector store."""
        return set(self._chroma_chunks())

    def chunk_count(self, document_id: str) -> int:
        """Chunks of one document in the vector store."""
        return len(self._chroma_ids(document_id))

    def sync(self, documents: list[SourceDocument]) -> None:
        """Make both indexes hold exactly these documents (after a fingerprint change, a crash, another writer).

        A document whose chunks differ between Chroma and BM25 (a run killed half-way) is indexed again. Call with
        the registry's lock held: with a shared state, vectors of a document the registry does not list are then
        a killed writer's, never another server's ingestion in progress.
        """
        by_id = {d.id: d for d in documents}
        self.sync_ids(set(by_id), by_id.__getitem__)

    def sync_registry(self, registry: Registry) -> None:
        """sync() with the registry's primary documents, each read only if it must be indexed again (reading
        every cleaned document at start set the serving process's peak memory at 100k chunks)."""
        self.sync_ids({e.id for e in registry.indexed()}, registry.load_document)

    def sync_ids(self, wanted: set[str], load: Callable[[str], SourceDocument]) -> None:
        """sync() for these document ids; load(id) gives a document that must be indexed again."""
        if self.source is not None:
            self._followed = self.source.version
        with self.reading():
            # Nothing to reconcile when the same documents and as many vectors as chunks (a run killed half-way
            # leaves either unequal). Comparing chunk by chunk reads every vector's metadata, which Chroma then
            # keeps cached: ~0.4 GB of the serving process at 100k chunks.
            agree = set(self.lexical.by_document) == wanted and self.collection.count() == len(self.lexical.records)
        if agree:
            self.flush()
            return
        with self.reading():
            in_chroma = self._chroma_chunks()
            in_lexical = {d: set(ids) for d, ids in self.lexical.by_document.items()}
        for doc_id in (set(in_chroma) | set(in_lexical)) - wanted:
            self.remove(doc_id)
        for doc_id in sorted(wanted):
            if doc_id not in in_chroma or in_chroma[doc_id] != in_lexical.get(doc_id):
                self.add(load(doc_id))
        self.flush()

    def follow(self) -> None:
        """Catch up with another server's changes of the shared registry (cheap when there are none).

        A document the registry lists and this index lacks is added (its vectors are already in the shared Chroma,
        so only this server's BM25 is built, from the shared cleaned text). A document this index holds and the
        registry does not is dropped only while no writer holds the registry's lock: otherwise it may be one that
        an ingestion (of this process or another) is adding; the next look drops it. One thread catches up while
        the others go on with the index as it is.
        """
        source = self.source
        if source is None or not self._following.acquire(blocking=False):
            return
        try:
            if source.stamp() == self._followed:
                return
            source.reload()
            version, wanted = source.version, {e.id for e in source.indexed()}
            with self.reading():
                stale = set(self.lexical.by_document) - wanted
            if stale and not self._drop_stale(source):
                version = None  # a writer is busy: look again next time
            for doc_id in sorted(wanted - set(self.lexical.by_document)):
                with contextlib.suppress(FileNotFoundError):  # replaced meanwhile: the next look adds the new one
                    self.add(source.load_document(doc_id))
            self.flush()
            self._followed = version
        finally:
            self._following.release()

    def _drop_stale(self, source: Registry) -> bool:
        """Under the registry's lock, if free: remove what the registry does not list. False when it was taken."""
        with source.try_lock() as held:
            if not held:
                return False
            wanted = {e.id for e in source.indexed()}
            with self.reading():
                stale = set(self.lexical.by_document) - wanted
            for doc_id in sorted(stale):
                self.remove(doc_id)
            return True

    def flush(self) -> None:
        """Save BM25 if this process changed it without saving (call after a batch of adds; readers never save)."""
        if self.lexical.unsaved:
            with self._writing():
                self.lexical.save()

    # -- search ----------------------------------------------------------------------------------------------

    def dense(self, vector: np.ndarray, n: int, doc_ids: set[str] | None) -> list[tuple[str, float]]:
        """Top n (chunk id, similarity) by embedding: ids and distances only, straight from the Chroma collection
        llama-index writes (its query also fetches and parses every hit's text and metadata, which fusion does not
        use: a third of a dense query at 100k chunks). Similarity as llama-index's: exp(-distance)."""
        where = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            where = {"document_id": {"$in": sorted(doc_ids)}}
        with self.reading():
            got = self.collection.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                                        include=["distances"])
        distances = (got.get("distances") or [[]])[0]
        return [(chunk_id, math.exp(-float(d))) for chunk_id, d in zip(got["ids"][0], distances, strict=True)]

    def documents_meta(self) -> dict[str, DocumentMeta]:
        """Metadata of the indexed documents, by id."""
        metas: dict[str, DocumentMeta] = {}
        by_document, records = self.lexical.by_document, self.lexical.records  # a reload swaps both, this order
        for doc_id, chunk_ids in by_document.items():
            record = records.get(chunk_ids[0]) if chunk_ids else None
            if record is not None:
                metas[doc_id] = DocumentMeta.model_validate({k: record[k] for k in DocumentMeta.model_fields})
        return metas
