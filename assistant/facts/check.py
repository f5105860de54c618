"""Check the reviewed facts against the documents and a fresh extraction.

Two promises are checked: every reviewed fact still stands where it was reviewed (its value at its span of the
document as ingestion reads it today), and the extractor never contradicts a reviewed fact (a figure it finds at a
reviewed fact's span has the same value, period and kind). New facts the extractor finds elsewhere are no
problem: they wait for review as 'extracted'.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assistant.types import Fact, SourceDocument


@dataclass(frozen=True)
class CheckProblem:
    """One broken promise, in Swedish."""

    fact_id: str
    document: str
    reason: str

    def __str__(self) -> str:
        return f"{self.document}: {self.fact_id}: {self.reason}"


def _stands(fact: Fact, document: SourceDocument) -> bool:
    written = document.text[fact.start:fact.end]
    value = fact.original_value or fact.value  # a corrected fact stands on what the document says
    return written.split() == value.split() or value in written


def _contradiction(reviewed: Fact, extracted: Fact) -> str:
    """What a fresh extraction says differently about a reviewed figure ('' when nothing)."""
    value = reviewed.original_value or reviewed.value
    problems = []
    if extracted.value.split() != value.split():
        problems.append(f"värdet {extracted.value!r} i stället för {value!r}")
    if extracted.period and extracted.period != reviewed.period:
        problems.append(f"perioden {extracted.period!r} i stället för {reviewed.period!r}")
    if extracted.kind and extracted.kind != reviewed.kind:
        problems.append(f"slaget {extracted.kind!r} i stället för {reviewed.kind!r}")
    return "; ".join(problems)


def check_reviewed(reviewed: Iterable[Fact], documents: Iterable[SourceDocument],
                   extracted: Iterable[Fact]) -> list[CheckProblem]:
    """Problems with the reviewed facts (rejected ones are not checked): gone from their span, missing document,
    or contradicted by the extractor."""
    docs = {d.name: d for d in documents}
    by_doc: dict[str, list[Fact]] = {}
    for fact in extracted:
        by_doc.setdefault(fact.document, []).append(fact)
    problems = []
    for fact in reviewed:
        if fact.review == "rejected":
            continue
        document = docs.get(fact.document)
        if document is None:
            problems.append(CheckProblem(fact.id, fact.document, "dokumentet finns inte i korpusen"))
            continue
        if not _stands(fact, document):
            problems.append(CheckProblem(fact.id, fact.document, f"{fact.indicator} {fact.period} {fact.kind}: "
                                         f"värdet {fact.value!r} står inte längre på sin plats i texten"))
            continue
        for other in by_doc.get(fact.document, []):
            if other.start < fact.end and fact.start < other.end:
                why = _contradiction(fact, other)
                if why:
                    problems.append(CheckProblem(fact.id, fact.document, f"{fact.indicator}: extraktionen ger {why}"))
    return problems
