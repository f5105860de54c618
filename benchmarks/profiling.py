"""Profiles behind BENCHMARKS.md (pyinstrument, text output in benchmarks/profiles/).

Run: .venv/bin/python benchmarks/profiling.py pipeline|retrieval [--size 100000]
pipeline  — the full ingest of benchmarks/.work/synth-1000 with the real embedder (fresh data dir and cache);
retrieval — 100 filtered hybrid retrievals on the hash index of --size chunks built by bench_scale.py.
Needs pyinstrument (pip install pyinstrument==5.1.3).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.offline import configure_offline_env  # noqa: E402
from benchmarks.common import WORK, questions  # noqa: E402

OUT = Path(__file__).resolve().parent / "profiles"


def main() -> None:
    """Profile one benchmark step and write the text report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["pipeline", "retrieval"])
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    configure_offline_env()
    from pyinstrument import Profiler

    from assistant.ingest import Ingestor
    from assistant.pipeline import build_embedder, build_index, build_retriever
    from assistant.query import Filters
    from assistant.settings import Settings
    from assistant.store import Registry
    from benchmarks.bench_scale import label, settings_for
    from benchmarks.synth import NO_DEDUPE

    profiler = Profiler(interval=0.002)
    if args.what == "pipeline":
        data_dir = WORK / "profile-pipeline"
        shutil.rmtree(data_dir, ignore_errors=True)
        settings = Settings(data_dir=data_dir, ingest={"duplicate_threshold": NO_DEDUPE})
        embedder = build_embedder(settings)
        embedder.embed(["uppvärmning"])
        index = build_index(settings, embedder)
        with profiler:
            Ingestor(settings, sinks=[index]).ingest([WORK / "synth-1000"])
            index.flush()
        name = "pipeline-1k.txt"
    else:
        settings = settings_for(args.size)
        retriever = build_retriever(settings)
        metas = sorted({e.meta.municipality for e in Registry(settings.data_dir).indexed()})
        asked = questions(metas, 110)
        for q in asked[:10]:
            retriever.search(q.text, k=5, filters=Filters(municipality=q.municipality))
        with profiler:
            for q in asked[10:]:
                retriever.search(q.text, k=5, filters=Filters(municipality=q.municipality))
        name = f"retrieval-{label(args.size)}.txt"
    OUT.mkdir(exist_ok=True)
    (OUT / name).write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    print(OUT / name)


if __name__ == "__main__":
    main()
