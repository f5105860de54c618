"""Dense search breadth at 100k chunks: HNSW ef_search against latency and recall (issue 17, the 100k goals).

Run: .venv/bin/python benchmarks/bench_ef_search.py [--data benchmarks/.work/hash-100k] [--questions 100]
Needs the 100k index bench_scale.py builds (hash stand-in embedder, 128 dimensions). On a copy of its Chroma
store, for each ef_search: p50/p95 of the dense query alone (40 candidates, as the retriever asks), with the
municipality filter the retriever passes (its documents' ids) and without, and recall@40 against the exact
top 40 (cosine over every stored vector with numpy). Random-like hash vectors are a hard case for HNSW; real
embeddings cluster, which makes approximate search easier, so these recalls are a floor.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from assistant.offline import configure_offline_env  # noqa: E402
from benchmarks.common import WORK, questions, summary  # noqa: E402
from benchmarks.results import record  # noqa: E402

CANDIDATES = 40


def _all_vectors(collection: Any) -> tuple[list[str], np.ndarray, list[str]]:
    ids, vectors, documents = [], [], []
    offset = 0
    while True:
        got = collection.get(include=["embeddings", "metadatas"], limit=5000, offset=offset)
        ids += got["ids"]
        vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
        documents += [str(m["document_id"]) for m in got["metadatas"]]
        if len(got["ids"]) < 5000:
            break
        offset += 5000
    matrix = np.concatenate(vectors)
    return ids, matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12), documents


def measure(data: Path, n_questions: int, breadths: list[int]) -> dict[str, Any]:
    """Latency and recall@40 per ef_search, filtered and unfiltered."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    from assistant.embed import HashEmbedder
    from assistant.retrieve import embed_query
    from assistant.store import Registry

    by_town: dict[str, list[str]] = {}
    for entry in Registry(data).indexed():
        by_town.setdefault(entry.meta.municipality.removesuffix(" kommun"), []).append(entry.id)
    asked = questions(sorted(by_town), n_questions)
    copy = Path(tempfile.mkdtemp(prefix="ef-search-")) / "chroma"
    shutil.copytree(data / "chroma", copy)
    client = chromadb.PersistentClient(path=str(copy), settings=ChromaSettings(anonymized_telemetry=False))
    collection = next(client.get_collection(c.name, embedding_function=None) for c in client.list_collections()
                      if c.name.startswith("chunks-"))
    ids, matrix, doc_of = _all_vectors(collection)
    doc_array = np.array(doc_of)
    embedder = HashEmbedder()
    rows: dict[str, Any] = {"chunks": len(ids), "questions": len(asked), "candidates": CANDIDATES}
    for breadth in breadths:
        collection.modify(configuration={"hnsw": {"ef_search": breadth}})
        # A loaded HNSW segment keeps the breadth it was loaded with: open the store afresh, as a new process would.
        SharedSystemClient._identifier_to_system.pop(str(copy), None)
        client = chromadb.PersistentClient(path=str(copy), settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.get_collection(collection.name, embedding_function=None)
        timings: dict[str, list[float]] = {"filtered": [], "unfiltered": []}
        recalls: dict[str, list[float]] = {"filtered": [], "unfiltered": []}
        for i, q in enumerate(asked):
            vector = embed_query(embedder, [q.text])[0]
            scores = matrix @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
            allowed = by_town[q.municipality]
            for name, where in (("unfiltered", None), ("filtered", {"document_id": {"$in": allowed}})):
                mask = np.isin(doc_array, allowed) if where else np.ones(len(ids), dtype=bool)
                masked = np.where(mask, scores, -np.inf)
                exact = {ids[j] for j in np.argsort(-masked)[:CANDIDATES] if np.isfinite(masked[j])}
                start = time.perf_counter()
                got = collection.query(query_embeddings=[vector.tolist()], n_results=CANDIDATES, where=where,
                                       include=[])
                if i >= 5:  # warm-up
                    timings[name].append((time.perf_counter() - start) * 1000)
                recalls[name].append(len(exact & set(got["ids"][0])) / max(len(exact), 1))
        rows[str(breadth)] = {name: {**summary(timings[name]), "recall_at_40": round(float(np.mean(recalls[name])), 4)}
                              for name in timings}
        print(breadth, rows[str(breadth)])
    shutil.rmtree(copy.parent, ignore_errors=True)
    return rows


def main() -> None:
    """Measure and record the section "ef_search"."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=WORK / "hash-100k")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--breadths", type=int, nargs="+", default=[100, 200, 400, 1000])
    args = parser.parse_args()
    configure_offline_env()
    figures = measure(args.data, args.questions, args.breadths)
    record("ef_search", figures, "python benchmarks/bench_ef_search.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
