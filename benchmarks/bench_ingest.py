"""Ingestion throughput on the corpus: load + clean + sections + near-duplicate check + registry.

Run: .venv/bin/python benchmarks/bench_ingest.py [--repeat 5]
Index sinks (embedding, Chroma, BM25) are measured by the retrieval/index benchmarks, not here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.ingest import Ingestor  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from benchmarks.results import record  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def main() -> None:
    """Ingest the corpus into fresh data directories and report documents/s and MB/s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = [p for p in CORPUS.iterdir() if p.suffix == ".txt"]
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    seconds = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            ingestor = Ingestor(Settings(data_dir=Path(tmp)), sinks=[])
            start = time.perf_counter()
            report = ingestor.ingest([CORPUS])
            seconds.append(time.perf_counter() - start)
            assert report.ok and report.count("ingested") == 4
    median = statistics.median(seconds)
    figures = {
        "files": len(files),
        "megabytes": round(megabytes, 3),
        "median_seconds": round(median, 4),
        "documents_per_second": round(len(files) / median, 1),
        "megabytes_per_second": round(megabytes / median, 2),
        "runs": args.repeat,
    }
    record("ingest_corpus", figures, "make bench-ingest  (= .venv/bin/python benchmarks/bench_ingest.py)")
    for key, value in figures.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
