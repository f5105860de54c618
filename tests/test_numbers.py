"""Swedish numbers and periods: parsing, formatting, finding in running text (with property-based round trips)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.numbers import (
    find_numbers,
    format_number,
    normalize_number_text,
    parse_number,
    parse_period,
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
