"""Language as data: the lexicon files and the one word matcher that reads them."""

from assistant.language.english import is_english, translate
from assistant.language.lexicon import Lexicon, PhraseSet, load_lexicon, normalize, words
from assistant.language.matcher import GRADES, Term, WordMatcher

__all__ = [
    "GRADES", "Lexicon", "PhraseSet", "Term", "WordMatcher", "is_english", "load_lexicon", "normalize", "translate",
    "words",
]
