"""Embedding throughput on the real embedder (all-MiniLM-L6-v2, CPU): raw encode vs our pipeline vs llama-index.

Run: .venv/bin/python benchmarks/bench_throughput.py [--chunks 1000] [--data-dir DIR]
On a synthetic corpus of about --chunks chunks (benchmarks/synth.py), one run each, model loaded beforehand:
  batch   — raw encode texts/s at several batch sizes on a sample of the chunk texts (how batch_size was chosen);
  raw     — the embedder alone encoding exactly the texts our pipeline embeds;
  ours    — the full pipeline: load, clean, sections, near-duplicate check, chunk, embed, Chroma, BM25;
  again   — the same files into a fresh data dir with the same embedding cache (nothing is re-embedded);
  llama   — VectorStoreIndex.from_documents (default SentenceSplitter, in-memory store), same model and batch.
The data dir (default benchmarks/.work/real-1k) is left as the 1k index of the scale benchmark.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.offline import configure_offline_env  # noqa: E402
from benchmarks.common import WORK  # noqa: E402
from benchmarks.results import record  # noqa: E402
from benchmarks.synth import NO_DEDUPE, generate, write_corpus  # noqa: E402

BATCH_SIZES = (16, 32, 64, 128)


def main() -> None:
    """Measure and record the section "throughput"."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--data-dir", type=Path, default=WORK / "real-1k")
    parser.add_argument("--sample", type=int, default=192, help="Texts per batch-size trial.")
    args = parser.parse_args()
    configure_offline_env()
    import torch
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from assistant.chunk import to_node
    from assistant.embed import CachedEmbedder, SentenceTransformerEmbedder
    from assistant.ingest import Ingestor
    from assistant.pipeline import build_embedder, build_index
    from assistant.settings import Settings
    from assistant.store import Registry

    corpus = WORK / f"synth-{args.chunks}"
    megabytes = write_corpus(generate(args.chunks), corpus) / 1e6
    shutil.rmtree(args.data_dir, ignore_errors=True)
    settings = Settings(data_dir=args.data_dir, corpus_dir=corpus, ingest={"duplicate_threshold": NO_DEDUPE})
    embedder = build_embedder(settings)
    assert isinstance(embedder, CachedEmbedder) and isinstance(embedder.inner, SentenceTransformerEmbedder)
    model = embedder.inner
    model.embed(["uppvärmning"])  # load the weights before any clock starts

    # ours: the whole pipeline with a cold embedding cache
    index = build_index(settings, embedder)
    start = time.perf_counter()
    report = Ingestor(settings, sinks=[index]).ingest([corpus])
    index.flush()
    ours_s = time.perf_counter() - start
    assert report.ok, report.outcomes
    documents = Registry(args.data_dir).documents()
    texts = [to_node(c, d).get_content() for d in documents for c in index.chunker.chunk(d)]

    # raw: the same texts through the embedder alone
    start = time.perf_counter()
    model.embed(texts)
    raw_s = time.perf_counter() - start

    # batch sizes on a sample, raw encode
    sample = texts[: args.sample]
    batch = {}
    for size in BATCH_SIZES:
        model.batch_size = size
        start = time.perf_counter()
        model.embed(sample)
        batch[str(size)] = round(len(sample) / (time.perf_counter() - start), 1)
    model.batch_size = settings.embedding.batch_size

    # again: unchanged files into a fresh data dir, same embedding cache
    again_dir = args.data_dir.with_name(args.data_dir.name + "-again")
    shutil.rmtree(again_dir, ignore_errors=True)
    again_settings = settings.model_copy(update={"data_dir": again_dir})
    hits_before, misses_before = embedder.hits, embedder.misses
    start = time.perf_counter()
    again_index = build_index(again_settings, embedder)
    Ingestor(again_settings, sinks=[again_index]).ingest([corpus])
    again_index.flush()
    again_s = time.perf_counter() - start
    again_embedded = embedder.misses - misses_before
    shutil.rmtree(again_dir, ignore_errors=True)

    # llama: plain VectorStoreIndex on the same files' text, same model and batch size
    files = sorted(p for p in corpus.iterdir() if p.suffix == ".txt")
    hf = HuggingFaceEmbedding(model_name=str(model.model_path), device=settings.embedding.device,
                              embed_batch_size=settings.embedding.batch_size)
    hf.get_text_embedding("uppvärmning")
    start = time.perf_counter()
    docs = [Document(text=p.read_text(encoding="utf-8"), metadata={"document": p.name}) for p in files]
    llama = VectorStoreIndex.from_documents(docs, embed_model=hf, transformations=[SentenceSplitter()])
    llama_s = time.perf_counter() - start
    llama_nodes = len(llama.docstore.docs)
    tokenizer = model.tokenizer
    llama_tokens = sum(min(len(tokenizer.encode(n.get_content(metadata_mode="embed")).ids), model.max_tokens)
                       for n in llama.docstore.docs.values())
    our_tokens = sum(len(tokenizer.encode(t).ids) for t in texts)

    figures = {
        "model": model.name, "torch_threads": torch.get_num_threads(), "batch_size": settings.embedding.batch_size,
        "files": len(files), "megabytes": round(megabytes, 2), "chunks": len(texts),
        "raw_texts_per_s": round(len(texts) / raw_s, 1),
        "pipeline_texts_per_s": round(len(texts) / ours_s, 1),
        "pipeline_over_raw": round(raw_s / ours_s, 3),
        "pipeline_seconds": round(ours_s, 1), "raw_seconds": round(raw_s, 1),
        "llamaindex_seconds": round(llama_s, 1), "llamaindex_nodes": llama_nodes,
        "ours_over_llamaindex": round(llama_s / ours_s, 3),
        "embedded_tokens": {"ours": our_tokens, "llamaindex_after_truncation": llama_tokens},
        "ours_over_llamaindex_per_token": round((our_tokens / ours_s) / (llama_tokens / llama_s), 3),
        "reingest_seconds": round(again_s, 1), "reingest_texts_embedded": again_embedded,
        "reingest_cache_hits": embedder.hits - hits_before,
        "raw_texts_per_s_by_batch": batch,
    }
    record("throughput", figures, f".venv/bin/python benchmarks/bench_throughput.py --chunks {args.chunks}")
    for key, value in figures.items():
        print(f"{key:>32}: {value}")


if __name__ == "__main__":
    main()
