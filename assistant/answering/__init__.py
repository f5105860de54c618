"""Answering in explicit stages: frame → candidates → features → score → select → compose → verify.

The Answerer only wires the stages; each stage is a module of its own with typed input and output.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

import numpy as np

from assistant.answering.candidates import UnitCache, gather, merge_rows
from assistant.answering.compose import compose
from assistant.answering.features import Context, Idf, context_text, featurize, weighted_terms
from assistant.answering.frame import Frame, build_frame
from assistant.answering.rows import RowIndex, meta_of
from assistant.answering.scorer import answerability, load_weights, question_features, rank
from assistant.answering.select import Selector
from assistant.answering.vectors import UnitVectors
from assistant.answering.verify import check_answer, unsupported_numbers
from assistant.language import Term, WordMatcher, load_lexicon
from assistant.language.messages import message
from assistant.llm import LLM
from assistant.prompts import CANNOT_ANSWER
from assistant.query import Filters
from assistant.retrieve import Retriever, ScoredChunk
from assistant.settings import AnswerSettings
from assistant.types import Answer, AskRequest, Candidate, Fact, SourceDocument

Reviewed = Callable[[str, int, int], bool | None]


class Documents(Protocol):
    """The primary documents by file name (DocumentCache)."""

    def __call__(self, name: str) -> SourceDocument | None: ...

    def names(self) -> list[str]: ...

FactsOf = Callable[[str, int, int], list[Fact]]


class Answerer:
    """Question → Answer with citations, or a refusal that says why; an LLM, when configured, only rewrites."""

    def __init__(self, retriever: Retriever, documents: Documents, settings: AnswerSettings, llm: LLM | None = None,
                 facts_of: FactsOf | None = None, vectors: UnitVectors | None = None) -> None:
        self.retriever, self.documents, self.settings, self.llm = retriever, documents, settings, llm
        self.lexicon = load_lexicon()
        self.matcher = WordMatcher(self.lexicon)
        self.units = UnitCache(documents, settings.cached_documents)
        self.idf = Idf()
        self.rows = RowIndex(self.matcher)
        self.vectors = vectors
        self.weights = load_weights(settings.weights)
        self.facts_of: FactsOf = facts_of or (lambda name, start, end: [])
        self.selector = Selector(self.matcher, self.lexicon, self.units, self._context, settings.second_ratio)

    def __call__(self, request: AskRequest) -> Answer:
        """Answer one request; every stage is timed."""
        timings: dict[str, float] = {}
        clock = time.perf_counter()
        frame = build_frame(request.question, self.matcher, self.lexicon, self._municipalities(), request.history,
                            self._bodies())
        chunks, applied, allowed, vector = self._retrieve(request, frame)
        if frame.unknown_place:  # refused; the closest passages (of other places) are still offered as reading
            return self._refuse(request.question, chunks, message("answering", "unknown_place",
                                                                  place=frame.unknown_place))
        timings["retrieve"] = (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        ranked = self._ranked(frame, chunks, frame.terms, allowed, vector)
        places = list(applied.get("balanced") or [])
        confidence = answerability(question_features(ranked, frame.english), self.weights)
        picks = self.selector.choose(ranked, frame, confidence >= self.weights.threshold, self.weights.part,
                                     lambda cands, terms: self._rescored(frame, cands, terms), places)
        timings["score"] = (time.perf_counter() - clock) * 1000
        if not picks:
            refusal = self._refuse(request.question, chunks, message("answering", "not_covered"), timings)
            return refusal.model_copy(update={"confidence": round(confidence, 4)})
        name_sources = not frame.places and len(self._municipalities()) > 1
        composed = compose(picks, frame, self.documents, self._reviewed, name_sources)
        unsupported = unsupported_numbers(composed.text, composed.citations)
        if unsupported:  # cannot happen for a composed answer; a refusal beats a number without a source
            return self._refuse(request.question, chunks, message("answering", "unsupported"), timings)
        facts = [f for p in picks if p.unit.kind == "row" for f in self.facts_of(p.unit.document, p.unit.start,
                                                                                    p.unit.end)]
        answer = Answer(question=request.question, answer=composed.text, refused=False,
                        citations=composed.citations, facts=facts, notes=composed.notes, timings_ms=timings,
                        confidence=round(confidence, 4))
        if self.llm is not None:
            clock = time.perf_counter()
            answer = self._polish(answer)
            answer.timings_ms["llm"] = (time.perf_counter() - clock) * 1000
        return answer

    def candidates(self, request: AskRequest) -> tuple[Frame, list[Candidate]]:
        """The question's frame and its scored candidates, best first (for fitting and inspection)."""
        frame = build_frame(request.question, self.matcher, self.lexicon, self._municipalities(), request.history,
                            self._bodies())
        chunks, _, allowed, vector = self._retrieve(request, frame)
        return frame, self._ranked(frame, chunks, frame.terms, allowed, vector)

    # -- stages ------------------------------------------------------------------------------------------------
    def _retrieve(self, request: AskRequest, frame: Frame
                  ) -> tuple[list[ScoredChunk], dict, set[str] | None, np.ndarray | None]:
        query = request.question
        if frame.followup and request.history:
            query = f"{request.history[-1][0]} {request.question}"
        filters = Filters(municipality=request.municipality or "", body=request.body or "",
                          period=request.period or "", access=tuple(request.roles))
        result = self.retriever.search(query, k=max(request.k, self.settings.passages), filters=filters)
        allowed, _, _ = self.retriever.allowed_documents(query, filters)
        return [c for c in result.chunks if self._allowed(c, request)], result.filters, allowed, result.vector

    def _ranked(self, frame: Frame, chunks: list[ScoredChunk], terms: list[Term], allowed: set[str] | None,
                vector: np.ndarray | None = None) -> list[Candidate]:
        lexical = self.retriever.index.lexical
        self.idf.refresh(lexical.records, lexical.generation)
        weights = weighted_terms(terms, self.idf)
        candidates = merge_rows(gather(chunks, self.units), self._rows(terms, weights, allowed, lexical.generation))
        ctx = Context(replace(frame, terms=terms), weights, self.matcher, self.lexicon, self.units,
                      self._similarity(candidates, vector))
        featurize(candidates, ctx)
        return rank(candidates, self.weights)

    def _similarity(self, candidates: list[Candidate], vector: np.ndarray | None) -> dict[tuple[str, int, int], float]:
        """The question's cosine similarity to each candidate unit (empty without unit vectors)."""
        if self.vectors is None or vector is None:
            return {}
        pairs = [(c.unit, d) for c in candidates if (d := self.documents(c.unit.document)) is not None]
        found = self.vectors.lookup(pairs)
        return {span: float(np.dot(v, vector)) for span, v in found.items()}

    def _rows(self, terms: list[Term], weights: dict[str, float], allowed: set[str] | None,
              generation: object) -> list[Candidate]:
        """Rows the row index finds for the terms, as candidates."""
        # One document at a time: the row index keeps the rows, not the documents.
        self.rows.refresh(lambda: (d for n in self.documents.names() if (d := self.documents(n)) is not None),
                          generation)
        metas = self.retriever.index.documents_meta()
        return [Candidate(entry.unit, meta_of(metas, entry), "row", rank, {}, {"inside": 0.0})
                for rank, (entry, _) in enumerate(self.rows.search(terms, weights, allowed, self.settings.rows))]

    def _rescored(self, frame: Frame, candidates: list[Candidate], terms: list[Term]) -> list[Candidate]:
        """The same candidates scored for one part of the question (its own terms)."""
        copies = [Candidate(c.unit, c.meta, c.source, c.rank, dict(c.ranks),
                            {k: c.features.get(k, 0.0) for k in ("inside", "row_hit")}) for c in candidates]
        ctx = Context(replace(frame, terms=terms), weighted_terms(terms, self.idf), self.matcher, self.lexicon,
                      self.units)
        featurize(copies, ctx)
        return rank(copies, self.weights)

    def _context(self, candidate: Candidate) -> str:
        return context_text(candidate, self.units(candidate.unit.document), self.lexicon)

    def _reviewed(self, name: str, start: int, end: int) -> bool | None:
        facts = self.facts_of(name, start, end)
        return None if not facts else all(f.reviewed for f in facts)

    def _allowed(self, chunk: ScoredChunk, request: AskRequest) -> bool:
        return chunk.meta.access in request.roles or "admin" in request.roles

    def _bodies(self) -> set[str]:
        return {m.body for m in self.retriever.index.documents_meta().values() if m.body}

    def _municipalities(self) -> set[str]:
        return {m.municipality for m in self.retriever.index.documents_meta().values() if m.municipality}

    def _refuse(self, question: str, chunks: list[ScoredChunk], reason: str,
                timings: dict[str, float] | None = None) -> Answer:
        """The one refusal sentence, the reason, and the closest passages as related reading."""
        related = [c.citation(f"R{i}") for i, c in enumerate(chunks[:3], start=1)]
        text = f"{CANNOT_ANSWER} {reason[0].upper()}{reason[1:]}." if reason else CANNOT_ANSWER
        return Answer(question=question, answer=text, refused=True, related=related,
                      notes=[message("answering", "refused_note", reason=reason)], timings_ms=timings or {})

    def _polish(self, composed: Answer) -> Answer:
        """The LLM rewrites from the cited passages; its text stands only if keys and numbers check out."""
        from assistant.answering.llm import polish

        assert self.llm is not None
        reply, error = polish(self.llm, composed)
        if error:
            return composed.model_copy(update={"notes": [*composed.notes, error]})
        problems = check_answer(reply, composed.citations)
        if problems:
            return composed.model_copy(update={"notes": [*composed.notes, *problems]})
        return composed.model_copy(update={"answer": reply})


__all__ = ["Answerer"]
