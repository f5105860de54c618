"""Page text from word positions (a PDF's text layer or OCR), with tables written as tab-separated lines.

Where a page holds a table, the words' positions say which column each figure stands under, which plain text
extraction loses ("Lokalt aktivitetsstöd -588 -600 -599" under four year columns). Lines are rebuilt from the
words; a run of lines with figures is a table region; its value columns are the clusters of the figures' right
edges; every line of the region is written with one tab-separated cell per column (an empty cell where a row has
no figure), and the header lines above the first row are merged column by column ("Bokslut" over "2023" is
"Bokslut 2023"). Everything else is written as running text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

PDFTEXT_VERSION = "3"  # bump when the words-to-text reading changes: stored documents are read again

_NUMERIC = re.compile(r"^[<>]?[-−–]?\d[\d\s]*(?:[,.]\d+)?\s?%?$|^(?:saknas|IU\.?|-|–|\*{1,3})$", re.IGNORECASE)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
ALIGN = 8.0  # points: right edges this close stand in one column
MAX_HEADER_LINES = 4


@dataclass
class Word:
    """A word with its box (points, origin top left)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class Cell:
    """Adjacent words of a line, closer to each other than to the next cell."""

    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def numeric(self) -> bool:
        return bool(_NUMERIC.match(self.text.replace("\u00a0", " ")))


@dataclass
class Line:
    """A line of words, split into cells."""

    words: list[Word]
    cells: list[Cell] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def height(self) -> float:
        return max(w.bottom for w in self.words) - self.top

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def data(self) -> bool:
        """A table row: two or more cells, at least one of them a figure (no year) right of the first."""
        return len(self.cells) >= 2 and any(c.numeric and not _YEAR.match(c.text) for c in self.cells[1:])


def lines_of(words: list[Word]) -> list[Line]:
    """Words grouped into lines (by their top edge) and lines into cells (by wide gaps)."""
    ordered = sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0))
    lines: list[Line] = []
    for word in ordered:
        center = (word.top + word.bottom) / 2
        if lines and lines[-1].top - 1 <= center <= max(w.bottom for w in lines[-1].words) + 1:
            lines[-1].words.append(word)  # its middle lies within the line: short words ('om') sit lower
        else:
            lines.append(Line([word]))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
        line.cells = _cells(line.words)
    return sorted(lines, key=lambda ln: ln.top)


def _cells(words: list[Word]) -> list[Cell]:
    size = median(w.bottom - w.top for w in words) or 10.0
    cells = [Cell([words[0]])]
    for prev, word in zip(words, words[1:], strict=False):
        if word.x0 - prev.x1 > max(6.0, 0.9 * size):
            cells.append(Cell([word]))
        else:
            cells[-1].words.append(word)
    return cells


@dataclass
class Region:
    """A table on the page: its lines (headers first), value columns (right edges), the first data line."""

    lines: list[Line]
    first_data: int
    edges: list[float]


def regions(lines: list[Line]) -> list[tuple[int, int, Region]]:
    """(first line index, last line index + 1, region) of every table on the page."""
    out: list[tuple[int, int, Region]] = []
    i = 0
    while i < len(lines):
        if not lines[i].data:
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and (lines[j + 1].data or _continues(lines, j + 1)):
            j += 1
        data = [ln for ln in lines[i:j + 1] if ln.data]
        edges = _edges([c for ln in data for c in ln.cells[1:] if c.numeric])
        edges += _text_column(data, edges)
        start = i
        while start > 0 and i - start < MAX_HEADER_LINES and _header_line(lines[start - 1], lines[start], edges):
            start -= 1
        if len(data) >= 2 or len(edges) >= 2:
            out.append((start, j + 1, Region(lines[start:j + 1], i - start, edges)))
        i = j + 1
    return out


def _continues(lines: list[Line], k: int) -> bool:
    """A line inside a table that is no row: a wrapped label (short, one cell) between rows, or below the last
    row when it goes on in lower case from the label's left edge at the rows' spacing."""
    line, prev = lines[k], lines[k - 1]
    gap = line.top - prev.top
    if len(line.cells) != 1 or len(line.text) >= 60 or gap >= 2.5 * max(prev.height, 1.0):
        return False
    if k + 1 < len(lines) and lines[k + 1].data:
        return True
    return prev.data and line.text[:1].islower() and abs(line.cells[0].x0 - prev.cells[0].x0) <= ALIGN and (
        gap < 1.8 * max(prev.height, 1.0))


def _edges(cells: list[Cell]) -> list[float]:
    """The right edges of the figures, clustered: one per value column."""
    edges: list[list[float]] = []
    for x in sorted(c.x1 for c in cells):
        if edges and x - edges[-1][-1] <= ALIGN:
            edges[-1].append(x)
        else:
            edges.append([x])
    return [median(group) for group in edges]


def _text_column(data: list[Line], edges: list[float]) -> list[float]:
    """A column of words right of the figures ('Kommentar': 'Enligt plan', 'Ökande'), when two or more rows have a
    word cell starting at one left edge there: its right edge (the widest cell's), else nothing."""
    if not edges:
        return []
    cells = sorted((c for ln in data for c in ln.cells[1:] if not c.numeric and c.x0 > edges[-1]),
                   key=lambda c: c.x0)
    groups: list[list[Cell]] = []
    for cell in cells:
        if groups and cell.x0 - groups[-1][0].x0 <= ALIGN:
            groups[-1].append(cell)
        else:
            groups.append([cell])
    best = max(groups, key=len, default=[])
    return [max(c.x1 for c in best)] if len(best) >= 2 else []


def _header_line(line: Line, below: Line, edges: list[float]) -> bool:
    """A line above a table whose words stand over its columns, or a short label-column heading ('Verksamhet')
    beside header words that have none (and is no sentence): a caption over a full header is no header."""
    if not edges or len(line.text) > 150 or line.text.rstrip().endswith((".", ":")):
        return False
    over = [c for c in line.cells if c.x1 > edges[0] - 60]
    if not over:
        label_below = below.cells[0].x1 <= edges[0] - 60 or _column(below.cells[0], edges) is None
        return len(line.cells) == 1 and len(line.text) <= 40 and not label_below
    return all(_column(c, edges) is not None for c in over)


def _column(cell: Cell, edges: list[float]) -> int | None:
    """The value column a cell stands in: its right edge near a column's, its box around that edge, or the whole
    cell between the column before and its own edge (a centred header, a left-aligned word); None for a cell
    that reaches into the column before (a caption over the table) or stands right of every column."""
    best = min(range(len(edges)), key=lambda k: abs(edges[k] - cell.x1))
    if abs(edges[best] - cell.x1) <= ALIGN * 2 and cell.x0 < edges[best] and _starts_in(cell, edges, best):
        return best
    inside = [k for k, x in enumerate(edges) if cell.x0 - ALIGN <= x <= cell.x1 + ALIGN]
    if len(inside) == 1 and _starts_in(cell, edges, inside[0]):
        return inside[0]
    if inside:
        return None
    last = len(edges) - 1
    between = [k for k in range(len(edges)) if _starts_in(cell, edges, k) and cell.x0 < edges[k]
               and (k == last or cell.x1 <= edges[k] + ALIGN)]
    return between[0] if len(between) == 1 else None


def _starts_in(cell: Cell, edges: list[float], k: int) -> bool:
    """The cell starts right of the column before (or, in the first column, within the widest column's width)."""
    if k > 0:
        return cell.x0 >= edges[k - 1] - ALIGN / 2
    if len(edges) < 2:
        return True
    widest = max(b - a for a, b in zip(edges, edges[1:], strict=False))
    return cell.x0 >= edges[0] - widest - ALIGN


def render_region(region: Region) -> list[str]:
    """The region's lines as tab-separated text: one merged header line, then one line per row."""
    ncols = len(region.edges)
    header: list[list[str]] = [[] for _ in range(ncols + 1)]
    out: list[str] = []
    for k, line in enumerate(region.lines):
        cells = ["" for _ in range(ncols + 1)]
        for cell in line.cells:
            col = _column(cell, region.edges) if cell.x1 > region.edges[0] - 60 else None
            slot = 0 if col is None else col + 1
            cells[slot] = f"{cells[slot]} {cell.text}".strip()
        if k < region.first_data:
            for slot, text in enumerate(cells):
                if text:
                    header[slot].append(text)
            continue
        if k == region.first_data and any(header):
            out.append("\t".join(" ".join(parts) for parts in header))
        out.append("\t".join(cells).rstrip("\t") if not line.data else "\t".join(cells))
    return out


def page_text(words: list[Word]) -> str:
    """The text of a page: running text, and tables as tab-separated lines."""
    lines = lines_of(words)
    if not lines:
        return ""
    found = regions(lines)
    out: list[str] = []
    i = 0
    prev: Line | None = None
    for start, end, region in found + [(len(lines), len(lines), None)]:
        for line in lines[i:start]:
            if prev is not None and line.top - prev.top > 1.8 * max(prev.height, 1.0):
                out.append("")
            out.append(line.text)
            prev = line
        if region is not None:
            out.append("")
            out += render_region(region)
            out.append("")
            prev = lines[end - 1]
        i = end
    return "\n".join(out)
