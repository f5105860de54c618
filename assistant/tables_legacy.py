"""Indicator and budget tables in cleaned Swedish PDF text: headers, columns and rows with their spans."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from assistant.numbers import Atom, joins, parse_period, scan_cells

_YEAR = re.compile(r"20[0-3]\d")

_KINDS = {
    "Utfall": "utfall", "Mål": "mål", "Prognos": "prognos", "Budget": "budget", "Bokslut": "bokslut",
    "Plan": "plan", "Avvikelse": "avvikelse", "Avv.": "avvikelse", "Diff.": "differens",
    "Differens": "differens", "Ombud": "ombudgetering", "Ombudgetering": "ombudgetering",
    "S:a": "summa budget", "Helår": "utfall", "Halvår": "utfall", "Summa": "budget",
}
_DIMS = {"Kvinnor", "Män", "Totalt"}
_FILLERS = {"från", "budget", "utfall", "helår", "getering", "resultat", "intäkt", "kostnad", "t"}
_TITLE_WORDS = {"Belopp", "i", "tkr", "(tkr)", "netto"}
_TEXT_COLUMN = {"Ev", "förtydligande"}
GENERIC_TITLES = {"", "Typ", "Belopp", "Belopp i tkr", "Belopp netto", "Område"}
_MONTH = re.compile(r"^(jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)[a-zåäö]*$", re.I)
DIMENSION = re.compile(
    r"^(?:för\s+)?(?:kvinnor|män|flickor|pojkar)$|^[<>]?\d+(?:\s?-\s?\d+)?\s?år>?$|^dag\s+\d+(?:-\d+)?>?$", re.I
)


@dataclass
class Column:
    """One value column: what kind of figure it holds, for which period, and how it relates to others."""

    label: str
    kind: str
    period: str = ""
    measure: str = ""
    derived: bool = False  # avvikelse/differens: the difference of two earlier columns
    total: str = ""  # 'pair': sum of the two columns before it; 'all': sum of all columns before it
    bare: bool = False


@dataclass
class Row:
    """One table row: label spans, value atoms and where it sits in the text."""

    spans: list[tuple[int, int]]
    atoms: list[Atom]
    label_atoms: int = 0  # atoms on the label's own line that may belong to the label ('mål 2021')
    cells: list[Atom | None] | None = None  # fixed cells of a tab-separated row
    group: str = ""
    parent: str = ""
    sub: str = ""

    @property
    def start(self) -> int:
        """Start of the row (its first label character)."""
        return self.spans[0][0] if self.spans else (self.atoms[0].start if self.atoms else 0)

    @property
    def end(self) -> int:
        """End of the row (its last value character)."""
        ends = [a.end for a in self.atoms] + [a.end for a in self.cells or [] if a] + [e for _, e in self.spans]
        return max(ends)


@dataclass
class Table:
    """A detected table: title, columns, rows and the span from header to last row."""

    title: str
    start: int
    end: int
    columns: list[Column]
    unit: str = ""
    rows: list[Row] = field(default_factory=list)
    transposed: bool = False
    default_period: str = ""
    pre_label: tuple[int, int] | None = None


def collapse(text: str) -> str:
    """Collapse whitespace runs (PDF line breaks inside a cell) to single spaces."""
    return " ".join(text.split())


# ---------------------------------------------------------------- headers


def _period_token(tok: str) -> str:
    """The period label of one header token ('210831', '2020-08', 'jun-20', '20224' = 2022 + footnote)."""
    if m := re.fullmatch(r"(20\d\d)\d{1,2}", tok):
        return m[1]
    if re.fullmatch(r"(19|20)\d\d|\d{6}|\d{4}-\d{2}|\d{4}/\d{4}|[a-zåä]{3}-\d{2}", tok):
        period = parse_period(tok)
        return period.label if period else ""
    return ""


def parse_columns(words: list[str]) -> tuple[str, list[Column]] | None:
    """Title and columns of a header's words, or None when a word cannot belong to a header."""
    title: list[str] = []
    cols: list[Column] = []
    depth, attach = 0, False
    for w in words:
        period = _period_token(w)
        if period and title and not cols and _MONTH.match(title[-1]):
            title.append(w)  # "Aktuella rehabärenden jun 2021"
        elif depth or w.startswith("("):
            depth += w.count("(") - w.count(")")
            if cols and w != "(tkr)":
                cols[-1].label += f" {w}"
            elif w == "(tkr)":
                title.append(w)
            else:
                return None
        elif w in _KINDS:
            if w == "Budget" and cols and cols[-1].label == "S:a":
                cols[-1].label += " Budget"
            else:
                cols.append(Column(w, _KINDS[w], derived=_KINDS[w] in ("avvikelse", "differens")))
                cols[-1].total = "pair" if w == "S:a" else ""
            attach = True
        elif w in _DIMS:
            cols.append(Column(w, "utfall", measure=w, total="all" if w == "Totalt" else ""))
            attach = False
        elif period:
            if attach and cols and not cols[-1].period:
                cols[-1].period = period
                cols[-1].label += f" {w}"
            else:
                cols.append(Column(w, "utfall", period, bare=True))
            attach = False
        elif w in _TEXT_COLUMN:
            continue  # a free-text column ("Ev förtydligande") holds no figures
        elif w in _FILLERS and cols:
            cols[-1].label += f" {w}"
        elif w in _TITLE_WORDS or not cols:
            title.append(w)
            attach = False
        else:
            return None
    return " ".join(title), cols


def finish_columns(cols: list[Column], title: str) -> tuple[list[Column], str]:
    """Zip kind rows with period rows, expand 'Brutto' templates, move a lone title year; default period."""
    default = ""
    if cols and cols[0].bare and len(cols) > 1 and all(not c.period for c in cols[1:]):
        default = cols.pop(0).period  # "Politiska prioriteringar 2022 Summa"
    keyed = [c for c in cols if not c.bare and not c.period and c.kind not in ("avvikelse", "ombudgetering")]
    bare = [c for c in cols if c.bare]
    if keyed and len(keyed) == len(bare) and cols.index(bare[0]) > cols.index(keyed[-1]):
        for k, b in zip(keyed, bare, strict=True):
            k.period, k.label = b.period, f"{k.label} {b.label}"
        cols = [c for c in cols if not c.bare]
    for c in cols:
        if c.derived and not c.period:
            years = sorted({p.period for p in cols if p.period and not p.derived})
            c.period = "/".join(years[-2:]) if c.kind == "differens" and len(years) > 1 else ""
    last = default
    for c in cols:
        c.period = c.period or last
        last = c.period
        if c.label.startswith("Halvår") and c.period:
            c.period = f"{c.period}-H1"
    return cols, default


def brutto_template(words: list[str]) -> list[Column] | None:
    """The produktionsområde layout: Brutto intäkt / Brutto kostnad / Budgeterat resultat per year."""
    if "Brutto" not in words or not any(w.startswith("Budgetera") for w in words):
        return None
    years = sorted({w for w in words if _YEAR.fullmatch(w)})
    cols: list[Column] = []
    for y in years:
        cols += [
            Column(f"Brutto intäkt {y}", "budget", y, measure="brutto intäkt"),
            Column(f"Brutto kostnad {y}", "budget", y, measure="brutto kostnad"),
            Column(f"Budgeterat resultat {y}", "budget", y, measure="budgeterat resultat", total="pair"),
        ]
    return cols or None


# ---------------------------------------------------------------- detection


_HEADER_EXTRA = {"Brutto", "Budgeterat", "Budgetera"}
# Reviewed: headings that sit nearest a table but do not name it (Herrljunga's avvikelse report).
TITLE_OVERRIDES = {"Lex Maria": "Övriga avvikelser hälso- och sjukvård", "Fall": "Fallolyckor"}
_FOOTNOTE_DEF = re.compile(r"^(\d{1,2}) [A-ZÅÄÖ][a-zåäö]+\b.{15,}$")
_HEADING_END = (".", ":", ";", ",")


class Layout:
    """One cleaned document: its lines, footnote definitions and the tables found in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        ends = [s - 1 for s in self.starts[1:]] + [len(text)]
        self.lines = list(zip(self.starts, ends, strict=True))
        self.footnotes = {
            i: int(m[1])
            for i, (s, e) in enumerate(self.lines)
            if (m := _FOOTNOTE_DEF.match(text[s:e])) and not re.search(r"\d[\d%]*$", text[s:e])
        }

    def line(self, i: int) -> str:
        """Text of line i."""
        s, e = self.lines[i]
        return self.text[s:e]

    def line_of(self, offset: int) -> int:
        """Index of the line holding offset."""
        return bisect_right(self.starts, offset) - 1

    def _nonblank(self, i: int, step: int) -> int | None:
        """The first non-blank line from i in direction step (+1 or -1), or None."""
        while 0 <= i < len(self.lines) and not self.line(i).strip():
            i += step
        return i if 0 <= i < len(self.lines) else None

    def heading_before(self, i: int, reach: int = 15) -> str:
        """The nearest heading-like line above line i (short, capitalized, no closing punctuation)."""
        for j in range(i - 1, max(-1, i - reach), -1):
            line = self.line(j).strip()
            heading = line and len(line) <= 90 and line[0].isupper() and not line.endswith(_HEADING_END)
            if heading and "\t" not in line and not re.search(r"\d$", line):
                return line
        return ""

    def block_before(self, i: int) -> str:
        """The short block of lines directly above line i, when it reads as a table title."""
        j = self._nonblank(i - 1, -1)
        if j is None or i - j > 2:
            return ""
        block: list[str] = []
        while j is not None and j >= 0 and self.line(j).strip() and len(block) < 3:
            block.insert(0, self.line(j).strip())
            j -= 1
        if not block or not block[0][0].isupper() or block[-1].endswith(_HEADING_END):
            return ""
        return collapse(" ".join(block)) if all(len(b) <= 80 for b in block) else ""

    def clean_title(self, title: str, i: int) -> str:
        """A table title without footnote markers; generic titles replaced by the heading above."""
        title = re.sub(r"(?<=[^\W\d])\d{1,2}$|\*+$|:$", "", collapse(title)).strip()
        if title in GENERIC_TITLES:
            title = self.block_before(i) or self.heading_before(i) or title
        return title

    # ------------------------------------------------------------ headers

    def _header_line(self, line: str, depth: int) -> tuple[bool, int]:
        """Whether every word of a continuation line is a header word, and the paren depth after it."""
        for w in line.split():
            if depth or w.startswith("("):
                depth = max(0, depth + w.count("(") - w.count(")"))
                continue
            ok = w in _KINDS or w in _DIMS or w in _FILLERS or w in _TITLE_WORDS or w in _TEXT_COLUMN
            if not (ok or w in _HEADER_EXTRA or _period_token(w)):
                return False, depth
        return True, depth

    def header_at(self, i: int) -> tuple[Table, int] | None:
        """A table header starting at line i: the Table (no rows yet) and the first body line."""
        first = self.line(i).strip()
        if not first or len(first) > 160:
            return None
        if "\t" in first:
            fields = first.split("\t")
            title, words, j = fields[0], " ".join(fields[1:]).split(), i + 1
        else:
            words = first.split()
            head = parse_columns(words)
            short_title = len(words) <= 6 and first[0].isupper() and not first.endswith(_HEADING_END)
            if (head is None or (not head[1] and not brutto_template(words))) and not short_title:
                return None  # neither columns nor a short title line
            title = head[0] if head else ""
            depth = max(0, sum(w.count("(") - w.count(")") for w in words))
            j, blank = i + 1, 0
            while j < len(self.lines):
                line = self.line(j).strip()
                if not line:
                    blank += 1
                    if blank > 1:
                        break
                    j += 1
                    continue
                ok, new_depth = self._header_line(line, depth)
                if not ok:
                    break
                words += line.split()
                depth, blank, j = new_depth, 0, j + 1
            while j > i + 1 and not self.line(j - 1).strip():
                j -= 1
        cols = brutto_template(words)
        if cols is None:
            parsed = parse_columns(words)
            if parsed is None:
                return None
            title = title or parsed[0]
            cols = parsed[1]
        if len(title.split()) > 8:
            return None
        if len(cols) < 2 and not (len(cols) == 1 and cols[0].label.startswith("Summa")):
            return None
        if not any(c.period or c.kind != "utfall" or c.measure for c in cols):
            return None
        if re.search(r"\btkr\b", " ".join(words)) and "tkr" not in title:
            title += " (tkr)"
        return self._make_table(i, j, title, cols)

    def _make_table(self, i: int, j: int, title: str, cols: list[Column]) -> tuple[Table, int]:
        """Finish a header: title (with a month-year line under it), periods, unit, a label above it."""
        k = self._nonblank(j, 1)
        if k is not None and re.fullmatch(r"[a-zåäö ]+ [a-zåä]{3}\w* 20\d\d", self.line(k).strip()):
            title, j = f"{title} {self.line(k).strip()}", k + 1
        cols, default = finish_columns(cols, title)
        if default and default not in title:
            title = f"{title} {default}"
        pre_label = None
        prev = self._nonblank(i - 1, -1)
        if not title and prev is not None and self.line(prev).startswith("Indikator:"):
            s, e = self.lines[prev]
            pre_label = (s + len("Indikator:") + 1, e)
            title = self.heading_before(prev)
        if not default and (period := parse_period(title)):
            default = period.label
        cols = [Column(c.label, c.kind, c.period or default, c.measure, c.derived, c.total) for c in cols]
        unit = "tkr" if "tkr" in title else ""
        title = self.clean_title(re.sub(r"\s*\(tkr\)|\s*Belopp i tkr", "", title), i)
        unit = unit or ("%" if "i procent" in title or "(%)" in title else "")
        table = Table(title, self.lines[i][0], self.lines[j - 1][1], cols, unit)
        table.default_period, table.pre_label = default, pre_label
        return table, j

    def transposed_at(self, i: int) -> tuple[Table, int] | None:
        """A transposed table: column names (units) on top, one row per year below."""
        j, parts = i, []
        while j < len(self.lines) and j - i < 9:
            line = self.line(j).strip()
            if re.match(r"^(19|20)\d\d(\s+\S+){2,}$", line):
                break
            if line and (len(line) > 100 or re.search(r"\d", line)):
                return None
            if line:
                parts.append(line)
            j += 1
        rows = 0
        while j + rows < len(self.lines) and re.match(r"^(19|20)\d\d(\s+[\d*-]\S*){2,}$", self.line(j + rows)):
            rows += 1
        if not parts or rows < 2 or not parts[0][0].isupper():
            return None
        names: list[str] = []
        for part in parts:
            for n, w in enumerate(part.split()):
                if n == 0 and names and w[0].islower():
                    names[-1] += w if len(w) <= 3 else f" {w}"  # "Hemgår|den", "Korttids|boende"
                else:
                    names.append(w)
        cols = [Column(n, "utfall", measure=n, total="all" if n.lower() in ("summa", "totalt") else "") for n in names]
        heading = self.heading_before(i)
        title = TITLE_OVERRIDES.get(heading, heading)
        table = Table(self.clean_title(title, i), self.lines[i][0], self.lines[j - 1][1], cols)
        table.transposed = True
        window = " ".join(self.line(k) for k in range(max(0, i - 20), i))
        table.default_period = "H1" if "första halvåret" in window else ""
        return table, j

    # ------------------------------------------------------------ rows

    def _line_tokens(self, i: int) -> tuple[list[Atom | tuple[int, int]], int]:
        """Tokens starting on line i (an atom may run onto later lines) and the next unread line."""
        s, e = self.lines[i]
        tokens = [t for t in scan_cells(self.text, s, min(len(self.text), e + 300)) if _start(t) < e]
        last = max((_end(t) for t in tokens), default=e)
        return tokens, (self.line_of(last) + 1 if last > e else i + 1)

    def read_rows(self, table: Table, i: int) -> int:
        """Read the rows of table from line i; return the first line after the table."""
        ncols = len(table.columns)
        pending: list[tuple[int, int]] = [table.pre_label] if table.pre_label else []
        saw_blank, open_row = False, None
        group = parent = sub = ""
        while i < len(self.lines):
            line = self.line(i).strip()
            if not line:
                saw_blank, i = True, i + 1
                continue
            if self.header_at(i) or self.transposed_at(i):
                break
            tokens, nxt = self._line_tokens(i)
            words = [t for t in tokens if not isinstance(t, Atom)]
            tail: list[Atom] = []
            for t in reversed(tokens):
                if not isinstance(t, Atom):
                    break
                tail.insert(0, t)
            first = tokens[0] if tokens else None
            star = isinstance(first, Atom) and first.raw.startswith("*")
            footnote = isinstance(first, tuple) and self.text[first[0]] == "*" or (
                star and len(tokens) > 1 and isinstance(tokens[1], tuple)
            )
            if "\t" in line:
                table.rows.append(self._tab_row(i))
                i, saw_blank, open_row = nxt, False, None
                continue
            if footnote:
                if tail and pending and words:
                    open_row = Row(list(pending), tail, group="")
                    table.rows.append(open_row)
                    pending = []
                i, saw_blank = nxt, False
                continue
            if not words:  # a line of values only
                if pending:
                    open_row = Row(list(pending), tail)
                    table.rows.append(open_row)
                    parent = collapse(" ".join(self.text[s:e] for s, e in pending))
                    pending, group, sub = [], "", ""
                elif open_row is not None and _needs_more(open_row.atoms, ncols):
                    open_row.atoms += tail
                i, saw_blank = nxt, False
                continue
            lowercase = tail[-1].raw != "-" or len(tail) > 1 if tail else True
            weak = tail and len(tail) < ncols and self._next_is_label(nxt, lowercase=lowercase)
            if not tail or weak:  # a label line
                if len(line) > 160:
                    break
                pending.append((self.lines[i][0], _end(tokens[-1])))
                if len(pending) > 6 or sum(e - s for s, e in pending) > 400:
                    break
                i, saw_blank, open_row = nxt, False, None
                continue
            if len(line) > 200:
                break
            own = (_start(tokens[0]), _end(words[-1]))
            own_text = collapse(self.text[own[0] : own[1]])
            if DIMENSION.match(own_text) and parent:
                sub = collapse(" ".join(self.text[s:e] for s, e in pending)) if pending else sub
                open_row = Row([own], tail, len(tail), parent=parent, sub=sub)
            elif pending and saw_blank and own_text[:1].isupper():
                group = collapse(" ".join(self.text[s:e] for s, e in pending))
                open_row = Row([own], tail, len(tail), group=group)
                parent, sub = own_text, ""
            else:
                open_row = Row([*pending, own], tail, len(tail), group=group if not pending else "")
                parent, sub = collapse(" ".join(self.text[s:e] for s, e in [*pending, own])), ""
            table.rows.append(open_row)
            pending, saw_blank, i = [], False, nxt
        if table.rows:
            table.end = max(r.end for r in table.rows)
        return i

    def _next_is_label(self, i: int, lowercase: bool) -> bool:
        """Whether the next non-blank line continues a label (starting lowercase when asked)."""
        k = self._nonblank(i, 1)
        if k is None or len(self.line(k)) > 160:
            return False
        i = k
        tokens, _ = self._line_tokens(i)
        if not tokens or not isinstance(tokens[0], tuple) or isinstance(tokens[-1], Atom):
            return False
        first = self.text[tokens[0][0]]
        return first.islower() if lowercase else first != "*"

    def _tab_row(self, i: int) -> Row:
        """A tab-separated row: the first field is the label, every other field one cell."""
        s, _e = self.lines[i]
        fields = self.line(i).split("\t")
        cells: list[Atom | None] = []
        pos = s + len(fields[0]) + 1
        for f in fields[1:]:
            lead = len(f) - len(f.lstrip())
            text = f.strip()
            cells.append(Atom(pos + lead, pos + lead + len(text), text, "cell") if text else None)
            pos += len(f) + 1
        return Row([(s, s + len(fields[0].rstrip()))], [], cells=cells)

    # ------------------------------------------------------------ footnotes and the whole document

    def table_footnotes(self, table: Table) -> set[int]:
        """Footnote numbers defined in the 60 lines after a table's header."""
        first = self.line_of(table.start)
        return {n for k, n in self.footnotes.items() if first < k <= first + 60}

    def resolve_footnotes(self, table: Table) -> None:
        """Strip footnote digits glued to plain values ('9010' = 90 + footnote 10) when nothing else refers to them."""
        numbers = self.table_footnotes(table)
        if not numbers:
            return
        last_def = max(k for k, n in self.footnotes.items() if n in numbers)
        region = self.text[table.start : self.lines[last_def][0]]
        refs = {int(m[1]) for m in re.finditer(r"(?<=[^\W\d_]|[).])(\d{1,2})(?=[\s,.;:)]|$)", region)}
        refs |= {int(m[1]) for m in re.finditer(r"\b20\d\d(\d{1,2})\b", region[: 400])}
        for n in sorted(numbers - refs):
            hits = [a for r in table.rows for a in r.atoms if a.pure and len(a.digits) > len(str(n)) + 1
                    and a.digits.endswith(str(n))]
            if len(hits) == 1:
                a = hits[0]
                a.raw, a.digits, a.footnote, a.pure = a.raw[: -len(str(n))], a.digits[: -len(str(n))], str(n), False

    def tables(self) -> list[Table]:
        """Every table in the document, in reading order."""
        found: list[Table] = []
        i = 0
        while i < len(self.lines):
            hit = (self.header_at(i) or self.transposed_at(i)) if self.line(i).strip() else None
            if hit is None:
                i += 1
                continue
            table, j = hit
            j = self._read_transposed(table, j) if table.transposed else self.read_rows(table, j)
            self.resolve_footnotes(table)
            found.append(table)
            i = max(j, i + 1)
        return found

    def _read_transposed(self, table: Table, i: int) -> int:
        """Rows of a transposed table: a year, then one value per column."""
        while i < len(self.lines) and re.match(r"^(19|20)\d\d\s", self.line(i)):
            s, e = self.lines[i]
            tokens = scan_cells(self.text, s + 4, e)
            atoms = [t for t in tokens if isinstance(t, Atom)]
            if len(atoms) != len(tokens):
                break
            table.rows.append(Row([(s, s + 4)], atoms))
            i += 1
        table.end = max((r.end for r in table.rows), default=table.end)
        return i


def _start(token: Atom | tuple[int, int]) -> int:
    """Where a token starts."""
    return token.start if isinstance(token, Atom) else token[0]


def _end(token: Atom | tuple[int, int]) -> int:
    """Where a token ends."""
    return token.end if isinstance(token, Atom) else token[1]


def _needs_more(atoms: list[Atom], ncols: int) -> bool:
    """True while a row has fewer numbers than columns, counting only groups that must start a number."""
    tagged = [a for a in atoms if a.tag]
    if tagged:
        return len(tagged) < len({a.tag for a in tagged}) * ncols
    starts = sum(1 for k, a in enumerate(atoms) if k == 0 or not joins(atoms[k - 1], a, head=True))
    return starts < ncols
