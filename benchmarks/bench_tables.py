"""Table extraction time per page: the corpus-dev reports (Markdown) and a generated PDF with a table on every page.

Run: .venv/bin/python benchmarks/bench_tables.py [--pages 60] [--repeat 3] [--corpus-dev ../shared/corpus-dev]
Each stage is timed apart, the median of --repeat runs, in milliseconds per page:
- PDF: reading = the loader's whole read (pypdf check and fallback text, pdfplumber word positions, our layout
  of columns), within it pdfplumber's word extraction alone and our layout (pdftext.page_text) alone; then
  cleaning with sections, table finding (tables.find_tables) and fact extraction (facts.facts_of).
- Markdown: reading (loader with its page markers `<!-- sida N -->`, cleaning, sections), table finding, facts.
The generated PDF comes from tests/tablepdfs.py (fpdf2, a dev dependency), written to benchmarks/.work/.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.clean import clean_pages  # noqa: E402
from assistant.facts.extract import facts_of  # noqa: E402
from assistant.loaders import LoadedText, load_file  # noqa: E402
from assistant.manifest import load_manifest  # noqa: E402
from assistant.pdftext import Word, page_text  # noqa: E402
from assistant.sections import detect_sections  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.tables import find_tables  # noqa: E402
from assistant.types import DocumentMeta, SourceDocument, Table, content_id  # noqa: E402
from benchmarks.results import record  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / ".work"
COMMAND = "python benchmarks/bench_tables.py"


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median seconds of `repeat` runs, and the last run's result."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def _structure(loaded: LoadedText, name: str, meta: DocumentMeta) -> SourceDocument:
    """Cleaned text, pages and sections as ingestion builds them (no tables yet)."""
    cleaned = clean_pages(loaded.pages, loaded.page_numbers)
    return SourceDocument(id=content_id(cleaned.text), name=name, sha256="", meta=meta, text=cleaned.text,
                          pages=cleaned.pages if loaded.paged else [], sections=detect_sections(cleaned.text))


def _tables(document: SourceDocument, layout: str) -> list[Table]:
    return find_tables(document.text, document.meta, document.pages, layout=layout, sections=document.sections)


def _stages(path: Path, meta: DocumentMeta, repeat: int) -> dict[str, Any]:
    """Reading, cleaning, table finding and fact extraction of one file, each timed apart (seconds)."""
    data, settings = path.read_bytes(), Settings().ingest
    read_s, loaded = timed(lambda: load_file(path, data, settings), repeat)
    clean_s, document = timed(lambda: _structure(loaded, path.name, meta), repeat)
    tables_s, tables = timed(lambda: _tables(document, loaded.layout), repeat)
    document = document.model_copy(update={"tables": tables})
    facts_s, result = timed(lambda: facts_of(document), repeat)
    return {"pages": len(loaded.pages), "tables": len(tables), "facts": len(result.facts),
            "to_review": len(result.needs_review), "read_s": read_s, "clean_s": clean_s, "tables_s": tables_s,
            "facts_s": facts_s}


def _pdf_parts(path: Path, repeat: int) -> dict[str, float]:
    """pdfplumber's word extraction and our column layout of the same words, timed apart (seconds)."""
    import pdfplumber

    def words() -> list[list[Word]]:
        with pdfplumber.open(BytesIO(path.read_bytes())) as pdf:
            return [[Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
                     for w in page.extract_words(x_tolerance=1.5, keep_blank_chars=False)] for page in pdf.pages]

    words_s, pages = timed(words, repeat)
    layout_s, _ = timed(lambda: [page_text(p) for p in pages], repeat)
    return {"pdfplumber_words_s": words_s, "layout_s": layout_s}


def per_page(figures: dict[str, Any]) -> dict[str, Any]:
    """Seconds turned into milliseconds per page, with the total of the four stages."""
    pages = figures["pages"]
    out = {k: v for k, v in figures.items() if not k.endswith("_s")}
    for key, value in figures.items():
        if key.endswith("_s"):
            out[key.removesuffix("_s") + "_ms_per_page"] = round(1000 * value / pages, 2)
    total = sum(figures[k] for k in ("read_s", "clean_s", "tables_s", "facts_s"))
    out["total_ms_per_page"] = round(1000 * total / pages, 2)
    return out


def corpus_dev(folder: Path, repeat: int) -> dict[str, Any]:
    """Every document of the corpus-dev manifest, stage by stage, summed."""
    manifest = load_manifest(folder)
    sums: dict[str, Any] = {"documents": 0}
    for name in sorted(manifest):
        one = _stages(folder / name, manifest[name], repeat)
        sums["documents"] += 1
        for key, value in one.items():
            sums[key] = sums.get(key, 0) + value
    return sums


def generated_pdf(pages: int, repeat: int) -> dict[str, Any]:
    """A generated report of `pages` pages with a table on every page, stage by stage."""
    sys.path.insert(0, str(REPO))
    from tests.tablepdfs import long_report, write_report

    WORK.mkdir(parents=True, exist_ok=True)
    spec = long_report(pages)
    path = write_report(spec, WORK)
    figures = _stages(path, spec.meta, repeat)
    figures.update(_pdf_parts(path, repeat))
    figures["cells_written"] = len(spec.truth())
    return figures


def main() -> None:
    """Measure both sources, print the figures, record them in benchmarks/results.json."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus-dev", type=Path, default=REPO.parent / "shared" / "corpus-dev")
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]  # the machine is shared: the load goes with the figures
    figures: dict[str, Any] = {"repeat": args.repeat, "load_before": load_before,
                               "generated_pdf": per_page(generated_pdf(args.pages, args.repeat))}
    if (args.corpus_dev / "manifest.toml").is_file():
        figures["corpus_dev"] = per_page(corpus_dev(args.corpus_dev, args.repeat))
    else:
        print(f"corpus-dev saknas ({args.corpus_dev}): bara den genererade PDF:en mäts", file=sys.stderr)
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    record("tables", figures, f"{COMMAND} --pages {args.pages} --repeat {args.repeat}")
    for source in ("corpus_dev", "generated_pdf"):
        for key, value in figures.get(source, {}).items():
            print(f"{source:>14} {key:>28}: {value}")


if __name__ == "__main__":
    main()
