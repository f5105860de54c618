"""Verification: every number of an answer stands in a passage it cites (or in the header a cited row is read
under), and every citation key is one of the given passages. Used on the composed answer and on LLM text.

A number is looked for as its own run of words in the cited text ('216 123' among '137 670 141 228 216 123'),
so that a table row whose figures run together still backs each of them, and '16' never backs '216'.
"""

from __future__ import annotations

import re

from assistant.language.messages import message
from assistant.numbers import find_numbers
from assistant.prompts import CANNOT_ANSWER
from assistant.types import Citation

CITATION_KEY = re.compile(r"\[([A-Z]?\d+)\]")
_MINUS = str.maketrans({"−": "-", "–": "-"})


def _tokens(text: str) -> list[str]:
    """Words of a text with units and punctuation split off numbers ('5,9%' → '5,9', '%'; '-1,3;' → '-1,3')."""
    text = CITATION_KEY.sub(" ", text).translate(_MINUS)
    return re.findall(r"(?<![^\W_])[-+]?\d+(?:[,.]\d+)?|\d+(?:[,.]\d+)?|[^\W\d]+", text)


def _numeric_runs(raw: str) -> list[list[str]]:
    """The runs of figures in a number as found ('52,5 (plats 121)' → ['52,5'], ['121']; '216 123' is one run)."""
    runs: list[list[str]] = [[]]
    for token in _tokens(raw):
        if token[:1].isdigit() or token[:1] in "-+":
            runs[-1].append(token)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _stands_in(number: list[str], words: list[str]) -> bool:
    n = len(number)
    return any(words[i:i + n] == number for i in range(len(words) - n + 1))


def unsupported_numbers(text: str, cited: list[Citation]) -> list[str]:
    """Numbers of the text that no cited quote or cited row header holds."""
    sources = [_tokens(f"{c.header}\n{c.quote}") for c in cited]
    out = []
    for _, _, number in find_numbers(" ".join(CITATION_KEY.sub(" ", text).split())):
        runs = _numeric_runs(number.raw)
        if runs and not all(any(_stands_in(run, words) for words in sources) for run in runs):
            out.append(number.raw)
    return out


def check_answer(reply: str, passages: list[Citation]) -> list[str]:
    """Why an answer cannot be shown (Swedish): a refusal where support exists, no or unknown keys, numbers that
    no cited passage holds. Empty when it stands."""
    if CANNOT_ANSWER in reply:
        return [message("answering", "model_refused")]
    by_key = {p.key: p for p in passages}
    keys = CITATION_KEY.findall(reply)
    problems = [message("answering", "unknown_key", source=k) for k in keys if k not in by_key]
    cited = [by_key[k] for k in keys if k in by_key]
    if not cited:
        problems.append(message("answering", "no_citation"))
    problems += [message("answering", "number_unsupported", number=n) for n in unsupported_numbers(reply, cited)]
    return problems
