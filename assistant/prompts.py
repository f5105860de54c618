"""Prompt files in prompts/: loaded, placeholder-checked against a registry, rendered, hashed."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The one "cannot answer" sentence: the answer prompt tells the model to write exactly this,
# and code and tests compare against the same constant.
CANNOT_ANSWER = "Underlaget innehåller inget svar på frågan."

# Placeholders each shipped prompt must use, exactly: a prompt file edited with a missing,
# misspelt or extra placeholder fails when loaded, not halfway through a request.
EXPECTED: dict[str, frozenset[str]] = {
    "answer": frozenset({"question", "passages", "cannot_answer"}),
    "answer_system": frozenset({"cannot_answer"}),
    "draft_indicator": frozenset({"municipality", "body", "period", "facts", "passages"}),
    "draft_system": frozenset(),
    "repair": frozenset({"draft", "findings"}),
}


class PromptError(ValueError):
    """A prompt file is missing, malformed, or was rendered with the wrong values."""


def default_prompts_dir() -> Path:
    """The prompts/ folder at the repository root, next to the package."""
    return Path(__file__).resolve().parent.parent / "prompts"


def parse_placeholders(text: str, *, name: str = "<text>") -> frozenset[str]:
    """The `{name}` fields of a str.format template; positional, attribute and index fields are refused."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:  # e.g. a single "{" that should have been doubled
        raise PromptError(f"Prompt {name!r} is not a valid format string: {exc}") from exc
    fields: set[str] = set()
    for _literal, field, _spec, _conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier():
            raise PromptError(
                f"Prompt {name!r} has placeholder {{{field}}}; only plain names like {{question}} are allowed "
                "(write literal braces as {{ and }})"
            )
        fields.add(field)
    return frozenset(fields)


@dataclass(frozen=True)
class Prompt:
    """One prompt template: its name, text, placeholders and content hash."""

    name: str
    text: str
    placeholders: frozenset[str]
    sha256: str

    @classmethod
    def from_text(cls, name: str, text: str) -> Prompt:
        """Build a prompt from template text, parsing its placeholders."""
        return cls(
            name=name,
            text=text,
            placeholders=parse_placeholders(text, name=name),
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )

    def render(self, **values: Any) -> str:
        """Fill every placeholder; a missing or unknown value is an error (exact match both ways)."""
        given = set(values)
        missing = sorted(self.placeholders - given)
        unknown = sorted(given - self.placeholders)
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing values for {missing}")
            if unknown:
                parts.append(f"unknown values {unknown}")
            raise PromptError(f"Prompt {self.name!r}: {'; '.join(parts)}")
        # Substituted values are not re-parsed by str.format, so braces in passages are safe.
        return self.text.format(**values)


def load_prompt(name: str, prompts_dir: Path | None = None) -> Prompt:
    """Read prompts/<name>.txt and check its placeholders against EXPECTED (for registered names)."""
    if not name or Path(name).name != name or name.startswith("."):
        raise PromptError(f"Invalid prompt name {name!r}")
    folder = prompts_dir if prompts_dir is not None else default_prompts_dir()
    path = folder / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptError(f"Prompt file {path} does not exist") from exc
    prompt = Prompt.from_text(name, text)
    expected = EXPECTED.get(name)
    if expected is not None and prompt.placeholders != expected:
        missing = sorted(expected - prompt.placeholders)
        extra = sorted(prompt.placeholders - expected)
        raise PromptError(
            f"Prompt file {path} has the wrong placeholders: missing {missing}, unexpected {extra} "
            f"(expected exactly {sorted(expected)})"
        )
    return prompt


def prompt_hashes(names: Iterable[str], prompts_dir: Path | None = None) -> dict[str, str]:
    """The sha256 of each named prompt, for eval records."""
    return {name: load_prompt(name, prompts_dir).sha256 for name in names}
