"""Fitting the scorer: labelled candidates from eval sets, a logistic regression, a calibrated refusal threshold,
and k-fold cross-validation by question (`assistant fit`).

A candidate is labelled 1 when its unit overlaps a gold quote of its question (or quotes most of its words).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from assistant.answering.features import FEATURES
from assistant.answering.scorer import Weights
from assistant.evalset import EvalItem
from assistant.evaluate import GoldSpan, locate_gold
from assistant.types import Candidate

_WRONG_COST = 0.5  # an answer citing the wrong passage, against one right answer
_UNANSWERABLE_COST = 1.5  # an answer where the documents have none


@dataclass
class Example:
    """One question's candidates: features, labels, and whether it has an answer."""

    qid: str
    answerable: bool
    features: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)


def covers(candidate: Candidate, gold: GoldSpan) -> bool:
    """The candidate's unit overlaps the gold span, or holds most of the gold quote's words."""
    unit = candidate.unit
    if unit.document != gold.document:
        return False
    if gold.span is not None:
        return unit.start < gold.span[1] and gold.span[0] < unit.end
    words = [w.casefold() for w in gold.quote.split() if any(ch.isalnum() for ch in w)]
    text = unit.text.casefold()
    return bool(words) and sum(w in text for w in words) / len(words) >= 0.6


def example(item: EvalItem, candidates: list[Candidate], texts: dict[str, str]) -> Example:
    """A question's candidates as rows of features with labels."""
    golds = locate_gold(item, texts)
    ex = Example(item.id, item.category != "unanswerable")
    for candidate in candidates:
        ex.features.append([candidate.features.get(name, 0.0) for name in FEATURES])
        ex.labels.append(1 if ex.answerable and any(covers(candidate, g) for g in golds) else 0)
    return ex


def collect(items: Iterable[EvalItem], candidates_of: Callable[[EvalItem], list[Candidate]],
            texts: dict[str, str], progress: Callable[[int], None] | None = None) -> list[Example]:
    """Examples for every item (progress(done) after each)."""
    out = []
    for done, item in enumerate(items, start=1):
        out.append(example(item, candidates_of(item), texts))
        if progress:
            progress(done)
    return out


def fit(examples: list[Example], c: float = 1.0) -> tuple[dict[str, float], float]:
    """Logistic-regression weights over every candidate of every question."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([row for ex in examples for row in ex.features], dtype=float)
    y = np.array([label for ex in examples for label in ex.labels], dtype=int)
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit(x, y)
    return dict(zip(FEATURES, (float(v) for v in model.coef_[0]), strict=True)), float(model.intercept_[0])


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def tops(examples: list[Example], coef: dict[str, float], intercept: float) -> list[tuple[float, bool, bool]]:
    """Per question: (best score, best candidate is right, question has an answer)."""
    w = np.array([coef.get(name, 0.0) for name in FEATURES])
    out = []
    for ex in examples:
        if not ex.features:
            out.append((0.0, False, ex.answerable))
            continue
        z = np.array(ex.features) @ w + intercept
        best = int(np.argmax(z))
        out.append((_sigmoid(float(z[best])), bool(ex.labels[best]), ex.answerable))
    return out


def calibrate(top: list[tuple[float, bool, bool]]) -> float:
    """The refusal threshold that does best: a right answer counts 1, a wrong one -0.5, an answer to an
    unanswerable question -1.5, a refusal 0."""
    best_t, best_u = 0.5, -1e9
    for t in sorted({s for s, _, _ in top} | {0.0, 1.0}):
        utility = sum((1.0 if right else -_WRONG_COST) if has else -_UNANSWERABLE_COST
                      for s, right, has in top if s >= t)
        if utility > best_u:
            best_t, best_u = t, utility
    return best_t


def summary(top: list[tuple[float, bool, bool]], threshold: float) -> dict[str, float]:
    """Top-1 accuracy, answered-right share, refusal recall and false refusals at a threshold."""
    answerable = [(s, r) for s, r, has in top if has]
    unanswerable = [s for s, _, has in top if not has]
    return {
        "top1": round(sum(r for _, r in answerable) / max(1, len(answerable)), 4),
        "answered_right": round(sum(r and s >= threshold for s, r in answerable) / max(1, len(answerable)), 4),
        "refusal_recall": round(sum(s < threshold for s in unanswerable) / max(1, len(unanswerable)), 4),
        "false_refusals": round(sum(s < threshold for s, _ in answerable) / max(1, len(answerable)), 4),
    }


def cross_validate(examples: list[Example], folds: int = 5, c: float = 1.0) -> dict[str, float]:
    """k-fold by question: fit and calibrate on k-1 folds, measure on the held-out one; the mean of each figure."""
    if len(examples) < folds:
        return {}
    results: list[dict[str, float]] = []
    for k in range(folds):
        train = [ex for i, ex in enumerate(examples) if i % folds != k]
        test = [ex for i, ex in enumerate(examples) if i % folds == k]
        coef, intercept = fit(train, c)
        threshold = calibrate(tops(train, coef, intercept))
        results.append(summary(tops(test, coef, intercept), threshold))
    return {key: round(sum(r[key] for r in results) / len(results), 4) for key in results[0]}


def fitted_weights(examples: list[Example], c: float = 1.0, part_margin: float = 0.1,
                   notes: dict[str, object] | None = None) -> Weights:
    """Weights fitted on all examples with the threshold calibrated on their scores."""
    coef, intercept = fit(examples, c)
    threshold = calibrate(tops(examples, coef, intercept))
    return Weights(coef, intercept, threshold, max(0.05, threshold - part_margin), dict(notes or {}))
