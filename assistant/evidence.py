"""Evidence units (sentences, table rows, list items) inside passages, and how well they cover a question."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from assistant.query import ENGLISH_STOPWORDS, Analyzer, decompound, is_english

# A sentence ends at . ! ? before a capital letter, digit, dash or quote; abbreviations ("t.ex. att") do not.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"(–-])")
_MIN_UNIT = 12
HEADER_WEIGHT = 0.6
# Question words that say what kind of answer is wanted, not what it is about.
QUESTION_WORDS = frozenset(re.findall(r"\w+", """varifrån vart när varför hur vilken vilket vilka vad vem vems gav ger
får fick kommer
ska skall kan kunde finns fanns visade visar redovisas redovisade redovisar anges anger angavs står stod gäller gällde
hade har blev uppgick uppgår enligt nämner nämns beskrivs beskriver framgår framgick innebär innebar ingår ingick
stor stort stora många mycket lång långa hög höga via respektive per gjorde gjordes görs gör beror berodde
utvecklats utvecklades utvecklas förändrats förändrades förändras stämmer stämde angivna angiven angivet
låg legat lyfter lyfte lyfts tar tog håller höll fram upp"""))
PARTIAL_WEIGHT = 0.7
COMPOUND_WEIGHT = 0.85
# Who reports (municipality, nämnd, förvaltning) is settled by the retriever's filters and the passage header;
# such words count for little, so that coverage measures whether the unit answers what is asked.
CONTEXT_WEIGHT = 0.5
_ORGANISATION = re.compile(r"^(kommun|stad|region)$|(nämnd|förvalt|styrelse)$")
_BODY_NAME = re.compile(r"(?i)\b(\w+)-\s+(?:och|&)\s+\w+(?:nämnd|förvaltning|styrelse)\w*")


@dataclass(frozen=True)
class Unit:
    """One sentence, table row or list item, with its span in the cleaned document text."""

    start: int
    end: int
    text: str


BULLET = re.compile(r"^\s*[•▪◦*–-]\s")
_OPEN_END = re.compile(r"(,|\b(och|eller|samt|i|på|av|för|med|till|om|att|som|en|ett|den|det|de|vid|från|under))$")


def _continues(line: str, following: str) -> bool:
    """A PDF line break inside a sentence: the line is unfinished and the next one carries on."""
    if not following or "\t" in line or "\t" in following or line.endswith((".", "!", "?", ":")):
        return False
    return following[0].islower() or following[0].isdigit() or bool(_OPEN_END.search(line))


def split_units(text: str, offset: int) -> list[Unit]:
    """Sentences, table rows and list items; spans are absolute (offset = the passage's start)."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    merged: list[tuple[int, int]] = []
    for start, end in lines:
        previous = text[merged[-1][0]:merged[-1][1]].rstrip() if merged else ""
        gap = text[merged[-1][1]:start].count("\n") if merged else 0
        # A page break may leave a blank line inside a sentence ("… på grund av att\n\nCerner …").
        if merged and _continues(previous, text[start:end].lstrip()) and (
                gap == 1 or (gap == 2 and _OPEN_END.search(previous) and "\t" not in previous)):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    units: list[Unit] = []
    for line_start, line_end in merged:
        pieces = [(line_start, line_end)]
        if line_end - line_start > 200 and "\t" not in text[line_start:line_end]:
            pieces, cursor = [], line_start
            for m in _SENTENCE_END.finditer(text, line_start, line_end):
                pieces.append((cursor, m.start()))
                cursor = m.end()
            pieces.append((cursor, line_end))
        for start, end in pieces:
            raw = text[start:end]
            stripped = raw.strip()
            if len(stripped) < _MIN_UNIT:
                continue
            lead = len(raw) - len(raw.lstrip())
            units.append(Unit(offset + start + lead, offset + start + lead + len(stripped), stripped))
    return units


def extend_list(units: list[Unit], index: int, max_chars: int = 700) -> Unit:
    """A unit that introduces a list ('… följande verksamheter:') or is a heading, with the items after it."""
    head = units[index]
    end, text = head.end, head.text
    for unit in units[index + 1 :]:
        if unit.end - head.start > max_chars:
            break
        end = unit.end
        text = f"{text}\n{unit.text}"
        if unit.text.endswith(".") and not (BULLET.match(unit.text) and index + 1 < len(units) and any(
                BULLET.match(u.text) for u in units[units.index(unit) + 1: units.index(unit) + 2])):
            break  # a full stop ends the list, unless the next item is another bullet
    return Unit(head.start, end, text)


def introduces_list(unit: Unit) -> bool:
    """Ends with a colon, or is a short heading-like line without a full stop."""
    stripped = unit.text.rstrip()
    return stripped.endswith(":") or (len(stripped) < 70 and not stripped.endswith((".", "!", "?")) and
                                      not re.search(r"\d", stripped))


_VERB_ENDING = re.compile(r"(ningen|ningar|ning|ande|ades|ade|ats|at|as|ar|er|s)$")


_UNDOUBLE = ("dd", "gd", "nn", "dt", "gt", "kt", "tt")  # Snowball's Swedish step 3: 'underskott' → 'underskot'


def root(stem: str) -> str:
    """A stem without verb and verbal-noun endings or a 'för-' prefix, for a looser match between word forms:
    ökar, ökas, ökning → ök; förstärkning, stärks → stärk. A definite '-et' that Snowball keeps after a double
    consonant goes too: underskottet, underskot → underskot; utfallet, utfall → utfall. Two letters at least
    remain."""
    word = stem[3:] if stem.startswith("för") and len(stem) >= 7 else stem
    if len(word) >= 6 and word.endswith("et") and word[-3] == word[-4] and word[-3] not in "aeiouyåäö":
        word = word[:-2]
        word = word[:-1] if word.endswith(_UNDOUBLE) else word
    cut = _VERB_ENDING.sub("", word)
    return cut if len(cut) >= 2 else word


class UnitScorer:
    """Idf-weighted share of the question's terms that a unit (or its passage header) contains."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._df: Counter[str] = Counter()
        self._docs = 0
        self._key: tuple[int, int] | None = None
        self._parts: dict[str, list[str]] = {}

    def refresh(self, records: dict[str, dict], generation: int) -> None:
        """Document frequencies of stems over the indexed chunks, recomputed when the chunk set changes: the
        index bumps its generation on every change (records are changed in place, so their size can stay)."""
        key = (id(records), generation)
        if key == self._key:
            return
        self._df = Counter()
        for record in records.values():
            self._df.update(set(record.get("stems") or []))
        self._docs, self._key, self._parts = len(records), key, {}

    def idf(self, stem: str) -> float:
        """Smoothed inverse document frequency; unseen stems weigh most."""
        return math.log(1 + (self._docs + 1) / (self._df.get(stem, 0) + 0.5))

    def key_term(self, terms: dict[str, float]) -> str | None:
        """The question's most specific word that the documents use (not a number, municipality or body word)."""
        known = {t: w for t, w in terms.items() if self._df.get(t) and not self.is_context(t, w) and not t.isdigit()}
        return max(known, key=lambda t: known[t]) if known else None

    def is_context(self, stem: str, weight: float) -> bool:
        """Whether a term was weighed down as a municipality or organisation word (see terms)."""
        return weight < self.idf(stem) * (CONTEXT_WEIGHT + 1) / 2

    def terms(
        self, question: str, expansions: list[str] | None = None, places: set[str] | None = None
    ) -> dict[str, float]:
        """Question stems with weights; municipality and organisation words weigh little (see CONTEXT_WEIGHT).

        In English questions only words the corpus knows count.
        """
        context = set(self.analyzer.stems(" ".join(places or [])))
        # "vård" of "Alingsås vård- och omsorgsnämnd" names a body, unless the question also says it elsewhere
        bodies = list(_BODY_NAME.finditer(question))
        if bodies:
            rest = set(self.analyzer.stems(_BODY_NAME.sub(" ", question)))
            context |= {s for m in bodies for s in self.analyzer.stems(m.group(1)) if s not in rest}
        english = is_english(question)
        text = question
        if english:
            text = " ".join(w for w in re.findall(r"\w+", question) if w.lower() not in ENGLISH_STOPWORDS)
        words = [w for w in re.findall(r"\w+", text) if w.lower() not in QUESTION_WORDS]
        stems = self.analyzer.stems(" ".join([*words, *(expansions or [])]))
        weights: dict[str, float] = {}
        for stem in stems:
            if english and self._docs and self._df.get(stem, 0) == 0:
                continue
            weights[stem] = self.idf(stem)
            if stem in context or _ORGANISATION.search(stem):
                weights[stem] *= CONTEXT_WEIGHT
        return weights

    def matched(self, terms: dict[str, float], unit: str, header: str) -> dict[str, float]:
        """For each question term, how well the unit (or, for less, its passage header) contains it (0..1)."""
        unit_stems = set(self.analyzer.stems(unit))
        unit_words = set(self.analyzer.words(unit))
        header_stems = set(self.analyzer.stems(header))
        unit_roots = {root(u) for u in unit_stems}
        found: dict[str, float] = {}
        for stem in terms:
            if stem in unit_stems:
                found[stem] = 1.0
            elif len(stem) >= 5 and any(stem in w or (len(w) >= 5 and w.startswith(stem)) for w in unit_words):
                found[stem] = PARTIAL_WEIGHT  # compounds: "sjukfrånvaro" in "långtidssjukfrånvaron"
            elif self._parts_in(stem, unit_stems, unit_words, unit_roots):
                found[stem] = COMPOUND_WEIGHT  # "läkemedelsavvikelser" as "avvikelser läkemedel"
            elif root(stem) in unit_roots:
                found[stem] = PARTIAL_WEIGHT  # "ökar" and "ökning", "förstärkningen" and "stärks"
            elif stem in header_stems:
                found[stem] = HEADER_WEIGHT
        return found

    def _parts_in(self, stem: str, unit_stems: set[str], unit_words: set[str], roots: set[str]) -> bool:
        """Whether a compound's two parts (as the index knows them) both stand in the unit (roots: of its stems)."""
        if stem not in self._parts:
            self._parts[stem] = decompound(stem, self._df, min_part=3)  # "ram" of "ramförstärkning"
        parts = self._parts[stem]
        if not parts:
            return False
        # a part may end another compound ("ram" in "nettoram") or stand in another word form ("förstärkning" as
        # "stärks"): "ramförstärkningen" in "nettoram stärks"
        return all(p in unit_stems or root(p) in roots or any(w.startswith(p) or (len(p) >= 3 and w.endswith(p))
                                                              for w in unit_words) for p in parts)

    def coverage(self, terms: dict[str, float], unit: str, header: str) -> float:
        """How much of the question's weight the unit covers (header matches count for less)."""
        if not terms:
            return 0.0
        found = self.matched(terms, unit, header)
        return sum(terms[t] * found[t] for t in found) / sum(terms.values())
