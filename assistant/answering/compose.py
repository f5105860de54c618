"""Composition: the answer's text from the chosen units, each cited; a table row read out with its headers.

Every figure in the text is copied from the document: a sentence as it stands, a row as 'header: value' pairs
of its own cells under its own column headers (the asked column first). Each unit gets a numbered citation
whose quote is exactly the document's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from assistant.answering.frame import Frame
from assistant.answering.select import Pick
from assistant.language.messages import message
from assistant.types import Citation, DocumentMeta, SourceDocument, Table, TableRow

_DIGIT = re.compile(r"\d")


@dataclass
class Composed:
    """The answer's text and citations, and notes for the reader."""

    text: str
    citations: list[Citation]
    notes: list[str]


def _cell_order(table: Table, row: TableRow, frame: Frame) -> list[int]:
    """The row's cells, the ones whose column the question asks about (kind or year) first."""
    def asked(index: int) -> int:
        column = table.columns[row.cells[index].column] if row.cells[index].column >= 0 else None
        if column is None:
            return 4
        kind = column.kind in frame.kinds
        year = column.period[:4] in frame.years
        return 0 if kind and year else 1 if kind else 2 if year else 3
    return sorted(range(len(row.cells)), key=asked)


def render_row(table: Table, row: TableRow, frame: Frame) -> str:
    """'Intäkter (Geodata & Bygglov): Årsbudget 2025: 32,3; Bokslut 2024: 30,2 …' (placed cells only)."""
    label = " ".join(row.label.split())
    name = f"{label} ({row.group})" if row.group and not _DIGIT.search(row.group) else label
    cells = []
    for i in _cell_order(table, row, frame):
        cell = row.cells[i]
        header = table.columns[cell.column].header if 0 <= cell.column < len(table.columns) else ""
        value = " ".join(cell.text.split())
        cells.append(f"{header}: {value}" if header else value)
    caption = f" ({table.caption})" if table.caption and not _DIGIT.search(table.caption) else ""
    return f"{name}{caption} – {'; '.join(cells)}"


def _text_of(pick: Pick, document: SourceDocument | None, frame: Frame) -> str:
    unit = pick.unit
    if unit.kind == "row" and document is not None and 0 <= unit.table < len(document.tables):
        table = document.tables[unit.table]
        row = table.rows[unit.row]
        if row.placed and row.cells:
            return render_row(table, row, frame)
    return " ".join(unit.text.split())


def citation(key: str, pick: Pick, document: SourceDocument | None) -> Citation:
    """The pick as a numbered citation: exact text, section, page, and for a row its header line."""
    unit = pick.unit
    page = document.page_at(unit.start) if document is not None else None
    header, h_start, h_end = "", -1, -1
    if unit.kind == "row" and document is not None and 0 <= unit.table < len(document.tables):
        table = document.tables[unit.table]
        h_start, h_end = table.header_start, table.header_end
        header = document.text[h_start:h_end]
    ocr = document is not None and page is not None and page in document.ocr_pages
    return Citation(key=key, document=unit.document, title=pick.candidate.meta.title, section=unit.section,
                    start=unit.start, end=unit.end, page=page, quote=unit.text, header=header, header_start=h_start,
                    header_end=h_end, ocr=ocr)


def _adjacent(group: list[Pick], pick: Pick, document: SourceDocument | None) -> bool:
    """The pick stands right before or after the group in the same document (only whitespace between)."""
    first, last = group[0].unit, group[-1].unit
    if document is None or first.document != pick.unit.document or "row" in (first.kind, pick.unit.kind):
        return False
    before = pick.unit.end <= first.start and not document.text[pick.unit.end:first.start].strip()
    after = last.end <= pick.unit.start and not document.text[last.end:pick.unit.start].strip()
    return before or after


def _groups(picks: list[Pick], documents: Callable[[str], SourceDocument | None]) -> list[list[Pick]]:
    """Picks that stand next to each other in one document (a sentence and the reason after it, a list's lead-in
    and items) form one passage with one citation, in the order of the pick that opened it; a row stands alone."""
    groups: list[list[Pick]] = []
    for pick in picks:
        document = documents(pick.unit.document)
        group = next((g for g in groups if _adjacent(g, pick, document)), None)
        if group is None:
            groups.append([pick])
        else:
            group.append(pick)
            group.sort(key=lambda p: p.unit.start)
    return groups


def _span_pick(group: list[Pick], document: SourceDocument | None) -> Pick:
    """One pick over a group's whole span (the citation of a passage of several units)."""
    first, last = group[0], group[-1]
    if len(group) == 1 or document is None:
        return first
    text = document.text[first.unit.start:last.unit.end]
    unit = replace(first.unit, end=last.unit.end, text=text)
    return Pick(unit, first.candidate, first.role)


def source_name(meta: DocumentMeta) -> str:
    """Whose document a unit is from, in words ('Lerums kommun, Individnämnden'); '' when unknown. A name with
    figures in it is left out, so that the answer carries no number its citations do not hold."""
    parts = [p.strip() for p in (meta.municipality, meta.body) if p.strip() and not _DIGIT.search(p)]
    return ", ".join(dict.fromkeys(parts))


def compose(picks: list[Pick], frame: Frame, documents: Callable[[str], SourceDocument | None],
            reviewed: Callable[[str, int, int], bool | None], name_sources: bool = False) -> Composed:
    """The answer: one line per unit; units that stand together in the text share one citation key. With
    name_sources (the question names no place and the documents are of several), each line says whose document
    it is from, when that differs from the line before."""
    lines: list[str] = []
    citations: list[Citation] = []
    notes: list[str] = []
    said = ""
    for number, group in enumerate(_groups(picks, documents), start=1):
        document = documents(group[0].unit.document)
        key = str(number)
        cite = citation(key, _span_pick(group, document), document)
        if group[0].unit.kind == "row" and reviewed(group[0].unit.document, group[0].unit.start,
                                                    group[0].unit.end) is False:
            cite = cite.model_copy(update={"unreviewed": True})
            if message("answering", "unreviewed_note") not in notes:
                notes.append(message("answering", "unreviewed_note"))
        if cite.ocr and message("answering", "ocr_note") not in notes:
            notes.append(message("answering", "ocr_note"))
        citations.append(cite)
        texts = [("- " if pick.role == "item" else "") + _text_of(pick, document, frame) for pick in group]
        source = source_name(group[0].candidate.meta) if name_sources else ""
        if source and source != said:
            texts[0] = message("answering", "source_prefix", source=source) + " " + texts[0]
            said = source
        lines.append("\n".join(texts) + f" [{key}]")
    body = "\n".join(lines)
    if notes:
        body += "\n\n" + " ".join(notes)
    return Composed(re.sub(r"[ \t]+", " ", body), citations, notes)
