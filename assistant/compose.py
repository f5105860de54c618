"""Composed answers from passages: whole sentences, rows and lists of the documents, chosen by set cover."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.evidence import BULLET, Unit, UnitScorer, extend_list, introduces_list, split_units
from assistant.numbers import find_numbers
from assistant.retrieve import ScoredChunk
from assistant.types import Citation, SourceDocument

NUMBER_WORD = re.compile(
    r"\b(två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tjugo|trettio|hundra|tusen|miljon\w*|miljard\w*|"
    r"halva|hälften|dubbelt)\b", re.IGNORECASE)
_YEARLIKE = re.compile(r"^(19|20)\d\d$")
YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
CITATION_KEY = re.compile(r"\[(K\d+)\]")
# Text in a document that speaks to a language model ("Ignorera tidigare instruktioner …") is never evidence.
INSTRUCTION = re.compile(
    r"(?i)\b(ignorera|bortse från|strunta i|glöm)\b[^.\n]{0,60}\b(instruktion\w*|regler\w*|anvisning\w*|prompt\w*)"
    r"|\b(ignore|disregard|forget)\b[^.\n]{0,60}\b(instructions?|rules|prompts?)\b"
    r"|\b(systemprompt\w*|system prompt|du är en (ai|språkmodell)|you are (an ai|a language model))")
_TAIL_CHARS = 900  # text after a passage read so that a cut sentence or an introduced list is whole


@dataclass
class Candidate:
    """A unit of a retrieved passage with the question terms it covers."""

    unit: Unit
    chunk: ScoredChunk
    rank: int
    found: dict[str, float]
    bonus: float = 0.0
    group: str = field(default="")

    def own(self, terms: dict[str, float], total: float) -> float:
        """Weighted share of the question (or of one part's terms) this unit covers alone."""
        return sum(terms.get(t, 0.0) * v for t, v in self.found.items()) / total


def has_answer_number(text: str) -> bool:
    """A number that can answer 'hur många/hur mycket': not a bare year, or a number word."""
    for _, _, number in find_numbers(text):
        if number.unit == "datum" or not _YEARLIKE.match(number.raw.strip()):
            return True
    return bool(NUMBER_WORD.search(text))


_COUNT = re.compile(r"(?i)\bhur många\s+(?:[^\W\d_]+-\s+(?:och|eller)\s+)?([^\W\d_]{3,})")
_NOT_NOUN = frozenset(re.findall(r"\w+", "ska skall har hade var är blev finns fanns fick får kan kunde kommer gick"))


def counted_noun(question: str) -> str | None:
    """The noun a 'hur många …' question counts ('hur många fallolyckor' → 'fallolyckor'), if any."""
    match = _COUNT.search(question)
    if not match or match.group(1).lower() in _NOT_NOUN:
        return None
    return match.group(1).lower()


def number_near(text: str, noun: str, window: int = 10) -> bool:
    """Whether a count stands within a few words of the counted noun ('385 fallolyckor', 'Arbetsskador 146')."""
    prefix = noun[: max(3, len(noun) - 3) if len(noun) > 7 else len(noun) - 1 if len(noun) > 4 else len(noun)]
    tokens = text.lower().split()
    nouns = [i for i, t in enumerate(tokens) if prefix in t or (len(t) >= 4 and noun.endswith(t.strip(".,:;")))]
    counts = [i for i, t in enumerate(tokens) if has_answer_number(t)]
    return any(abs(i - j) <= window for i in nouns for j in counts)


def without_instructions(text: str) -> str:
    """The text with every sentence that addresses a language model replaced by a marker."""
    sentences = re.split(r"(?<=[.!?])\s+|\n", text)
    dropped = [s for s in sentences if INSTRUCTION.search(s)]
    for sentence in dropped:
        text = text.replace(sentence, "[instruktion i dokumentet borttagen]")
    return text


def document_units(text: str, start: int, end: int) -> list[Unit]:
    """Units of a document around a passage: sentences the passage cuts are read whole, lists to their end."""
    begin = text.rfind("\n", 0, start) + 1
    before = text.rfind("\n", 0, max(begin - 1, 0)) + 1  # one line more, so a continued line is merged
    stop = text.find("\n", min(len(text), end + _TAIL_CHARS))
    stop = len(text) if stop < 0 else stop
    units = split_units(text[before:stop], before)
    return units


# A line of table values ("44", "37 42 46", "0,8% 1,0% * Minskande"): the PDF put a row's values below its name.
VALUES = re.compile(r"^[-–]?\s*[\d*][\d\s,.%()*-]*(\s+(Ökande|Minskande|Oförändrad\w*|saknas|IU\.?|\*+))*$")


def with_values(unit: Unit, source: str, base: int) -> Unit:
    """A table row's name with the value lines below it, when the row itself holds no number."""
    if find_numbers(re.sub(r"\([^)]*\)|§\s*[\d.:]+", " ", unit.text)):  # "(U28418)", "LSS § 9.9" are names
        return unit
    rest = source[unit.end - base: unit.end - base + 300]
    lines = list(re.finditer(r"[^\n]+", rest))[:3]
    taken = list(itertools.takewhile(lambda m: bool(VALUES.match(m.group(0).strip())), lines))
    if not taken:
        return unit
    end = unit.end + taken[-1].end()
    return Unit(unit.start, end, source[unit.start - base:end - base])


# Three or more figures in a row ("9,8% 9,0% -0,8%"): a table row, even when a sentence follows it on the line.
_ROW_IN_TEXT = re.compile(r"(?:[-–]?\d[\d ,.]*%?\s+){2,}[-–]?\d[\d,.]*%?")


def is_figures_row(text: str) -> bool:
    """A table row: a name and three or more figures ('Arbetsliv och Stöd * 0,0 0,0 0,0 21,6 -99,4 -77,7')."""
    return bool(_ROW_IN_TEXT.search(text)) and not text.rstrip().endswith(".")


def is_prose(text: str) -> bool:
    """A written sentence, not a table row: ends with a full stop and is mostly words."""
    tokens = text.split()
    numeric = sum(1 for t in tokens if re.search(r"\d", t))
    return (text.rstrip().endswith(".") and "\t" not in text and numeric <= 0.25 * len(tokens)
            and not _ROW_IN_TEXT.search(text))


def column_header(text: str, row_start: int, reach: int = 1500) -> str:
    """The nearest line above a table row that names two or more years: its column header, or ''."""
    lines = re.findall(r"[^\n]+", text[max(0, row_start - reach):row_start])
    return next((line for line in reversed(lines) if len(YEAR.findall(line)) >= 2), "")


def passage_candidates(
    chunks: list[ScoredChunk], document: Callable[[str], SourceDocument | None], scorer: UnitScorer,
    terms: dict[str, float], bonus: Callable[[str], float], group: Callable[[ScoredChunk], str] = lambda c: "",
) -> list[Candidate]:
    """Every unit that overlaps a passage (lists extended), deduplicated, scored against the question terms."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Candidate] = []
    for rank, chunk in enumerate(chunks):
        c = chunk.chunk
        doc = document(c.document)
        if doc is not None and doc.text[c.start:c.end] == c.text:
            source, base = doc.text, 0
            units = document_units(doc.text, c.start, c.end)
        else:
            source, base = c.text, c.start
            units = split_units(c.text, c.start)
        for i, unit in enumerate(units):
            if unit.end <= c.start or unit.start >= c.end:
                continue
            if introduces_list(unit) and i + 1 < len(units):
                extended = extend_list(units, i)  # the quote is the text as written, line breaks and all
                unit = Unit(extended.start, extended.end, source[extended.start - base:extended.end - base])
            unit = with_values(unit, source, base)
            key = (c.document, unit.start, unit.end)
            if key in seen or INSTRUCTION.search(unit.text):
                continue
            seen.add(key)
            context = c.header
            if source is not c.text and not is_prose(unit.text):  # a table row: its column header says the years
                context = f"{context} {column_header(source, unit.start)}"
            found = scorer.matched(terms, unit.text, context)
            out.append(Candidate(unit, chunk, rank, found, bonus(unit.text), group(chunk)))
    return out


class Quoted(Protocol):
    """A unit chosen for an answer, with the passage it was found in."""

    @property
    def chunk(self) -> ScoredChunk: ...

    @property
    def unit(self) -> Unit: ...


def compose(picked: Sequence[Quoted], offset: int = 0) -> tuple[str, list[Citation]]:
    """Quote the picked units in document order, each with its key; one short lead naming the sources."""
    ordered = sorted(picked, key=lambda p: (p.chunk.chunk.document, p.unit.start))
    citations: list[Citation] = []
    by_source: dict[str, list[str]] = {}
    for i, cand in enumerate(ordered, start=offset + 1):
        chunk, unit = cand.chunk, cand.unit
        key = f"K{i}"
        citations.append(Citation(key=key, document=chunk.chunk.document, title=chunk.meta.title,
                                  section=chunk.chunk.section, start=unit.start, end=unit.end,
                                  page=chunk.chunk.page, quote=unit.text))
        label = source_label(chunk)
        by_source.setdefault(label, []).append(f"{_flat(unit.text)} [{key}]")
    parts = [f"Enligt {label}:" + "".join(("\n" if BULLET.match(q) else " ") + q for q in quotes)
             for label, quotes in by_source.items()]  # list items each on a line of their own
    return "\n\n".join(parts), citations


def source_label(chunk: ScoredChunk) -> str:
    """Who says it, for the lead of an answer: municipality and body (titles carry dates that are not cited)."""
    meta = chunk.meta
    parts = [p for p in (meta.municipality, meta.body) if p]
    if parts:
        return ", ".join(parts)
    return re.sub(r"\s*\([^)]*\d[^)]*\)|\s*\b\d[\d-]*\b", "", meta.title).strip() or meta.title


def _flat(text: str) -> str:
    """A quoted unit on one line, whitespace collapsed."""
    return " ".join(text.split())
