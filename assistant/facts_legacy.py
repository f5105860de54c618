"""Indicator facts: table rows → typed, cited Fact rows; the reviewed fact set in corpus/indicators.csv."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel

from assistant.clean import clean_text
from assistant.manifest import load_manifest
from assistant.numbers import Atom, SwedishNumber, joins, missing_marker, parse_number
from assistant.tables_legacy import Column, Layout, Row, Table, collapse
from assistant.types import DocumentMeta, Fact, content_id

FACT_FIELDS = list(Fact.model_fields)
REVIEW_FIELDS = ["document", "table", "row_text", "start", "end", "reason"]
_KOLADA = re.compile(r"\s*\(([UN]\d{5})\)")
_DIRECTIONS = re.compile(r"(?i)ökande|minskande|bibehållen(?: nivå)?|oförändrad")
_MAX_ATOMS = 16


class ReviewItem(BaseModel):
    """A table row the extractor could not assign to columns with certainty, and why."""

    document: str
    table: str
    row_text: str
    start: int
    end: int
    reason: str


class ExtractionResult(BaseModel):
    """Facts extracted from one or more documents, and the rows left for a human to review."""

    facts: list[Fact] = []
    needs_review: list[ReviewItem] = []


@dataclass(frozen=True)
class _Candidate:
    """One reading of a row: label atoms absorbed and an atom range (or nothing) per column."""

    absorbed: int
    cells: tuple[tuple[int, int] | None, ...]


# ---------------------------------------------------------------- assigning values to columns


def _partitions(atoms: list[Atom], i: int) -> Iterator[list[tuple[int, int]]]:
    """Every way to read atoms[i:] as numbers, joining three-digit groups to thousands."""
    if i == len(atoms):
        yield []
        return
    if not atoms[i].can_start:
        return
    j = i + 1
    while True:
        for rest in _partitions(atoms, j):
            yield [(i, j), *rest]
        if j < len(atoms) and joins(atoms[j - 1], atoms[j], head=(j - 1 == i)):
            j += 1
        else:
            return


def _candidates(row: Row, ncols: int) -> list[_Candidate]:
    """Structural readings of a row: label absorption × thousands grouping × empty cells."""
    atoms, found = row.atoms, []
    absorbable = 0
    while absorbable < row.label_atoms and (atoms[absorbable].raw in ("*", "-") or _is_year(atoms[absorbable])):
        absorbable += 1
    for j in range(absorbable + 1):
        here = []
        for part in _partitions(atoms, j):
            if len(part) <= ncols:
                for slots in combinations(range(ncols), len(part)):
                    cells: list[tuple[int, int] | None] = [None] * ncols
                    for slot, rng in zip(slots, part, strict=True):
                        cells[slot] = rng
                    here.append(_Candidate(j, tuple(cells)))
        found += here
        if any(None not in c.cells for c in here) and not (j < absorbable and _is_year(atoms[j])):
            break  # absorb a marker only when nothing fits without; a year stays ambiguous
    return found


def _is_year(atom: Atom) -> bool:
    """A bare year such as 2024 (it may belong to the row label)."""
    return atom.kind == "num" and atom.pure and re.fullmatch(r"20[0-3]\d", atom.raw) is not None


def _cell_number(atoms: list[Atom], rng: tuple[int, int]) -> SwedishNumber:
    """The number (or marker, or direction word) that atoms[rng] spell."""
    text = " ".join(collapse(a.raw) for a in atoms[rng[0] : rng[1]])
    if atoms[rng[0]].kind == "dir":
        return SwedishNumber(raw=text, value=None, unit="riktning")
    marker = missing_marker(text)
    return SwedishNumber(raw=text, value=None, status=marker) if marker else parse_number(text)


def _relations(cols: list[Column]) -> list[tuple[str, int, list[int]]]:
    """The table's arithmetic: ('diff' | 'sum', column, source columns)."""
    rels: list[tuple[str, int, list[int]]] = []
    for c, col in enumerate(cols):
        if col.derived:
            prev = [k for k in range(c) if not cols[k].derived][-2:]
            if len(prev) == 2:
                rels.append(("diff", c, prev))
        elif col.total == "pair" and c >= 2:
            rels.append(("sum", c, [c - 2, c - 1]))
        elif col.total == "all" and c >= 2:
            rels.append(("sum", c, list(range(c))))
    return rels


def _fits(values: list[SwedishNumber | None], rels: list[tuple[str, int, list[int]]]) -> bool:
    """Whether a reading satisfies the table's arithmetic (empty cells count as 0, markers are unknown)."""
    for kind, c, srcs in rels:
        nums = [values[k] for k in (c, *srcs)]
        if any(n is not None and n.value is None for n in nums):
            continue
        vals = [n.value if n is not None and n.value is not None else 0.0 for n in nums]
        tol = 10.0 ** -max(n.decimals if n else 0 for n in nums) * 1.01
        target = abs(vals[2] - vals[1]) if kind == "diff" else sum(vals[1:])
        if abs((abs(vals[0]) if kind == "diff" else vals[0]) - target) > tol:
            return False
    return True


def _spread(values: list[SwedishNumber | None], cols: list[Column]) -> int:
    """How many orders of magnitude the plain values of a reading span."""
    digits = [
        len(str(int(abs(n.value))))
        for n, col in zip(values, cols, strict=True)
        if n is not None and n.value and not col.derived and not col.total
    ]
    return max(digits) - min(digits) if len(digits) > 1 else 0


@dataclass
class Reading:
    """How a row's atoms were read: label atoms absorbed, cells per column, and what stayed uncertain."""

    absorbed: int
    cells: list[tuple[int, int] | None]
    values: list[SwedishNumber | None]
    uncertain: list[int]
    reason: str = ""


def assign(row: Row, cols: list[Column]) -> Reading:
    """Read a row's atoms into columns, keeping only what every plausible reading agrees on."""
    ncols = len(cols)
    if len(row.atoms) > _MAX_ATOMS:
        return Reading(0, [None] * ncols, [None] * ncols, list(range(ncols)), "för många värdedelar för att tolka")
    cands = _candidates(row, ncols)
    if not cands:
        return Reading(0, [None] * ncols, [None] * ncols, list(range(ncols)), f"fler värden än kolumner ({ncols})")
    read = {c: [_cell_number(row.atoms, r) if r else None for r in c.cells] for c in cands}
    pool = cands
    if len(pool) > 1 and (rels := _relations(cols)):
        pool = [c for c in pool if _fits(read[c], rels)] or pool
    if len(pool) > 1:
        spread = {c: _spread(read[c], cols) for c in pool}
        best = min(spread.values())
        if best <= 1 and all(s >= best + 2 for s in spread.values() if s != best):
            pool = [c for c in pool if spread[c] == best]
        full = [c for c in pool if None not in c.cells]
        if len(full) == 1 and spread[full[0]] <= best:
            pool = full
    first = pool[0]
    same_label = all(c.absorbed == first.absorbed for c in pool)
    uncertain = [k for k in range(ncols) if not same_label or any(c.cells[k] != first.cells[k] for c in pool)]
    values = [None if k in uncertain else read[first][k] for k in range(ncols)]
    reason = ""
    if uncertain:
        counts = sorted({sum(1 for r in c.cells if r) for c in pool})
        shown = " eller ".join(map(str, counts))
        which = "alla" if len(uncertain) == ncols else ", ".join(cols[k].label for k in uncertain)
        notes = []
        if not same_label:
            notes.append(f"'{row.atoms[0].raw}' kan höra till radrubriken")
        if len({frozenset(r for r in c.cells if r) for c in pool if c.absorbed == first.absorbed}) > 1:
            notes.append("mellanslagen kan vara tusentalsavgränsare")
        extra = "".join(f"; {n}" for n in notes)
        reason = f"{shown} värden för {ncols} kolumner{extra}; kolumnen kan inte avgöras säkert för: {which}"
    return Reading(first.absorbed, list(first.cells), values, uncertain, reason)


# ---------------------------------------------------------------- rows → facts


def clean_label(text: str, footnotes: Iterable[int] = ()) -> tuple[str, str]:
    """An indicator's clean name and Kolada id: no footnote markers, no id in parentheses."""
    text, kolada = collapse(text), ""
    if m := _KOLADA.search(text):
        kolada, text = m[1], _KOLADA.sub("", text)
    text = re.sub(r"\s*\*+(?=[)\s]|$)", "", text)
    if (m := re.search(r"(?<=[^\W\d_]|\))(\d{1,2})$", text)) and int(m[1]) in set(footnotes):
        text = text[: m.start()]
    return text.strip(" :").removesuffix(".").strip(), kolada


def _cell_value(atom: Atom) -> SwedishNumber:
    """The number in a tab-separated cell."""
    text = collapse(atom.raw)
    if _DIRECTIONS.fullmatch(text):
        return SwedishNumber(raw=text, value=None, unit="riktning")
    marker = missing_marker(text)
    return SwedishNumber(raw=text, value=None, status=marker) if marker else parse_number(text)


class _Extractor:
    """Turns the tables of one document into facts and review items."""

    def __init__(self, document: str, text: str, meta: DocumentMeta) -> None:
        self.document, self.text, self.meta = document, text, meta
        self.layout = Layout(text)
        self.facts: list[Fact] = []
        self.review: list[ReviewItem] = []

    def _flag(self, table: Table, start: int, end: int, reason: str) -> None:
        """Put a row (or table) on the needs-review list."""
        row_text = collapse(self.text[start:end])
        self.review.append(ReviewItem(document=self.document, table=table.title, row_text=row_text[:600],
                                      start=start, end=end, reason=reason))

    def run(self) -> ExtractionResult:
        """Extract every table of the document."""
        for table in self.layout.tables():
            if not table.rows:
                continue
            fallback = self.meta.period if self.meta.kind != "meeting_papers" else ""
            dated = table.transposed or table.default_period or any(c.period for c in table.columns)
            if not dated and not fallback:
                self._flag(table, table.start, table.end, "tabellen anger ingen period; handlingarna gäller flera år")
                continue
            footnotes = self.layout.table_footnotes(table)
            for row in table.rows:
                self._row(table, row, footnotes, fallback)
        return ExtractionResult(facts=self._dedupe(), needs_review=self._unique_review())

    def _row(self, table: Table, row: Row, footnotes: set[int], fallback: str) -> None:
        """Facts from one row, and a review item for what it could not place."""
        cols, spans = table.columns, list(row.spans)
        cells: list[tuple[int, int, SwedishNumber, str] | None] = []
        if row.cells is not None:
            if len(row.cells) != len(cols):
                self._flag(table, row.start, row.end, f"{len(row.cells)} celler för {len(cols)} kolumner")
                return
            for atom in row.cells:
                cells.append((atom.start, atom.end, _cell_value(atom), "") if atom else None)
        elif any(a.tag for a in row.atoms):
            tags = list(dict.fromkeys(a.tag for a in row.atoms))
            if [a.tag for a in row.atoms] != tags * len(cols):
                self._flag(table, row.start, row.end, f"celler med flera värden ({', '.join(tags)}) går inte jämnt ut")
                return
            for k, atom in enumerate(row.atoms):
                cells.append((atom.start, atom.end, _cell_number(row.atoms, (k, k + 1)), atom.tag))
            cols = [c for c in cols for _ in tags]
        else:
            reading = assign(row, cols)
            if reading.absorbed:
                s, _e = spans[-1]
                spans[-1] = (s, row.atoms[reading.absorbed - 1].end)
            for rng, value in zip(reading.cells, reading.values, strict=True):
                if rng is None or value is None:
                    cells.append(None)
                else:
                    cells.append((row.atoms[rng[0]].start, row.atoms[rng[1] - 1].end, value, ""))
            if reading.uncertain:
                self._flag(table, row.start, row.end, reading.reason)
        label = " ".join(collapse(self.text[s:e]) for s, e in spans)
        for col, found in zip(cols, cells, strict=True):
            if found is not None:
                self._fact(table, row, col, label, found, footnotes, fallback)

    def _fact(self, table: Table, row: Row, col: Column, label: str,
              cell: tuple[int, int, SwedishNumber, str], footnotes: set[int], fallback: str) -> None:
        """One Fact: clean indicator name, period, kind, value and evidence span."""
        _start, end, number, tag = cell
        name, kolada = clean_label(label, footnotes)
        if table.transposed:
            period = f"{label}-H1" if table.default_period == "H1" else label
            name = f"{table.title} – {col.label}"
        else:
            period = col.period or table.default_period or fallback
            if row.parent:
                sub = f"{row.sub} " if row.sub else ""
                name = f"{clean_label(row.parent, footnotes)[0]} – {sub}{name}"
            elif row.group:
                name = f"{clean_label(row.group, footnotes)[0]} – {name}"
            if col.measure:
                name += f" – {col.measure.lower() if col.measure in ('Kvinnor', 'Män', 'Totalt') else col.measure}"
        if tag:
            name += f" – {tag}"
        fact_id = content_id(f"{self.document}|{table.title}|{name}|{period}|{col.kind}", 12)
        unit = number.unit or (table.unit if number.value is not None else "")
        self.facts.append(Fact(
            id=fact_id, municipality=self.meta.municipality, body=self.meta.body, document=self.document,
            table=table.title, indicator=name, kolada_id=kolada, period=period, kind=col.kind,
            value=number.raw, number=number.value, unit=unit, status=number.status, start=row.start, end=end,
        ))

    def _dedupe(self) -> list[Fact]:
        """One fact per id: a table printed twice (report and cover letter) states each figure once."""
        kept: dict[str, Fact] = {}
        for fact in self.facts:
            first = kept.get(fact.id)
            if first is None:
                kept[fact.id] = fact
            elif first.value != fact.value:
                self.review.append(ReviewItem(
                    document=self.document, table=fact.table, row_text=collapse(self.text[fact.start : fact.end])[:600],
                    start=fact.start, end=fact.end,
                    reason=f"motstridiga värden för {fact.indicator} {fact.period}: {first.value} och {fact.value}",
                ))
        return list(kept.values())

    def _unique_review(self) -> list[ReviewItem]:
        """Review items without repeats (a table printed twice fails twice)."""
        seen: set[tuple[str, str, str]] = set()
        out = []
        for item in self.review:
            key = (item.table, item.row_text, item.reason)
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out


def extract_facts(document_name: str, cleaned_text: str, meta: DocumentMeta) -> ExtractionResult:
    """Extract every indicator and budget table of one cleaned document into facts."""
    return _Extractor(document_name, cleaned_text, meta).run()


def is_layout_copy(name: str) -> bool:
    """True for the '-layout' extraction that duplicates another file of the corpus."""
    return name.endswith("-layout.txt")


def extract_corpus(corpus_dir: Path, skip: Iterable[str] | None = None) -> ExtractionResult:
    """Facts of every text document in the corpus manifest, skipping layout duplicates (or the given names)."""
    manifest = load_manifest(corpus_dir)
    skipped = set(skip) if skip is not None else {n for n in manifest if is_layout_copy(n)}
    result = ExtractionResult()
    for name in sorted(manifest):
        path = corpus_dir / name
        if name in skipped or path.suffix.lower() not in (".txt", ".md") or not path.is_file():
            continue
        one = extract_facts(name, clean_text(path.read_text(encoding="utf-8")), manifest[name])
        result.facts += one.facts
        result.needs_review += one.needs_review
    return result


# ---------------------------------------------------------------- CSV


def _csv_number(value: float | None) -> str:
    """A number for the CSV: no trailing .0 on whole numbers."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


def write_facts_csv(facts: Iterable[Fact], path: Path) -> None:
    """Write facts as UTF-8 CSV with a header row; columns are the Fact fields in order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FACT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for fact in facts:
            row = fact.model_dump()
            row["number"] = _csv_number(fact.number)
            writer.writerow(row)


def read_facts_csv(path: Path) -> list[Fact]:
    """Read facts written by write_facts_csv."""
    with path.open(encoding="utf-8-sig", newline="") as f:  # tolerate a BOM from a spreadsheet save
        rows = list(csv.DictReader(f))
    facts = []
    for row in rows:
        number = row.pop("number")
        facts.append(Fact(**row, number=float(number) if number else None))
    return facts


def write_review_csv(items: Iterable[ReviewItem], path: Path) -> None:
    """Write the needs-review list as UTF-8 CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=REVIEW_FIELDS, lineterminator="\n")
        writer.writeheader()
        for item in items:
            writer.writerow(item.model_dump())


def read_review_csv(path: Path) -> list[ReviewItem]:
    """Read a needs-review list written by write_review_csv."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [ReviewItem(**row) for row in csv.DictReader(f)]
