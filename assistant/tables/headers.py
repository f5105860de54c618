"""Column headers: split a header into columns and place each column's kind and period, or leave it unplaced.

A column is placed only from what the table says: its header words ("Bokslut 2024", "Utfall 210831",
"Utfall jan–apr 2025", "Prognos 2024"), a year in the table's caption, or, for a budget, forecast, target or
deviation column without a year, the single year of the document. A bare year is an outcome only when it lies
before the document's year (or is the year of a report). Everything else stays unplaced: kind or period ''.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.language import Lexicon

_YEAR = re.compile(r"^(?:19|20)\d\d$")
_YYMMDD = re.compile(r"^(\d{2})(\d{2})(\d{2})$")
_YEAR_MONTH = re.compile(r"^((?:19|20)\d\d)-(\d{2})$")
_RANGE = re.compile(r"^((?:19|20)\d\d)\s*[/–-]\s*((?:19|20)\d\d)$")
_FOOTNOTED_YEAR = re.compile(r"^((?:19|20)\d\d)\d{1,2}$")  # "20224": 2022 with footnote 4
_MONTH_YEAR = re.compile(r"^([a-zåäö]+)-?(\d{2})$")  # "jun-21"
_MONTH_RANGE = re.compile(r"^([a-zåäö]+)\.?\s*[-–]\s*([a-zåäö]+)\.?$")  # "jan–jun", "jan-aug"


@dataclass
class HeaderToken:
    """One word of a header: its text, span and what it names."""

    text: str
    start: int
    end: int
    role: str = "other"  # kind, year, period, month, dash, span, dimension, other
    kind: str = ""
    period: str = ""
    month: int = 0
    first_month: int = 0  # a range in one word ("jan–jun"): its first month; month is its last
    multi_year: bool = False


@dataclass
class Column:
    """A column being read from header words."""

    words: list[HeaderToken] = field(default_factory=list)
    kind: str = ""
    year: str = ""
    period: str = ""  # a full period when the header gives one (2021-08, 2024/2025)
    first_month: int = 0
    last_month: int = 0
    dimension: str = ""
    open_range: bool = False  # "jan 2020 -jun": the range's end year is still to come
    span: bool = False  # "Halvår", "helår": the header says how much of the year, not the kind

    @property
    def start(self) -> int:
        return self.words[0].start if self.words else -1

    @property
    def end(self) -> int:
        return self.words[-1].end if self.words else -1

    def header(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def named(self) -> bool:
        """The header names a kind, a year or period, a month, a part of the year or a group."""
        return bool(self.kind or self.year or self.period or self.first_month or self.span or self.dimension)

    @property
    def multi_year(self) -> bool:
        return any(w.multi_year for w in self.words)

    def placed_period(self) -> str:
        """YYYY, YYYY-MM for a part-year to a month, YYYY/YYYY; '' when the header names no year."""
        if self.period:
            return self.period
        if not self.year:
            return ""
        if self.last_month and self.last_month != 12:
            return f"{self.year}-{self.last_month:02d}"
        return self.year


def classify(text: str, start: int, end: int, lexicon: Lexicon) -> list[HeaderToken]:
    """The words of a header cell or line, classified; words a wrap split are joined when the join is a cue."""
    tokens = [HeaderToken(m.group(0), start + m.start(), start + m.end())
              for m in re.finditer(r"(?:19|20)\d\d(?=[-–][a-zåäö])|[^\s|]+", text[start:end], re.IGNORECASE)]
    tokens = _join_ranges(_join_split_words(tokens, lexicon))
    for token in tokens:
        _classify_one(token, lexicon)
    return tokens


def _join_split_words(tokens: list[HeaderToken], lexicon: Lexicon) -> list[HeaderToken]:
    """'Helårs-' + 'prognos', 'Helårsprog' + 'nos', 'Totalbudg' + 'et': joined when the whole is a kind word."""
    out: list[HeaderToken] = []
    for token in tokens:
        if out:
            prev = out[-1]
            joined = prev.text.rstrip("-") + token.text
            wrapped = prev.text.endswith("-") or (token.text[:1].islower() and not lexicon.kind_of(token.text))
            if wrapped and lexicon.kind_of(joined) and not prev.text[:1].isdigit():
                out[-1] = HeaderToken(joined, prev.start, token.end)
                continue
        out.append(token)
    return out


def _join_ranges(tokens: list[HeaderToken]) -> list[HeaderToken]:
    """'2027-' + '2029' is the range 2027/2029."""
    out: list[HeaderToken] = []
    for token in tokens:
        if out and re.fullmatch(r"(?:19|20)\d\d[-–]", out[-1].text) and _YEAR.match(token.text):
            prev = out[-1]
            out[-1] = HeaderToken(f"{prev.text}{token.text}", prev.start, token.end)
            continue
        out.append(token)
    return out


def _classify_one(token: HeaderToken, lexicon: Lexicon) -> None:
    word = token.text.strip("()*,:;")
    folded = word.lower()
    kind = lexicon.kind_of(folded)
    bare = folded.strip("-–")
    if bare in lexicon.half_year_header or bare in lexicon.whole_year_header:
        token.role, token.month = "span", 6 if bare in lexicon.half_year_header else 12
    elif kind:
        token.role, token.kind = "kind", kind
    elif _YEAR.match(word) or _FOOTNOTED_YEAR.match(word):
        token.role, token.period = "year", word[:4]
    elif m := _YYMMDD.match(word):
        month = int(m[2])
        if 1 <= month <= 12:
            token.role, token.period, token.month = "period", f"20{m[1]}-{month:02d}", month
    elif m := _YEAR_MONTH.match(word):
        if 1 <= int(m[2]) <= 12:
            token.role, token.period, token.month = "period", f"{m[1]}-{m[2]}", int(m[2])
    elif m := _RANGE.match(word.replace("- ", "-")):
        token.role, token.period = "period", f"{m[1]}/{m[2]}"
    elif bare in lexicon.months:
        token.role, token.month = "month", lexicon.months[bare]
    elif (m := _MONTH_RANGE.match(folded)) and m[1] in lexicon.months and m[2] in lexicon.months:
        token.role, token.first_month, token.month = "month", lexicon.months[m[1]], lexicon.months[m[2]]
    elif (m := _MONTH_YEAR.match(folded)) and m[1] in lexicon.months:
        token.role, token.month, token.period = "period", lexicon.months[m[1]], f"20{m[2]}-{lexicon.months[m[1]]:02d}"
    elif folded in ("-", "–", "—"):
        token.role = "dash"
    elif folded in lexicon.table_dimension:
        token.role = "dimension"
    if any(folded.startswith(p) for p in lexicon.multi_year):
        token.multi_year = True


def columns_of(tokens: list[HeaderToken]) -> tuple[list[HeaderToken], list[Column]]:
    """Label-header words and the columns, read left to right: a kind word opens a column, a year closes it."""
    label: list[HeaderToken] = []
    columns: list[Column] = []
    for token in tokens:
        current = columns[-1] if columns else None
        if token.role == "kind":
            if current is not None and not current.kind and not current.year and current.words:
                current.kind = token.kind  # "Jan-apr Utfall": a month before its kind word
                current.words.append(token)
            elif current is not None and current.kind and not current.year and token.text[:1].islower():
                current.words.append(token)  # "Prognos delår april", "Avvikelse delår": a modifier
            else:
                columns.append(Column([token], kind=token.kind))
        elif token.role in ("year", "period"):
            _add_period(columns, token)
        elif token.role in ("month", "dash"):
            _add_month(columns, token)
        elif token.role == "span":
            _add_span(columns, token)
        elif token.role == "dimension" and (current is None or not current.kind or current.year):
            columns.append(Column([token], dimension=token.text))
        elif current is None:
            label.append(token)
        else:
            current.words.append(token)  # "netto", "helår", "totalt": part of the column's header
    return label, columns


def _add_period(columns: list[Column], token: HeaderToken) -> None:
    current = columns[-1] if columns else None
    pending_month = current is not None and current.first_month and not current.year
    if current is not None and (not current.year and not current.period or pending_month):
        current.words.append(token)
        if token.role == "year":
            current.year = token.period
        else:
            current.period, current.year = token.period, token.period[:4]
            current.last_month = token.month or current.last_month
        return
    if current is not None and current.year and (current.open_range or current.words[-1].role == "dash"):
        current.words.append(token)  # "jan 2020 - jun 2020": the range's end year
        current.open_range = False
        if token.period[:4] != current.year:  # "2020 – 2021", "jul 2020 – jun 2021": the years, as "2020–2021"
            current.period = f"{current.year}/{token.period[:4]}"
        return
    column = Column([token])
    if token.role == "year":
        column.year = token.period
    else:
        column.period, column.year = token.period, token.period[:4]
    columns.append(column)


def _add_month(columns: list[Column], token: HeaderToken) -> None:
    continues = token.text[:1] in "-–" or (columns and columns[-1].words[-1].role == "dash")
    if not columns or (columns[-1].year and token.role == "month" and not continues):
        columns.append(Column([token], first_month=token.first_month or token.month, last_month=token.month))
        return
    current = columns[-1]
    current.words.append(token)
    if token.role == "month":
        current.first_month = current.first_month or token.first_month or token.month
        current.last_month = token.month
        current.open_range = bool(current.year) and bool(continues)


def _add_span(columns: list[Column], token: HeaderToken) -> None:
    """'Prognos helår' (a modifier of its column) or 'Halvår 2020' (a column of its own)."""
    current = columns[-1] if columns else None
    if current is not None and not current.span and (current.kind and not current.year or not current.words):
        current.words.append(token)
    else:
        columns.append(Column([token]))
        current = columns[-1]
    current.span = True
    current.last_month = current.last_month or token.month


def continue_columns(columns: list[Column], tokens: list[HeaderToken]) -> bool:
    """A header line of periods only completes the columns above it ('Utfall jan' / '2022-jun 2022'), in order;
    True when every token found a column and every column then has a year (else nothing is changed)."""
    if not tokens or any(t.role not in ("year", "period", "month", "dash") for t in tokens):
        return False
    trial = [Column(list(c.words), c.kind, c.year, c.period, c.first_month, c.last_month, c.dimension, c.open_range,
                    c.span) for c in columns]
    i = 0
    for column in trial:
        i = _complete(column, tokens, i)
    if i < len(tokens) or not all(c.year or c.period for c in trial):
        return False
    columns[:] = trial
    return True


def _complete(column: Column, tokens: list[HeaderToken], i: int) -> int:
    took_month = False
    while i < len(tokens):
        token = tokens[i]
        ranged = token.role == "month" and (token.text[:1] in "-–" or (i and tokens[i - 1].role == "dash"))
        if token.role in ("year", "period") and not column.year and not column.period:
            column.year, column.period = token.period[:4], token.period if token.role == "period" else ""
        elif token.role == "month" and ranged and column.first_month and column.last_month == column.first_month:
            column.last_month, took_month = token.month, True
        elif token.role == "dash":
            pass
        elif token.role == "year" and took_month and token.period == column.year:
            took_month = False  # "-jun 2020": the range's end year, the same year
        else:
            break
        column.words.append(token)
        i += 1
    return i


@dataclass
class Context:
    """What besides its header tells a column's period: the table's caption and the document."""

    caption_years: list[str]
    caption_month: int
    caption_kind: str
    document_year: str
    document_month: int
    report: bool
    distinct_years: bool = True  # the table's bare-year columns name different years
    projection: bool = False  # some bare-year column lies after the document's year
    year_kinds: dict[str, set[str]] = field(default_factory=dict)  # the kinds other columns name for each year


def place(column: Column, context: Context) -> tuple[str, str, str]:
    """(kind, period, source) of a column; '' where the table does not say (never a guess)."""
    if not column.named:
        return "", "", ""  # "Riket", "Kommentar": the header names no kind, year, month, span or group
    kind = column.kind or ("utfall" if column.span else "" if column.year else context.caption_kind)
    period = column.placed_period()
    source = ""
    if column.year and not column.kind and column.first_month and column.last_month > column.first_month:
        kind = context.caption_kind or "utfall"  # "Jan–april 2025": the outcome to date
    elif column.year and not column.kind and not column.dimension and not column.span:
        kind = context.caption_kind or _bare_year_kind(column.year, context)
    if not period and kind in ("budget", "prognos", "avvikelse", "mål", "plan", "förändring"):
        period, source = _context_year(context)
    elif not period and kind == "utfall" and context.caption_month and len(context.caption_years) == 1:
        period, source = f"{context.caption_years[0]}-{context.caption_month:02d}", "caption"
    if period and len(period) == 4 and _part_year(column) and not column.last_month:
        month = context.caption_month or context.document_month
        period = f"{period}-{month:02d}" if month else ""  # "Delår 2024": to the report's month, or unknown
        source = source or ("caption" if context.caption_month else "document")
    if column.dimension and not kind:
        kind = context.caption_kind or ("utfall" if context.caption_years else "")
        if not period:  # "Kvinnor 2024" keeps its own year, whatever year the caption names
            period, source = (context.caption_years[0], "caption") if len(context.caption_years) == 1 else ("", "")
    if source and column.multi_year:
        period, source = "", ""  # "Totalbudget": a project's budget over several years, no one year
    if not kind:
        period = ""
    return kind, period, source


def _part_year(column: Column) -> bool:
    return any(w.text.lower().startswith(("delår", "halvår", "tertial", "ack")) for w in column.words)


def _bare_year_kind(year: str, context: Context) -> str:
    """A bare year column holds outcomes when it lies before the document's year, or is the year of an annual
    report whose bare years are all different (a table of outcomes over the years, as '2023 | 2024 | Differens');
    never when another column of the same year names another kind ('Brutto intäkt 2023' beside 'Budgeterat
    resultat 2023': the year's block may be the budget)."""
    guess = _bare_year_guess(year, context)
    named = context.year_kinds.get(year, set())
    return "" if named and named != {guess} else guess


def _bare_year_guess(year: str, context: Context) -> str:
    if not context.document_year:
        return ""
    if context.projection:
        return ""  # years after the document's own: a projection, where an earlier year may be planned too
    if year < context.document_year:
        return "utfall"
    annual = context.report and not context.document_month and context.distinct_years
    return "utfall" if year == context.document_year and annual else ""


def _context_year(context: Context) -> tuple[str, str]:
    if len(context.caption_years) == 1:
        return context.caption_years[0], "caption"
    if not context.caption_years and context.document_year:
        return context.document_year, "document"
    return "", ""
