"""The scorer: a logistic model over the named features, its weights and refusal threshold read from a data file.

`assistant fit` fits the weights on labelled questions and calibrates the threshold on the same scores
(assistant/answering/fit.py); this module only reads and applies them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from assistant.answering.features import FEATURES
from assistant.types import Candidate


@dataclass
class Weights:
    """Feature weights, intercept and thresholds (refuse below `threshold`; a further part needs `part`)."""

    coef: dict[str, float]
    intercept: float
    threshold: float
    part: float
    notes: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        """The data file's text."""
        data = {"features": list(FEATURES), "coef": [round(self.coef.get(f, 0.0), 6) for f in FEATURES],
                "intercept": round(self.intercept, 6), "threshold": round(self.threshold, 4),
                "part_threshold": round(self.part, 4), "notes": self.notes}
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def load_weights(path: Path | None = None) -> Weights:
    """The weights file (default: the one shipped in the package, answering/weights.json)."""
    text = path.read_text(encoding="utf-8") if path else resources.files("assistant.answering").joinpath(
        "weights.json").read_text(encoding="utf-8")
    data = json.loads(text)
    coef = dict(zip(data["features"], data["coef"], strict=True))
    unknown = set(coef) - set(FEATURES)
    if unknown:
        raise ValueError(f"okända särdrag i viktfilen: {', '.join(sorted(unknown))}")
    return Weights(coef, float(data["intercept"]), float(data["threshold"]), float(data["part_threshold"]),
                   dict(data.get("notes", {})))


def score(candidate: Candidate, weights: Weights) -> float:
    """The probability that the candidate answers the question."""
    z = weights.intercept + sum(weights.coef.get(name, 0.0) * value for name, value in candidate.features.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def rank(candidates: list[Candidate], weights: Weights) -> list[Candidate]:
    """Candidates scored (in place) and sorted best first (ties: retrieval order, then text order)."""
    for candidate in candidates:
        candidate.score = score(candidate, weights)
    return sorted(candidates, key=lambda c: (-c.score, c.rank, c.unit.document, c.unit.start))
