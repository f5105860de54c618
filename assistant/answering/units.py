"""A document cut into units: table rows (from its Table structure), sentences, list items and headings.

Units are computed once per document and kept; every span is a span of the cleaned text, so a quote is
always `document.text[start:end]`.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from assistant.language import load_lexicon
from assistant.types import SourceDocument, Unit

_BULLET = re.compile(r"^\s*(?:[•▪◦●*–-]|\d{1,2}[.)]|[a-z][.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9«\"(])")
_MIN_CHARS = 12
_MIN_WORDS = 3
_WORDS = re.compile(r"[^\W\d_]{2,}")
_LEADER = re.compile(r"\.{5,}|…{3,}|(?:\. ){4,}")
_MAX_SENTENCE = 600


class DocumentUnits:
    """The units of one document, in text order, with a lookup by position."""

    def __init__(self, document: SourceDocument) -> None:
        self.document = document
        self.units = split(document)
        self._starts = [u.start for u in self.units]

    def around(self, start: int, end: int, extra: int = 1) -> list[Unit]:
        """The units overlapping [start, end), with `extra` more on each side."""
        i = max(0, bisect_left(self._starts, start) - 1 - extra)
        out: list[Unit] = []
        while i < len(self.units) and self.units[i].start < end + 1:
            out.append(self.units[i])
            i += 1
        out += self.units[i:i + extra]
        return [u for u in out if u.end > start - 2000]

    def index_of(self, unit: Unit) -> int:
        """The position of a unit in the document's list."""
        return bisect_left(self._starts, unit.start)

    def after(self, unit: Unit, count: int = 3) -> list[Unit]:
        """The units that follow a unit."""
        i = self.index_of(unit)
        return self.units[i + 1:i + 1 + count]

    def before(self, unit: Unit, count: int = 2) -> list[Unit]:
        """The units that precede a unit, nearest last."""
        i = self.index_of(unit)
        return self.units[max(0, i - count):i]


def split(document: SourceDocument) -> list[Unit]:
    """Rows from the tables; the rest of the text as headings, list items and sentences."""
    units: list[Unit] = []
    covered: list[tuple[int, int]] = []
    for t, table in enumerate(document.tables):
        for r, row in enumerate(table.rows):
            text = document.text[row.start:row.end]
            units.append(Unit(document.name, row.start, row.end, "row", text, document.section_at(row.start), t, r))
        covered.append((table.start, table.end))
    units += _text_units(document, covered)
    return sorted(units, key=lambda u: (u.start, u.end))


def _text_units(document: SourceDocument, covered: list[tuple[int, int]]) -> list[Unit]:
    text = document.text
    out: list[Unit] = []
    for start, end in _paragraph_lines(text):
        if any(a <= start < b for a, b in covered):
            continue
        line = text[start:end]
        if (len(line.strip()) < _MIN_CHARS and not _BULLET.match(line)) or _LEADER.search(line):
            continue  # too short, or a line of a table of contents ('7 Viten … 28')
        section = document.section_at(start)
        if _BULLET.match(line):
            out.append(Unit(document.name, start, end, "item", line, section))
        elif "\t" in line:
            out.append(Unit(document.name, start, end, "row", line, section))  # a row of a table not read as one
        elif len(_WORDS.findall(line)) < _MIN_WORDS:
            continue  # a fragment of a broken layout ('kontroll och', '§ 27 Dnr 2024-00413') quotes nothing
        elif _heading(line):
            out.append(Unit(document.name, start, end, "heading", line, section))
        else:
            out += _sentences(document.name, text, start, end, section)
    return out


def _paragraph_lines(text: str) -> list[tuple[int, int]]:
    """Lines, with a prose line wrapped onto the next (lower-case start) joined to it."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _wraps(text[merged[-1][0]:merged[-1][1]], text[start:end], text[merged[-1][1]:start]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), b - (len(text[a:b]) - len(text[a:b].rstrip())))
            for a, b in merged if text[a:b].strip()]


def _wraps(previous: str, line: str, gap: str) -> bool:
    """A line that goes on with the one before: it starts in lower case, the one before has not ended, and at
    most one blank line (a PDF's line or page break) stands between them."""
    stripped = line.lstrip()
    if gap.count("\n") > 2 or "\t" in previous or "\t" in line or not stripped or _BULLET.match(line):
        return False
    if previous.rstrip().endswith((".", "!", "?", ":")):
        return False
    if _open_end(previous):
        return True  # '… för nämnden för' / 'Miljö & Hälsoskydd': a line that ends in a function word goes on
    # lower case goes on; so does a figure after a long prose line cut mid-sentence ('… utgör' / '34,1 miljoner')
    return stripped[0].islower() or (stripped[0].isdigit() and len(previous.strip()) >= 40)


def _open_end(line: str) -> bool:
    """The line ends with a comma or a function word of the lexicon: the sentence goes on."""
    stripped = line.rstrip()
    if stripped.endswith(","):
        return True
    last = stripped.rsplit(None, 1)[-1].lower() if stripped else ""
    return load_lexicon().is_stopword(last)


def _heading(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= 90 and not stripped.endswith((".", "!", "?", ",")) and len(stripped.split()) <= 12 and (
        stripped[:1].isupper() or stripped[:1].isdigit()) and "\t" not in stripped


def _sentences(name: str, text: str, start: int, end: int, section: str) -> list[Unit]:
    out: list[Unit] = []
    cursor = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.start() - cursor >= _MIN_CHARS or not out:
            out.append(Unit(name, cursor, m.start(), "sentence", text[cursor:m.start()], section))
            cursor = m.end()
    if end > cursor:
        if out and end - cursor < _MIN_CHARS:
            last = out.pop()
            cursor = last.start
        out.append(Unit(name, cursor, end, "sentence", text[cursor:end], section))
    return [piece for u in out for piece in (_cut(u, text) if u.end - u.start > _MAX_SENTENCE else [u])]


def _cut(unit: Unit, text: str) -> list[Unit]:
    """A run-on sentence (a list flattened by the extraction) in pieces, each cut after a comma."""
    pieces: list[Unit] = []
    start = unit.start
    while unit.end - start > _MAX_SENTENCE:
        stop = text.rfind(",", start, start + _MAX_SENTENCE)
        stop = stop + 1 if stop > start + 200 else start + _MAX_SENTENCE
        pieces.append(Unit(unit.document, start, stop, "sentence", text[start:stop], unit.section))
        start = stop + (1 if stop < unit.end and text[stop] == " " else 0)
    pieces.append(Unit(unit.document, start, unit.end, "sentence", text[start:unit.end], unit.section))
    return pieces
