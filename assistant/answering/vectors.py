"""Unit vectors: every unit embedded once (at ingestion, through the embedding cache), so that a question can be
compared with single sentences and rows, not only with whole passages.

A unit is embedded with what a reader sees around it: its section heading, and for a table row the table's
caption and column headers. The index sink fills the cache; at question time the vectors are read back, and a
few missing ones (documents ingested before) are embedded on the spot.
"""

from __future__ import annotations

import numpy as np

from assistant.answering.units import split
from assistant.embed import CachedEmbedder, EmbeddingCache
from assistant.types import SourceDocument, Unit

MAX_CHARS = 1200


def unit_text(unit: Unit, document: SourceDocument) -> str:
    """The text a unit is embedded as: section, and a row's table caption and headers, before its own text."""
    context = unit.section
    if unit.kind == "row" and 0 <= unit.table < len(document.tables):
        table = document.tables[unit.table]
        headers = " | ".join(c.header for c in table.columns)
        row = table.rows[unit.row] if unit.row < len(table.rows) else None
        context = f"{table.caption} | {headers}" + (f" | {row.group}" if row is not None and row.group else "")
    text = " ".join(unit.text.split())
    return (f"{context}: {text}" if context else text)[:MAX_CHARS]


class UnitVectors:
    """Unit embeddings in the embedding cache: written by `add` (an index sink), read by `lookup`."""

    def __init__(self, embedder: CachedEmbedder, embed_missing: int = 12) -> None:
        self.embedder = embedder
        self.embed_missing = embed_missing

    # -- index sink --------------------------------------------------------------------------------------------
    def add(self, document: SourceDocument) -> None:
        """Embed every unit of the document that the cache does not hold yet."""
        texts = list(dict.fromkeys(unit_text(u, document) for u in split(document)))
        for start in range(0, len(texts), 256):
            self.embedder.embed(texts[start:start + 256])

    def remove(self, document_id: str) -> None:
        """Nothing to forget: cached vectors are keyed by text and serve any document that holds it."""

    # -- question time -----------------------------------------------------------------------------------------
    def lookup(self, units: list[tuple[Unit, SourceDocument]]) -> dict[tuple[str, int, int], np.ndarray]:
        """The vectors of the units the cache holds, and of up to `embed_missing` more embedded now."""
        texts = {(u.document, u.start, u.end): unit_text(u, d) for u, d in units}
        keys = {span: EmbeddingCache.key(self.embedder.name, text) for span, text in texts.items()}
        found = self.embedder.cache.get_many(list(set(keys.values())))
        missing = [span for span, key in keys.items() if key not in found][: self.embed_missing]
        if missing:
            vectors = self.embedder.embed([texts[span] for span in missing])
            found.update({keys[span]: v for span, v in zip(missing, vectors, strict=True)})
        return {span: found[key] for span, key in keys.items() if key in found}
