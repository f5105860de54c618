"""Evidence units (sentences, table rows, list items) inside passages, and how well they cover a question."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from assistant.query import ENGLISH_STOPWORDS, Analyzer, is_english

# A sentence ends at . ! ? before a capital letter, digit, dash or quote; abbreviations ("t.ex. att") do not.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"(–-])")
_MIN_UNIT = 12
HEADER_WEIGHT = 0.6
PARTIAL_WEIGHT = 0.7


@dataclass(frozen=True)
class Unit:
    """One sentence, table row or list item, with its span in the cleaned document text."""

    start: int
    end: int
    text: str


def split_units(text: str, offset: int) -> list[Unit]:
    """Lines, and sentences inside long lines; spans are absolute (offset = the passage's start)."""
    units: list[Unit] = []
    for line in re.finditer(r"[^\n]+", text):
        pieces = [(line.start(), line.end())]
        if len(line.group(0)) > 200 and "\t" not in line.group(0):
            pieces, cursor = [], line.start()
            for m in _SENTENCE_END.finditer(text, line.start(), line.end()):
                pieces.append((cursor, m.start()))
                cursor = m.end()
            pieces.append((cursor, line.end()))
        for start, end in pieces:
            raw = text[start:end]
            stripped = raw.strip()
            if len(stripped) < _MIN_UNIT:
                continue
            lead = len(raw) - len(raw.lstrip())
            units.append(Unit(offset + start + lead, offset + start + lead + len(stripped), stripped))
    return units


class UnitScorer:
    """Idf-weighted share of the question's terms that a unit (or its passage header) contains."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._df: Counter[str] = Counter()
        self._docs = 0
        self._key: tuple[int, int] | None = None

    def refresh(self, records: dict[str, dict]) -> None:
        """Document frequencies of stems over the indexed chunks (recomputed when the chunk set changes)."""
        key = (id(records), len(records))
        if key == self._key:
            return
        self._df = Counter()
        for record in records.values():
            self._df.update(set(record.get("stems") or []))
        self._docs, self._key = len(records), key

    def idf(self, stem: str) -> float:
        """Smoothed inverse document frequency; unseen stems weigh most."""
        return math.log(1 + (self._docs + 1) / (self._df.get(stem, 0) + 0.5))

    def terms(self, question: str, expansions: list[str] | None = None) -> dict[str, float]:
        """Question stems with weights. In English questions only words the corpus knows count."""
        english = is_english(question)
        text = question
        if english:
            text = " ".join(w for w in re.findall(r"\w+", question) if w.lower() not in ENGLISH_STOPWORDS)
        stems = self.analyzer.stems(" ".join([text, *(expansions or [])]))
        weights: dict[str, float] = {}
        for stem in stems:
            if english and self._docs and self._df.get(stem, 0) == 0:
                continue
            weights[stem] = self.idf(stem)
        return weights

    def coverage(self, terms: dict[str, float], unit: str, header: str) -> float:
        """How much of the question's weight the unit covers (header matches count for less)."""
        if not terms:
            return 0.0
        unit_stems = set(self.analyzer.stems(unit))
        unit_words = set(self.analyzer.words(unit))
        header_stems = set(self.analyzer.stems(header))
        got = 0.0
        for stem, weight in terms.items():
            if stem in unit_stems:
                got += weight
            elif len(stem) >= 5 and any(stem in w or (len(w) >= 5 and w.startswith(stem)) for w in unit_words):
                got += PARTIAL_WEIGHT * weight  # compounds: "sjukfrånvaro" in "långtidssjukfrånvaron"
            elif stem in header_stems:
                got += HEADER_WEIGHT * weight
        return got / sum(terms.values())
