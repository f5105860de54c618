"""The scorer: two logistic models whose weights and threshold are read from a data file.

- The ranker scores each candidate from its named features: which unit answers best.
- The answerability model scores the question from its best candidate and the candidate set (how far ahead the
  best one is, whether any candidate names the asked year, …): whether to answer at all. Below the calibrated
  threshold the assistant refuses.

`assistant fit` fits both on labelled questions and calibrates the threshold on the same scores
(assistant/answering/fit.py); this module only reads and applies them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from assistant.answering.features import FEATURES
from assistant.language.messages import message
from assistant.types import Candidate

# The question-level features of the answerability model, computed from the ranked candidates.
QUESTION_FEATURES = (
    "best", "margin", "best_cov", "best_key", "best_miss_key", "best_year", "best_year_other", "best_num_missing",
    "best_qual_missing", "best_row", "max_key", "any_year", "max_cov", "bias_english", "year_unmet", "best_year_unmet",
    "best_cell_unmet",
)


@dataclass
class Weights:
    """Ranker and answerability weights, and thresholds: refuse below `threshold`; a further part of the question
    gets a unit of its own when that unit scores at least `part` times the best unit's score."""

    coef: dict[str, float]
    intercept: float
    answer_coef: dict[str, float]
    answer_intercept: float
    threshold: float
    part: float
    notes: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        """The data file's text."""
        data = {"features": list(FEATURES), "coef": [round(self.coef.get(f, 0.0), 6) for f in FEATURES],
                "intercept": round(self.intercept, 6), "question_features": list(QUESTION_FEATURES),
                "answer_coef": [round(self.answer_coef.get(f, 0.0), 6) for f in QUESTION_FEATURES],
                "answer_intercept": round(self.answer_intercept, 6), "threshold": round(self.threshold, 4),
                "part_threshold": round(self.part, 4), "notes": self.notes}
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def load_weights(path: Path | None = None) -> Weights:
    """The weights file (default: the one shipped in the package, answering/weights.json)."""
    text = path.read_text(encoding="utf-8") if path else resources.files("assistant.answering").joinpath(
        "weights.json").read_text(encoding="utf-8")
    data = json.loads(text)
    coef = dict(zip(data["features"], data["coef"], strict=True))
    answer = dict(zip(data.get("question_features", []), data.get("answer_coef", []), strict=True))
    unknown = (set(coef) - set(FEATURES)) | (set(answer) - set(QUESTION_FEATURES))
    if unknown:
        raise ValueError(message("answering", "unknown_features", names=", ".join(sorted(unknown))))
    return Weights(coef, float(data["intercept"]), answer, float(data.get("answer_intercept", 0.0)),
                   float(data["threshold"]), float(data["part_threshold"]), dict(data.get("notes", {})))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def score(candidate: Candidate, weights: Weights) -> float:
    """The ranker's probability that the candidate is the unit that answers."""
    z = weights.intercept + sum(weights.coef.get(name, 0.0) * value for name, value in candidate.features.items())
    return _sigmoid(z)


def rank(candidates: list[Candidate], weights: Weights) -> list[Candidate]:
    """Candidates scored (in place) and sorted best first (ties: retrieval order, then text order)."""
    for candidate in candidates:
        candidate.score = score(candidate, weights)
    return sorted(candidates, key=lambda c: (-c.score, c.rank, c.unit.document, c.unit.start))


def question_features(ranked: list[Candidate], english: bool) -> dict[str, float]:
    """What the ranked candidates say about whether the question is answered at all."""
    if not ranked:
        return dict.fromkeys(QUESTION_FEATURES, 0.0)
    best, top = ranked[0], ranked[:10]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    f = best.features
    return {
        "best": best.score, "margin": best.score - second, "best_cov": f.get("cov_ctx", 0.0),
        "best_key": f.get("key", 0.0), "best_miss_key": f.get("miss_key", 0.0), "best_year": f.get("year_match", 0.0),
        "best_year_other": f.get("year_other", 0.0), "best_num_missing": f.get("num_missing", 0.0),
        "best_qual_missing": f.get("qual_missing", 0.0), "best_row": f.get("is_row", 0.0),
        "max_key": max(c.features.get("key", 0.0) for c in top),
        "any_year": max(c.features.get("year_match", 0.0) for c in top),
        "max_cov": max(c.features.get("cov_ctx", 0.0) for c in top), "bias_english": 1.0 if english else 0.0,
        # a year asked that no top candidate (or not the best) speaks of: the documents may not cover that period
        "year_unmet": f.get("asks_year", 0.0) * (1.0 - max(c.features.get("year_match", 0.0) for c in top)),
        "best_year_unmet": f.get("asks_year", 0.0) * (1.0 - f.get("year_match", 0.0)),
        "best_cell_unmet": f.get("cell_unmet", 0.0),
    }


def answerability(features: dict[str, float], weights: Weights) -> float:
    """The probability that the best candidate answers the question (compared with the threshold)."""
    if not weights.answer_coef:  # weights without an answerability model: the ranker's score stands
        return features.get("best", 0.0)
    z = weights.answer_intercept + sum(weights.answer_coef.get(k, 0.0) * v for k, v in features.items())
    return _sigmoid(z)
