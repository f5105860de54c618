"""Tables in cleaned text: header lines found and placed, then the rows under them with their values.

One reader serves every source, because every loader writes tables the same way into the cleaned text: a table
line's cells separated by tabs where the source knew its cells (Markdown pipes, DOCX, PDF word positions, tab
extractions), or a line of words and numbers where it did not (layout text). A row's values are assigned to the
columns by cell position when the cells are known, else by count; a row that fits neither is kept unplaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.language import Lexicon
from assistant.tables.headers import Column, Context, HeaderToken, classify, columns_of, continue_columns, place
from assistant.tables.values import Piece, Value, pieces, read_values
from assistant.types import TableCell, TableColumn, TableRow

_SENTENCE_END = (".", "!", "?")
MAX_GAP_LINES = 6  # lines without a row after which a table has ended


@dataclass
class Line:
    """One line of the cleaned text with its span and its cells (tab-separated parts, spans kept)."""

    start: int
    end: int
    text: str
    cells: list[tuple[int, int]]

    @property
    def blank(self) -> bool:
        return not self.text.strip(" \t")

    @property
    def tabbed(self) -> bool:
        return len(self.cells) > 1


def lines_of(text: str) -> list[Line]:
    """Every line of the text with its cells."""
    out: list[Line] = []
    pos = 0
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        cells: list[tuple[int, int]] = []
        cell_start = start
        for i, ch in enumerate(raw + "\t"):
            if ch == "\t":
                a, b = cell_start, start + i
                while a < b and text[a] == " ":
                    a += 1
                while b > a and text[b - 1] == " ":
                    b -= 1
                cells.append((a, b))
                cell_start = start + i + 1
        out.append(Line(start, end, raw, cells))
        pos = end + 1
    return out


@dataclass
class Header:
    """A header found on one or two lines: its columns and the values merged into it (a first row)."""

    first: int
    last: int
    label: str
    columns: list[Column]
    merged: list[Value] = field(default_factory=list)


def read_header(lines: list[Line], i: int, text: str, lexicon: Lexicon) -> Header | None:
    """The header starting at line i, or None when the line is not one; a header wrapped over the next lines
    (years under their kinds, a range's end under its start, or the rest of a header broken into pieces) is
    read with them."""
    header = _one_line_header(lines[i], text, lexicon)
    if header is None:
        return None
    header.first = header.last = i
    nxt = _next_nonblank(lines, i, 1)
    if nxt is not None and _label_head_only(lines[nxt].text, lexicon):
        header.label = " ".join([header.label, lines[nxt].text.strip()]).strip()  # "Namn" between header lines
        header.last = nxt
        nxt = _next_nonblank(lines, nxt, 1)
    if nxt is not None and _continued(header, lines[nxt], text, lexicon):
        header.last = nxt
    _absorb(header, lines, text, lexicon)
    if len(header.columns) < 2 and not lines[i].tabbed:
        return None  # one column of a line of words is no table header (vertical headers were read above)
    nxt = _next_nonblank(lines, header.last, 1)
    if nxt is not None and lines[nxt].text.strip().startswith("(") and not _has_figure(text, lines[nxt].start,
                                                                                        lines[nxt].end):
        header.last = nxt  # "(ökande/minskande/bibehållen nivå)": a note on the header
    if all(not c.kind and not c.year and not c.dimension and not c.span for c in header.columns):
        return None
    return header


def _continued(header: Header, line: Line, text: str, lexicon: Lexicon) -> bool:
    """Years under their kinds ('Utfall Utfall' / '2021 2022'), or a range's end under its start."""
    tokens = classify(text, line.start, line.end, lexicon)
    if any(not c.year and not c.period or c.first_month for c in header.columns) and continue_columns(
            header.columns, tokens):
        return True
    if not all(not c.year and not c.period for c in header.columns):
        return False
    below = _one_line_header(line, text, lexicon)
    if below is None or len(below.columns) != len(header.columns) or not all(c.year and not c.kind
                                                                             for c in below.columns):
        return False
    for top, bottom in zip(header.columns, below.columns, strict=True):
        top.words += bottom.words
        top.year, top.period = bottom.year, bottom.period
        top.last_month = top.last_month or bottom.last_month
    return True


def _absorb(header: Header, lines: list[Line], text: str, lexicon: Lexicon) -> None:
    """Read the header's words together with the short header-only lines below it, when that gives more
    columns, each with a year ('Budget 2024 Bokslut' / '2024' / 'Avv. från' / 'budget 2024' / …)."""
    tokens = [t for c in header.columns for t in c.words]
    last, j = header.last, header.last
    for _ in range(12):
        nxt = _next_nonblank(lines, j, 2)
        if nxt is None or len(lines[nxt].text.split()) > 4 or lines[nxt].tabbed:
            break
        more = classify(text, lines[nxt].start, lines[nxt].end, lexicon)
        if not more or any(t.role == "other" and re.search(r"\d", t.text) for t in more):
            break
        tokens += more
        j = nxt
        _, columns = columns_of(tokens)
        added = columns[len(header.columns):]
        if added and all(c.year or c.period or c.span for c in columns) and all(c.kind for c in added):
            header.columns, last = columns, nxt  # a new column must name its kind: a lone year may be misplaced
    header.last = last


def _label_head_only(line: str, lexicon: Lexicon) -> bool:
    words = line.lower().split()
    return 0 < len(words) <= 2 and all(w.strip("():") in lexicon.label_head for w in words)


def _one_line_header(line: Line, text: str, lexicon: Lexicon) -> Header | None:
    if line.blank or len(line.text) > 240 or line.text.rstrip().endswith(_SENTENCE_END):
        return None
    label: list[str] = []
    columns: list[Column] = []
    merged: list[Value] = []
    for index, (a, b) in enumerate(line.cells):
        if a == b:
            continue
        if index == 0 and line.tabbed and not _has_year(text, a, b, lexicon):
            label += text[a:b].split()  # the row-label column's header (or a first row's label)
            continue
        tokens = classify(text, a, b, lexicon)
        values = _trailing_values(tokens)
        if line.tabbed and index > 0 and values and len(values) == len(tokens):
            return None  # a cell of figures only: a table row ('… 17 089 | Enligt plan'), never a header
        if values and (index > 0 or not line.tabbed):
            tokens = tokens[: len(tokens) - len(values)]
        words, cols = columns_of(tokens)
        if line.tabbed and index > 0 and cols and words:
            cols[0].words[:0], words = words, []  # a tab cell is one column: 'Brutto intäkt 2023' names it whole
        if not cols and columns and line.tabbed and 0 < len(words) <= 4:
            columns.append(Column(list(words)))  # "Riket", "Kommentar": a column whose header names no kind or year
            continue
        if not cols:
            if columns or len(words) > 6:
                return None  # words after the columns, or a sentence: not a header
            label += [w.text for w in words]
            continue
        if len(words) > 4 or any(len(c.words) > 6 for c in cols):
            return None
        label += [w.text for w in words]
        columns += cols
        merged += [Value(t.text, t.start, t.end) for t in values] if line.tabbed and index > 0 else []
    if not columns or _prose_like(label, columns, lexicon, line.tabbed) or (len(columns) == 1 and not columns[0].kind):
        return None
    if merged and len(merged) != len(columns):
        merged = []
    return Header(0, 0, " ".join(label), columns, merged)


def _has_year(text: str, a: int, b: int, lexicon: Lexicon) -> bool:
    return any(t.role in ("year", "period") for t in classify(text, a, b, lexicon))


def _trailing_values(tokens: list[HeaderToken]) -> list[HeaderToken]:
    """Numbers at the end of a header cell that are no year: a first row merged into the header."""
    out: list[HeaderToken] = []
    for token in reversed(tokens):
        if token.role == "other" and re.fullmatch(r"[-−–]?\d[\d ]*(?:,\d+)?%?", token.text):
            out.insert(0, token)
        else:
            break
    return out


def _prose_like(label: list[str], columns: list[Column], lexicon: Lexicon, tabbed: bool = False) -> bool:
    """A line of running text that names years ('Under 2023 och 2024 har …') is no header; in a line of tab
    cells, words that name a column inside its own cell ('Brutto intäkt 2023') are no sign of prose."""
    loose = [w for w in label if w.lower() not in lexicon.label_head]
    extra = sum(len([x for x in c.words if x.role == "other"]) for c in columns)
    every = label + [w.text for c in columns for w in c.words]
    stop = sum(1 for w in every if w.lower() in lexicon.stop_sv and w.lower() not in ("i", "och", "tom"))
    return stop >= 2 or len(loose) > 5 or (extra > len(columns) + 1 and not tabbed) or (
        len(columns) == 1 and not columns[0].kind and not columns[0].dimension)


def _next_nonblank(lines: list[Line], i: int, gap: int) -> int | None:
    j = i + 1
    while j < len(lines) and lines[j].blank and j - i - 1 < gap:
        j += 1
    return j if j < len(lines) and not lines[j].blank else None


@dataclass
class RowReading:
    """What one line says as a table row: label text, values, and whether they could be placed."""

    label: str
    values: list[Value]
    placed: bool
    columns: list[int]
    partial: bool = False  # placed in the leading columns only: the row may go on below


def read_row(line: Line, text: str, ncols: int, lead: int = 0) -> RowReading | None:
    """The label and values of a line (None when it has no value): by cell position, else by count. A row with
    exactly as many values as the table's leading run of same-kind columns ('Utfall 2021–2023' before
    'Budget 2024–2025') fills that run."""
    reading = _tab_row(line, text, ncols) if line.tabbed else _token_row(text, pieces(text, line.start, line.end),
                                                                           ncols)
    if reading is not None and not reading.placed and 1 < lead < ncols:
        shorter = _token_row(text, pieces(text, line.start, line.end), lead)
        if shorter is not None and shorter.placed:
            shorter.partial = True
            return shorter
    return reading


def _tab_row(line: Line, text: str, ncols: int) -> RowReading | None:
    """A row whose cells are known: the first cell is the label, the others stand under the columns in order.
    A cell is its value as written ('52,5 (plats 121)', 'Ökande'); the row counts only with a figure in it."""
    cells = list(line.cells)
    while len(cells) > ncols + 1 and cells[-1][0] == cells[-1][1]:
        cells.pop()  # empty cells past the last column; an empty cell under a column is a missing value
    label_cells, value_cells = cells[:1], cells[1:]
    while len(value_cells) > ncols and _is_words(text, *value_cells[0]):
        label_cells.append(value_cells.pop(0))  # a label written over two cells
    if not any(_has_figure(text, a, b) for a, b in value_cells):
        if _has_figure(text, *cells[0]):  # label and figures in one cell: "| Frisknärvaro 65,8 % 55,6 % … |  |"
            return _token_row(text, pieces(text, line.start, line.end), ncols)
        return None
    label = " ".join(text[a:b] for a, b in label_cells).strip()
    if len(value_cells) == ncols:
        values = [Value(text[a:b], a, b) for a, b in value_cells if a < b]
        cols = [i for i, (a, b) in enumerate(value_cells) if a < b]
        return RowReading(label, values, True, cols)
    return _token_row(text, pieces(text, line.start, line.end), ncols)


def _is_words(text: str, a: int, b: int) -> bool:
    return a < b and all(p.kind == "word" for p in pieces(text, a, b))


def _has_figure(text: str, a: int, b: int) -> bool:
    return any(p.kind in ("num", "missing") for p in pieces(text, a, b))


def read_pieces(text: str, toks: list[Piece], ncols: int) -> RowReading:
    """A row read from pieces gathered over several lines (always a reading, placed or not)."""
    reading = _token_row(text, toks, ncols)
    if reading is None:
        return RowReading(" ".join(p.text for p in toks if p.kind == "word"), [], False, [])
    return reading


def _token_row(text: str, toks: list[Piece], ncols: int) -> RowReading | None:
    numbers = [i for i, p in enumerate(toks) if p.kind != "word"]
    if not numbers or not any(toks[i].kind == "num" for i in numbers):
        return None
    for run in _runs(toks):
        found = read_values(text, toks[run[0]:run[1]], ncols)
        if found is not None:
            label = " ".join(p.text for i, p in enumerate(toks) if not run[0] <= i < run[1])
            return RowReading(label, found, True, list(range(ncols)))
    label = " ".join(p.text for p in toks if p.kind == "word")
    values = [Value(p.text, p.start, p.end, p.kind == "missing") for p in toks if p.kind != "word"]
    return RowReading(label, values, False, [])


def _runs(toks: list[Piece]) -> list[tuple[int, int]]:
    """Maximal runs of value pieces, the last first; each also without its first piece when that is a small
    plain number right after a word ('sjukfrånvaro 60 44,9 % …': the 60 is the label's)."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if toks[i].kind == "word":
            i += 1
            continue
        j = i
        while j < len(toks) and toks[j].kind != "word":
            j += 1
        runs.append((i, j))
        if i > 0 and j - i > 1 and toks[i].kind == "num" and toks[i].can_lead and not toks[i + 1].groupable:
            runs.append((i + 1, j))
        i = j
    return sorted(runs, key=lambda r: (-r[1], r[0]))


def table_columns(header: Header, context: Context) -> list[TableColumn]:
    """The header's columns, each placed (kind, period) or left unplaced."""
    bare = [c.year for c in header.columns if c.year and not c.kind and not c.span]
    context.distinct_years = len(bare) == len(set(bare))
    context.projection = bool(context.document_year) and any(y > context.document_year for y in bare)
    context.year_kinds = {}
    for c in header.columns:
        if c.year and c.kind:
            context.year_kinds.setdefault(c.year, set()).add(c.kind)
    years = sorted({c.year for c in header.columns if c.year and len(c.year) == 4})
    placed = [place(c, context) for c in header.columns]
    inferred = [(k, p) for k, p, source in placed if source]
    out = []
    for column, (kind, period, source) in zip(header.columns, placed, strict=True):
        if kind == "förändring" and source and len(years) >= 2:
            period, source = f"{years[0]}/{years[-1]}", ""  # "Differens" beside 2023 and 2024: the change 2023/2024
        elif source and inferred.count((kind, period)) > 1:
            kind, period, source = "", "", ""  # two columns would get one inferred kind and period: neither is sure
        out.append(TableColumn(header=column.header(), kind=kind, period=period, source=source,
                               start=column.start, end=column.end))
    return out


def to_row(reading: RowReading, label: str, group: str, start: int, end: int) -> TableRow:
    """A TableRow from a reading."""
    cells = [TableCell(column=col if reading.placed else -1, text=v.text, start=v.start, end=v.end)
             for v, col in zip(reading.values, reading.columns or [-1] * len(reading.values), strict=False)]
    return TableRow(label=label, group=group, start=start, end=end, cells=cells, placed=reading.placed)
