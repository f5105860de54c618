"""ONE graded word matcher for retrieval, facts and answers: stems, definite forms, compound heads and tails.

A question word matches a text word with a grade in 0..1:
  1.0  the same stem                        budgeten ~ budget
  0.9  the same root (inflection folded)    sjukfrånvaron ~ sjukfrånvaro, nettokostnad ~ nettokostnaderna,
       an adjective's neuter t for its d                                          särskilda ~ särskilt
  0.8  the text word is a compound ending in the question word (a kind of it)   frånvaro ~ sjukfrånvaro
  0.7  the text word is a compound starting with the question word              brukare ~ brukarbedömning
  0.6  the question word is a compound holding the text word                   nettokostnad ~ kostnad
Shorter parts than four letters never count, so 'ram' does not match 'program'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.language.lexicon import Lexicon, load_lexicon

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Inflection endings folded to find a root: definite and plural forms, genitive s (longest first).
_ENDINGS = ("ernas", "arnas", "ornas", "erna", "arna", "orna", "ens", "ets", "ena", "en", "et", "na", "ar", "er",
            "or", "s", "n", "e", "a")
_MIN_PART = 4
GRADES = {"stem": 1.0, "root": 0.9, "head": 0.8, "tail": 0.7, "part": 0.6}


def _neuter(root: str) -> str:
    """An adjective root in its neuter form: a final d becomes t (särskild → särskilt, känd → känt)."""
    return root[:-1] + "t" if root.endswith("d") and len(root) >= 4 else root


@dataclass(frozen=True)
class Term:
    """A content word of a question: as written, its stem and its root."""

    word: str
    stem: str
    root: str


class WordMatcher:
    """Swedish word analysis (Snowball stems, roots) and graded matching of question terms in texts."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        import Stemmer  # PyStemmer

        self.lexicon = lexicon or load_lexicon()
        self._stemmer = Stemmer.Stemmer("swedish")
        self._stem = lru_cache(maxsize=200_000)(self._stem_uncached)
        self._grade = lru_cache(maxsize=400_000)(self._grade_uncached)

    def _stem_uncached(self, word: str) -> str:
        stem: str = self._stemmer.stemWord(word)
        for suffix in ("ning", "ing"):  # a verbal noun folds onto its verb: investering → invester
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 4:
                return stem[: -len(suffix)]
        return stem

    def stem(self, word: str) -> str:
        """The folded Snowball stem of one lower-case word."""
        return self._stem(word.lower())

    @staticmethod
    def root(word: str) -> str:
        """The word without one inflection ending, when at least five letters remain."""
        word = word.lower()
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 5:
                return word[: -len(ending)]
        return word

    def tokens(self, text: str) -> list[str]:
        """Lower-case word tokens of a text (digits kept, '_' dropped)."""
        return [w for w in _TOKEN.findall(text.lower()) if w != "_"]

    def content_words(self, text: str) -> list[str]:
        """Tokens without Swedish and English function words."""
        return [w for w in self.tokens(text) if not self.lexicon.is_stopword(w)]

    def stems(self, text: str) -> list[str]:
        """The folded stems of a text's content words (the keyword index's vocabulary)."""
        return [self.stem(w) for w in self.content_words(text)]

    def terms(self, text: str) -> list[Term]:
        """The content words of a text as terms, each once, in order."""
        seen: set[str] = set()
        out: list[Term] = []
        for word in self.content_words(text):
            stem = self.stem(word)
            if stem not in seen and not word.isdigit():
                seen.add(stem)
                out.append(Term(word, stem, self.root(word)))
        return out

    def _grade_uncached(self, q_word: str, t_word: str) -> float:
        q_stem, t_stem = self.stem(q_word), self.stem(t_word)
        if q_stem == t_stem:
            return GRADES["stem"]
        q_root, t_root = self.root(q_word), self.root(t_word)
        short, long_ = sorted((q_root, t_root), key=len)
        inflected = len(short) >= 5 and long_.startswith(short) and len(long_) - len(short) <= 3
        if _neuter(q_root) == _neuter(t_root) or inflected:
            return GRADES["root"]
        q_forms, t_forms = {q_word, q_stem, q_root}, {t_word, t_stem, t_root}
        pairs = [(q, t) for q in q_forms for t in t_forms]
        if any(len(q) >= _MIN_PART and len(t) - len(q) >= _MIN_PART and t.endswith(q) for q, t in pairs):
            return GRADES["head"]
        if any(len(q) >= 5 and len(t) - len(q) >= _MIN_PART and t.startswith(q) for q, t in pairs):
            return GRADES["tail"]
        if any(len(t) >= 5 and len(q) - len(t) >= _MIN_PART and (q.endswith(t) or q.startswith(t)) for q, t in pairs):
            return GRADES["part"]
        return 0.0

    def grade(self, q_word: str, t_word: str) -> float:
        """How well a text word matches a question word (0..1), see the module docstring."""
        return self._grade(q_word.lower(), t_word.lower())

    def match(self, terms: list[Term], text: str) -> dict[str, float]:
        """For each term (by stem), the best grade of any word of the text."""
        words = set(self.content_words(text))
        found: dict[str, float] = {}
        for term in terms:
            best = max((self._grade(term.word, w) for w in words), default=0.0)
            if best > 0:
                found[term.stem] = best
        return found

    def mentions(self, term: Term, text: str, floor: float = GRADES["root"]) -> bool:
        """Whether a text speaks of a term in any form at least this close."""
        return self.match([term], text).get(term.stem, 0.0) >= floor
