"""Personnummer and samordningsnummer: every written form found, ordinary report figures left alone, masking."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.pii import (
    DEFAULT_MASK,
    classify,
    find_personnummer,
    mask_personnummer,
    mask_preserving_length,
)


def luhn(nine: str) -> int:
    """Check digit computed independently of the module: double every other digit from the left, sum the digits."""
    total = 0
    for i, char in enumerate(nine):
        value = int(char) * (2 - i % 2)
        total += value // 10 + value % 10
    return -total % 10


def synthetic(date: dt.date, serial: int = 123, coordination: bool = False) -> str:
    """A made-up 12-digit number (YYYYMMDDNNNC) with a correct check digit; never a real person's on purpose."""
    day = date.day + (60 if coordination else 0)
    nine = f"{date:%y%m}{day:02d}{serial:03d}"
    return f"{date.year // 100:02d}{nine}{luhn(nine)}"


def forms(twelve: str) -> dict[str, str]:
    """The written forms of one 12-digit number."""
    ten = twelve[2:]
    return {
        "YYMMDD-XXXX": f"{ten[:6]}-{ten[6:]}",
        "YYMMDD+XXXX": f"{ten[:6]}+{ten[6:]}",
        "YYMMDDXXXX": ten,
        "YYYYMMDD-XXXX": f"{twelve[:8]}-{twelve[8:]}",
        "YYYYMMDDXXXX": twelve,
        "YYMMDD - XXXX": f"{ten[:6]} - {ten[6:]}",
        "YYYYMMDD -XXXX": f"{twelve[:8]} -{twelve[8:]}",
        "YYMMDD–XXXX (en dash)": f"{ten[:6]}\u2013{ten[6:]}",
    }


OLD = synthetic(dt.date(1912, 3, 4), 215)
YOUNG = synthetic(dt.date(2010, 11, 27), 487)
COORD = synthetic(dt.date(1912, 6, 30), 304, coordination=True)


def test_synthetic_numbers_are_valid() -> None:
    assert classify(OLD) == "personnummer"
    assert classify(YOUNG) == "personnummer"
    assert classify(COORD) == "samordningsnummer"
    assert COORD[6:8] == "90"


@pytest.mark.parametrize("number", [OLD, YOUNG])
@pytest.mark.parametrize("form", list(forms(OLD)))
def test_every_form_is_found(number: str, form: str) -> None:
    written = forms(number)[form]
    text = f"Sökande: Anna Andersson, {written}, bor i Alingsås."
    [match] = find_personnummer(text)
    assert match.text == written
    assert text[match.start : match.end] == written
    assert match.kind == "personnummer"


@pytest.mark.parametrize("form", list(forms(COORD)))
def test_coordination_numbers_are_found(form: str) -> None:
    written = forms(COORD)[form]
    [match] = find_personnummer(f"Samordningsnummer {written} gäller.")
    assert match.kind == "samordningsnummer"
    assert match.text == written


@pytest.mark.parametrize("template", ["{}", "({})", "{}.", "nr:{}", "{}\n", "x{}y"])
def test_found_at_text_edges_and_between_letters(template: str) -> None:
    written = forms(YOUNG)["YYMMDD-XXXX"]
    assert [m.text for m in find_personnummer(template.format(written))] == [written]


@pytest.mark.parametrize("number", [OLD, YOUNG, COORD])
def test_wrong_check_digit_is_not_found(number: str) -> None:
    for wrong in {str(d) for d in range(10)} - {number[-1]}:
        bad = number[:-1] + wrong
        for written in forms(bad).values():
            assert find_personnummer(f"nr {written} här") == [], written


@pytest.mark.parametrize(
    "prefix",
    [
        "19121304",  # month 13
        "19120230",  # 30 February
        "19130229",  # 29 February in a year that is not a leap year
        "19120100",  # day 0
        "19120132",  # day 32
        "19120192",  # coordination day 92 (= 32)
        "19120160",  # day 60: neither a birth day nor a coordination day
        "19120631",  # 31 June
        "19120691",  # coordination 31 June
    ],
)
def test_invalid_dates_are_not_found_even_with_a_valid_check_digit(prefix: str) -> None:
    nine = prefix[2:] + "123"
    number = prefix + "123" + str(luhn(nine))
    assert classify(number) is None
    for written in forms(number).values():
        assert find_personnummer(f"nr {written} här") == [], written


def with_check(prefix: str) -> str:
    """A 10- or 12-digit number completed with its check digit."""
    return prefix + str(luhn(prefix[-9:]))


def test_leap_days() -> None:
    assert classify(with_check("19120229123")) == "personnummer"  # 1912 is a leap year
    assert classify(with_check("19000229123")) is None  # 1900 is not
    assert classify(with_check("20000229123")) == "personnummer"
    assert classify(with_check("000229123")) == "personnummer"  # '-': born 2000
    assert classify(with_check("000229123"), plus=True) is None  # '+': born 1900 or 1800, neither a leap year
    assert classify(with_check("000289123")) == "samordningsnummer"


@pytest.mark.parametrize(
    "text",
    [
        "Nettokostnaden uppgick till 215 233 kronor.",
        "Resultatet blev 4 793 tkr bättre än budget.",
        "Beslutet fattades 2021-09-16 av nämnden.",
        "Diarienummer SN 9/2021 7706.",
        "Organisationsnummer 212000-1520.",
        "Telefon 0513-170 00 (växel).",
        "Perioden 210831 avser augusti.",
        "Period 20210101-20211231 och 210101-211231.",
        "Andelen var 0,1212121212 i snitt.",
        "Belopp 1 212 121 212 kr.",
        "Tabell: 121212 1212 121212",
    ],
)
def test_ordinary_report_figures_are_not_found(text: str) -> None:
    assert find_personnummer(text) == []
    assert mask_preserving_length(text) == text


def test_neighbouring_digits_rule_a_candidate_out() -> None:
    ten = forms(YOUNG)["YYMMDDXXXX"]
    assert find_personnummer(f"1{ten}") == []
    assert find_personnummer(f"{ten}1") == []
    assert find_personnummer(f"3,{ten}") == []
    assert find_personnummer(f"{ten},5") == []


def test_mask_personnummer_replaces_and_counts() -> None:
    text = f"A {forms(OLD)['YYMMDD-XXXX']}, B {forms(COORD)['YYYYMMDDXXXX']}. Summa 215 233 kr."
    masked, count = mask_personnummer(text)
    assert count == 2
    assert masked == f"A {DEFAULT_MASK}, B {DEFAULT_MASK}. Summa 215 233 kr."
    assert mask_personnummer(text, mask="***") == ("A ***, B ***. Summa 215 233 kr.", 2)
    assert mask_personnummer("inget här 2021-09-16") == ("inget här 2021-09-16", 0)


@pytest.mark.parametrize("form", list(forms(OLD)))
def test_mask_preserving_length_masks_every_digit(form: str) -> None:
    written = forms(OLD)[form]
    text = f"Personnr {written}; belopp 4 793 tkr."
    masked = mask_preserving_length(text)
    assert len(masked) == len(text)
    start = text.index(written)
    span = masked[start : start + len(written)]
    assert not any(char.isdigit() for char in span)
    assert span == "".join("X" if char.isdigit() else char for char in written)
    assert masked[:start] == text[:start]
    assert masked[start + len(written) :] == text[start + len(written) :]
    assert find_personnummer(masked) == []


SWEDISH_WORDS = [
    "kommunen", "nämnden", "beslut", "äldreomsorg", "förskola", "budget", "utfall", "år", "kr", "tkr", "§",
    "2021-09-16", "215 233", "4 793", "SN 9/2021 7706", "0513-170 00", "212000-1520", "210831", "Ålgård", "(", ")",
    ",", ".", ":", "-", "+", "\n", "personnummer", "samordningsnummer",
]  # fmt: skip

words = st.lists(
    st.one_of(st.sampled_from(SWEDISH_WORDS), st.text(alphabet="0123456789 -+åäöÅÄÖabc.,", max_size=12)),
    max_size=12,
).map(" ".join)


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    """A generated valid number (ordinary or coordination) in one of the written forms."""
    date = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)))
    number = synthetic(date, draw(st.integers(0, 999)), coordination=draw(st.booleans()))
    return draw(st.sampled_from(list(forms(number).values())))


@settings(max_examples=300, deadline=None)
@given(before=words, numbers=st.lists(valid_numbers(), min_size=1, max_size=4), after=words)
def test_masking_leaves_no_valid_number_and_keeps_length(before: str, numbers: list[str], after: str) -> None:
    text = before + " " + " och ".join(numbers) + " " + after
    masked = mask_preserving_length(text)
    assert len(masked) == len(text)
    assert find_personnummer(masked) == []
    # Each embedded number stands between spaces, so each was found and fully masked.
    position = len(before) + 1
    for number in numbers:
        assert not any(char.isdigit() for char in masked[position : position + len(number)])
        position += len(number) + len(" och ")
    text_masked, count = mask_personnummer(text)
    assert count >= len(numbers)
    assert find_personnummer(text_masked) == []


@pytest.mark.parametrize("day", [1, 30, 31])
def test_samordningsnummer_for_every_day_of_a_long_month_is_masked(day: int) -> None:
    """A coordination number adds 60 to the day of birth: the 31st is day 91 and is masked like any other."""
    number = synthetic(dt.date(1985, 1, day), 412, coordination=True)
    assert number[6:8] == f"{day + 60}"
    for written in forms(number).values():
        [match] = find_personnummer(f"Samordningsnummer {written} gäller.")
        assert (match.text, match.kind) == (written, "samordningsnummer")
        assert mask_personnummer(f"Nr {written}.") == (f"Nr {DEFAULT_MASK}.", 1)


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("000229-{c}", True),  # '-': under 100 years old, born 29 February 2000
        ("000229+{c}", False),  # '+': born 1900 (or 1800), neither a leap year
        ("030229-{c}", False),  # 1903 and 2003 were no leap years
        ("030229+{c}", False),  # nor were 1803 and 1903
        ("040229+{c}", True),  # 1904 was
        ("140229-{c}", False),  # nor were 1914 and 2014
        ("19140229{c}", False),  # the 12-digit form names its century
        ("20040229{c}", True),
    ],
)
def test_leap_days_follow_the_century_the_separator_implies(written: str, found: bool) -> None:
    digits = written.replace("{c}", "").replace("-", "").replace("+", "")
    number = written.format(c=f"123{luhn(digits[-6:] + '123')}")
    assert bool(find_personnummer(f"Född {number}.")) is found, number


def test_masking_keeps_every_digit_outside_the_number() -> None:
    written = forms(YOUNG)["YYMMDD-XXXX"]
    text = f"År 2021, ärende 17: {written}, belopp 4 793 tkr."
    masked = mask_preserving_length(text)
    assert masked == "År 2021, ärende 17: XXXXXX-XXXX, belopp 4 793 tkr."
    assert mask_personnummer(text) == (f"År 2021, ärende 17: {DEFAULT_MASK}, belopp 4 793 tkr.", 1)
