"""The row index: every table row of the indexed documents, found by its label, group, caption and headers.

Passage retrieval may miss a row whose chunk is mostly other rows; the row index finds it by what the table
says about it ('Periodens resultat' under 'Helårsprognos 2025' for 'helårsprognosen för driften totalt').
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from assistant.language import Term, WordMatcher
from assistant.types import DocumentMeta, SourceDocument, Unit

LABEL_WEIGHT = 1.0
TABLE_WEIGHT = 0.5


@dataclass(frozen=True)
class RowEntry:
    """One row: its unit, the text that names it, and its table's caption and headers."""

    unit: Unit
    document_id: str
    label: str
    table: str


class RowIndex:
    """Rows by the roots of their words; rebuilt when the set of documents changes."""

    def __init__(self, matcher: WordMatcher) -> None:
        self.matcher = matcher
        self._entries: list[RowEntry] = []
        self._by_root: dict[str, set[int]] = defaultdict(set)
        self._generation: object = None

    def refresh(self, documents: Callable[[], Iterable[SourceDocument]], generation: object) -> None:
        """Index every row of every document (only when the generation changed)."""
        if generation == self._generation:
            return
        entries: list[RowEntry] = []
        by_root: dict[str, set[int]] = defaultdict(set)
        for document in documents():
            for t, table in enumerate(document.tables):
                header = " ".join([table.caption, *(c.header for c in table.columns)])
                for r, row in enumerate(table.rows):
                    unit = Unit(document.name, row.start, row.end, "row", document.text[row.start:row.end],
                                document.section_at(row.start), t, r)
                    entry = RowEntry(unit, document.id, f"{row.group} {row.label}", header)
                    for word in self.matcher.content_words(f"{entry.label} {header}"):
                        by_root[self.matcher.root(word)[:5]].add(len(entries))
                    entries.append(entry)
        self._entries, self._by_root, self._generation = entries, by_root, generation

    def search(self, terms: list[Term], weights: dict[str, float], allowed: set[str] | None,
               n: int = 10) -> list[tuple[RowEntry, float]]:
        """The n rows whose label (and, at half weight, table) match the terms best, among allowed documents."""
        found: set[int] = set()
        for term in terms:
            found |= self._by_root.get(term.root[:5], set())
        scored = []
        for i in found:
            entry = self._entries[i]
            if allowed is not None and entry.document_id not in allowed:
                continue
            label = self.matcher.match(terms, entry.label)
            table = self.matcher.match(terms, entry.table)
            score = sum(weights.get(t.stem, 0.0) * max(LABEL_WEIGHT * label.get(t.stem, 0.0),
                                                      TABLE_WEIGHT * table.get(t.stem, 0.0)) for t in terms)
            if score > 0:
                scored.append((entry, score))
        scored.sort(key=lambda x: (-x[1], x[0].unit.document, x[0].unit.start))
        return scored[:n]


def meta_of(metas: dict[str, DocumentMeta], entry: RowEntry) -> DocumentMeta:
    """The entry's document metadata (empty when unknown)."""
    return metas.get(entry.document_id) or DocumentMeta()
