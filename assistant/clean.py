"""Swedish PDF-text cleaning that keeps the meaning: hyphen joins, page furniture, layout whitespace."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.types import PageSpan

CLEANER_VERSION = "2"

# Characters that only carry layout: no-break and thin spaces become spaces, soft hyphens and
# zero-width marks disappear, other control characters (but tab and newline) disappear.
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2002\u2003\u2009\u200a"), " ")
_DROP = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

# Page furniture: whole lines that belong to the page, not to the text.
_FURNITURE = re.compile(
    "|".join([
        r"^(?:sida|sid|page|s\.)\s*\d+\s*(?:av|/|of)\s*\d+$",  # Sida 10 av 17
        r"^ärende\s+\d+$",  # Ärende 3
        r"\bBox\s+\d+\b.*\b\d{3}\s?\d{2}\b",  # letterhead address
        r"^Besöksadress\b|\bTelefax\b|\borg\.?\s?(?:nummer|nr)\b",  # letterhead contact line
        r"^(?:www\.)?[\w-]+\.se$",  # LERUM.SE
    ]),
    re.IGNORECASE,
)

# A word hyphenated at a line end is joined unless the hyphen is real: "stöd- och omsorg",
# "detalj-, distans- och partihandel", "e-cigaretter", "IT-stöd".
_KEEP_HYPHEN_NEXT = {"och", "eller", "samt", "respektive", "resp", "till", "som", "liksom", "men"}
_LINE_END_HYPHEN = re.compile(r"(\w+)-$")
_SENTENCE_END = (".", ":", ";", "!", "?")


@dataclass
class CleanResult:
    """Cleaned text and which characters came from which page."""

    text: str
    pages: list[PageSpan] = field(default_factory=list)


def normalize_chars(text: str) -> str:
    """Unify newlines and spaces, drop invisible and control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    return _CONTROL.sub("", text.translate(_SPACES).translate(_DROP))


def normalize_line(line: str) -> str:
    """Collapse spaces inside a line, keep tabs as column separators (an empty cell stays), strip the ends."""
    line = re.sub(r" *\t *", "\t", line)
    line = re.sub(r" {2,}", " ", line)
    return line.strip(" ")


def is_furniture(line: str) -> bool:
    """True for page furniture lines: page numbers, 'Ärende 3', letterheads, web addresses."""
    stripped = line.strip()
    return bool(stripped) and _FURNITURE.search(stripped) is not None


def _next_nonblank(lines: list[str], i: int, max_gap: int = 2) -> int | None:
    """Index of the next non-blank line after i, skipping at most max_gap blank lines."""
    j = i + 1
    while j < len(lines) and not lines[j] and j - i - 1 < max_gap:
        j += 1
    return j if j < len(lines) and lines[j] else None


def _starts_lower(line: str) -> bool:
    return bool(line) and line[0].isalpha() and line[0].islower()


def join_hyphenated(lines: list[str]) -> list[str]:
    """Join words hyphenated across line breaks, keeping real hyphens."""
    out = list(lines)
    i = 0
    while i < len(out):
        match = _LINE_END_HYPHEN.search(out[i])
        j = _next_nonblank(out, i) if match else None
        if match and j is not None and _starts_lower(out[j]) and "\t" not in out[j]:
            head, rest = out[i], out[j]
            first_word = re.match(r"\w+", rest)
            word = match.group(1)
            if first_word and first_word.group(0) in _KEEP_HYPHEN_NEXT:
                joined = f"{head} {rest}"  # "vård- och omsorg": a real hyphen
            elif len(word) <= 2 or word.isupper() or word.isdigit():
                joined = f"{head}{rest}"  # "e-cigaretter", "IT-stöd": keep the hyphen
            else:
                joined = f"{head[:-1]}{rest}"  # "Kompetens-försörjning" → "Kompetensförsörjning"
            out[i] = joined
            del out[i + 1 : j + 1]
            continue
        i += 1
    return out


def reflow(lines: list[str], min_length: int = 50) -> list[str]:
    """Join prose lines wrapped by the PDF layout (a long unfinished line followed by a lowercase line)."""
    out = list(lines)
    i = 0
    while i < len(out):
        line = out[i]
        j = _next_nonblank(out, i, max_gap=1)
        if (
            j is not None
            and len(line) >= min_length
            and "\t" not in line
            and not line.endswith(_SENTENCE_END)
            and _starts_lower(out[j])
            and "\t" not in out[j]
        ):
            out[i] = f"{line} {out[j]}"
            del out[i + 1 : j + 1]
            continue
        i += 1
    return out


def _page_edge_furniture(pages: list[list[str]]) -> set[str]:
    """Lines among the first or last two of at least half the pages (rounded down) and of 3+ pages: letterheads,
    running titles."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        content = [ln for ln in lines if ln]
        edges = set(content[:2] + content[-2:])
        counts.update(edges)
    return {line for line, n in counts.items() if n >= max(3, len(pages) // 2) and len(line) < 120}


def _clean_lines(raw: str) -> list[str]:
    lines = [normalize_line(ln) for ln in normalize_chars(raw).split("\n")]
    return ["" if is_furniture(ln) else ln for ln in lines]


def _finish(lines: list[str]) -> str:
    lines = reflow(join_hyphenated(lines))
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def clean_pages(pages: list[str], numbers: list[int] | None = None) -> CleanResult:
    """Clean the text of each page and join them, recording each page's character span (and own number)."""
    page_lines = [_clean_lines(p) for p in pages]
    edge = _page_edge_furniture(page_lines)
    parts: list[str] = []
    spans: list[PageSpan] = []
    offset = 0
    for index, lines in enumerate(page_lines):
        number = numbers[index] if numbers and index < len(numbers) else index + 1
        content = [ln for ln in lines if ln]
        first_last = {content[0], content[-1]} if content else set()
        kept = [
            "" if ln in edge or (ln == str(number) and ln in first_last) else ln  # lone page number
            for ln in lines
        ]
        text = _finish(kept)
        if not text:
            continue
        if parts:
            parts.append("\n\n")
            offset += 2
        spans.append(PageSpan(page=number, start=offset, end=offset + len(text)))
        parts.append(text)
        offset += len(text)
    return CleanResult(text="".join(parts), pages=spans)


def clean_text(raw: str) -> str:
    """Clean one text without page structure (plain-text extractions, Markdown)."""
    return clean_pages([raw]).text
