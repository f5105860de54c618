"""Candidates: the units in and around the retrieved passages, each with where it came from.

A retrieved chunk brings every unit it overlaps and one on each side (a sentence cut by the chunk's edge, a
table row just past it). Units of documents the reader may not see never come this far: retrieval has
already removed their chunks.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering.units import DocumentUnits
from assistant.lru import Lru
from assistant.retrieve import ScoredChunk
from assistant.types import Candidate, SourceDocument


class UnitCache:
    """Each document's units, cut once and kept while the document stays the same."""

    def __init__(self, documents: Callable[[str], SourceDocument | None], size: int = 256) -> None:
        self.documents = documents
        self._units: Lru[str, DocumentUnits] = Lru(size)  # the most recently used documents' units

    def __call__(self, name: str) -> DocumentUnits | None:
        """The units of a primary document (None when it is gone)."""
        document = self.documents(name)
        if document is None:
            return None
        cached = self._units.get(name)
        if cached is None or cached.document.id != document.id:
            cached = DocumentUnits(document)
            self._units.put(name, cached)
        return cached


def gather(chunks: list[ScoredChunk], units: UnitCache, extra: int = 1) -> list[Candidate]:
    """Every unit of the chunks (and `extra` on each side), once, with its chunk's best rank."""
    found: dict[tuple[str, int, int], Candidate] = {}
    for rank, chunk in enumerate(chunks):
        doc = units(chunk.chunk.document)
        if doc is None:
            continue
        for unit in doc.around(chunk.chunk.start, chunk.chunk.end, extra):
            if unit.kind == "heading" and not unit.text.rstrip().endswith(":"):
                continue  # a heading answers nothing on its own (it is read as the section of what follows)
            key = (unit.document, unit.start, unit.end)
            span = chunk.chunk
            inside = span.start <= unit.start < span.end or span.start < unit.end <= span.end
            if key in found and found[key].rank <= rank:
                continue
            found[key] = Candidate(unit=unit, meta=chunk.meta, source="passage", rank=rank, ranks=dict(chunk.ranks),
                                   features={"inside": 1.0 if inside else 0.0})
    return list(found.values())


def merge_rows(candidates: list[Candidate], rows: list[Candidate]) -> list[Candidate]:
    """Rows the row index found, added to the passage candidates (a row already there gets its row rank)."""
    by_span = {(c.unit.document, c.unit.start, c.unit.end): c for c in candidates}
    out = list(candidates)
    for rank, row in enumerate(rows):
        key = (row.unit.document, row.unit.start, row.unit.end)
        hit = 1.0 / (1.0 + rank)
        if key in by_span:
            by_span[key].features["row_hit"] = max(by_span[key].features.get("row_hit", 0.0), hit)
        else:
            row.features["row_hit"] = hit
            out.append(row)
            by_span[key] = row
    return out
