"""Section detection: headings in cleaned text → sections with character spans."""

from __future__ import annotations

import re

from assistant.types import Section

_NUMBERED = re.compile(r"^(?:\d+(?:\.\d+)*\.?)\s+(?=\w)")
_SENTENCE_END = (".", ",", ";", "!", "?", ":")
# Headings do not end in a function word; wrapped table cells and sentence starts often do.
_OPEN_ENDINGS = {"att", "av", "den", "det", "en", "ett", "och", "för", "med", "som", "i", "på", "till", "har",
                 "är", "om", "de", "eller", "samt", "vid", "från", "under", "inom"}


def _blocks(text: str) -> list[tuple[int, str]]:
    """Paragraph blocks (separated by blank lines) with their start offsets."""
    blocks = []
    for match in re.finditer(r"[^\n](?:.|\n(?!\n))*", text):
        blocks.append((match.start(), match.group(0)))
    return blocks


def is_heading(block: str, following: str | None) -> bool:
    """A short one-line block in title form, followed by a block with real content."""
    if "\n" in block or "\t" in block or following is None:
        return False
    line = block.strip(" ")
    if not (3 <= len(line) <= 90):
        return False
    title = _NUMBERED.sub("", line)
    words = title.split()
    letters = sum(ch.isalpha() for ch in title)
    if not (3 <= len(line) <= 90) or not words or len(words) > 12 or letters < 3:
        return False
    digits = sum(ch.isdigit() for ch in title)
    table_like = digits > 4 and digits > 0.1 * len(title)
    if letters < 0.6 * len(title.replace(" ", "")) or table_like or line.endswith(_SENTENCE_END):
        return False  # sentences, labels ending in ':' and table rows are not headings
    if not (title[0].isupper() or title[0].isdigit()) or words[-1].lower() in _OPEN_ENDINGS:
        return False
    # What follows must be content: prose, a list or a table, not another short label.
    return len(following) >= 40 or "\t" in following


def detect_sections(text: str) -> list[Section]:
    """Find headings and give each the span up to the next heading."""
    blocks = _blocks(text)
    starts: list[tuple[int, str]] = []
    for i, (start, block) in enumerate(blocks):
        first, _, rest = block.partition("\n")
        # A heading is its own block, or the first line of a block whose rest is prose.
        following = rest if rest else (blocks[i + 1][1] if i + 1 < len(blocks) else None)
        if rest and len(rest.partition("\n")[0]) < 60:
            following = None
        if is_heading(first, following):
            starts.append((start, first.strip()))
    sections = []
    for i, (start, title) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        sections.append(Section(title=title, start=start, end=end))
    return sections
