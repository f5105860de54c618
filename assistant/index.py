"""The index sink: chunk vectors in Chroma (via llama-index's ChromaVectorStore) and BM25 beside them."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from llama_index.core.schema import BaseNode
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)

from assistant.chunk import Chunker, indexed_text, to_node
from assistant.clean import CLEANER_VERSION
from assistant.embed import Embedder
from assistant.query import Analyzer
from assistant.settings import IndexSettings
from assistant.store import atomic_write_text
from assistant.types import Chunk, DocumentMeta, SourceDocument

log = logging.getLogger(__name__)

INDEX_VERSION = "1"
# BM25 is rebuilt over all chunks; rebuilding after every document makes a large ingestion quadratic. A change
# is indexed at once while the changed chunks are at least this share of the indexed ones, else on the next
# search or flush (so the total rebuild work of a long batch is a few times one final rebuild).
REBUILD_SHARE = 0.25


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


class LexicalIndex:
    """Chunk table plus two BM25 indexes (Snowball stems; character n-grams), persisted in one folder."""

    def __init__(self, folder: Path, analyzer: Analyzer, k1: float, b: float) -> None:
        self.folder = folder
        self.analyzer = analyzer
        self.k1, self.b = k1, b
        self.records: dict[str, dict[str, Any]] = {}  # chunk id → record
        self.by_document: dict[str, list[str]] = {}
        self._ids: list[str] = []
        self.doc_of_row: np.ndarray = np.zeros(0, dtype=np.int64)
        self.doc_keys: list[str] = []
        self.words: Any = None
        self.ngrams: Any = None
        self._state_mtime: int | None = None
        self.generation = 0  # bumped whenever the chunk table changes, so readers know to refresh
        self._pending = 0  # chunks added or dropped since BM25 was last built
        self._lock = threading.RLock()
        self.load()

    @property
    def ids(self) -> list[str]:
        """Chunk ids in BM25 row order (builds BM25 first if changes are pending)."""
        self.flush()
        return self._ids

    @property
    def docs_dir(self) -> Path:
        """One JSON file of chunk records per document."""
        return self.folder / "docs"

    @property
    def state_path(self) -> Path:
        """Written last on every change; its stamp names the chunk set the saved BM25 files belong to."""
        return self.folder / "state.json"

    def load(self) -> None:
        """Read the chunk table and the saved BM25 indexes (rebuilt when they do not match the table)."""
        import bm25s

        with self._lock:
            self.records, self.by_document = {}, {}
            if self.docs_dir.is_dir():
                for path in sorted(self.docs_dir.glob("*.json")):
                    records = json.loads(path.read_text(encoding="utf-8"))
                    for record in records:  # n-grams are only needed to build BM25: read again then (memory)
                        record.pop("ngrams", None)
                    self._put_records(path.stem, records)
            state = json.loads(self.state_path.read_text()) if self.state_path.is_file() else {}
            if state.get("stamp") == self._stamp() and state.get("ids") and (self.folder / "words").is_dir():
                self._ids = list(state["ids"])
                # Memory-mapped: a serving process keeps only the posting lists its questions touch resident.
                self.words = bm25s.BM25.load(str(self.folder / "words"), load_vocab=True, mmap=True,
                                             show_progress=False)
                ngram_dir = self.folder / "ngrams"
                self.ngrams = None
                if ngram_dir.is_dir():
                    self.ngrams = bm25s.BM25.load(str(ngram_dir), load_vocab=True, mmap=True, show_progress=False)
                self._index_rows()
                self._pending = 0
                self._state_mtime = self.state_path.stat().st_mtime_ns
            else:
                self.rebuild()

    def reload_if_changed(self) -> None:
        """Pick up changes written by another process (an ingestion run) since this one loaded."""
        try:
            mtime = self.state_path.stat().st_mtime_ns
        except FileNotFoundError:
            return
        if mtime != self._state_mtime:
            self.load()

    def _put_records(self, doc_id: str, records: list[dict[str, Any]]) -> None:
        for old in self.by_document.pop(doc_id, []):
            self.records.pop(old, None)
        self.by_document[doc_id] = [r["id"] for r in records]
        for record in records:
            # one string object per distinct stem instead of one per occurrence (a large share of the memory)
            record["stems"] = [sys.intern(s) for s in record.get("stems") or []]
            self.records[record["id"]] = record

    def _stamp(self) -> str:
        return _digest([self.k1, self.b, self.analyzer.ngram_size, sorted(self.records)])

    def _index_rows(self) -> None:
        self.generation += 1
        self.doc_keys = sorted(self.by_document)
        position = {d: i for i, d in enumerate(self.doc_keys)}
        self.doc_of_row = np.array([position[self.records[i]["document_id"]] for i in self._ids], dtype=np.int64)

    def put(self, document: SourceDocument, chunks: list[Chunk]) -> None:
        """Store (or replace) one document's chunks; BM25 follows now or before the next search (see REBUILD_SHARE)."""
        records = []
        for chunk in chunks:
            text = indexed_text(chunk)
            record = {**chunk.model_dump(mode="json"), **document.meta.model_dump(mode="json")}
            record.update(stems=self.analyzer.stems(text), ngrams=self.analyzer.ngrams(text))
            records.append(record)
        with self._lock:
            self._pending += len(self.by_document.get(document.id, [])) + len(records)
            atomic_write_text(self.docs_dir / f"{document.id}.json", json.dumps(records, ensure_ascii=False))
            self._put_records(document.id, records)
            self._changed()

    def drop(self, doc_id: str) -> None:
        """Forget one document's chunks; BM25 follows as for put."""
        with self._lock:
            if doc_id not in self.by_document:
                return
            self._pending += len(self.by_document[doc_id])
            (self.docs_dir / f"{doc_id}.json").unlink(missing_ok=True)
            self._put_records(doc_id, [])
            self.by_document.pop(doc_id, None)
            self._changed()

    def _changed(self) -> None:
        """After a change of the chunk files: rebuild when the change is large, else mark BM25 stale.

        The chunk files are the truth; state.json names the chunk set the saved BM25 files belong to, so a
        crash or another process that loads before the rebuild sees the mismatch and rebuilds (see load).
        Touching state.json tells readers in other processes to reload.
        """
        self.generation += 1
        if self._pending >= REBUILD_SHARE * len(self._ids) or not self.state_path.is_file():
            self.rebuild()
            return
        stamp = max(time.time_ns(), (self._state_mtime or 0) + 1)
        os.utime(self.state_path, ns=(stamp, stamp))
        self._state_mtime = self.state_path.stat().st_mtime_ns

    def flush(self) -> None:
        """Build BM25 now if changes are pending (searches do this themselves)."""
        if self._pending:
            with self._lock:
                if self._pending:
                    self.rebuild()

    def rebuild(self) -> None:
        """BM25 over the stored tokens (no re-analysis of unchanged documents), then save."""
        import bm25s

        with self._lock:
            self._ids = ids = sorted(self.records)
            self.words = self.ngrams = None
            if ids:
                self.words = bm25s.BM25(k1=self.k1, b=self.b)
                self.words.index([self.records[i]["stems"] or ["_"] for i in ids], show_progress=False)
                if self.analyzer.ngram_size > 0:
                    self.ngrams = bm25s.BM25(k1=self.k1, b=self.b)
                    self.ngrams.index([tokens or ["_"] for tokens in self._ngram_tokens(ids)], show_progress=False)
            self._pending = 0
            self._index_rows()
            for name, model in (("words", self.words), ("ngrams", self.ngrams)):
                target = self.folder / name
                shutil.rmtree(target, ignore_errors=True)
                if model is not None:
                    model.save(str(target), show_progress=False)
            atomic_write_text(self.state_path, json.dumps({"stamp": self._stamp(), "ids": ids}))
            self._state_mtime = self.state_path.stat().st_mtime_ns

    def _ngram_tokens(self, ids: list[str]) -> list[list[str]]:
        """Each chunk's n-grams: from memory if put by this process, else from its document's file."""
        from_files: dict[str, list[str]] = {}
        read: set[str] = set()
        out = []
        for chunk_id in ids:
            record = self.records[chunk_id]
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
        model = self.words if which == "words" else self.ngrams
        return model.vocab_dict if model is not None else {}

    def search(
        self, which: str, weights: dict[str, float], n: int, doc_ids: set[str] | None
    ) -> list[tuple[str, float]]:
        """Top n (chunk id, score) of one BM25 index for weighted query tokens, restricted to some documents."""
        self.flush()
        model = self.words if which == "words" else self.ngrams
        if model is None:
            return []
        data, indices, indptr = model.scores["data"], model.scores["indices"], model.scores["indptr"]
        ids = self._ids
        scores = np.zeros(len(ids), dtype=np.float32)
        for token, weight in weights.items():
            column = model.vocab_dict.get(token)
            if column is None:
                continue
            lo, hi = indptr[column], indptr[column + 1]
            scores[indices[lo:hi]] += weight * data[lo:hi]
        if doc_ids is not None:
            allowed = np.array([d in doc_ids for d in self.doc_keys], dtype=bool)
            scores[~allowed[self.doc_of_row]] = 0.0
        return [(ids[i], float(scores[i])) for i in _top(scores, n) if scores[i] > 0]


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
    ) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.embedder, self.chunker, self.settings = embedder, chunker, settings
        self.analyzer = Analyzer(settings.ngram_size)
        self.fingerprint = _digest(
            {"index": INDEX_VERSION, "embedder": embedder.name, "chunker": chunker.fingerprint,
             "cleaner": CLEANER_VERSION, "ef_search": settings.hnsw_ef_search}
        )
        self.collection_name = f"{settings.collection_prefix}-{self.fingerprint}"
        self.client = client or chroma_client(chroma_url, data_dir / "chroma")
        self.collection = self.client.get_or_create_collection(
            name=self.collection_name,
            # A wide search makes the approximate index exact at this size, so rankings do not depend on how
            # the graph happened to be built (embedded store or server, insertion order, threads).
            configuration={"hnsw": {"space": "cosine", "ef_search": settings.hnsw_ef_search}},
            metadata={"fingerprint": self.fingerprint, "embedder": embedder.name, "cleaner": CLEANER_VERSION},
            embedding_function=None,  # vectors always come from our embedder; never Chroma's ONNX default
        )
        self.vector_store = ChromaVectorStore(chroma_collection=self.collection)
        if not chroma_url:
            self._drop_stale_collections()
        lexical_fp = _digest([self.fingerprint, settings.bm25_k1, settings.bm25_b, settings.ngram_size])
        self.lexical_dir = data_dir / "index" / f"bm25-{lexical_fp}"
        self._drop_stale_lexical(data_dir / "index")
        self.lexical = LexicalIndex(self.lexical_dir, self.analyzer, settings.bm25_k1, settings.bm25_b)

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

    def add(self, document: SourceDocument) -> None:
        """Chunk, embed (cache permitting) and store one document; unchanged chunks are left alone."""
        chunks = self.chunker.chunk(document)
        new_ids = {c.id for c in chunks}
        if self._chroma_ids(document.id) != new_ids:
            self.vector_store.delete(document.id)
            if chunks:
                nodes: list[BaseNode] = [to_node(c, document) for c in chunks]
                vectors = self.embedder.embed([n.get_content() for n in nodes])
                for node, vector in zip(nodes, vectors, strict=True):
                    node.embedding = vector.tolist()
                self.vector_store.add(nodes)
        if set(self.lexical.by_document.get(document.id, [])) != new_ids:
            self.lexical.put(document, chunks)

    def remove(self, document_id: str) -> None:
        """Forget a document's chunks in both indexes."""
        self.vector_store.delete(document_id)
        self.lexical.drop(document_id)

    # -- consistency -----------------------------------------------------------------------------------------

    def _chroma_ids(self, document_id: str) -> set[str]:
        return set(self.collection.get(where={"document_id": document_id}, include=[])["ids"])

    def document_ids(self) -> set[str]:
        """Documents that have chunks in the vector store."""
        metas = self.collection.get(include=["metadatas"])["metadatas"] or []
        return {str(m["document_id"]) for m in metas}

    def chunk_count(self, document_id: str) -> int:
        """Chunks of one document in the vector store."""
        return len(self._chroma_ids(document_id))

    def sync(self, documents: list[SourceDocument]) -> None:
        """Make both indexes hold exactly these documents (after a fingerprint change, a crash, another writer)."""
        wanted = {d.id: d for d in documents}
        in_chroma = self.document_ids()
        for doc_id in (in_chroma | set(self.lexical.by_document)) - set(wanted):
            self.remove(doc_id)
        for doc_id, document in wanted.items():
            if doc_id not in in_chroma or doc_id not in self.lexical.by_document:
                self.add(document)
        self.flush()

    def flush(self) -> None:
        """Bring the saved BM25 files up to date (call after a batch of adds; searches do it themselves)."""
        self.lexical.flush()

    # -- search ----------------------------------------------------------------------------------------------

    def dense(self, vector: np.ndarray, n: int, doc_ids: set[str] | None) -> list[tuple[str, float]]:
        """Top n (chunk id, similarity) by embedding, through llama-index's Chroma store."""
        filters = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            filters = MetadataFilters(
                filters=[MetadataFilter(key="document_id", operator=FilterOperator.IN, value=sorted(doc_ids))]
            )
        query = VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=n, filters=filters)
        result = self.vector_store.query(query)
        return list(zip(result.ids or [], result.similarities or [], strict=True))

    def documents_meta(self) -> dict[str, DocumentMeta]:
        """Metadata of the indexed documents, by id."""
        metas: dict[str, DocumentMeta] = {}
        for doc_id, chunk_ids in self.lexical.by_document.items():
            if chunk_ids:
                record = self.lexical.records[chunk_ids[0]]
                metas[doc_id] = DocumentMeta.model_validate({k: record[k] for k in DocumentMeta.model_fields})
        return metas
