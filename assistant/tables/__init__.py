"""Tables as structure: every table of a cleaned document, its columns placed by kind and period, its rows.

`find_tables` is run once at ingestion; chunking, facts and answers all read the Table objects it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.language import Lexicon, load_lexicon
from assistant.tables.headers import Context
from assistant.tables.reader import (
    MAX_GAP_LINES,
    Header,
    Line,
    RowReading,
    lines_of,
    read_header,
    read_row,
    table_columns,
    to_row,
)
from assistant.tables.reader import (
    read_pieces as _read_pieces,
)
from assistant.tables.values import Piece, greedy_values, pieces
from assistant.types import DocumentMeta, PageSpan, Section, Table, TableRow, content_id

TABLES_VERSION = "5"
_YEARS = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.? [A-ZÅÄÖ][a-zåäö]+(?: [^\d\s]+){0,8}$")
_CAPTION_LINK = re.compile(r"^\s*tabell\s+[\w.-]+\s*$", re.IGNORECASE)


@dataclass
class _Open:
    """A table being read."""

    header: Header
    columns: int
    rows: list[TableRow] = field(default_factory=list)
    pending: list[Line] = field(default_factory=list)
    group: str = ""
    since_row: int = 0
    end: int = 0
    words: set[str] = field(default_factory=set)
    lead: int = 0  # the leading run of columns of one kind
    carry: list[Piece] = field(default_factory=list)  # the pieces of an unplaced row that may go on below


def find_tables(text: str, meta: DocumentMeta | None = None, pages: list[PageSpan] | None = None,
                lexicon: Lexicon | None = None, layout: str = "text",
                sections: list[Section] | None = None) -> list[Table]:
    """Every table of the text whose header can be read, with rows; its columns placed where the table says."""
    lex = lexicon or load_lexicon()
    meta = meta or DocumentMeta()
    lines = lines_of(text)
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        header = read_header(lines, i, text, lex)
        if header is None:
            i += 1
            continue
        table, i = _read_table(lines, header, text, meta, pages or [], sections or [], lex, layout, len(tables))
        if table is not None:
            tables.append(table)
    return tables


def _read_table(lines: list[Line], header: Header, text: str, meta: DocumentMeta, pages: list[PageSpan],
                sections: list[Section], lex: Lexicon, layout: str, number: int) -> tuple[Table | None, int]:
    state = _Open(header, len(header.columns), end=lines[header.last].end, words=_vocabulary(text),
                  lead=_leading_run(header))
    caption = _caption(lines, header.first, text, lex)
    if header.merged:
        first = lines[header.first]
        reading = RowReading(header.label, header.merged, True, list(range(len(header.merged))))
        state.rows.append(to_row(reading, header.label, "", first.start, first.end))
        header.label = ""
    i = header.last + 1
    while i < len(lines):
        line = lines[i]
        if not line.blank and read_header(lines, i, text, lex) is not None:
            break
        if not _take(state, line, text, lex):
            break
        i += 1
    if not state.rows:
        return None, header.first + 1
    state.rows = _check_column_count(_check_magnitudes(state.rows, text), state.columns, text)
    start = lines[header.first].start
    context = _context(caption, _section_at(text, start, sections), meta, lex)
    table = Table(
        id=content_id(f"{text[start:state.end]}:{number}", 12), caption=caption, start=start, end=state.end,
        header_start=start, header_end=lines[header.last].end, columns=table_columns(header, context),
        rows=state.rows, page=_page_at(pages, start), layout=layout,
    )
    return table, i


def _take(state: _Open, line: Line, text: str, lex: Lexicon) -> bool:
    """Read one line into the open table; False when the line ends it."""
    if line.blank or line.text.strip().isdigit():  # a lone number between rows is a page number
        state.since_row += 1
        return state.since_row <= MAX_GAP_LINES
    if _HEADING.match(line.text):
        return False  # "4.1 Uppföljning drift delår": a numbered heading ends the table
    reading = read_row(line, text, state.columns, state.lead)
    if reading is not None and not reading.placed and not line.tabbed and _years_only(reading):
        reading = None  # "Verksamhetsplan 2025": a heading with its year (the next page's), no row
    if reading is not None and not reading.label.strip() and state.carry and state.since_row <= 2:
        return _carry_on(state, line, text, lex)
    if reading is not None and (not reading.placed or reading.partial) and len(reading.label.split()) >= 8:
        return False  # running text with figures in it ('Nämnden ska under 2025 öka …'): the table has ended
    if (reading is None or not reading.placed) and _continues_label(line.text, state, lex):
        last = state.rows[-1]  # "sjukfrånvaro 60" / "dagar eller mer": the label goes on, figures and all
        state.rows[-1] = last.model_copy(update={"label": _joined(last.label, line.text.strip(), state.words, lex),
                                                 "end": max(last.end, line.end)})
        return True
    if reading is None:
        if _prose(line.text) or state.since_row > MAX_GAP_LINES or len(state.pending) >= 4:
            return False
        state.pending.append(line)
        state.since_row += 1
        return True
    label = reading.label.strip()
    if label[:1].islower() and not state.pending and _code_start(state, line):
        first = state.rows.pop()  # "42 Individ och" / "familjeomsorg 33 739 …": one label over two lines
        label, start = f"{text[first.start:first.end].strip()} {label}", first.start
        state.rows.append(to_row(reading, _fragments(_wrapped(label, lex), state.words), state.group, start,
                                 line.end))
        state.since_row, state.end = 0, line.end
        return True
    if state.pending and (not label or (label[:1].islower() and len(state.pending) == 1)):
        label = " ".join([*(p.text.strip() for p in state.pending), label])  # the label stood above its values
    elif state.pending:
        state.group = _wrapped(state.pending[-1].text.strip() if len(state.pending) == 1 else state.group, lex)
    start = state.pending[0].start if state.pending and not reading.label.strip() else line.start
    state.pending = []
    if not label:
        label = state.rows[-1].label if state.rows and not state.rows[-1].placed else ""
    state.rows.append(to_row(reading, _fragments(_wrapped(label, lex), state.words), state.group, start, line.end))
    state.carry = [] if (reading.placed and not reading.partial) or line.tabbed else pieces(text, line.start,
                                                                                             line.end)
    state.since_row = 0
    state.end = line.end
    return True


def _years_only(reading: RowReading) -> bool:
    return bool(reading.values) and all(_YEARS.fullmatch(v.text.strip()) for v in reading.values)


def _carry_on(state: _Open, line: Line, text: str, lex: Lexicon) -> bool:
    """Values that go on below an unplaced row ('Summa kostnader 204' / '736' / '199' …): read with it."""
    state.carry += pieces(text, line.start, line.end)
    last = state.rows[-1]
    reading = _read_pieces(text, state.carry, state.columns)
    if reading.placed or not last.placed:
        state.rows[-1] = to_row(reading, last.label, last.group, last.start, line.end)
    else:  # the row above stands read in its leading columns; these values stay for review
        state.rows.append(to_row(_read_pieces(text, pieces(text, line.start, line.end), state.columns), "",
                                 last.group, line.start, line.end))
    if reading.placed or last.placed:
        state.carry = []
    state.since_row, state.end = 0, line.end
    return True


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value.split(",")[0])


def _check_magnitudes(rows: list[TableRow], text: str) -> list[TableRow]:
    """A row whose grouped number ('293 429 602 602') is three or more digits longer or shorter than what its
    column holds in the other rows (see _off_by_groups) was misread (small numbers written with spaces look like
    thousands): it is kept unplaced rather than given a figure a thousand times off. A number that is a whole
    cell of its own (the source drew the cell: PDF positions, Markdown, DOCX) was not read by grouping, and is
    never suspect."""
    columns: dict[int, list[int]] = {}
    for row in rows:
        for cell in row.cells if row.placed else []:
            columns.setdefault(cell.column, []).append(_digits(cell.text))
    out = []
    for row in rows:
        suspect = row.placed and any(
            " " in cell.text.strip() and not _whole_cell(text, cell.start, cell.end)
            and _off_by_groups(_digits(cell.text), columns.get(cell.column, []))
            for cell in row.cells)
        if suspect:
            row = row.model_copy(update={"placed": False, "cells": [c.model_copy(update={"column": -1})
                                                                  for c in row.cells]})
        out.append(row)
    return out


def _value_run(text: str, row: TableRow) -> list[Piece]:
    """The row's figures after its last word (a code before the label, '41 Förvaltningsledning', is not one)."""
    run = pieces(text, row.start, row.end)
    last_word = max((i for i, p in enumerate(run) if p.kind == "word"), default=-1)
    return [p for p in run[last_word + 1:] if p.kind != "word"]


def _check_column_count(rows: list[TableRow], ncols: int, text: str) -> list[TableRow]:
    """When two or more rows read naturally as one value more than the header has columns, the header has lost a
    column (a header word split over lines): a row of one piece more than the columns, fitted to them only by
    grouping two of its numbers ('0 500 0 500 500 0' as five values with '500 500'), is then misread too and is
    kept unplaced."""
    runs = [_value_run(text, r) for r in rows]
    if sum(1 for run in runs if len(greedy_values(text, run)) == ncols + 1) < 2:
        return rows
    out = []
    for row, run in zip(rows, runs, strict=True):
        if row.placed and len(row.cells) == ncols and len(run) == ncols + 1:
            row = row.model_copy(update={"placed": False, "cells": [c.model_copy(update={"column": -1})
                                                                  for c in row.cells]})
        out.append(row)
    return out


def _off_by_groups(digits: int, column: list[int]) -> bool:
    """Three or more digits off the column's median (three rows or more), or six or more above the column's
    smallest figure when the table has only two rows ('365 300 559 559' above '7 188')."""
    if len(column) >= 3:
        return abs(digits - sorted(column)[len(column) // 2]) >= 3
    return len(column) == 2 and digits - min(column) >= 6


def _whole_cell(text: str, start: int, end: int) -> bool:
    """text[start:end] is a whole tab-separated cell: a tab before it and a tab or line end after it."""
    while start > 0 and text[start - 1] == " ":
        start -= 1
    while end < len(text) and text[end] == " ":
        end += 1
    return start > 0 and text[start - 1] == "\t" and (end == len(text) or text[end] in "\t\n")


def _code_start(state: _Open, line: Line) -> bool:
    """The row above is a code and the start of a label ('42 Individ och') on the line right above."""
    if not state.rows or state.rows[-1].placed or state.since_row:
        return False
    last = state.rows[-1]
    return len(last.cells) == 1 and last.cells[0].start == last.start


def _leading_run(header: Header) -> int:
    """How many columns at the left share the first column's kind (0 when it has none)."""
    first = header.columns[0].kind
    run = 0
    for column in header.columns:
        if not first or column.kind != first:
            break
        run += 1
    return run


def _continues_label(line: str, state: _Open, lex: Lexicon) -> bool:
    """A short line right under a row that goes on with its label: it starts in lower case ('som har deltid',
    'varo'), is a group word ('Kvinnor'), or is a figure with a lower-case word ('30 - 39 år', 'sjukfrånvaro 60')."""
    words = line.split()
    if not state.rows or state.pending or state.since_row or not words or len(words) > 6:
        return False
    if words[0][:1].islower() or (len(words) == 1 and words[0].lower() in lex.table_dimension):
        return True
    return words[0][:1].isdigit() and line.strip() in lex.qualifier_after_any(line)


def _joined(label: str, more: str, vocabulary: set[str], lex: Lexicon) -> str:
    """A label and the line that goes on with it ('Andel medarbetare med undersköterske-' / 'kompetens')."""
    return _fragments(_wrapped(f"{label} {more}", lex), vocabulary)


def _fragments(label: str, vocabulary: set[str]) -> str:
    """Words a narrow cell split without a hyphen ('Korttidssjukfrån varo') joined, when the document writes
    the whole word somewhere ('korttidssjukfrånvaro')."""
    words = label.split()
    out: list[str] = []
    for word in words:
        if out and word[:1].islower() and len(out[-1]) >= 6 and out[-1][-1:].isalpha():
            whole = (out[-1] + word).lower()
            if any(v.startswith(whole) for v in vocabulary if v[:3] == whole[:3]):
                out[-1] += word
                continue
        out.append(word)
    return " ".join(out)


def _wrapped(label: str, lex: Lexicon) -> str:
    """A label wrapped by the layout, rejoined where a hyphen ends a part ('Helårs- prognos')."""
    return re.sub(r"(\w)- (?!och |eller |samt )([a-zåäö])", r"\1\2", " ".join(label.split()))


_VOCABULARY: dict[int, set[str]] = {}


def _vocabulary(text: str) -> set[str]:
    """The document's words in lower case (whole words that a narrow cell may have split)."""
    key = hash(text)
    if key not in _VOCABULARY:
        _VOCABULARY.clear()
        glossary = {w for v in load_lexicon().glossary.values() for w in v.lower().split() if len(w) >= 8}
        _VOCABULARY[key] = {w for w in re.findall(r"\w{8,}", text.lower())} | glossary
    return _VOCABULARY[key]


def _prose(line: str) -> bool:
    words = line.split()
    return len(words) >= 8 and line.rstrip().endswith(".")


def _caption(lines: list[Line], first: int, text: str, lex: Lexicon) -> str:
    """The short line nearest above the header (a 'Tabell 44-1' link line joined with the heading before it)."""
    found: list[str] = []
    j = first - 1
    while j >= 0 and first - j <= 6 and len(found) < 2:
        line = lines[j].text.strip()
        j -= 1
        if not line or line.isdigit():
            continue
        if len(line) > 120 or line.endswith(_CAPTION_END) or "\t" in line:
            break
        found.append(line)
        if not _CAPTION_LINK.match(line):
            break
    return " – ".join(reversed(found))


_CAPTION_END = (".", ";")


def _context(caption: str, section: str, meta: DocumentMeta, lex: Lexicon) -> Context:
    caption_years = sorted(set(_YEARS.findall(caption)))
    caption_kind = _one_kind(caption, lex) or _one_kind(section, lex)
    document_years = _YEARS.findall(meta.period or meta.title)
    return Context(
        caption_years=caption_years, caption_month=_month_in(caption, lex), caption_kind=caption_kind,
        document_year=document_years[0] if len(set(document_years)) == 1 else "",
        document_month=_month_in(meta.title, lex), report=meta.kind in ("report", "meeting_papers"),
    )


def _one_kind(text: str, lex: Lexicon) -> str:
    """The kind a caption or heading names, when it names exactly one ('Volymprognos' → prognos)."""
    kinds = {k for w in re.findall(r"\w+", text.lower()) if (k := lex.kind_of(w))}
    return kinds.pop() if len(kinds) == 1 else ""


def _section_at(text: str, offset: int, sections: list[Section]) -> str:
    titles = [s.title for s in sections if s.start <= offset]
    return titles[-1] if titles else ""


def _month_in(text: str, lex: Lexicon) -> int:
    months = [lex.months[w] for w in re.findall(r"[a-zåäö]+", text.lower()) if w in lex.months and len(w) > 3]
    return months[-1] if months else 0


def _page_at(pages: list[PageSpan], offset: int) -> int | None:
    return next((p.page for p in pages if p.start <= offset < p.end), None)
