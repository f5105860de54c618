"""Swedish numbers and periods: parse and format with the raw text kept, find them in running text and table cells."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# Missing-data markers, as written → the status they give (a status, never a number).
MISSING_MARKERS: dict[str, str] = {
    "saknas": "saknas",
    "iu.": "IU.",
    "iu": "IU.",
    "-": "-",
    "–": "-",
    "−": "-",
    "*": "*",
    "**": "**",
    "***": "***",
    "..": "..",
}

# Unit words as written → canonical unit. Longest first so "miljoner kronor" wins over "kronor".
_UNIT_WORDS: dict[str, str] = {
    "miljarder kronor": "mdkr",
    "miljoner kronor": "mkr",
    "miljoner kr": "mkr",
    "tusen kronor": "tkr",
    "procentenheter": "procentenheter",
    "procent": "%",
    "kronor": "kr",
    "mdkr": "mdkr",
    "mnkr": "mkr",
    "mkr": "mkr",
    "tkr": "tkr",
    "kr": "kr",
    "st": "st",
    "%": "%",
}
_UNIT_RE = "|".join(re.escape(u).replace(r"\ ", r"\s") for u in sorted(_UNIT_WORDS, key=len, reverse=True))
_MINUS = "-−–"
_SPACE = " \u00a0\u202f"

# One number as a whole cell: "52,5 (plats 121)", "-1 081,7", "84 %", "<1300", "116 st (38% av brukarna)".
_CELL = re.compile(
    rf"""(?P<cmp>[<>]=?|[≤≥])?\s?
    (?P<sign>[{_MINUS}])?\s?
    (?P<int>\d{{1,3}}(?:[{_SPACE}]\d{{3}})+|\d+)(?:[,.](?P<frac>\d+))?
    (?:\s?(?P<unit>{_UNIT_RE})(?![\wåäö]))?
    (?:\s?\((?:plats\s(?P<rank>\d+)|(?P<note>[^()]*))\))?
    (?:\s(?P<of>av\s[a-zåäö]+))?""",
    re.VERBOSE | re.IGNORECASE,
)

# Numbers in running text: dates as one token; a sign only at a word start; a thousands group only
# when exactly three digits follow the space.
_FIND = re.compile(
    rf"""(?<![\w,.])(?:
      (?P<date>\d{{4}}-\d{{2}}-\d{{2}})(?!\d)
    | (?P<cmp>[<>]=?|[≤≥])?
      (?:(?<![\w,.)])(?P<sign>[{_MINUS}]))?
      (?P<int>\d{{1,3}}(?:[{_SPACE}]\d{{3}})+(?![\d])|\d+)
      (?:[,.](?P<frac>\d+))?
      (?:[{_SPACE}]?(?P<unit>{_UNIT_RE})(?![\wåäö]))?
      (?:\s?\(plats\s(?P<rank>\d+)\))?
    )""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class SwedishNumber:
    """A number as written in a Swedish document: the raw text, its value and what surrounds it."""

    raw: str
    value: float | None
    unit: str = ""
    rank: int | None = None
    status: str = "ok"
    comparator: str = ""
    decimals: int = 0
    note: str = ""

    @property
    def is_missing(self) -> bool:
        """True when the text is a missing-data marker rather than a number."""
        return self.status != "ok"


def canonical_unit(word: str) -> str:
    """The canonical unit for a unit word ('miljoner kronor' → 'mkr'); '' when unknown."""
    return _UNIT_WORDS.get(re.sub(r"\s+", " ", word.strip().lower()), "")


def missing_marker(text: str) -> str | None:
    """The canonical missing-data marker for text ('IU.', 'saknas', '*' …), or None."""
    return MISSING_MARKERS.get(re.sub(r"\s+", " ", text.strip()).lower())


def _value(sign: str | None, integer: str, frac: str | None) -> float:
    """The float of a sign, an integer part (maybe with thousands spaces) and a fraction."""
    digits = re.sub(rf"[{_SPACE}]", "", integer)
    number = float(f"{digits}.{frac}" if frac else digits)
    return -number if sign else number


def _from_match(m: re.Match[str], raw: str) -> SwedishNumber:
    """A SwedishNumber from a _CELL or _FIND match."""
    groups = m.groupdict()
    unit = canonical_unit(groups["unit"]) if groups.get("unit") else ""
    note = (groups.get("note") or groups.get("of") or "").strip()
    return SwedishNumber(
        raw=raw,
        value=_value(groups["sign"], groups["int"], groups["frac"]),
        unit=unit,
        rank=int(groups["rank"]) if groups.get("rank") else None,
        comparator=groups["cmp"] or "",
        decimals=len(groups["frac"] or ""),
        note=re.sub(r"\s+", " ", note),
    )


def parse_number(text: str) -> SwedishNumber:
    """Parse one Swedish number or missing marker; raise ValueError for anything else."""
    raw = text.strip()
    marker = missing_marker(raw)
    if marker:
        return SwedishNumber(raw=raw, value=None, status=marker)
    m = _CELL.fullmatch(raw)
    if not m:
        raise ValueError(f"inte ett tal: {text!r}")
    return _from_match(m, raw)


def try_parse_number(text: str) -> SwedishNumber | None:
    """parse_number, or None when the text is not a number or marker."""
    try:
        return parse_number(text)
    except ValueError:
        return None


def format_number(value: float, decimals: int | None = None, unit: str = "") -> str:
    """Format a value the Swedish way: '-1 081,7', '84 %', '4 793 tkr'."""
    if decimals is None:
        digits = f"{float(value):.12f}".rstrip("0").split(".")[1]
        decimals = len(digits)
    text = f"{abs(value):,.{decimals}f}".replace(",", " ").replace(".", ",")
    negative = value < 0 and any(ch not in "0, " for ch in text)
    text = ("-" if negative else "") + text
    return f"{text} {unit}" if unit else text


def find_numbers(text: str) -> list[tuple[int, int, SwedishNumber]]:
    """Every number in running Swedish text, with its character span; ISO dates are one token (unit 'datum')."""
    found: list[tuple[int, int, SwedishNumber]] = []
    for m in _FIND.finditer(text):
        raw = m.group(0)
        if m.group("date"):
            found.append((m.start(), m.end(), SwedishNumber(raw=raw, value=None, unit="datum")))
        else:
            found.append((m.start(), m.end(), _from_match(m, raw)))
    return found


def normalize_number_text(s: str) -> str:
    """The first number in s as plain digits for comparing: '-1 081,7' and '-1081.7' → '-1081.7'."""
    for _start, _end, number in find_numbers(s):
        if number.value is None:
            continue
        m = _FIND.match(number.raw)
        assert m is not None
        digits = re.sub(rf"[{_SPACE}]", "", m.group("int"))
        frac = m.group("frac")
        return ("-" if m.group("sign") else "") + digits + (f".{frac}" if frac else "")
    return ""


@dataclass(frozen=True)
class Period:
    """A reporting period: a normalized label ('2024', '2021-08-31', '2023-Q4', '2021-06', '2020-H1')."""

    label: str
    start: date
    end: date


_MONTHS = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
_MONTH = r"(" + "|".join(_MONTHS) + r")[a-zåäö]*\.?"
_P_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_P_YYMMDD = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})(?!\d)")
_P_QUARTER = re.compile(r"\b(?:Q([1-4])\s*(\d{4})|(\d{4})(?:\s*|-)Q([1-4])|kvartal\s*([1-4]),?\s*(\d{4}))\b", re.I)
_P_TERTIAL = re.compile(
    r"\b(?:tertial\s*([1-3]),?\s*(\d{4})|(första|andra|tredje)\s+tertialet\s+(\d{4})|(\d{4})-T([1-3]))\b", re.I)
_P_MONTH_RANGE = re.compile(rf"\b{_MONTH}\s*[–-]\s*{_MONTH}[-\s](\d{{4}}|\d{{2}})(?!\d)", re.I)
_P_MONTH = re.compile(rf"\b{_MONTH}[-\s](\d{{4}}|\d{{2}})(?!\d)", re.I)
_P_MONTH_SPAN = re.compile(r"(?<!\d)(\d{4})-(\d{2})/(\d{4})-(\d{2})(?!\d)")
_P_YEAR_MONTH = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?![\d-])")
_P_HALF = re.compile(r"\b(?:(halvår|första halvåret|andra halvåret|H1|H2)\s*(\d{4})|(\d{4})-(H[12]))\b", re.I)
_P_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[/–-]\s*((?:19|20)\d{2})(?!\d)")
_P_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# Spans of whole months within a year that have a name of their own: the year, its halves, quarters and tertials.
_NAMED_SPANS = {(1, 12): "", (1, 6): "-H1", (7, 12): "-H2", (1, 3): "-Q1", (4, 6): "-Q2", (7, 9): "-Q3",
                (10, 12): "-Q4", (1, 4): "-T1", (5, 8): "-T2", (9, 12): "-T3"}
_ORDINALS = {"första": 1, "andra": 2, "tredje": 3}


def _month(year: int, month: int) -> Period:
    """The calendar month as a Period."""
    last = calendar.monthrange(year, month)[1]
    return Period(f"{year}-{month:02d}", date(year, month, 1), date(year, month, last))


def _months(first_year: int, first: int, last_year: int, last: int) -> Period | None:
    """Whole months first..last as a Period, named as a year, half, quarter or tertial where it is one
    ('2024-H1'), else by its first and last month ('2021-01/2021-08'); None when it is no span."""
    if not (1 <= first <= 12 and 1 <= last <= 12) or (first_year, first) > (last_year, last):
        return None
    if (first_year, first) == (last_year, last):
        return _month(first_year, first)
    name = _NAMED_SPANS.get((first, last)) if first_year == last_year else None
    label = f"{first_year}{name}" if name is not None else f"{first_year}-{first:02d}/{last_year}-{last:02d}"
    return Period(label, date(first_year, first, 1), _month(last_year, last).end)


def _valid_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when the numbers are not one."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day(year: int, month: int, day: int) -> Period | None:
    """One day as a Period, or None when the numbers are not a date."""
    d = _valid_date(year, month, day)
    return Period(d.isoformat(), d, d) if d else None


def _month_number(name: str) -> int:
    """1 for 'jan', 'januari', 'Jan.' …"""
    return _MONTHS.index(name.lower()[:3]) + 1


def _year(digits: str) -> int:
    """A year written with four digits or two ('21' → 2021)."""
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def _date(m: re.Match[str]) -> Period | None:
    return _day(int(m[1]), int(m[2]), int(m[3]))


def _yymmdd(m: re.Match[str]) -> Period | None:
    return _day(2000 + int(m[1]), int(m[2]), int(m[3]))


def _quarter(m: re.Match[str]) -> Period | None:
    q, y = (m[1], m[2]) if m[1] else (m[4], m[3]) if m[3] else (m[5], m[6])
    return _months(int(y), 3 * int(q) - 2, int(y), 3 * int(q))


def _tertial(m: re.Match[str]) -> Period | None:
    t, y = (m[1], m[2]) if m[1] else (_ORDINALS[m[3].lower()], m[4]) if m[3] else (m[6], m[5])
    return _months(int(y), 4 * int(t) - 3, int(y), 4 * int(t))


def _month_range(m: re.Match[str]) -> Period | None:
    first, last, year = _month_number(m[1]), _month_number(m[2]), _year(m[3])
    return _months(year - (first > last), first, year, last)  # 'nov–feb 2024' starts in 2023


def _named_month(m: re.Match[str]) -> Period | None:
    return _month(_year(m[2]), _month_number(m[1]))


def _month_span(m: re.Match[str]) -> Period | None:
    return _months(int(m[1]), int(m[2]), int(m[3]), int(m[4]))


def _year_month(m: re.Match[str]) -> Period | None:
    return _months(int(m[1]), int(m[2]), int(m[1]), int(m[2]))


def _half(m: re.Match[str]) -> Period | None:
    second = (m[1] or m[4]).lower() in ("andra halvåret", "h2")
    year = int(m[2] or m[3])
    return _months(year, 7 if second else 1, year, 12 if second else 6)


def _years(m: re.Match[str]) -> Period | None:
    return Period(f"{m[1]}/{m[2]}", date(int(m[1]), 1, 1), date(int(m[2]), 12, 31))


def _whole_year(m: re.Match[str]) -> Period | None:
    return _months(int(m[1]), 1, int(m[1]), 12)


# Every form a period is written in, in the order they are tried: the first that gives a period wins.
_PERIOD_FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Period | None]]] = [
    (_P_DATE, _date), (_P_YYMMDD, _yymmdd), (_P_QUARTER, _quarter), (_P_TERTIAL, _tertial),
    (_P_MONTH_RANGE, _month_range), (_P_MONTH, _named_month), (_P_MONTH_SPAN, _month_span),
    (_P_YEAR_MONTH, _year_month), (_P_HALF, _half), (_P_RANGE, _years), (_P_YEAR, _whole_year),
]


def parse_period(text: str) -> Period | None:
    """Parse a period: '210831' → 2021-08-31, 'Q4 2023', 'jun-21', '2020-08', 'H2 2021', 'jan–jun 2024' (2024-H1),
    'tertial 1 2025', 'Prognos 2024'. Every label it gives parses back to the same period."""
    for pattern, build in _PERIOD_FORMS:
        if (m := pattern.search(text)) and (period := build(m)) is not None:
            return period
    return None


# ---------------------------------------------------------------- table cells

# A value atom: a missing marker, a direction word, or one digit group with what is glued to it.
_ATOM = re.compile(
    r"""(?P<marker>IU\.?(?=\d|\s|$))(?P<mfn>\d{1,2})?(?=\s|$)
    | (?P<marker2>saknas|\*{1,3}|[-–−]|\.\.)(?=\s|$)
    | (?P<dir>(?i:ökande|minskande|bibehållen(?:\snivå)?|oförändrad))(?=\s|$)
    | (?P<num>(?:[<>]=?)?[-–−]?\d+(?:,\d+)?)(?P<unit>\s?(?:%|tkr|mkr|st)(?=[\s(]|$))?
      (?P<paren>\s?\([^()]*\))?(?P<fn>\d{1,2}(?=\s|$)|\*{1,3})?(?P<of>\s+av\s+[a-zåäö]+)?(?=\s|$)""",
    re.VERBOSE,
)
_TAG = r"[A-ZÅÄÖ][A-Za-zÅÄÖåäö]{0,4}"
_TAGGED = re.compile(rf"(?P<pre>{_TAG})\s+(?P<a>\S+)|(?P<b>\S+)\s+(?P<post>{_TAG})")
_WORD = re.compile(r"\S+")


@dataclass
class Atom:
    """A value candidate in a row: a number piece, a missing marker or a direction word."""

    start: int
    end: int
    raw: str
    kind: str  # num, marker, dir
    digits: str = ""
    pure: bool = False  # only digits (and sign): a following three-digit group may continue it
    footnote: str = ""
    tag: str = ""

    @property
    def can_start(self) -> bool:
        """A digit group with a leading zero ('081,7', '000') can only continue a number."""
        return self.kind != "num" or len(self.digits) == 1 or not self.digits.startswith("0")

    @property
    def can_continue(self) -> bool:
        """Exactly three digits without sign or comparator: a thousands group."""
        return self.kind == "num" and len(self.digits) == 3 and self.raw[:1].isdigit() and not self.tag


def make_atom(m: re.Match[str], offset: int) -> Atom:
    """An Atom from an _ATOM match at offset."""
    start, end = offset + m.start(), offset + m.end()
    if m["marker"] or m["marker2"]:
        return Atom(start, end, m["marker"] or m["marker2"], "marker", footnote=m["mfn"] or "")
    if m["dir"]:
        return Atom(start, end, m["dir"], "dir")
    digits = re.sub(r"[^\d,]", "", m["num"]).split(",")[0]
    pure = not any(m[g] for g in ("unit", "paren", "fn", "of")) and "," not in m["num"]
    raw = m.group(0) if not m["fn"] else m.group(0)[: m.start("fn") - m.start()] + (m["of"] or "")
    return Atom(start, end, raw.rstrip(), "num", digits, pure, footnote=m["fn"] or "")


def scan_cells(text: str, start: int, end: int) -> list[Atom | tuple[int, int]]:
    """Tokens of text[start:end] as in table rows: value Atoms, or (start, end) spans of words."""
    tokens: list[Atom | tuple[int, int]] = []
    pos = start
    line_re = re.compile(r"[^\n]*")
    while pos < end:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            break
        line_end = min(end, line_re.match(text, pos).end())  # type: ignore[union-attr]
        at_line_start = not text[text.rfind("\n", 0, pos) + 1 : pos].strip()
        tagged = _TAGGED.fullmatch(text, pos, line_end) if at_line_start else None
        if tagged and sum(ch.isupper() for ch in (tagged["pre"] or tagged["post"])) >= 2:
            num = tagged["a"] or tagged["b"]
            ns = tagged.start("a") if tagged["a"] else tagged.start("b")
            m = _ATOM.fullmatch(num)
            if m and m["num"]:
                atom = make_atom(m, ns)
                atom.tag, atom.pure, atom.start, atom.end = tagged["pre"] or tagged["post"], False, pos, line_end
                tokens.append(atom)
                pos = line_end
                continue
        m = _ATOM.match(text, pos, end)
        if m and m.end() > pos:
            tokens.append(make_atom(m, 0))
            pos = m.end()
            continue
        w = _WORD.match(text, pos, end)
        assert w is not None
        tokens.append((w.start(), w.end()))
        pos = w.end()
    return tokens


def joins(a: Atom, b: Atom, head: bool) -> bool:
    """Whether atom b (three digits) continues the number ending with atom a ('1' + '081,7')."""
    ok_a = a.pure and not a.tag and (len(a.digits) <= 3 if head else len(a.digits) == 3 and a.raw.isdigit())
    return ok_a and b.can_continue and b.start - a.end == 1
