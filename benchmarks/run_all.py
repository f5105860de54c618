"""`make bench`: every benchmark in turn, then the results table in BENCHMARKS.md.

Run: .venv/bin/python benchmarks/run_all.py [--table-only] [--with-retrieval]
Each step is its own process (so one step's memory and threads do not bleed into the next); the figures go to
benchmarks/results.json, the table between the markers in BENCHMARKS.md. --with-retrieval adds the retrieval
quality benchmark on the real corpus (bench_retrieval.py, a few more minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.results import RESULTS, record  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "BENCHMARKS.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
STEPS = [
    ["benchmarks/bench_ingest.py", "--repeat", "3"],
    ["benchmarks/bench_throughput.py"],
    ["benchmarks/bench_scale.py"],
    ["benchmarks/bench_large_file.py", "--megabytes", "5"],  # ~10 min on 2 idle cores (MiniLM, 12k chunks)
    ["benchmarks/bench_tables.py"],  # ~20 s: table extraction per page, corpus-dev and a 60-page generated PDF
    ["benchmarks/bench_answer.py"],  # ~3 min: answer latency on the corpus, embedded default, 2 × 272 questions
]


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _cell(value: Any, unit: str = "") -> str:
    return "–" if value is None else f"{value}{unit}"


def table(data: dict[str, Any]) -> str:
    """The Markdown tables of the recorded figures, goals marked met or missed."""
    lines: list[str] = []
    run = data.get("run_all", {})
    thr = data.get("throughput", {})
    sizes: dict[str, Any] = data.get("scale", {}).get("sizes", {})
    if run:
        m = run["machine"]
        lines += [f"Measured {run['measured_at']} on {m['cpus']} CPUs ({m['processor']}, {m['platform']}, Python "
                  f"{m['python']}); load average {run['load_before']} before, {run['load_after']} after; "
                  f"`{run['command']}` took {run['minutes']} min.", ""]
    lines += ["| Goal | Figure | Target | Status |", "|---|---|---|---|"]
    if thr:
        lines.append(f"| Pipeline / raw embedder ({thr.get('embedder', 'MiniLM')}, {thr['chunks']} chunks) | "
                     f"{thr['pipeline_over_raw']} "
                     f"({thr['pipeline_texts_per_s']} vs {thr['raw_texts_per_s']} texts/s) | ≥ 0.8 | "
                     f"{_mark(thr['pipeline_over_raw'] >= 0.8)} |")
        lines.append(f"| Ours / plain llama-index, same files | {thr['ours_over_llamaindex']} "
                     f"({thr['pipeline_seconds']} s vs {thr['llamaindex_seconds']} s; per embedded token "
                     f"{thr['ours_over_llamaindex_per_token']}) | ≥ 1.0 | {_mark(thr['ours_over_llamaindex'] >= 1)} |")
    lines += _answer_row(data.get("answer", {}))
    for name, s in sizes.items():
        p95 = s["retrieval_embedded"]["filtered"]["total"]["p95_ms"]
        if name == "100k":
            lines.append(f"| Hybrid retrieval p95, filtered, 100k | {p95} ms | ≤ 80 ms | {_mark(p95 <= 80)} |")
            rss = s["serving"]["peak_rss_mb"]
            lines.append(f"| Serving peak RSS, 100k | {rss} MB | ≤ 1536 MB | {_mark(rss <= 1536)} |")
        if name == "1k":
            a = s["serving"]["answer"]["p95_ms"]
            lines.append(f"| Answer p95, embedded default (MiniLM, 1k) | {a} ms | ≤ 1000 ms | {_mark(a <= 1000)} |")
        u = s["serving"]["users"]
        lines.append(f"| 20 users p95 / errors, {name} | {u['p95_ms']} ms / {u['errors']} | ≤ 2000 ms / 0 | "
                     f"{_mark(u['p95_ms'] <= 2000 and u['errors'] == 0)} |")
    big = data.get("large_file")
    if big:
        lines.append(f"| One {big['megabytes']} MB text file ingests (MiniLM, {big['chunks']} chunks) | "
                     f"{big['seconds']} s ({big['chunks_per_second']} chunks/s), progress moved {big['progress_steps']}"
                     f" times | ingests, batch goes on | met |")
    lines += _size_tables(sizes)
    if thr:
        batches = ", ".join(f"{k}: {v}" for k, v in thr["raw_texts_per_s_by_batch"].items()) or "not measured"
        lines += ["", f"Embedder alone, texts/s by batch size: {batches}. Re-ingesting the same files into a fresh "
                  f"index with the same embedding cache: "
                  f"{thr['reingest_seconds']} s, {thr['reingest_texts_embedded']} texts embedded, "
                  f"{thr['reingest_cache_hits']} cache hits."]
    return "\n".join(lines + _table_extraction(data.get("tables", {})))


def _answer_row(answer: dict[str, Any]) -> list[str]:
    """Answer latency on the corpus (bench_answer.py) against issue 14's 300 ms."""
    if not answer:
        return []
    a = answer["answer"]
    return [f"| Answer p95 on the corpus, embedded default ({answer['embedder']}, no LLM, {answer['questions']} "
            f"questions × {answer['repeat']}) | {a['p95_ms']} ms (p50 {a['p50_ms']} ms; load average "
            f"{answer['load_before']} before) | ≤ 300 ms | {_mark(a['p95_ms'] <= 300)} |"]


def _size_tables(sizes: dict[str, Any]) -> list[str]:
    """The per-size table and the retrieval steps table of the scale benchmark."""
    lines: list[str] = []
    if sizes:
        lines += ["", "| Size | Chunks | Embedder | Build | Disk | Retrieval p50/p95 embedded (filtered) | unfiltered "
                  "| Chroma server (filtered) | Answer p50/p95 | 20 users p50/p95, errors, req/s | Peak RSS |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for name, s in sizes.items():
            emb, srv, serve = s["retrieval_embedded"], s["retrieval_server"], s["serving"]
            ef, sf, u = emb["filtered"]["total"], srv["filtered"]["total"], serve["users"]
            build = f"{s['build_seconds']} s ({s['build_chunks_per_s']}/s)" if "build_seconds" in s else "see above"
            lines.append(
                f"| {name} | {emb['chunks']} | {s['embedder']} | {build} | {s['disk_mb']['total']} MB | "
                f"{ef['p50_ms']} / {ef['p95_ms']} ms | {emb['unfiltered']['p50_ms']} / {emb['unfiltered']['p95_ms']} ms"
                f" | {sf['p50_ms']} / {sf['p95_ms']} ms | {serve['answer']['p50_ms']} / {serve['answer']['p95_ms']} ms"
                f" | {u['p50_ms']} / {u['p95_ms']} ms, {u['errors']}, {u['requests_per_s']} | "
                f"{serve['peak_rss_mb']} MB |")
        lines += ["", "Retrieval steps, p95 ms (embedded, filtered):", "",
                  "| Size | parse | embed | dense | bm25 | fuse |", "|---|---|---|---|---|---|"]
        for name, s in sizes.items():
            f = s["retrieval_embedded"]["filtered"]
            lines.append(f"| {name} | " + " | ".join(_cell(f.get(k, {}).get("p95_ms"))
                                                     for k in ("parse", "embed", "dense", "bm25", "fuse")) + " |")
    return lines


def _table_extraction(tables: dict[str, Any]) -> list[str]:
    """Table extraction per page (bench_tables.py): reading, cleaning, finding tables and facts, apart."""
    if not tables:
        return []
    load = f"load average {tables['load_before']} before, {tables['load_after']} after"
    lines = ["", f"Table extraction, ms per page (median of {tables['repeat']} runs, `{tables['command']}`, measured "
             f"{tables['measured_at']}, {load}):", "",
             "| Source | Pages | Tables | Facts | Read | of it: pdfplumber words / our layout | Clean + sections "
             "| Find tables | Facts | Total |", "|---|---|---|---|---|---|---|---|---|---|"]
    names = {"corpus_dev": "corpus-dev (Markdown reports)", "generated_pdf": "generated PDF, a table on every page"}
    for key, name in names.items():
        t = tables.get(key)
        if t is None:
            continue
        parts = f"{t['pdfplumber_words_ms_per_page']} / {t['layout_ms_per_page']}" if "layout_ms_per_page" in t else "–"
        lines.append(f"| {name} | {t['pages']} | {t['tables']} | {t['facts']} | {t['read_ms_per_page']} | {parts} | "
                     f"{t['clean_ms_per_page']} | {t['tables_ms_per_page']} | {t['facts_ms_per_page']} | "
                     f"**{t['total_ms_per_page']}** |")
    return lines


def write_table() -> None:
    """Replace the table between the markers of BENCHMARKS.md."""
    data = json.loads(RESULTS.read_text())
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{table(data)}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    """Run every step, record the run, write the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--with-retrieval", action="store_true")
    args = parser.parse_args()
    if not args.table_only:
        steps = STEPS + ([["benchmarks/bench_retrieval.py"]] if args.with_retrieval else [])
        load_before = [round(x, 2) for x in os.getloadavg()]
        start = time.perf_counter()
        for step in steps:
            print(f"### {' '.join(step)}", flush=True)
            subprocess.run([sys.executable, *step], cwd=REPO, check=True)
        record("run_all", {"minutes": round((time.perf_counter() - start) / 60, 1), "load_before": load_before,
                           "load_after": [round(x, 2) for x in os.getloadavg()]}, "make bench")
    write_table()
    print(DOC.read_text(encoding="utf-8").split(START)[1].split(END)[0])


if __name__ == "__main__":
    main()
