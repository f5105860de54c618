"""History invariance: a question asked after an unrelated earlier turn must get the answer it gets alone.

The chat sends earlier turns with every question so that a follow-up ("och 2022?", "Varför då?") can lean on
them; a complete question must not. Each sampled question is asked alone and then after another question of the
set from another document (with that question's own answer as the earlier turn); the two answers must have the
same text and cite the same spans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.evalset import EvalItem
from assistant.types import Answer

Ask = Callable[[str, list[tuple[str, str]]], Answer]


@dataclass(frozen=True)
class HistoryCase:
    """One question asked alone and after an unrelated turn."""

    id: str
    question: str
    previous: str
    same: bool
    alone: str
    after: str


def _documents(item: EvalItem) -> set[str]:
    return {s.document for s in item.sources}


def unrelated(items: list[EvalItem], index: int) -> EvalItem:
    """Another item of the set, from documents the item does not cite (the next such one, cyclically)."""
    item = items[index]
    for step in range(1, len(items)):
        other = items[(index + step) % len(items)]
        if other.question != item.question and not (_documents(other) & _documents(item)):
            return other
    return items[(index + 1) % len(items)]


def _key(answer: Answer) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    return answer.answer, tuple((c.document, c.start, c.end) for c in answer.citations)


def history_cases(items: list[EvalItem], ask: Ask, sample: int) -> list[HistoryCase]:
    """The first `sample` items (spread over the set), each asked alone and after an unrelated turn."""
    if not items or sample <= 0:
        return []
    step = max(1, len(items) // sample)
    chosen = list(range(0, len(items), step))[:sample]
    cases = []
    for index in chosen:
        item, other = items[index], unrelated(items, index)
        earlier = ask(other.question, [])
        alone = ask(item.question, [])
        after = ask(item.question, [(other.question, earlier.answer)])
        cases.append(HistoryCase(item.id, item.question, other.question, _key(alone) == _key(after),
                                 alone.answer, after.answer))
    return cases


def invariance(cases: list[HistoryCase]) -> float | None:
    """The share of cases whose answer the earlier turn did not change."""
    return round(sum(c.same for c in cases) / len(cases), 4) if cases else None
