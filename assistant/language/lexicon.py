"""The lexicon: every word the code reacts to, loaded once from the versioned files in language/data/."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

_WORD = re.compile(r"\w+(?:[-–]\w+)*|%|§", re.UNICODE)


def _data(name: str) -> str:
    return resources.files("assistant.language").joinpath("data", name).read_text(encoding="utf-8")


def _word_list(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in _data(name).splitlines():
        if not line.strip().startswith("#"):
            words.update(line.lower().split())
    return frozenset(words)


def normalize(text: str) -> str:
    """Lower case with dashes unified and spaces collapsed: the form cues are matched in."""
    text = text.lower().replace("–", "-").replace("—", "-").replace("’", "'")
    return " ".join(text.split())


class PhraseSet:
    """A set of cue words and phrases, matched on word boundaries in normalized text."""

    def __init__(self, phrases: list[str] | tuple[str, ...] | frozenset[str]) -> None:
        self.phrases = tuple(sorted({normalize(p) for p in phrases if p.strip()}, key=len, reverse=True))
        alternatives = "|".join(re.escape(p) for p in self.phrases) or r"(?!x)x"
        self._pattern = re.compile(rf"(?<![\w%§])(?:{alternatives})(?![\w%])")

    def find(self, text: str) -> list[str]:
        """The cues occurring in the text, longest first where they overlap, in order of occurrence."""
        return [m.group(0) for m in self._pattern.finditer(normalize(text))]

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where the cues occur in the normalized text."""
        return [(m.start(), m.end(), m.group(0)) for m in self._pattern.finditer(normalize(text))]

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and bool(self._pattern.search(normalize(text)))

    def starts(self, text: str) -> bool:
        """Whether the text opens with one of the cues."""
        match = self._pattern.match(normalize(text))
        return match is not None


@dataclass(frozen=True)
class Lexicon:
    """Swedish and English cue words, number words, periods, units, the glossary and place names."""

    version: str
    stop_sv: frozenset[str]
    stop_en: frozenset[str]
    intents: dict[str, PhraseSet]
    figure_words: PhraseSet
    frame_words: frozenset[str]
    followup_openers: PhraseSet
    anaphora: frozenset[str]
    question_words: tuple[str, ...]
    part_joiners: tuple[str, ...]
    header_kinds: dict[str, frozenset[str]]
    question_kinds: dict[str, PhraseSet]
    outcome_verbs: PhraseSet
    months: dict[str, int]
    part_year: PhraseSet
    first_half: PhraseSet
    second_half: PhraseSet
    whole_year: PhraseSet
    next_year: PhraseSet
    half_year_header: frozenset[str]
    whole_year_header: frozenset[str]
    previous_year: PhraseSet
    units: dict[str, PhraseSet]
    number_words: dict[str, int]
    qualifier_before: PhraseSet
    qualifier_after: PhraseSet
    continuation: PhraseSet
    causal: PhraseSet
    list_intro_end: tuple[str, ...]
    assessment: PhraseSet
    table_total: PhraseSet
    table_dimension: frozenset[str]
    dimension_forms: dict[str, PhraseSet]  # group (kvinnor, män, …) → its Swedish forms
    dimension_forms_en: dict[str, PhraseSet]  # group → its English forms
    table_units: dict[str, PhraseSet]  # units a table's caption or label header sets for its figures, in order
    label_head: frozenset[str]
    multi_year: tuple[str, ...]
    caption: frozenset[str]
    missing: frozenset[str]
    direction: frozenset[str]
    row_kinds: dict[str, PhraseSet]
    glossary: dict[str, str]
    document_kinds: dict[str, PhraseSet]
    body_generic: frozenset[str]
    kommuner: tuple[str, ...]
    regioner: tuple[str, ...]
    ambiguous_places: frozenset[str]
    place_words: tuple[str, ...]  # kommun, region: words that stand with a place name
    english_markers: frozenset[str] = field(default_factory=frozenset)
    swedish_markers: frozenset[str] = field(default_factory=frozenset)

    def header_kind(self, word: str) -> str:
        """The kind a header word names ('Årsbudget' → budget), or ''."""
        folded = word.lower().strip(".:()*")
        for kind, words in self.header_kinds.items():
            if folded in words:
                return kind
        return ""

    def kind_of(self, word: str) -> str:
        """The kind a header word names, also as the tail of a compound ('budgetavvikelse', 'totalbudget')."""
        folded = word.lower().strip(".:()*")
        found = self.header_kind(folded)
        if found:
            return found
        for kind, words in self.header_kinds.items():
            if any(len(w) >= 5 and folded.endswith(w) for w in words):
                return kind
        return ""

    def qualifier_after_any(self, text: str) -> str:
        """The text when it holds a qualifier noun after a figure ('30 - 39 år', '60 dagar eller mer'), else ''."""
        return text.strip() if self.qualifier_after.find(text) else ""

    def is_stopword(self, word: str) -> bool:
        """A Swedish or English function word."""
        folded = word.lower()
        return folded in self.stop_sv or folded in self.stop_en


_NOT_INTENTS = {"figure_words", "frame_words", "followup_openers", "anaphora", "question_words", "part_joiners"}


def _phrases(table: dict[str, Any], key: str) -> PhraseSet:
    return PhraseSet(list(table.get(key, [])))


def _build(lexicon: dict[str, Any], glossary: dict[str, Any], places: dict[str, Any]) -> Lexicon:
    period, unit, discourse, table = lexicon["period"], lexicon["unit"], lexicon["discourse"], lexicon["table"]
    language = lexicon["language"]
    return Lexicon(
        version=f"lexicon {lexicon['version']}, glossary {glossary['version']}, places {places['version']}",
        stop_sv=_word_list("stopwords_sv.txt"), stop_en=_word_list("stopwords_en.txt"),
        intents={k: PhraseSet(v) for k, v in lexicon["intent"].items()
                 if isinstance(v, list) and k not in _NOT_INTENTS},
        figure_words=_phrases(lexicon["intent"], "figure_words"),
        frame_words=frozenset(w.lower() for w in lexicon["intent"]["frame_words"]),
        followup_openers=_phrases(lexicon["intent"], "followup_openers"),
        anaphora=frozenset(w.lower() for w in lexicon["intent"]["anaphora"]),
        question_words=tuple(lexicon["intent"]["question_words"]),
        part_joiners=tuple(lexicon["intent"]["part_joiners"]),
        header_kinds={k: frozenset(w.lower() for w in v) for k, v in lexicon["kind"]["header"].items()},
        question_kinds={k: PhraseSet(v) for k, v in lexicon["kind"]["question"].items()},
        outcome_verbs=PhraseSet(lexicon["kind"]["outcome_verbs"]["words"]),
        months={k.lower(): int(v) for k, v in period["months"].items()},
        part_year=_phrases(period, "part_year"), first_half=_phrases(period, "first_half"),
        second_half=_phrases(period, "second_half"), whole_year=_phrases(period, "whole_year"),
        next_year=_phrases(period, "next_year"), previous_year=_phrases(period, "previous_year"),
        half_year_header=frozenset(w.lower() for w in period.get("half_year_header", [])),
        whole_year_header=frozenset(w.lower() for w in period.get("whole_year_header", [])),
        units={k: PhraseSet(v) for k, v in unit.items()},
        number_words={k.lower(): int(v) for k, v in lexicon["numbers"].items()},
        qualifier_before=_phrases(lexicon["qualifier"], "before"),
        qualifier_after=_phrases(lexicon["qualifier"], "after"),
        continuation=_phrases(discourse, "continuation"), causal=_phrases(discourse, "causal"),
        list_intro_end=tuple(discourse.get("list_intro_end", [])), assessment=_phrases(discourse, "assessment"),
        table_total=_phrases(table, "total"),
        table_dimension=frozenset(w.lower() for w in table.get("dimension", [])),
        table_units={k: PhraseSet(v) for k, v in table.get("units", {}).items()},
        dimension_forms={k: PhraseSet(v) for k, v in table.get("dimension_forms", {}).items()},
        dimension_forms_en={k: PhraseSet(v) for k, v in table.get("dimension_forms_en", {}).items()},
        label_head=frozenset(w.lower() for w in table.get("label_head", [])),
        multi_year=tuple(w.lower() for w in table.get("multi_year", [])),
        caption=frozenset(w.lower() for w in table["words"].get("caption", [])),
        missing=frozenset(w.lower() for w in table["words"].get("missing", [])),
        direction=frozenset(w.lower() for w in table["words"].get("direction", [])),
        row_kinds={k: PhraseSet(v) for k, v in table.get("row_kind", {}).items()},
        glossary={str(k).lower(): str(v) for k, v in glossary["glossary"].items()},
        document_kinds={k: PhraseSet(v) for k, v in lexicon["document_kinds"].items()},
        body_generic=frozenset(w.lower() for w in lexicon["bodies"]["generic"]),
        kommuner=tuple(places["kommuner"]), regioner=tuple(places["regioner"]),
        ambiguous_places=frozenset(places.get("ambiguous", [])),
        place_words=tuple(w.lower() for w in places.get("place_words", [])),
        english_markers=frozenset(language["english_markers"]),
        swedish_markers=frozenset(language["swedish_markers"]),
    )


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The lexicon of the package's data files (read once per process, on first use)."""
    return _build(tomllib.loads(_data("lexicon.toml")), tomllib.loads(_data("glossary_en_sv.toml")),
                  tomllib.loads(_data("places.toml")))


def load_glossary_file(path: str) -> dict[str, str]:
    """A replacement glossary from a TOML file ([glossary] english = "svenska")."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    table = data.get("glossary", data)
    return {str(k).lower(): str(v) for k, v in table.items() if k != "version"}


def words(text: str) -> list[str]:
    """The word tokens of a text, as written (hyphenated compounds kept whole, % and § as words)."""
    return _WORD.findall(text)
