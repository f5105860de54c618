"""Verification: every number of an answer stands in a passage it cites (or in the header a cited row is read
under), and every citation key is one of the given passages. Used on the composed answer and on LLM text."""

from __future__ import annotations

import re

from assistant.numbers import find_numbers, normalize_number_text
from assistant.prompts import CANNOT_ANSWER
from assistant.types import Citation

CITATION_KEY = re.compile(r"\[([A-Z]?\d+)\]")


def numbers_of(text: str) -> set[str]:
    """The numbers of a text, normalized ('1 081,7' and '1081,7' alike)."""
    return {normalize_number_text(n.raw) for _, _, n in find_numbers(CITATION_KEY.sub(" ", text))}


def unsupported_numbers(text: str, cited: list[Citation]) -> list[str]:
    """Numbers of the text that no cited quote or cited row header holds."""
    allowed: set[str] = set()
    for c in cited:
        allowed |= numbers_of(c.quote) | numbers_of(c.header)
    return [n.raw for _, _, n in find_numbers(CITATION_KEY.sub(" ", text))
            if normalize_number_text(n.raw) not in allowed]


def check_answer(reply: str, passages: list[Citation]) -> list[str]:
    """Why an answer cannot be shown (Swedish): a refusal where support exists, no or unknown keys, numbers that
    no cited passage holds. Empty when it stands."""
    if CANNOT_ANSWER in reply:
        return ["språkmodellen vägrade trots stöd i underlaget; sammanställt svar används"]
    by_key = {p.key: p for p in passages}
    keys = CITATION_KEY.findall(reply)
    problems = [f"okänd källnyckel [{k}] i svaret" for k in keys if k not in by_key]
    cited = [by_key[k] for k in keys if k in by_key]
    if not cited:
        problems.append("svaret saknar källhänvisning")
    problems += [f"siffran {n} finns inte i någon citerad källa" for n in unsupported_numbers(reply, cited)]
    return problems
