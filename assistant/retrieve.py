"""Retrieval: question → filters and expansions → dense + BM25 (stems, n-grams) → weighted fusion → deduped top k."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.embed import Embedder, embed_query
from assistant.evalset import normalize_ws
from assistant.index import HybridIndex
from assistant.query import (
    Filters,
    drop_english_stopwords,
    expand_english,
    infer_filters,
    is_english,
    load_glossary,
    may_read,
    meta_matches,
)
from assistant.settings import RetrievalSettings
from assistant.types import Chunk, Citation, DocumentMeta


class _Timer:
    """Milliseconds per named step, plus the total."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.steps: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = self.steps.get(name, 0.0) + (time.perf_counter() - t) * 1000

    def done(self) -> dict[str, float]:
        """The timings, rounded, with the total."""
        total = (time.perf_counter() - self.start) * 1000
        return {k: round(v, 2) for k, v in {**self.steps, "total": total}.items()}


@dataclass
class ScoredChunk:
    """A retrieved chunk with its fused score, the ranks that made it, and its document's metadata."""

    chunk: Chunk
    score: float
    meta: DocumentMeta
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The document title."""
        return self.meta.title

    def citation(self, key: str) -> Citation:
        """This chunk as a citation: the quote is exactly document.text[start:end], without the header."""
        c = self.chunk
        return Citation(
            key=key, document=c.document, title=self.meta.title, section=c.section, start=c.start, end=c.end,
            page=c.page, quote=c.text,
        )

    def to_json(self, key: str) -> dict[str, Any]:
        """The `ask --retrieve-only --json` record."""
        return {**self.citation(key).model_dump(mode="json"), "score": round(self.score, 6), "ranks": self.ranks}


@dataclass
class RetrievalResult:
    """Ranked chunks plus what the retriever decided and how long each step took."""

    question: str
    chunks: list[ScoredChunk]
    filters: dict[str, Any]
    expansions: list[str]
    timings_ms: dict[str, float]
    vector: np.ndarray | None = None  # the question's embedding (None when the dense ranker is off)


class Retriever:
    """Hybrid retrieval over a HybridIndex."""

    def __init__(self, index: HybridIndex, embedder: Embedder, settings: RetrievalSettings) -> None:
        self.index, self.embedder, self.settings = index, embedder, settings
        self.glossary = load_glossary(settings.glossary)
        self._metas: dict[str, DocumentMeta] = {}
        self._metas_for: int | None = None

    def _documents(self) -> dict[str, DocumentMeta]:
        self.index.follow()  # another app server's uploads and deletions (shared state only)
        self.index.lexical.reload_if_changed()
        if self._metas_for != self.index.lexical.generation:
            self._metas = self.index.documents_meta()
            self._metas_for = self.index.lexical.generation
        return self._metas

    def allowed_documents(
        self, question: str, filters: Filters | None
    ) -> tuple[set[str] | None, dict[str, Any], dict[str, int]]:
        """Document ids the question may be answered from (None: all), the filters applied, and balance groups.

        Named municipalities and bodies restrict the search unless nothing would be left; a question naming
        several municipalities searches all of them and each gets a slot (the groups).
        """
        explicit = filters or Filters()
        # Access first: documents the reader may not see take no part in inference, filtering or ranking.
        everything = self._documents()
        metas = {d: m for d, m in everything.items() if may_read(m, explicit.access)}
        restricted = len(metas) < len(everything)
        applied: dict[str, Any] = explicit.as_dict()
        chosen = explicit
        groups: dict[str, int] = {}
        if self.settings.infer_filters:
            named = question  # an English question names a body by the glossary's Swedish name
            if is_english(question):
                named = " ".join([question, *expand_english(question, self.glossary)])
            inferred = infer_filters(named, metas.values())
            merged = Filters(
                municipality=explicit.municipality or inferred.filters.municipality,
                body=explicit.body or inferred.filters.body,
                period=explicit.period, kind=explicit.kind, document_ids=explicit.document_ids,
                access=explicit.access,
            )
            if any(meta_matches(m, merged) for m in metas.values()):
                chosen = merged
                applied = merged.as_dict()
                applied["inferred"] = sorted(
                    k for k in ("municipality", "body") if getattr(inferred.filters, k) and not getattr(explicit, k)
                )
            if len(inferred.municipalities) > 1 and not explicit.municipality:
                for i, name in enumerate(inferred.municipalities):
                    for doc_id, meta in metas.items():
                        if meta_matches(meta, Filters(municipality=name)):
                            groups[doc_id] = i
                applied["balanced"] = inferred.municipalities
        if chosen.is_empty():
            return (set(metas) if restricted else None), applied, groups
        allowed = {
            d for d, m in metas.items()
            if meta_matches(m, chosen) and (not chosen.document_ids or d in chosen.document_ids)
        }
        return allowed, applied, groups

    def search(self, question: str, k: int | None = None, filters: Filters | None = None) -> RetrievalResult:
        """Rank chunks for a question; every step is timed."""
        k = k or self.settings.k
        timer = _Timer()
        with timer("parse"):
            allowed, applied, groups = self.allowed_documents(question, filters)
            expansions = expand_english(question, self.glossary) if is_english(question) else []
            hints = infer_filters(question, []) if self.settings.infer_filters else None
        n = self.settings.candidates
        rankings: dict[str, list[tuple[str, float]]] = {}
        vector = None
        if self.settings.dense_weight > 0:
            with timer("embed"):
                vector = embed_query(self.embedder, [" ".join([question, *expansions])])[0]
            with timer("dense"):
                rankings["dense"] = self.index.dense(vector, n, allowed)
        with timer("bm25"):
            analyzer, lexical = self.index.analyzer, self.index.lexical
            # English function words only add noise to Swedish keyword search; names and numbers stay.
            keywords = " ".join([drop_english_stopwords(question) if expansions else question, *expansions])
            if self.settings.bm25_weight > 0:
                weights = analyzer.query_stems(keywords, lexical.vocabulary("words"))
                rankings["bm25"] = lexical.search("words", weights, n, allowed)
            if self.settings.ngram_weight > 0:
                rankings["ngram"] = lexical.search("ngrams", analyzer.query_ngrams(keywords), n, allowed)
        with timer("fuse"):
            ranked = self._fuse(rankings)
            if hints is not None and (hints.periods or hints.kinds) and self.settings.hint_boost > 0:
                ranked = self._boost(ranked, hints.periods, hints.kinds)
            chunks = self._select(ranked, k, groups)
        timings = timer.done()
        return RetrievalResult(question, chunks, applied, expansions, timings, vector)

    def _boost(
        self, ranked: list[tuple[str, float, dict[str, int]]], periods: list[str], kinds: list[str]
    ) -> list[tuple[str, float, dict[str, int]]]:
        """Soft hints: chunks of documents whose period or kind the question names score a little higher."""
        metas = self._documents()
        records = self.index.lexical.records
        boosted = []
        for chunk_id, score, ranks in ranked:
            meta = metas.get(records[chunk_id]["document_id"]) if chunk_id in records else None
            if meta is not None and (meta.period in periods or meta.kind in kinds):
                score *= 1 + self.settings.hint_boost
            boosted.append((chunk_id, score, ranks))
        return sorted(boosted, key=lambda item: (-item[1], item[0]))

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None) -> list[ScoredChunk]:
        """The top k chunks for a question."""
        return self.search(question, k, filters).chunks

    def _fuse(self, rankings: dict[str, list[tuple[str, float]]]) -> list[tuple[str, float, dict[str, int]]]:
        """Weighted reciprocal-rank fusion: Σ weight / (rrf_k + rank)."""
        weights = {
            "dense": self.settings.dense_weight, "bm25": self.settings.bm25_weight, "ngram": self.settings.ngram_weight,
        }
        scores: dict[str, float] = {}
        ranks: dict[str, dict[str, int]] = {}
        for name, hits in rankings.items():
            for rank, (chunk_id, _score) in enumerate(hits, start=1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weights[name] / (self.settings.rrf_k + rank)
                ranks.setdefault(chunk_id, {})[name] = rank
        ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [(chunk_id, score, ranks[chunk_id]) for chunk_id, score in ordered]

    def _select(
        self, ranked: list[tuple[str, float, dict[str, int]]], k: int, groups: dict[str, int] | None = None
    ) -> list[ScoredChunk]:
        """Top k, skipping overlaps within a document and the same passage from another copy of one document.

        With balance groups (several municipalities named), each group's best chunk is kept first.
        """
        records = self.index.lexical.records
        metas = self._documents()
        candidates: list[ScoredChunk] = []
        seen_text: dict[str, tuple[str, str, str]] = {}
        for chunk_id, score, ranks in ranked:
            record = records.get(chunk_id)
            if record is None:
                continue
            chunk = Chunk.model_validate({f: record[f] for f in Chunk.model_fields})
            meta = metas.get(chunk.document_id) or DocumentMeta.model_validate({})
            if any(c.chunk.document_id == chunk.document_id and c.chunk.start < chunk.end and chunk.start < c.chunk.end
                   for c in candidates):
                continue
            text_key = normalize_ws(chunk.text).casefold()
            owner = (meta.municipality, meta.body, meta.period)
            if seen_text.get(text_key) == owner:
                continue  # the same plan indexed twice: one slot only
            seen_text.setdefault(text_key, owner)
            candidates.append(ScoredChunk(chunk=chunk, score=score, meta=meta, ranks=ranks))
            if len(candidates) >= k and not groups:
                break
        if not groups:
            return candidates[:k]
        firsts: dict[int, ScoredChunk] = {}
        for c in candidates:
            group = groups.get(c.chunk.document_id)
            if group is not None and group not in firsts:
                firsts[group] = c
        keep = list(firsts.values())[:k]
        rest = [c for c in candidates if all(c is not f for f in keep)]
        chosen = keep + rest[: k - len(keep)]
        return sorted(chosen, key=lambda c: -c.score)
