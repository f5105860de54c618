"""One large text file through the whole ingestion: a generated 5 MB plan, real embedder, Chroma and BM25.

Run: .venv/bin/python benchmarks/bench_large_file.py [--megabytes 5]
A file of this size within the 50 MB limit once ran for minutes and then stopped the batch (Chroma refused its
13,000 chunks in one write); this measures that it ingests, how long it takes, and how often progress moved.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.offline import configure_offline_env  # noqa: E402
from assistant.pipeline import build_ingestor  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from benchmarks.results import record  # noqa: E402

WORDS = [
    "nämnden", "kommunen", "hemtjänsten", "äldreomsorgen", "budgeten", "utfallet", "målet", "personalen",
    "brukarna", "kvaliteten", "uppföljningen", "verksamheten", "insatserna", "kostnaderna", "prognosen",
    "förskolan", "skolan", "biblioteket", "fritiden", "miljön", "bygglovet", "socialtjänsten", "ekonomin",
    "investeringen", "digitaliseringen", "kompetensen", "rekryteringen", "sjukfrånvaron", "nöjdheten", "planen",
    "beslutet", "ökade", "minskade", "förbättrades", "försämrades", "låg", "var", "blev"
]


def generate(megabytes: float, seed: int = 1) -> str:
    """A plan-like text: numbered sections, paragraphs of sentences with figures, about this many megabytes."""
    rng = random.Random(seed)
    parts: list[str] = ["Verksamhetsplan med bilagor, stor fil\n"]
    size, section = 0, 0
    while size < megabytes * 1_000_000:
        section += 1
        parts.append(f"\n{section}. Avsnitt {section}\n")
        for _ in range(6):
            sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize()
                         + f" {rng.randint(1, 99_999)} kronor under {rng.randint(2015, 2025)}." for _ in range(5)]
            parts.append("\n" + " ".join(sentences) + "\n")
        size = sum(len(p.encode()) for p in parts[-7:]) + size
    return "".join(parts)


def main() -> None:
    """Generate the file, ingest it into a fresh data directory with a fresh embedding cache, report the time."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=5.0)
    args = parser.parse_args()
    configure_offline_env()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        path = folder / "stor-plan.txt"
        path.write_text(generate(args.megabytes), encoding="utf-8")
        settings = Settings(data_dir=Path(tmp) / "data", embedding={"cache_path": Path(tmp) / "cache.sqlite"})
        stages: dict[str, float] = {}
        steps = {"textdelar": 0}
        chunks = 0

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal chunks
            stages.setdefault(stage, time.perf_counter())
            if stage == "textdelar":
                steps["textdelar"] += 1
                chunks = total

        start = time.perf_counter()
        report = build_ingestor(settings).ingest([path], progress=progress)
        seconds = time.perf_counter() - start
        assert report.ok and report.count("ingested") == 1, report.outcomes
    first_chunk = stages.get("textdelar", start) - start
    figures = {
        "megabytes": round(path.stat().st_size / 1e6, 2) if path.exists() else round(args.megabytes, 2),
        "chunks": chunks,
        "seconds": round(seconds, 1),
        "seconds_before_embedding": round(first_chunk, 1),
        "chunks_per_second": round(chunks / seconds, 1),
        "progress_steps": steps["textdelar"],
    }
    record("large_file", figures, "python benchmarks/bench_large_file.py --megabytes 5")
    for key, value in figures.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
