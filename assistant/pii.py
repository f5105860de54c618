"""Swedish personal identity numbers (personnummer, samordningsnummer): find, validate and mask them."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["personnummer", "samordningsnummer"]

DEFAULT_MASK = "[personnummer]"
MASK_CHAR = "X"

# Word and PDF text often carries typographic dashes and no-break spaces where a plain hyphen or space was typed.
_DASH = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_SPACE = " \t\u00a0\u2009\u202f"

# A candidate is a maximal digit run of 8 (century given) or 6 digits, an optional separator (spaces only around
# a hyphen or plus, never alone: "850101 1234" reads like two figures in a table) and exactly 4 digits. Neighbouring
# digits, and decimal commas/points followed or preceded by digits, rule a candidate out.
_PATTERN = re.compile(
    r"(?<!\d)(?<!\d[.,])"
    r"(?:"
    rf"(?P<century>1[89]|20)(?P<date12>\d{{6}})(?:[{_SPACE}]{{0,2}}[{_DASH}+][{_SPACE}]{{0,2}})?(?P<serial12>\d{{4}})"
    r"|"
    rf"(?P<date10>\d{{6}})(?:[{_SPACE}]{{0,2}}(?P<sep>[{_DASH}+])[{_SPACE}]{{0,2}})?(?P<serial10>\d{{4}})"
    r")"
    r"(?!\d)(?![.,]\d)",
    re.ASCII,
)


@dataclass(frozen=True)
class Match:
    """One identity number found in a text: its span, the text as written and which kind it is."""

    start: int
    end: int
    text: str
    kind: Kind


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit for the first nine digits of the 10-digit form (YYMMDDNNN)."""
    total = 0
    for i, char in enumerate(nine_digits):
        product = int(char) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def luhn_valid(ten_digits: str) -> bool:
    """Whether a 10-digit YYMMDDNNNC string has a correct check digit."""
    return len(ten_digits) == 10 and ten_digits.isdigit() and luhn_check_digit(ten_digits[:9]) == int(ten_digits[9])


def _date_kind(years: tuple[int, ...], month: int, day: int) -> Kind | None:
    """The kind the day number implies if (year, month, day) is a real date for any candidate year, else None."""
    kind: Kind = "personnummer"
    if 61 <= day <= 91:  # coordination numbers add 60 to the day of birth
        kind, day = "samordningsnummer", day - 60
    if not 1 <= month <= 12 or day < 1:
        return None
    if any(day <= calendar.monthrange(year, month)[1] for year in years):
        return kind
    return None


def classify(digits: str, plus: bool = False) -> Kind | None:
    """The kind of a 10- or 12-digit number without separator if its date and check digit are valid, else None."""
    if len(digits) == 12:
        years: tuple[int, ...] = (int(digits[:4]),)
        ten = digits[2:]
    elif len(digits) == 10:
        # The century is implied by age: '-' means under 100 years old, '+' means 100 or older. Accepting both
        # centuries that fit keeps the answer independent of today's date (it only matters for 29 February).
        yy = int(digits[:2])
        years = (1800 + yy, 1900 + yy) if plus else (1900 + yy, 2000 + yy)
        ten = digits
    else:
        return None
    if not digits.isdigit() or not luhn_valid(ten):
        return None
    return _date_kind(years, int(ten[2:4]), int(ten[4:6]))


def find_personnummer(text: str) -> list[Match]:
    """Every valid personnummer and samordningsnummer in the text, in order."""
    found: list[Match] = []
    for m in _PATTERN.finditer(text):
        if m.group("century"):
            kind = classify(m.group("century") + m.group("date12") + m.group("serial12"))
        else:
            kind = classify(m.group("date10") + m.group("serial10"), plus=m.group("sep") == "+")
        if kind is not None:
            found.append(Match(m.start(), m.end(), m.group(0), kind))
    return found


def mask_personnummer(text: str, mask: str = DEFAULT_MASK) -> tuple[str, int]:
    """The text with every identity number replaced by the mask text, and how many were replaced."""
    matches = find_personnummer(text)
    if not matches:
        return text, 0
    parts: list[str] = []
    position = 0
    for match in matches:
        parts.append(text[position : match.start])
        parts.append(mask)
        position = match.end
    parts.append(text[position:])
    return "".join(parts), len(matches)


def mask_preserving_length(text: str) -> str:
    """The text with every digit of every identity number replaced by X, so all character offsets stay valid."""
    matches = find_personnummer(text)
    if not matches:
        return text
    chars = list(text)
    for match in matches:
        for i in range(match.start, match.end):
            if chars[i].isdigit():
                chars[i] = MASK_CHAR
    return "".join(chars)
