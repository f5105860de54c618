"""The values of a table row: Swedish numbers with their units, and missing-data markers, with their spans.

Digit groups separated by a space are one number only when the later groups have exactly three digits
('1 081,7'); where a row could be read as more or fewer numbers ('88 120 91 300 95 000'), the reading with
as many values as the table has columns wins, and a row that cannot be read so is left unplaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_MISSING = ("saknas", "iu.", "iu", "-", "–", "−", "*", "**", "***", "..", "x")
_PIECE = re.compile(
    r"""(?P<cmp>[<>≤≥]=?)?(?P<sign>[-−–])?(?P<digits>\d+)(?P<frac>[,.]\d+)?
    (?P<unit>\s?(?:%|procent|tkr|mkr|mnkr|kr|st|dagar|år|tim))?(?P<note>\s?\((?:plats\s)?\d+\))?\*{0,3}""",
    re.VERBOSE | re.IGNORECASE,
)
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Piece:
    """One whitespace-separated token of a row that may be (part of) a value."""

    text: str
    start: int
    end: int
    kind: str  # num, missing, text (a direction word standing as a value), word
    groupable: bool = False  # exactly three digits and no sign: may continue a number ('081,7' of '1 081,7')
    can_lead: bool = False  # 1–3 digits without fraction or unit: may start a grouped number ('-1' of '-1 081,7')
    plain: bool = False  # digits only (a sign allowed): a following group may continue it


@lru_cache(maxsize=1)
def _directions() -> frozenset[str]:
    from assistant.language import load_lexicon

    return load_lexicon().direction


@dataclass(frozen=True)
class Value:
    """A value as written, with its span."""

    text: str
    start: int
    end: int
    missing: bool = False


def pieces(text: str, start: int, end: int) -> list[Piece]:
    """The tokens of text[start:end], each classified."""
    out: list[Piece] = []
    for m in _TOKEN.finditer(text, start, end):
        token = m.group(0)
        out.append(_piece(token, m.start(), m.end()))
    return _attach_units(text, out)


def _piece(token: str, start: int, end: int) -> Piece:
    if token.lower() in _MISSING:
        return Piece(token, start, end, "missing")
    if token.lower().strip(".,") in _directions():
        return Piece(token, start, end, "text")
    match = _PIECE.fullmatch(token)
    if match is None:
        return Piece(token, start, end, "word")
    plain = not (match["frac"] or match["unit"] or match["note"] or match["cmp"] or token.endswith("*"))
    digits = match["digits"]
    return Piece(token, start, end, "num", groupable=not match["sign"] and not match["cmp"] and len(digits) == 3,
                 can_lead=plain and len(digits) <= 3 and not digits.startswith("0"), plain=plain)


def _attach_units(text: str, tokens: list[Piece]) -> list[Piece]:
    """'5,9 %' and '12 tkr' are one value: a unit token after a number joins it."""
    out: list[Piece] = []
    for token in tokens:
        if out and out[-1].kind == "num" and token.text.lower() in ("%", "procent", "tkr", "mkr", "mnkr", "kr"):
            prev = out[-1]
            out[-1] = Piece(text[prev.start:token.end], prev.start, token.end, "num")
            continue
        out.append(token)
    return out


def _spans(run: list[Piece], i: int) -> list[int]:
    """The ends j for which run[i:j] can be one value: a lone piece, or a lead followed by 3-digit groups."""
    ends = [i + 1]
    if run[i].kind != "num" or not run[i].can_lead:
        return ends
    j = i + 1
    while j < len(run) and run[j].groupable and run[j - 1].plain and run[j].start - run[j - 1].end == 1:
        j += 1
        ends.append(j)
    return ends


def _best_readings(run: list[Piece]) -> list[dict[int, tuple[int, int, int]]]:
    """For each start i and count k: (best grouping score, number of readings with it, end of the first value)
    reading run[i:] as k values. The score counts the pieces that stand in grouped numbers: the Swedish way of
    writing thousands is the reading that groups most."""
    n = len(run)
    best: list[dict[int, tuple[int, int, int]]] = [dict() for _ in range(n + 1)]
    best[n][0] = (0, 1, n)
    for i in range(n - 1, -1, -1):
        for j in _spans(run, i):
            gain = j - i if j - i > 1 else 0
            for k, (score, ways, _) in best[j].items():
                cand = score + gain
                old = best[i].get(k + 1)
                if old is None or cand > old[0]:
                    best[i][k + 1] = (cand, ways, j)
                elif cand == old[0]:
                    best[i][k + 1] = (cand, old[1] + ways, old[2])
    return best


def _reading(best: list[dict[int, tuple[int, int, int]]], count: int) -> list[tuple[int, int]]:
    reading, i, k = [], 0, count
    while k:
        j = best[i][k][2]
        reading.append((i, j))
        i, k = j, k - 1
    return reading


def as_values(text: str, run: list[Piece], reading: list[tuple[int, int]]) -> list[Value]:
    """The values of one reading of a run of pieces."""
    out = []
    for a, b in reading:
        start, end = run[a].start, run[b - 1].end
        out.append(Value(text[start:end], start, end, missing=run[a].kind == "missing" and b - a == 1))
    return out


def read_values(text: str, run: list[Piece], count: int) -> list[Value] | None:
    """The run read as exactly `count` values, when that reading is the one way of writing the run that groups
    thousands as much as any reading does (else None: the count contradicts how the numbers are written, or
    two readings are equally good)."""
    if not run or count <= 0:
        return None
    best = _best_readings(run)
    if count not in best[0]:
        return None
    score, ways, _ = best[0][count]
    if ways != 1 or score < max(s for s, _, _ in best[0].values()):
        return None
    return as_values(text, run, _reading(best, count))


def greedy_values(text: str, run: list[Piece]) -> list[Value]:
    """The run read the way that groups thousands most (fewest values among equals)."""
    if not run:
        return []
    best = _best_readings(run)
    top = max(s for s, _, _ in best[0].values())
    count = min(k for k, (s, _, _) in best[0].items() if s == top)
    return as_values(text, run, _reading(best, count))
