"""Scale: index build, size on disk, retrieval latency (embedded Chroma and Chroma server), serving RSS, answer
latency and 20 concurrent users, at about 1k, 10k and 100k chunks.

Run: .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 10000 100000] [--questions 100]
The 1k index is the one bench_throughput.py built with the real embedder (benchmarks/.work/real-1k); the larger
ones are built here from synthetic corpora with the deterministic hash embedder (embedding.kind = "hash"), since
embedding 100k chunks with MiniLM on two CPU cores takes hours. Latency, memory and disk figures do not depend on
the vector values; the hash vectors have 128 dimensions where MiniLM has 384, and the question is embedded by
the hash embedder (~0.1 ms) instead of MiniLM (see the throughput and 1k figures for that cost).
Per size: retrieval with a municipality filter (and without) in this process; the same against `chroma run`
over a copy of the store; then `assistant serve` in a subprocess: answers one at a time, then 20 users
(bounded by --requests and --max-seconds), then the server's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from assistant.offline import configure_offline_env  # noqa: E402
from benchmarks.common import (  # noqa: E402
    BIN,
    WORK,
    Question,
    bench_env,
    chroma_server,
    dir_mb,
    free_port,
    peak_rss_mb,
    process,
    questions,
    summary,
    wait_http,
)
from benchmarks.results import record  # noqa: E402
from benchmarks.synth import NO_DEDUPE, generate, write_corpus  # noqa: E402

USERS = 20


def label(size: int) -> str:
    """1000 → '1k'."""
    return f"{size // 1000}k" if size >= 1000 else str(size)


def settings_for(size: int, chroma_url: str | None = None) -> Any:
    """Settings of one size's index: the real embedder at 1k (built by bench_throughput), else the hash one."""
    from assistant.settings import Settings

    if size <= 1000:
        return Settings(data_dir=WORK / "real-1k", corpus_dir=WORK / "synth-1000", chroma_url=chroma_url,
                        ingest={"duplicate_threshold": NO_DEDUPE})
    return Settings(data_dir=WORK / f"hash-{label(size)}", corpus_dir=WORK / f"synth-{size}", chroma_url=chroma_url,
                    embedding={"kind": "hash"}, ingest={"duplicate_threshold": NO_DEDUPE})


def build(size: int) -> dict[str, Any]:
    """Generate the corpus and ingest it with the hash embedder; seconds and chunks."""
    from assistant.ingest import Ingestor
    from assistant.pipeline import build_index

    settings = settings_for(size)
    megabytes = write_corpus(generate(size), settings.corpus_dir) / 1e6
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    start = time.perf_counter()
    index = build_index(settings)
    report = Ingestor(settings, sinks=[index]).ingest([settings.corpus_dir])
    index.flush()
    seconds = time.perf_counter() - start
    assert report.ok and report.count("duplicate") == 0, report.outcomes[:3]
    return {"build_seconds": round(seconds, 1), "text_mb": round(megabytes, 1), "documents": len(report.outcomes),
            "build_chunks_per_s": round(len(index.lexical.records) / seconds, 1)}


def retrieval_latency(settings: Any, asked: list[Question]) -> dict[str, Any]:
    """Hybrid retrieval, k=5, in this process: total and per step, with a municipality filter and without."""
    from assistant.pipeline import build_retriever
    from assistant.query import Filters

    start = time.perf_counter()
    retriever = build_retriever(settings)
    open_s = time.perf_counter() - start
    for q in asked[:10]:  # warm-up: model load, first-call allocations
        retriever.search(q.text, k=5, filters=Filters(municipality=q.municipality))
    filtered: dict[str, list[float]] = {}
    unfiltered: list[float] = []
    for q in asked:
        for step, ms in retriever.search(q.text, k=5, filters=Filters(municipality=q.municipality)).timings_ms.items():
            filtered.setdefault(step, []).append(ms)
        unfiltered.append(retriever.search(q.text, k=5).timings_ms["total"])
    return {
        "open_seconds": round(open_s, 1),
        "chunks": len(retriever.index.lexical.records),
        "filtered": {step: summary(values) for step, values in filtered.items()},
        "unfiltered": summary(unfiltered),
    }


def load_test(base: str, asked: list[Question], requests: int, max_seconds: float) -> dict[str, Any]:
    """USERS threads posting questions until `requests` are done or `max_seconds` pass."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    issued = [0]
    deadline = time.perf_counter() + max_seconds

    def user(_: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.perf_counter() < deadline:
                with lock:
                    if issued[0] >= requests:
                        return
                    q = asked[issued[0] % len(asked)]
                    issued[0] += 1
                start = time.perf_counter()
                try:
                    response = client.post("/api/ask", json={"question": q.text, "municipality": q.municipality})
                    ok = response.status_code == 200 and "answer" in response.json()
                    problem = "" if ok else f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    problem = type(exc).__name__
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000)
                    if problem:
                        errors.append(problem)

    start = time.perf_counter()
    with ThreadPoolExecutor(USERS) as pool:
        list(pool.map(user, range(USERS)))
    seconds = time.perf_counter() - start
    return {"users": USERS, **summary(latencies), "errors": len(errors), "error_kinds": sorted(set(errors)),
            "seconds": round(seconds, 1), "requests_per_s": round(len(latencies) / seconds, 1)}


def serving(size: int, asked: list[Question], requests: int, max_seconds: float) -> dict[str, Any]:
    """`assistant serve` on a free port: start-up, answers one at a time, 20 users, then peak RSS."""
    settings = settings_for(size)
    port = free_port()
    extra = {"ASSISTANT_CORPUS_DIR": str(settings.corpus_dir)}
    if settings.embedding.kind == "hash":
        extra["ASSISTANT_EMBEDDING__KIND"] = "hash"
    args = [str(BIN / "assistant"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = WORK / "logs" / f"serve-{label(size)}.log"
    with process(args, bench_env(settings.data_dir, extra), log) as proc:
        base = f"http://127.0.0.1:{port}"
        startup = wait_http(f"{base}/api/health", proc, 600)
        sequential = []
        with httpx.Client(base_url=base, timeout=60) as client:
            for i, q in enumerate(asked):
                start = time.perf_counter()
                response = client.post("/api/ask", json={"question": q.text, "municipality": q.municipality})
                response.raise_for_status()
                if i >= 5:  # the first answers warm caches (fact store, document cache)
                    sequential.append((time.perf_counter() - start) * 1000)
        users = load_test(base, asked, requests, max_seconds)
        rss = peak_rss_mb(proc.pid)
    return {"startup_seconds": round(startup, 1), "answer": summary(sequential), "users": users,
            "peak_rss_mb": rss}


def main() -> None:
    """Measure every size and record the section "scale"."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200, help="Requests of the 20-user test (at most).")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="Duration cap of the 20-user test.")
    parser.add_argument("--reuse", action="store_true",
                        help="Measure an index built earlier (same fingerprint) instead of building it again.")
    args = parser.parse_args()
    configure_offline_env()
    from assistant.store import Registry

    results: dict[str, Any] = {}
    for size in args.sizes:
        name = label(size)
        print(f"== {name}", flush=True)
        settings = settings_for(size)
        figures: dict[str, Any] = {"embedder": "MiniLM (real)" if size <= 1000 else "hash stand-in (128 dim)"}
        if size > 1000 and not (args.reuse and Registry(settings.data_dir).indexed()):
            figures.update(build(size))
        elif not Registry(settings.data_dir).indexed():
            raise SystemExit("kör benchmarks/bench_throughput.py först (den bygger 1k-indexet)")
        metas = [e.meta.municipality for e in Registry(settings.data_dir).indexed()]
        asked = questions(sorted(set(metas)), args.questions)
        figures["disk_mb"] = {"total": dir_mb(settings.data_dir), "chroma": dir_mb(settings.data_dir / "chroma"),
                              "bm25_and_chunks": dir_mb(settings.data_dir / "index")}
        figures["retrieval_embedded"] = retrieval_latency(settings, asked)
        print(f"   embedded retrieval {figures['retrieval_embedded']['filtered']['total']}", flush=True)
        server_copy = WORK / f"chroma-server-{name}"
        shutil.rmtree(server_copy, ignore_errors=True)
        shutil.copytree(settings.data_dir / "chroma", server_copy)
        with chroma_server(server_copy) as url:
            figures["retrieval_server"] = retrieval_latency(settings_for(size, url), asked)
        shutil.rmtree(server_copy, ignore_errors=True)
        print(f"   server retrieval {figures['retrieval_server']['filtered']['total']}", flush=True)
        figures["serving"] = serving(size, asked[:50], args.requests, args.max_seconds)
        print(f"   serving {figures['serving']}", flush=True)
        results[name] = figures
        record("scale", {"sizes": results}, ".venv/bin/python benchmarks/bench_scale.py "
               + " ".join(["--sizes", *map(str, args.sizes), *(["--reuse"] if args.reuse else [])]))


if __name__ == "__main__":
    main()
