"""Small stand-ins for tests of evidence scoring and answer composition: a unit scorer over a few made-up chunk
texts, a passage over a whole text, and a document of sentences that the answerer reads on through."""

from __future__ import annotations

from assistant.compose import Candidate
from assistant.evidence import Unit, UnitScorer
from assistant.query import Analyzer
from assistant.retrieve import ScoredChunk
from assistant.types import Chunk, DocumentMeta


def scorer_over(analyzer: Analyzer, *texts: str) -> UnitScorer:
    """A scorer whose document frequencies come from one fake chunk record per text."""
    scorer = UnitScorer(analyzer)
    scorer.refresh({f"id{i}": {"stems": analyzer.stems(t)} for i, t in enumerate(texts)}, 0)
    return scorer


def whole_passage(text: str, name: str = "plan.pdf") -> ScoredChunk:
    """A retrieved passage over the whole text of a document."""
    chunk = Chunk(id="c1", document_id="d1", document=name, section="", start=0, end=len(text), text=text)
    return ScoredChunk(chunk, 1.0, DocumentMeta(municipality="Lerums kommun"))


class Source:
    """A small document of sentences, with a `following` over it as the answerer reads on (calls are counted)."""

    def __init__(self, *sentences: str, sep: str = " ") -> None:
        self.text, self.units = "", []
        for sentence in sentences:
            if self.text:
                self.text += sep
            self.units.append(Unit(len(self.text), len(self.text) + len(sentence), sentence))
            self.text += sentence
        self.calls = 0

    def following(self, cand: Candidate, unit: Unit) -> tuple[Unit, Unit] | None:
        self.calls += 1
        nxt = next((u for u in self.units if u.start >= unit.end), None)
        if nxt is None:
            return None
        return nxt, Unit(unit.start, nxt.end, self.text[unit.start:nxt.end])

    def candidate(self, scorer: UnitScorer, terms: dict[str, float], index: int = 0, rank: int = 0) -> Candidate:
        unit = self.units[index]
        return Candidate(unit, whole_passage(self.text), rank, scorer.matched(terms, unit.text, ""))

    def span(self, first: int, last: int) -> Unit:
        a, b = self.units[first].start, self.units[last].end
        return Unit(a, b, self.text[a:b])
