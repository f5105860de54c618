"""Facts from tables: every placed cell of every table becomes a Fact; what cannot be placed goes to review.

A cell is a fact only when its row was read with certainty (values assigned to columns by cell position or by
an unambiguous count) and its column has both a kind and a period. Nothing is guessed: an unplaced column's
cells, and the cells of an unplaced row, are listed for review with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel

from assistant.facts.csvio import ReviewItem
from assistant.language import Lexicon, load_lexicon
from assistant.numbers import missing_marker, try_parse_number
from assistant.types import DocumentMeta, Fact, SourceDocument, Table, TableCell, TableColumn, TableRow, content_id

_KOLADA = re.compile(r"\(([UN]\d{5})\)")
EXTRACTOR_VERSION = "4"


class ExtractionResult(BaseModel):
    """Facts extracted from one or more documents, and the rows and cells left for a person to review."""

    facts: list[Fact] = []
    needs_review: list[ReviewItem] = []


def facts_of(document: SourceDocument, lexicon: Lexicon | None = None) -> ExtractionResult:
    """Every fact of a document's tables (read at ingestion), and what needs review."""
    lex = lexicon or load_lexicon()
    result = ExtractionResult()
    seen: Counter[str] = Counter()
    for table in document.tables:
        for row in table.rows:
            _row_facts(document, table, row, lex, seen, result)
    return result


def _row_facts(document: SourceDocument, table: Table, row: TableRow, lex: Lexicon, seen: Counter[str],
               result: ExtractionResult) -> None:
    text = document.text
    if not row.placed:
        if any(c.text.strip() for c in row.cells):
            result.needs_review.append(_review(document, table, row, "raden kunde inte läsas in i kolumnerna "
                                                                 "med säkerhet (fler eller färre värden än kolumner)"))
        return
    for cell in row.cells:
        column = table.columns[cell.column] if 0 <= cell.column < len(table.columns) else None
        if column is None:
            continue
        if not column.kind or not column.period:
            result.needs_review.append(_review(document, table, row, f"kolumnen ”{column.header}” kan inte "
                                               "placeras (art eller period framgår inte av rubriken)", cell))
            continue
        result.facts.append(_fact(document, table, row, _row_kind(row, column, lex), cell, text, lex, seen))


def _row_kind(row: TableRow, column: TableColumn, lex: Lexicon) -> TableColumn:
    """A row named by a kind ('Budget, netto', 'Avvikelse') in a table of outcome columns holds figures of that
    kind for the column's period: the row says what the figure is, the column only when."""
    if column.kind != "utfall" or len(row.label.split()) > 3:
        return column
    kind = next((k for k, cues in lex.row_kinds.items() if cues.starts(row.label)), "")
    return column.model_copy(update={"kind": kind}) if kind else column


def _fact(document: SourceDocument, table: Table, row: TableRow, column: TableColumn, cell: TableCell, text: str,
          lex: Lexicon, seen: Counter[str]) -> Fact:
    value = " ".join(cell.text.split())
    label = " ".join(row.label.split())
    kolada = _KOLADA.search(label)
    marker = missing_marker(value)
    parsed = try_parse_number(value) if marker is None else None
    key = "|".join([document.name, table.caption, row.group, label, column.header, value])
    seen[key] += 1
    meta = document.meta
    return Fact(
        id=content_id(f"{key}|{seen[key]}", 12), municipality=meta.municipality, body=meta.body,
        document=document.name, table=table.caption, indicator=label, kolada_id=kolada.group(1) if kolada else "",
        period=column.period, kind=column.kind, value=value,
        number=parsed.value if parsed is not None else None,
        unit=_unit(value, parsed.unit if parsed is not None else "",
                   (column.header, label, table.caption, _label_head(document, table)), lex),
        status=marker or ("ok" if parsed is not None else "text"), start=cell.start, end=cell.end,
        column=column.header, group=row.group, table_id=table.id, page=document.page_at(cell.start),
        row_start=row.start, row_end=row.end, period_source=column.source,
    )


def _unit(value: str, parsed: str, places: tuple[str, ...], lex: Lexicon) -> str:
    """The figure's own unit, else the first unit its column header, row label, the table caption or its label
    header names."""
    if parsed:
        return parsed
    for text in (value, *places):
        for unit, phrases in lex.table_units.items():
            if phrases.find(text):
                return unit
    return ""


def _label_head(document: SourceDocument, table: Table) -> str:
    """The header words that belong to no value column: the row labels' header ('Belopp netto (tkr)')."""
    taken = {word for column in table.columns for word in column.header.split()}
    return " ".join(w for w in table.header_text(document.text).split() if w not in taken)


def _review(document: SourceDocument, table: Table, row: TableRow, reason: str,
            cell: TableCell | None = None) -> ReviewItem:
    start, end = (cell.start, cell.end) if cell is not None else (row.start, row.end)
    return ReviewItem(document=document.name, table=table.caption, row_text=" ".join(
        document.text[row.start:row.end].split())[:300], start=start, end=end, reason=reason)


def extract_facts(document_name: str, cleaned_text: str, meta: DocumentMeta) -> ExtractionResult:
    """Facts of one cleaned text (its tables found first): for tools and tests that have no SourceDocument."""
    from assistant.tables import find_tables

    document = SourceDocument(id=content_id(cleaned_text), name=document_name, sha256="", meta=meta,
                              text=cleaned_text, tables=find_tables(cleaned_text, meta))
    return facts_of(document)


def extract_documents(documents: Iterable[SourceDocument]) -> ExtractionResult:
    """Facts of several documents, in the order given."""
    result = ExtractionResult()
    for document in documents:
        one = facts_of(document)
        result.facts += one.facts
        result.needs_review += one.needs_review
    return result


def corpus_documents(corpus_dir: Path, skip: Iterable[str] | None = None) -> list[SourceDocument]:
    """The corpus files of the manifest read as ingestion reads them (layout duplicates skipped)."""
    from assistant.ingest import read_document
    from assistant.manifest import load_manifest

    manifest = load_manifest(corpus_dir)
    skipped = set(skip) if skip is not None else {n for n in manifest if n.endswith("-layout.txt")}
    out = []
    for name in sorted(manifest):
        path = corpus_dir / name
        if name not in skipped and path.is_file():
            out.append(read_document(path, manifest[name]))
    return out


def extract_corpus(corpus_dir: Path, skip: Iterable[str] | None = None) -> ExtractionResult:
    """Facts of every document in the corpus manifest, skipping layout duplicates (or the given names)."""
    return extract_documents(corpus_documents(corpus_dir, skip))
