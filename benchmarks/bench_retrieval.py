"""Retrieval latency and quality on the corpus: one question at a time, after warm-up, real embedder.

Run: .venv/bin/python benchmarks/bench_retrieval.py [--data-dir DIR] [--rounds 3] [--k 5]
The corpus is ingested into DIR (default: a temporary folder) unless it is already there; embeddings are
cached in DIR, so a second run with the same DIR skips the embedding. Prints p50/p95 per step and in total,
recall@k and MRR on evals/qa.jsonl for the hybrid setting and for each ranker alone, and records the figures
in benchmarks/results.json under "retrieval".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.evalset import load_items  # noqa: E402
from assistant.evaluate import covers, locate_gold, percentile  # noqa: E402
from assistant.ingest import Ingestor  # noqa: E402
from assistant.offline import configure_offline_env  # noqa: E402
from assistant.pipeline import build_index, build_retriever  # noqa: E402
from assistant.retrieve import Retriever  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store import Registry  # noqa: E402
from benchmarks.results import record  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ABLATIONS = {
    "hybrid": {},
    "bm25_only": {"dense_weight": 0.0, "ngram_weight": 0.0},
    "ngram_only": {"dense_weight": 0.0, "bm25_weight": 0.0},
    "bm25_ngram": {"dense_weight": 0.0},
    "dense_only": {"bm25_weight": 0.0, "ngram_weight": 0.0, "dense_weight": 1.0},
}


def quality(retriever: Retriever, items: list, texts: dict[str, str], k: int) -> dict[str, float]:
    """Recall@k and MRR over the answerable items."""
    hits, reciprocal = 0, 0.0
    for item in items:
        golds = locate_gold(item, texts)
        chunks = retriever.retrieve(item.question, k=k)
        rank = next((n for n, c in enumerate(chunks, 1) if any(covers(c.citation(str(n)), g) for g in golds)), None)
        if rank:
            hits, reciprocal = hits + 1, reciprocal + 1 / rank
    return {f"recall_at_{k}": round(hits / len(items), 4), "mrr": round(reciprocal / len(items), 4)}


def main() -> None:
    """Ingest if needed, warm up, time every eval question, then measure quality per ranker."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=3, help="Passes over the questions for the latency figures.")
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    configure_offline_env()
    tmp = None if args.data_dir else tempfile.TemporaryDirectory()
    data_dir = args.data_dir or Path(tmp.name)  # type: ignore[union-attr]
    settings = Settings(data_dir=data_dir, corpus_dir=REPO / "corpus")
    if not Registry(data_dir).indexed():
        Ingestor(settings, sinks=[build_index(settings)]).ingest([settings.corpus_dir])
    retriever = build_retriever(settings)
    all_items = load_items(REPO / "evals" / "qa.jsonl")
    answerable = [i for i in all_items if i.category != "unanswerable"]
    texts = {d.name: d.text for d in Registry(data_dir).documents()}

    for item in all_items[:10]:  # warm-up: model load, first-call allocations, caches
        retriever.retrieve(item.question, k=args.k)
    steps: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for item in all_items:
            for step, ms in retriever.search(item.question, k=args.k).timings_ms.items():
                steps.setdefault(step, []).append(ms)
    latency = {
        step: {"p50": percentile(values, 50), "p95": percentile(values, 95), "mean": round(statistics.mean(values), 2)}
        for step, values in steps.items()
    }
    ranking = {}
    for name, overrides in ABLATIONS.items():
        variant = Retriever(retriever.index, retriever.embedder, settings.retrieval.model_copy(update=overrides))
        ranking[name] = quality(variant, answerable, texts, args.k)
    figures = {
        "questions": len(all_items),
        "answerable": len(answerable),
        "rounds": args.rounds,
        "chunks": len(retriever.index.lexical.records),
        "k": args.k,
        "latency_ms": latency,
        "quality": ranking,
        "settings": settings.retrieval.model_dump(mode="json") | {"ngram_size": settings.index.ngram_size},
    }
    record("retrieval", figures, ".venv/bin/python benchmarks/bench_retrieval.py")
    total = latency["total"]
    print(f"retrieval latency over {len(steps['total'])} questions: p50 {total['p50']} ms, p95 {total['p95']} ms")
    for step, figures_ in latency.items():
        print(f"  {step:>6}: p50 {figures_['p50']:>7} ms  p95 {figures_['p95']:>7} ms")
    for name, scores in ranking.items():
        print(f"  {name:>11}: recall@{args.k} {scores[f'recall_at_{args.k}']:.3f}  MRR {scores['mrr']:.3f}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
