"""Factual-accuracy evaluation: run a pipeline over an eval set and compute exactly defined metrics."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.evalset import EvalItem, find_quote
from assistant.types import Answer, Citation

_THOUSANDS = re.compile(r"(?<=\d)[ ](?=\d{3}(?!\d))")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_WORD = re.compile(r"\w+")
COVER_WORD_SHARE = 0.6


class QAPipeline(Protocol):
    """What the harness needs from a question-answering system."""

    name: str

    def answer(self, question: str, k: int) -> Answer:
        """Answer with citations (character spans in the cleaned document texts)."""
        ...

    def retrieve(self, question: str, k: int) -> list[Citation]:
        """The top-k passages, best first."""
        ...


def normalize_for_match(text: str) -> str:
    """Case-folded, whitespace collapsed, thousands separators dropped, decimal point → comma."""
    text = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()).casefold()
    text = _THOUSANDS.sub("", text)
    return _DECIMAL_POINT.sub(",", text)


def contains_all(answer: str, must_include: Iterable[str]) -> bool:
    """True when the answer contains every required string, by the normalization above."""
    norm = normalize_for_match(answer)
    return all(normalize_for_match(s) in norm for s in must_include)


@dataclass
class GoldSpan:
    """A gold quote located in the cleaned text of its document (span None when not found)."""

    document: str
    quote: str
    span: tuple[int, int] | None


def locate_gold(item: EvalItem, documents: dict[str, str]) -> list[GoldSpan]:
    """Find each gold quote in the cleaned document text, whitespace-insensitively."""
    golds = []
    for source in item.sources:
        text = documents.get(source.document)
        golds.append(GoldSpan(source.document, source.quote, find_quote(text, source.quote) if text else None))
    return golds


def covers(citation: Citation, gold: GoldSpan) -> bool:
    """Same document and overlapping span, or the citation quotes ≥ 60 % of the gold quote's words."""
    if citation.document != gold.document:
        return False
    if gold.span is not None and citation.start < gold.span[1] and gold.span[0] < citation.end:
        return True
    gold_words = [w.casefold() for w in _WORD.findall(gold.quote)]
    if not gold_words:
        return False
    cited = {w.casefold() for w in _WORD.findall(citation.quote)}
    return sum(w in cited for w in gold_words) / len(gold_words) >= COVER_WORD_SHARE


@dataclass
class ItemResult:
    """The outcome of one eval item."""

    id: str
    category: str
    question: str
    answerable: bool
    answer: str
    refused: bool
    correct: bool
    citations: int
    citations_covering: int
    cited_gold: bool
    retrieval_rank: int | None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Right behaviour: a correct cited answer, or a refusal where the documents do not answer."""
        if not self.answerable:
            return self.refused
        return self.correct and self.cited_gold


def evaluate_item(item: EvalItem, pipeline: QAPipeline, documents: dict[str, str], k: int) -> ItemResult:
    """Run one item through retrieval and answering and score it."""
    golds = locate_gold(item, documents)
    answerable = item.category != "unanswerable"
    start = time.perf_counter()
    retrieved = pipeline.retrieve(item.question, k)
    retrieve_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    answer = pipeline.answer(item.question, k)
    answer_ms = (time.perf_counter() - start) * 1000
    rank = next((i for i, c in enumerate(retrieved, 1) if any(covers(c, g) for g in golds)), None)
    covering = sum(1 for c in answer.citations if any(covers(c, g) for g in golds))
    timings = {"retrieve": retrieve_ms, "answer": answer_ms}
    timings.update({f"answer.{stage}": ms for stage, ms in answer.timings_ms.items()})
    return ItemResult(
        id=item.id, category=item.category, question=item.question, answerable=answerable,
        answer=answer.answer, refused=answer.refused,
        correct=answerable and not answer.refused and contains_all(answer.answer, item.must_include),
        citations=len(answer.citations) if answerable else 0, citations_covering=covering if answerable else 0,
        cited_gold=covering > 0, retrieval_rank=rank if answerable else None, timings_ms=timings,
    )


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return round(ordered[index], 2)


def qa_metrics(results: list[ItemResult], k: int) -> dict[str, Any]:
    """The QA metrics, exactly as defined in evals/README.md."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    citations = sum(r.citations for r in answerable)
    metrics: dict[str, Any] = {
        "items": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answer_accuracy": _ratio(sum(r.correct for r in answerable), len(answerable)),
        "refusal_recall": _ratio(sum(r.refused for r in unanswerable), len(unanswerable)),
        "false_refusal_rate": _ratio(sum(r.refused for r in answerable), len(answerable)),
        "citation_recall": _ratio(sum(r.cited_gold for r in answerable), len(answerable)),
        "citation_precision": _ratio(sum(r.citations_covering for r in answerable), citations),
        f"retrieval_recall_at_{k}": _ratio(sum(r.retrieval_rank is not None for r in answerable), len(answerable)),
        "mrr": _ratio(sum(1 / r.retrieval_rank for r in answerable if r.retrieval_rank), len(answerable)),
        "passed": _ratio(sum(r.passed for r in results), len(results)),
    }
    stages: dict[str, list[float]] = defaultdict(list)
    for r in results:
        for stage, ms in r.timings_ms.items():
            stages[stage].append(ms)
    metrics["latency_ms"] = {
        stage: {"p50": percentile(v, 50), "p95": percentile(v, 95)} for stage, v in sorted(stages.items())
    }
    return metrics


def by_category(results: list[ItemResult], k: int) -> dict[str, dict[str, Any]]:
    """Every metric, per category."""
    groups: dict[str, list[ItemResult]] = defaultdict(list)
    for r in results:
        groups[r.category].append(r)
    return {cat: qa_metrics(rs, k) for cat, rs in sorted(groups.items())}


def run_qa(
    items: list[EvalItem],
    pipeline: QAPipeline,
    documents: dict[str, str],
    k: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[ItemResult]:
    """Evaluate every item, reporting progress."""
    results = []
    for i, item in enumerate(items):
        results.append(evaluate_item(item, pipeline, documents, k))
        if progress:
            progress(i + 1, len(items))
    return results
