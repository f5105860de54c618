"""Swedish numbers and periods: parsing, formatting, finding in running text (with property-based round trips)."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.numbers import (
    Atom,
    canonical_unit,
    find_numbers,
    format_number,
    joins,
    missing_marker,
    normalize_number_text,
    parse_number,
    parse_period,
    scan_cells,
    try_parse_number,
)

UNITS = ["", "%", "tkr", "mkr", "kr"]


@pytest.mark.parametrize(
    ("text", "value", "unit", "rank", "status"),
    [
        ("66,9", 66.9, "", None, "ok"),
        ("1 081,7", 1081.7, "", None, "ok"),
        ("-1 081,7", -1081.7, "", None, "ok"),
        ("−1 081,7", -1081.7, "", None, "ok"),
        ("1\u00a0081,7", 1081.7, "", None, "ok"),
        ("4 793", 4793.0, "", None, "ok"),
        ("84 %", 84.0, "%", None, "ok"),
        ("84%", 84.0, "%", None, "ok"),
        ("4 793 tkr", 4793.0, "tkr", None, "ok"),
        ("44,3 mkr", 44.3, "mkr", None, "ok"),
        ("44,3 miljoner kronor", 44.3, "mkr", None, "ok"),
        ("250 kr", 250.0, "kr", None, "ok"),
        ("52,5 (plats 121)", 52.5, "", 121, "ok"),
        ("1081.7", 1081.7, "", None, "ok"),
        ("saknas", None, "", None, "saknas"),
        ("IU.", None, "", None, "IU."),
        ("-", None, "", None, "-"),
        ("*", None, "", None, "*"),
        ("**", None, "", None, "**"),
        ("***", None, "", None, "***"),
    ],
)
def test_parse_number(text: str, value: float | None, unit: str, rank: int | None, status: str) -> None:
    number = parse_number(text)
    assert number.raw == text.strip()
    assert number.value == value
    assert (number.unit, number.rank, number.status) == (unit, rank, status)
    assert number.is_missing == (status != "ok")


def test_parse_number_keeps_comparator_note_and_decimals() -> None:
    assert parse_number("<1300").comparator == "<"
    assert parse_number(">55%").value == 55.0
    assert parse_number("65 (90)").note == "90"
    lock = parse_number("116 st (38%\nav brukarna)")
    assert (lock.value, lock.unit, lock.note) == (116.0, "st", "38% av brukarna")
    assert parse_number("45,0").decimals == 1


@pytest.mark.parametrize("text", ["", "abc", "12 ab", "1 2 3", "(plats 121)"])
def test_parse_number_rejects_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)
    assert try_parse_number(text) is None


@pytest.mark.parametrize(
    ("value", "decimals", "unit", "text"),
    [
        (-1081.7, 1, "", "-1 081,7"),
        (84, 0, "%", "84 %"),
        (4793, 0, "tkr", "4 793 tkr"),
        (1234567.891, 2, "mkr", "1 234 567,89 mkr"),
        (-0.04, 1, "", "0,0"),
        (0.5, None, "", "0,5"),
        (12, None, "", "12"),
        (0.00001, None, "", "0,00001"),
    ],
)
def test_format_number(value: float, decimals: int | None, unit: str, text: str) -> None:
    assert format_number(value, decimals, unit) == text


def test_find_numbers_in_running_text() -> None:
    text = (
        "Ramen stärks med 44,3 miljoner kronor år 2024; kostnaden är -1 081,7 och andelen 84 % "
        "(30-49 år) per 2021-08-31, utfall 210831, Q4 2023, id U23516, 4 793 tkr och 52,5 (plats 121)."
    )
    found = {text[s:e]: n for s, e, n in find_numbers(text)}
    assert found["44,3 miljoner kronor"].unit == "mkr"
    assert found["-1 081,7"].value == -1081.7
    assert found["84 %"].unit == "%"
    assert found["2021-08-31"].unit == "datum"
    assert found["210831"].value == 210831
    assert found["4 793 tkr"].value == 4793
    assert found["52,5 (plats 121)"].rank == 121
    assert "30" in found and "49" in found and found["49"].value == 49  # a range, not a negative number
    assert "4" not in found and "23516" not in found  # Q4 and Kolada ids are not numbers
    assert "2023" in found and "2024" in found


def test_find_numbers_thousands_group_needs_exactly_three_digits() -> None:
    def texts(text: str) -> list[str]:
        return [text[s:e] for s, e, _ in find_numbers(text)]

    assert texts("år 2021 2 135 tkr") == ["2021", "2 135 tkr"]
    assert texts("mellan 12 och 1234") == ["12", "1234"]
    assert texts("12 3456") == ["12", "3456"]
    assert texts("1 0812") == ["1", "0812"]


def test_normalize_number_text() -> None:
    assert normalize_number_text("1 081,7") == normalize_number_text("1081.7") == "1081.7"
    assert normalize_number_text("−1 081,7 mkr") == "-1081.7"
    assert normalize_number_text("84 %") == "84"
    assert normalize_number_text("inga tal") == ""


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("210831", "2021-08-31", date(2021, 8, 31), date(2021, 8, 31)),
        ("Utfall 210831", "2021-08-31", date(2021, 8, 31), date(2021, 8, 31)),
        ("Q4 2023", "2023-Q4", date(2023, 10, 1), date(2023, 12, 31)),
        ("jun-21", "2021-06", date(2021, 6, 1), date(2021, 6, 30)),
        ("jun 2021", "2021-06", date(2021, 6, 1), date(2021, 6, 30)),
        ("2024", "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("Prognos 2024", "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("Utfall 2020-08", "2020-08", date(2020, 8, 1), date(2020, 8, 31)),
        ("Halvår 2020", "2020-H1", date(2020, 1, 1), date(2020, 6, 30)),
        ("2023/2024", "2023/2024", date(2023, 1, 1), date(2024, 12, 31)),
        ("2021-08-31", "2021-08-31", date(2021, 8, 31), date(2021, 8, 31)),
    ],
)
def test_parse_period(text: str, label: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert period is not None
    assert (period.label, period.start, period.end) == (label, start, end)


def test_parse_period_none() -> None:
    assert parse_period("ingen period här") is None
    assert parse_period("216123") is None  # not a valid YYMMDD date


values = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(values, st.integers(min_value=0, max_value=3), st.sampled_from(UNITS))
def test_format_parse_round_trip(value: float, decimals: int, unit: str) -> None:
    text = format_number(value, decimals, unit)
    number = parse_number(text)
    assert number.value == pytest.approx(round(value, decimals), abs=10**-decimals / 2)
    assert number.unit == unit
    assert number.decimals == decimals
    assert format_number(number.value or 0.0, decimals, unit) == text


@given(values, st.integers(min_value=0, max_value=2), st.sampled_from(UNITS))
def test_find_numbers_finds_formatted_numbers(value: float, decimals: int, unit: str) -> None:
    text = format_number(value, decimals, unit)
    sentence = f"Enligt tabellen var värdet {text} under året."
    found = find_numbers(sentence)
    assert len(found) == 1
    start, end, number = found[0]
    assert sentence[start:end] == text
    assert number.value == parse_number(text).value


@given(values, st.integers(min_value=0, max_value=3))
def test_normalize_accepts_comma_point_and_spaces(value: float, decimals: int) -> None:
    swedish = format_number(value, decimals)
    plain = f"{round(value, decimals):.{decimals}f}"
    if plain.startswith("-") and float(plain) == 0:
        plain = plain[1:]
    assert normalize_number_text(swedish) == normalize_number_text(plain)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_yymmdd_round_trip(day: date) -> None:
    period = parse_period(day.strftime("%y%m%d"))
    assert period is not None and period.label == day.isoformat()


@given(st.integers(min_value=2000, max_value=2099), st.integers(min_value=1, max_value=4))
def test_quarter_round_trip(year: int, quarter: int) -> None:
    period = parse_period(f"Q{quarter} {year}")
    assert period is not None and period.label == f"{year}-Q{quarter}"
    assert period.start.month == 3 * quarter - 2


# ---------------------------------------------------------------- units, markers, notes


def test_unit_words_are_read_whatever_their_spacing_and_unknown_words_have_no_unit() -> None:
    assert canonical_unit("miljoner   kronor") == canonical_unit("Miljoner\nkronor") == "mkr"
    assert canonical_unit(" tkr ") == "tkr"
    assert canonical_unit("procentenheter") == "procentenheter"
    assert canonical_unit("liter") == ""
    assert missing_marker(" IU. ") == "IU." and missing_marker("Saknas") == "saknas"
    assert missing_marker("12") is None


def test_parse_number_keeps_what_surrounds_the_value_and_nothing_else() -> None:
    plain = parse_number("66,9")
    assert (plain.comparator, plain.note, plain.rank, plain.unit) == ("", "", None, "")
    assert parse_number("17 av brukarna").note == "av brukarna"
    assert parse_number("65 (90)").note == "90"
    with pytest.raises(ValueError, match="inte ett tal: '12 ab'"):
        parse_number("12 ab")


def test_format_number_without_unit_or_decimals() -> None:
    assert format_number(12) == "12"
    assert format_number(-4793) == "-4 793"
    assert format_number(1081.75) == "1 081,75"


def test_dates_in_running_text_keep_their_text_and_are_skipped_when_normalizing() -> None:
    [(start, end, date_token)] = find_numbers("per 2021-08-31")
    assert (date_token.raw, date_token.unit, date_token.value) == ("2021-08-31", "datum", None)
    assert normalize_number_text("Per 2021-08-31 var andelen 84 %") == "84"


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("H2 2021", "2021-H2", date(2021, 7, 1), date(2021, 12, 31)),
        ("h2 2021", "2021-H2", date(2021, 7, 1), date(2021, 12, 31)),
        ("andra halvåret 2021", "2021-H2", date(2021, 7, 1), date(2021, 12, 31)),
        ("Utfall andra halvåret 2021", "2021-H2", date(2021, 7, 1), date(2021, 12, 31)),
        ("H1 2021", "2021-H1", date(2021, 1, 1), date(2021, 6, 30)),
        ("första halvåret 2021", "2021-H1", date(2021, 1, 1), date(2021, 6, 30)),
    ],
)
def test_half_years_are_told_apart(text: str, label: str, start: date, end: date) -> None:
    """The second half-year is July–December: a figure for H2 must never be placed under the first half."""
    period = parse_period(text)
    assert period is not None
    assert (period.label, period.start, period.end) == (label, start, end)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Q4 2023", "2023-Q4"), ("2023 Q4", "2023-Q4"), ("2023Q4", "2023-Q4"), ("kvartal 2 2023", "2023-Q2"),
        ("Kvartal 3, 2023", "2023-Q3"), ("Utfall 2020-01", "2020-01"), ("Utfall 2020-12", "2020-12"),
        ("Utfall 2020-13", "2020"), ("juni 2021", "2021-06"), ("okt. 2021", "2021-10"), ("maj-24", "2024-05"),
    ],
)
def test_period_forms(text: str, label: str) -> None:
    period = parse_period(text)
    assert period is not None and period.label == label


# ---------------------------------------------------------------- table cells


def cells(text: str) -> list[tuple[str, ...]]:
    """scan_cells over the whole text: ('word', text) or (kind, raw, digits, pure, footnote, tag, text of the span)."""
    out: list[tuple[str, ...]] = []
    for tok in scan_cells(text, 0, len(text)):
        if isinstance(tok, tuple):
            out.append(("word", text[tok[0] : tok[1]]))
        else:
            out.append((tok.kind, tok.raw, tok.digits, str(tok.pure), tok.footnote, tok.tag, text[tok.start : tok.end]))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hemtjänstindex\t52,5 (plats 121)\t66,9 (plats 147)", [
            ("word", "Hemtjänstindex"),
            ("num", "52,5 (plats 121)", "52", "False", "", "", "52,5 (plats 121)"),
            ("num", "66,9 (plats 147)", "66", "False", "", "", "66,9 (plats 147)")]),
        ("Summa 1 081,7 -4 793 −12 <1300 >=5", [
            ("word", "Summa"), ("num", "1", "1", "True", "", "", "1"),
            ("num", "081,7", "081", "False", "", "", "081,7"),
            ("num", "-4", "4", "True", "", "", "-4"), ("num", "793", "793", "True", "", "", "793"),
            ("num", "−12", "12", "True", "", "", "−12"), ("num", "<1300", "1300", "True", "", "", "<1300"),
            ("num", ">=5", "5", "True", "", "", ">=5")]),
        ("IU. saknas - * ** .. IU.3 – −", [
            ("marker", "IU.", "", "False", "", "", "IU."), ("marker", "saknas", "", "False", "", "", "saknas"),
            ("marker", "-", "", "False", "", "", "-"), ("marker", "*", "", "False", "", "", "*"),
            ("marker", "**", "", "False", "", "", "**"), ("marker", "..", "", "False", "", "", ".."),
            ("marker", "IU.", "", "False", "3", "", "IU.3"), ("marker", "–", "", "False", "", "", "–"),
            ("marker", "−", "", "False", "", "", "−")]),
        ("Ökande bibehållen nivå Oförändrad minskande", [
            ("dir", "Ökande", "", "False", "", "", "Ökande"),
            ("dir", "bibehållen nivå", "", "False", "", "", "bibehållen nivå"),
            ("dir", "Oförändrad", "", "False", "", "", "Oförändrad"),
            ("dir", "minskande", "", "False", "", "", "minskande")]),
        ("84 % 4 793 tkr 116 st (38% av brukarna) 10,5% 12mkr", [
            ("num", "84 %", "84", "False", "", "", "84 %"), ("num", "4", "4", "True", "", "", "4"),
            ("num", "793 tkr", "793", "False", "", "", "793 tkr"),
            ("num", "116 st (38% av brukarna)", "116", "False", "", "", "116 st (38% av brukarna)"),
            ("num", "10,5%", "10", "False", "", "", "10,5%"), ("num", "12mkr", "12", "False", "", "", "12mkr")]),
        ("45,0* 12 3 65 (90) 7 av 10 17 av brukarna 8,6 2", [
            ("num", "45,0", "45", "False", "*", "", "45,0*"), ("num", "12", "12", "True", "", "", "12"),
            ("num", "3", "3", "True", "", "", "3"), ("num", "65 (90)", "65", "False", "", "", "65 (90)"),
            ("num", "7", "7", "True", "", "", "7"), ("word", "av"), ("num", "10", "10", "True", "", "", "10"),
            ("num", "17 av brukarna", "17", "False", "", "", "17 av brukarna"),
            ("num", "8,6", "8", "False", "", "", "8,6"), ("num", "2", "2", "True", "", "", "2")]),
        ("Andel 52,53\nTotal 84 %2", [  # '%2' is no unit: the value stands alone
            ("word", "Andel"), ("num", "52,53", "52", "False", "", "", "52,53"), ("word", "Total"),
            ("num", "84", "84", "True", "", "", "84"), ("word", "%2")]),
    ],
)
def test_scan_cells_reads_values_markers_and_direction_words(text: str, expected: list[tuple[str, ...]]) -> None:
    assert cells(text) == expected


def test_scan_cells_reads_tagged_values_at_a_line_start_as_one_cell() -> None:
    """'KF 45' and '12 LSS' (a tag of two capitals or more and one value filling the line) are one tagged atom."""
    assert cells("KF 45\nSoL 12 kr\n12 LSS\nAB 12\nKa 7") == [
        ("num", "45", "45", "False", "", "KF", "KF 45"), ("word", "SoL"), ("num", "12", "12", "True", "", "", "12"),
        ("word", "kr"), ("num", "12", "12", "False", "", "LSS", "12 LSS"),
        ("num", "12", "12", "False", "", "AB", "AB 12"), ("word", "Ka"), ("num", "7", "7", "True", "", "", "7")]
    assert cells("Text KF 45") == [("word", "Text"), ("word", "KF"), ("num", "45", "45", "True", "", "", "45")]
    assert cells("KF saknas") == [("word", "KF"), ("marker", "saknas", "", "False", "", "", "saknas")]


def test_scan_cells_offsets_are_positions_in_the_whole_text() -> None:
    text = "Rad ett\nHemtjänst 1 081,7 IU.\tÖkande"
    start = text.index("Hemtjänst")
    tokens = scan_cells(text, start, len(text) - len("\tÖkande"))
    spans = [text[t[0] : t[1]] if isinstance(t, tuple) else text[t.start : t.end] for t in tokens]
    assert spans == ["Hemtjänst", "1", "081,7", "IU."]
    assert scan_cells(text, 3, 3) == [] and scan_cells("   \n ", 0, 5) == []


def atoms(text: str) -> list[Atom]:
    return [t for t in scan_cells(text, 0, len(text)) if isinstance(t, Atom)]


@pytest.mark.parametrize(
    ("text", "head", "joined"),
    [
        ("1 081,7", True, True),  # thousands group after a head of 1–3 digits
        ("-4 793", True, True),
        ("123 456", True, True),
        ("1234 567", True, False),  # a head has at most three digits
        ("12 3", True, False),  # a thousands group has exactly three digits
        ("1 0812", True, False),
        ("1  081", True, False),  # one space, no more
        ("4 % 793", True, False),  # a value with a unit is finished
        ("1 -793", True, False),  # a signed group starts a new number
        ("12,5 793", True, False),  # so does anything after a decimal
        ("123 456", False, True),  # inside a number: the group before is three digits too
        ("12 345", False, False),
        ("-123 456", False, False),
    ],
)
def test_joins_continues_a_number_only_with_a_thousands_group(text: str, head: bool, joined: bool) -> None:
    a, b = atoms(text)
    assert joins(a, b, head) is joined


def test_tagged_atoms_neither_continue_nor_are_continued() -> None:
    tagged, group = atoms("KF 45\n793")
    assert tagged.tag == "KF" and not joins(tagged, group, True)
    assert not atoms("AB 123")[0].can_continue


def test_a_group_with_a_leading_zero_only_continues_a_number() -> None:
    one, group = atoms("1 081")
    assert one.can_start and not group.can_start and group.can_continue
    assert atoms("0")[0].can_start and atoms("IU.")[0].can_start
    assert not atoms("IU.")[0].can_continue


# ---------------------------------------------------------------- generated Swedish forms

MINUS = ["-", "−", "–"]  # hyphen-minus, minus sign, en dash: all written for a negative value
SPACES = [" ", "\u00a0", "\u202f"]  # thousands separators: space, no-break space, narrow no-break space
UNIT_WORDS = {"%": "%", "procent": "%", "tkr": "tkr", "tusen kronor": "tkr", "mkr": "mkr", "mnkr": "mkr",
              "miljoner kronor": "mkr", "miljoner kr": "mkr", "kr": "kr", "kronor": "kr", "mdkr": "mdkr",
              "miljarder kronor": "mdkr", "st": "st", "procentenheter": "procentenheter"}


@st.composite
def swedish_numbers(draw: st.DrawFn) -> tuple[str, float, str, int, str]:
    """A number as a Swedish document writes it: the text, its value, canonical unit, decimals and plain digits."""
    integer = draw(st.integers(min_value=0, max_value=10**10))
    frac = draw(st.text(alphabet="0123456789", max_size=3))
    sign = draw(st.sampled_from(["", *MINUS]))
    grouped = draw(st.booleans())
    digits = f"{integer:,}".replace(",", draw(st.sampled_from(SPACES))) if grouped else str(integer)
    word = draw(st.sampled_from(["", *UNIT_WORDS]))
    gap = draw(st.sampled_from(["", " ", "\u00a0"])) if word == "%" else " " if word else ""
    text = f"{sign}{digits}{',' + frac if frac else ''}{gap}{word}"
    plain = f"{integer}.{frac}" if frac else str(integer)
    value = float(plain)
    return text, -value if sign else value, UNIT_WORDS.get(word, ""), len(frac), ("-" if sign else "") + plain


@given(swedish_numbers())
def test_every_swedish_number_form_parses_to_its_value_unit_and_decimals(form: tuple[str, float, str, int, str]
                                                                        ) -> None:
    text, value, unit, decimals, _ = form
    number = parse_number(text)
    assert (number.value, number.unit, number.decimals, number.raw) == (value, unit, decimals, text)
    assert number.status == "ok"


@given(swedish_numbers(), st.sampled_from(["Utfallet blev {} under året.", "({})", "{}", "Värde: {}; därefter"]))
def test_every_swedish_number_form_is_found_whole_in_running_text(form: tuple[str, float, str, int, str],
                                                                  template: str) -> None:
    text, value, unit, decimals, plain = form
    sentence = template.format(text)
    [(start, end, number)] = find_numbers(sentence)
    assert sentence[start:end] == text
    assert (number.value, number.unit, number.decimals) == (value, unit, decimals)
    assert normalize_number_text(sentence) == plain


MONTH_NAMES = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
               "november", "december"]
years = st.integers(min_value=2000, max_value=2098)  # a range ends a year later, inside the 1900–2099 read as years


def month_forms(month: int) -> list[str]:
    """How a month is written: 'augusti', 'aug', 'aug.', 'Aug'."""
    name = MONTH_NAMES[month - 1]
    return [name, name[:3], f"{name[:3]}.", name.capitalize(), name[:3].capitalize()]


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@st.composite
def period_forms(draw: st.DrawFn) -> tuple[str, tuple[str, date, date]]:
    """A period as Swedish reports write it, with the period it names."""
    year = draw(years)
    month = draw(st.integers(min_value=1, max_value=12))
    first = draw(st.integers(min_value=1, max_value=12))
    last = draw(st.integers(min_value=first, max_value=12))
    day = draw(st.dates(min_value=date(year, 1, 1), max_value=date(year, 12, 31)))
    half = draw(st.sampled_from([1, 2]))
    quarter = draw(st.integers(min_value=1, max_value=4))
    tertial = draw(st.integers(min_value=1, max_value=3))
    word = draw(st.sampled_from(["", "Utfall ", "Prognos ", "Budget ", "per ", "Bokslut "]))
    dash = draw(st.sampled_from(["–", "-", " – ", " - "]))
    name = draw(st.sampled_from(month_forms(month)))
    first_name = draw(st.sampled_from(month_forms(first)))
    last_name = draw(st.sampled_from(month_forms(last)))
    halves = {1: ["H1", "h1", "första halvåret", "Första halvåret"],
              2: ["H2", "h2", "andra halvåret", "Andra halvåret"]}
    span = {(1, 12): str(year), (1, 6): f"{year}-H1", (7, 12): f"{year}-H2", (1, 3): f"{year}-Q1",
            (4, 6): f"{year}-Q2", (7, 9): f"{year}-Q3", (10, 12): f"{year}-Q4", (1, 4): f"{year}-T1",
            (5, 8): f"{year}-T2", (9, 12): f"{year}-T3"}.get((first, last), f"{year}-{first:02d}/{year}-{last:02d}")
    forms = [
        (f"{word}{day:%y%m%d}", (day.isoformat(), day, day)),
        (f"{word}{day.isoformat()}", (day.isoformat(), day, day)),
        (f"{word}{name} {year}", (f"{year}-{month:02d}", date(year, month, 1), month_end(year, month))),
        (f"{word}{name[:3]}-{year % 100:02d}", (f"{year}-{month:02d}", date(year, month, 1), month_end(year, month))),
        (f"{word}{year}-{month:02d}", (f"{year}-{month:02d}", date(year, month, 1), month_end(year, month))),
        (f"{word}{draw(st.sampled_from(halves[half]))} {year}",
         (f"{year}-H{half}", date(year, 6 * half - 5, 1), month_end(year, 6 * half))),
        (word + draw(st.sampled_from(["Q{q} {y}", "{y} Q{q}", "kvartal {q} {y}"])).format(q=quarter, y=year),
         (f"{year}-Q{quarter}", date(year, 3 * quarter - 2, 1), month_end(year, 3 * quarter))),
        (f"{word}{draw(st.sampled_from(['tertial', 'Tertial']))} {tertial} {year}",
         (f"{year}-T{tertial}", date(year, 4 * tertial - 3, 1), month_end(year, 4 * tertial))),
        (f"{word}{year}", (str(year), date(year, 1, 1), date(year, 12, 31))),
        (f"{word}{year}/{year + 1}", (f"{year}/{year + 1}", date(year, 1, 1), date(year + 1, 12, 31))),
    ]
    if first < last:
        months = (span, date(year, first, 1), month_end(year, last))
        forms.append((f"{word}{first_name}{dash}{last_name} {year}", months))
    return draw(st.sampled_from(forms))


@settings(max_examples=300)
@given(period_forms())
def test_every_swedish_period_form_names_its_own_months(form: tuple[str, tuple[str, date, date]]) -> None:
    """'H2 2021' is July–December, 'jan–jun 2024' the first half-year, 'tertial 1 2025' January–April: a figure is
    placed under the period its column or sentence names, never a neighbouring or a wider one."""
    text, (label, first, last) = form
    period = parse_period(text)
    assert period is not None, text
    assert (period.label, period.start, period.end) == (label, first, last)


@given(period_forms())
def test_every_period_label_parses_back_to_the_same_period(form: tuple[str, tuple[str, date, date]]) -> None:
    """Facts store the label ('2020-H1', '2023-Q4'); reading it back must give the same months, or a wanted
    'first half-year' would also match the second."""
    period = parse_period(form[0])
    assert period is not None
    assert parse_period(period.label) == period


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("andra tertialet 2024", "2024-T2", date(2024, 5, 1), date(2024, 8, 31)),
        ("Första tertialet 2025", "2025-T1", date(2025, 1, 1), date(2025, 4, 30)),
        ("Tertial 3, 2024", "2024-T3", date(2024, 9, 1), date(2024, 12, 31)),
        ("nov–feb 2024", "2023-11/2024-02", date(2023, 11, 1), date(2024, 2, 29)),  # a span over the new year
        ("maj–maj 2024", "2024-05", date(2024, 5, 1), date(2024, 5, 31)),
        ("2023-01/2024-06", "2023-01/2024-06", date(2023, 1, 1), date(2024, 6, 30)),  # not the first half of 2023
        ("2021-01/2021-13", "2021-01", date(2021, 1, 1), date(2021, 1, 31)),  # month 13 is no month
        ("2020-13/2021-02", "2020", date(2020, 1, 1), date(2020, 12, 31)),
    ],
)
def test_tertials_and_spans_of_months(text: str, label: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert period is not None
    assert (period.label, period.start, period.end) == (label, start, end)
