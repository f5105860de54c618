"""English questions: telling them apart, and their Swedish terms through the one glossary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.language.lexicon import Lexicon, load_lexicon

_TOKEN = re.compile(r"\w+", re.UNICODE)


def is_english(text: str, lexicon: Lexicon | None = None) -> bool:
    """A language guess: English function words outnumber Swedish ones (and there are at least two)."""
    lex = lexicon or load_lexicon()
    tokens = _TOKEN.findall(text.lower())
    en = sum(w in lex.english_markers for w in tokens)
    sv = sum(w in lex.swedish_markers for w in tokens)
    return en >= 2 and en > sv


def phrase_form(text: str) -> str:
    """Lower case; hyphens and punctuation become spaces; a possessive 's is dropped."""
    text = re.sub(r"'s\b", "", text.lower().replace("’", "'"))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@dataclass
class Translation:
    """Swedish terms for an English question, and the English content words the glossary does not know."""

    swedish: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The Swedish terms and the untranslated words (names, numbers, Swedish words) as one query."""
        return " ".join([*self.swedish, *self.untranslated])


def translate(text: str, glossary: dict[str, str] | None = None, lexicon: Lexicon | None = None) -> Translation:
    """Glossary phrases of the text, longest first, each once; the content words left over stay as written."""
    lex = lexicon or load_lexicon()
    table = glossary if glossary is not None else lex.glossary
    rest = f" {phrase_form(text)} "
    found: list[str] = []
    for phrase in sorted(table, key=len, reverse=True):
        needle = f" {phrase_form(phrase)} "
        if needle.strip() and needle in rest:
            if table[phrase] not in found:
                found.append(table[phrase])
            rest = rest.replace(needle, " ")
    left = [w for w in rest.split() if w not in lex.stop_en and w not in lex.stop_sv]
    return Translation(found, left)
