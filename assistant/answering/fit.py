"""Fitting the scorer: labelled candidates from eval sets, a logistic regression, a calibrated refusal threshold,
and k-fold cross-validation by question (`assistant fit`).

A candidate is labelled 1 when its unit overlaps a gold quote of its question (or quotes most of its words).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from assistant.answering.features import FEATURES
from assistant.answering.scorer import QUESTION_FEATURES, Weights
from assistant.evalset import EvalItem
from assistant.evaluate import GoldSpan, contains_all, locate_gold
from assistant.language.messages import message
from assistant.types import Candidate

_WORDS = re.compile(r"[^\W_]+")
_MIN_QUOTE_WORDS = 5  # a shorter quote found at another place is too likely another row's words
_WRONG_COST = 0.25  # an answer citing a wrong passage (the reader sees the quote), against one right answer
_UNANSWERABLE_COST = 1.5  # an answer where the documents have none


@dataclass
class Example:
    """One question's candidates: features, labels, and whether it has an answer."""

    qid: str
    answerable: bool
    features: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    english: bool = False


def covers(candidate: Candidate, gold: GoldSpan) -> bool:
    """The candidate's unit overlaps the gold span, or holds most of the gold quote's words (anywhere)."""
    unit = candidate.unit
    if unit.document != gold.document:
        return False
    if gold.span is not None and unit.start < gold.span[1] and gold.span[0] < unit.end:
        return True
    # the same passage said again elsewhere in the document (a summary, a repeated page) is as right
    words = [w.casefold() for w in _WORDS.findall(gold.quote)]
    if len(words) < _MIN_QUOTE_WORDS:
        return gold.span is None and bool(words) and all(w in _word_set(unit.text) for w in words)
    return sum(w in _word_set(unit.text) for w in words) / len(words) >= 0.6


def _word_set(text: str) -> set[str]:
    return {w.casefold() for w in _WORDS.findall(text)}


def answers(candidate: Candidate, item: EvalItem, golds: list[GoldSpan]) -> bool:
    """The candidate is a right unit: it overlaps a gold quote, or it stands in a gold document and holds every
    string a correct answer must contain (the same figure said in another sentence or row)."""
    if any(covers(candidate, g) for g in golds):
        return True
    documents = {g.document for g in golds}
    return bool(item.must_include) and candidate.unit.document in documents and contains_all(
        candidate.unit.text, item.must_include)


def example(item: EvalItem, candidates: list[Candidate], texts: dict[str, str]) -> Example:
    """A question's candidates as rows of features with labels."""
    golds = locate_gold(item, texts)
    ex = Example(item.id, item.category != "unanswerable", english=item.lang == "en")
    for candidate in candidates:
        ex.features.append([candidate.features.get(name, 0.0) for name in FEATURES])
        ex.labels.append(1 if ex.answerable and answers(candidate, item, golds) else 0)
    return ex


def save_examples(examples: list[Example], path: Path) -> None:
    """Collected examples as JSON (features in FEATURES order), to refit without collecting again."""
    path.write_text(json.dumps({"features": list(FEATURES), "examples": [asdict(ex) for ex in examples]}),
                    encoding="utf-8")


def load_examples(path: Path) -> list[Example]:
    """Examples saved by save_examples; an error when the feature list has changed since."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["features"] != list(FEATURES):
        raise ValueError(message("answering", "stale_examples", path=path))
    return [Example(**ex) for ex in data["examples"]]


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
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, y)
    return dict(zip(FEATURES, (float(v) for v in model.coef_[0]), strict=True)), float(model.intercept_[0])


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _question_rows(examples: list[Example], coef: dict[str, float], intercept: float
                   ) -> tuple[np.ndarray, np.ndarray, list[bool]]:
    """Per question: the answerability features (from its candidates ranked by the given weights), whether the
    best candidate is right, and whether the question has an answer."""
    from assistant.answering.scorer import question_features
    from assistant.types import Candidate, DocumentMeta, Unit

    w = np.array([coef.get(name, 0.0) for name in FEATURES])
    rows, right, has = [], [], []
    for ex in examples:
        ranked: list[Candidate] = []
        if ex.features:
            z = np.array(ex.features) @ w + intercept
            order = np.argsort(-z)
            for i in order[:10]:
                c = Candidate(Unit("", 0, 0, "sentence", ""), DocumentMeta(), "passage", 0,
                              features=dict(zip(FEATURES, ex.features[i], strict=True)))
                c.score = _sigmoid(float(z[i]))
                ranked.append(c)
        q = question_features(ranked, ex.english)
        rows.append([q[k] for k in QUESTION_FEATURES])
        right.append(bool(ex.features) and bool(ex.labels[int(np.argmax(np.array(ex.features) @ w))]))
        has.append(ex.answerable)
    return np.array(rows, dtype=float), np.array(right), has


def fit_answerability(examples: list[Example], coef: dict[str, float], intercept: float,
                      c: float = 1.0) -> tuple[dict[str, float], float]:
    """Logistic regression: does the best candidate answer the question? (unanswerable questions: never)."""
    from sklearn.linear_model import LogisticRegression

    x, right, has = _question_rows(examples, coef, intercept)
    y = np.array([int(r and h) for r, h in zip(right, has, strict=True)])
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, y)
    return dict(zip(QUESTION_FEATURES, (float(v) for v in model.coef_[0]), strict=True)), float(model.intercept_[0])


def tops(examples: list[Example], weights: Weights) -> list[tuple[float, bool, bool]]:
    """Per question: (answerability of its best candidate, best candidate is right, question has an answer)."""
    x, right, has = _question_rows(examples, weights.coef, weights.intercept)
    a = np.array([weights.answer_coef.get(k, 0.0) for k in QUESTION_FEATURES])
    probs = [_sigmoid(float(z)) for z in x @ a + weights.answer_intercept] if weights.answer_coef else list(x[:, 0])
    return [(p, bool(r), h) for p, r, h in zip(probs, right, has, strict=True)]


def calibrate(top: list[tuple[float, bool, bool]]) -> float:
    """The refusal threshold where answering stops paying, on calibrated probabilities: a right answer counts 1,
    one that is not right costs the mean of its two kinds in the data (a wrong passage 0.25, an answer where the
    documents have none 1.5), so answer when p > c / (1 + c)."""
    wrong = sum(1 for _, right, has in top if has and not right)
    none = sum(1 for _, _, has in top if not has)
    if wrong + none == 0:
        return 0.5
    cost = (wrong * _WRONG_COST + none * _UNANSWERABLE_COST) / (wrong + none)
    return cost / (1.0 + cost)


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
        weights = fitted_weights(train, c, folds=folds)
        results.append(summary(tops(test, weights), weights.threshold))
    return {key: round(sum(r[key] for r in results) / len(results), 4) for key in results[0]}


def fitted_weights(examples: list[Example], c: float = 1.0, part: float = 0.5,
                   notes: dict[str, object] | None = None, folds: int = 5) -> Weights:
    """Both models fitted on all examples; the threshold calibrated on out-of-fold answerability scores (scores
    of questions the models were not fitted on, as a new question's will be), else on the training scores."""
    coef, intercept = fit(examples, c)
    answer_coef, answer_intercept = fit_answerability(examples, coef, intercept, c)
    weights = Weights(coef, intercept, answer_coef, answer_intercept, 0.5, part, dict(notes or {}))
    held_out = _out_of_fold_tops(examples, c, folds) if len(examples) >= 4 * folds else []
    weights.threshold = calibrate(held_out or tops(examples, weights))
    return weights


def _out_of_fold_tops(examples: list[Example], c: float, folds: int) -> list[tuple[float, bool, bool]]:
    """Every question's (answerability, best is right, has an answer) from models fitted without its fold."""
    out: list[tuple[float, bool, bool]] = []
    for k in range(folds):
        train = [ex for i, ex in enumerate(examples) if i % folds != k]
        test = [ex for i, ex in enumerate(examples) if i % folds == k]
        coef, intercept = fit(train, c)
        answer_coef, answer_intercept = fit_answerability(train, coef, intercept, c)
        out += tops(test, Weights(coef, intercept, answer_coef, answer_intercept, 0.5, 0.5, {}))
    return out
