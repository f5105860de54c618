"""Fact extraction measured against a hand-made list: recall of the list, precision of what was extracted.

The list (JSONL) is written by someone who reads the documents, one line per table cell:
{"document", "table", "indicator", "column", "period", "kind", "value"} (kind "" or period "" where the table
does not say). An extracted fact matches a listed cell when the document and value are the same, the row labels
share most of their words, and period and kind agree. An extracted fact whose value the list has under another
period or kind (or under a column the list calls unplaceable) is a misplaced figure; one whose value the list
does not have at all is not judged (the list may not cover that table).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from assistant.types import Fact

_WORD = re.compile(r"\w+")
# Kinds written differently by different people: a plan column is a budget to some, 'annan' to others.
_SAME_KIND = {"plan": {"plan", "budget", "annan"}, "bokslut": {"utfall"}, "förändring": {"annan", "avvikelse"}}


@dataclass(frozen=True)
class GoldFact:
    """One listed cell."""

    document: str
    indicator: str
    column: str
    period: str
    kind: str
    value: str


@dataclass
class FactScore:
    """Recall of the list, precision of the judged extractions, and the misplaced figures found."""

    gold: int = 0
    found: int = 0
    extracted: int = 0
    judged: int = 0
    correct: int = 0
    misplaced: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return round(self.found / self.gold, 4) if self.gold else 0.0

    @property
    def precision(self) -> float:
        return round(self.correct / self.judged, 4) if self.judged else 0.0

    def as_dict(self) -> dict[str, object]:
        """The figures (and up to 50 examples of each kind of error)."""
        return {"gold": self.gold, "found": self.found, "recall": self.recall, "extracted": self.extracted,
                "judged": self.judged, "correct": self.correct, "precision": self.precision,
                "misplaced": self.misplaced[:50], "missed": self.missed[:50]}


def load_gold(path: Path) -> list[GoldFact]:
    """The listed cells (lines whose kind is 'annan' or empty value are kept: they make misplacements visible)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(GoldFact(row["document"], row.get("indicator", ""), row.get("column", ""),
                                row.get("period", ""), row.get("kind", ""), row["value"]))
    return out


def norm_value(value: str) -> str:
    """Whitespace, minus signs and the space before % do not matter."""
    value = value.replace("−", "-").replace("–", "-").replace("\u00a0", " ")
    value = re.sub(r"\s*%", "%", " ".join(value.split()))
    value = re.sub(r"\s*\((?:plats\s*)?\d+\)", "", value)  # "52,5 (plats 121)": the rank is a cell of its own
    return re.sub(r"(?<=\d) (?=\d{3}\b)", "", value).lower().rstrip("*")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if not w.isdigit() and len(w) > 1}


def label_overlap(a: str, b: str) -> float:
    """Share of the shorter label's words found in the other (wrapped words joined or not)."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    joined_a, joined_b = "".join(sorted(wa)), "".join(sorted(wb))
    hits = sum(1 for w in (wa if len(wa) <= len(wb) else wb)
               if w in (wb if len(wa) <= len(wb) else wa) or w in joined_b or w in joined_a)
    return hits / min(len(wa), len(wb))


def _kind_ok(extracted: str, gold: str) -> bool:
    return gold == extracted or gold in _SAME_KIND.get(extracted, set())


def score(facts: list[Fact], gold: list[GoldFact], documents: set[str] | None = None) -> FactScore:
    """Match extracted facts to the list (documents: only these; default every listed document)."""
    docs = documents or {g.document for g in gold}
    gold = [g for g in gold if g.document in docs]
    facts = [f for f in facts if f.document in docs]
    by_value: dict[tuple[str, str], list[GoldFact]] = defaultdict(list)
    for g in gold:
        by_value[(g.document, norm_value(g.value))].append(g)
    result = FactScore(gold=len(gold), extracted=len(facts))
    matched: set[int] = set()
    for fact in facts:
        candidates = [g for g in by_value.get((fact.document, norm_value(fact.value)), [])
                      if label_overlap(f"{fact.group} {fact.indicator}", g.indicator) >= 0.5]
        if not candidates:
            continue
        result.judged += 1
        right = [g for g in candidates if g.period == fact.period and _kind_ok(fact.kind, g.kind)]
        if right:
            result.correct += 1
            matched.update(id(g) for g in right)
        else:
            g = candidates[0]
            result.misplaced.append(f"{fact.document}: {fact.indicator} [{fact.column}] = {fact.value} → "
                                    f"{fact.kind} {fact.period}; listan: {g.kind or '?'} {g.period or '?'} "
                                    f"[{g.column}]")
    placeable = [g for g in gold if g.period and g.kind and g.kind != "annan"]
    result.gold = len(placeable)
    result.found = sum(1 for g in placeable if id(g) in matched)
    result.missed = [f"{g.document}: {g.indicator} [{g.column}] = {g.value} ({g.kind} {g.period})"
                     for g in placeable if id(g) not in matched]
    return result
