"""The question frame: intents, kinds, periods, qualifiers, parts, follow-ups and places, all from the lexicon."""

from __future__ import annotations

import pytest

from assistant.answering.frame import build_frame, unknown_place
from assistant.language import WordMatcher, load_lexicon

LEX = load_lexicon()
MATCHER = WordMatcher(LEX)
KNOWN = {"Lerums kommun", "Alingsås kommun", "Herrljunga kommun"}


def frame(question: str, history: list[tuple[str, str]] | None = None):  # noqa: ANN201
    return build_frame(question, MATCHER, LEX, KNOWN, history)


def test_the_place_list_holds_every_kommun_and_region() -> None:
    assert len(LEX.kommuner) == 290 and len(set(LEX.kommuner)) == 290
    assert len(LEX.regioner) == 21 and len(set(LEX.regioner)) == 21


@pytest.mark.parametrize("place", sorted(set(load_lexicon().kommuner) - {"Lerum", "Alingsås", "Herrljunga"}))
def test_every_municipality_we_hold_no_document_of_is_named_as_unknown(place: str) -> None:
    question = f"Hur många tillsvidareanställda hade {place} 2024?"
    assert frame(question).unknown_place == place
    assert frame(f"Vad var budgeten i {place} kommun 2023?").unknown_place == place


@pytest.mark.parametrize("region", load_lexicon().regioner)
def test_every_region_is_named_as_unknown(region: str) -> None:
    assert frame(f"Vad säger {region} om vårdplatserna 2024?").unknown_place == region


@pytest.mark.parametrize("question", [
    "Hur många tillsvidareanställda hade Alingsås 2024?", "Vad var Herrljungas resultat per augusti 2021?",
    "Vilket värde hade Hemtjänstindex i Lerums kommun 2023?",
    "Vad ska vara klart 2024?",  # "vara" the verb, not Vara kommun
    "Mark användning och berg i planen?",  # capitalised only as the first word
])
def test_places_we_hold_and_ordinary_words_are_not_unknown(question: str) -> None:
    assert frame(question).unknown_place == ""


def test_an_ambiguous_place_name_counts_with_a_capital_inside_the_question() -> None:
    assert unknown_place("Hur hög var sjukfrånvaron i Mark 2024?", LEX, KNOWN) == "Mark"
    assert unknown_place("Hur hög var sjukfrånvaron i mark 2024?", LEX, KNOWN) == ""


def test_kinds_periods_and_intents() -> None:
    f = frame("Hur stor blev budgetavvikelsen för nettokostnaderna 2025, räknat i tkr?")
    assert f.kinds == {"avvikelse"} and f.years == ["2025"] and f.numeric
    assert [t.word for t in f.terms] == ["budgetavvikelsen", "nettokostnaderna", "tkr"]
    assert frame("Hur många anställda hade förvaltningen 2024?").kinds == {"utfall"}  # an outcome verb alone
    assert "why" in frame("Vad beror överskottet på?").intents


def test_a_figure_that_names_the_group_is_a_qualifier_not_an_answer() -> None:
    assert frame("Hur hög var sjukfrånvaron bland anställda under 29 år 2024?").qualifiers == ["29"]
    assert frame("Andel socionomer med minst fem år i yrket?").qualifiers == ["5"]
    assert "compare" not in frame("Andel socionomer med minst fem år i yrket?").intents
    assert "compare" in frame("Vilket distrikt hade högst kostnader?").intents


def test_a_question_splits_into_its_parts() -> None:
    f = frame("Hur mycket överskred personalkostnaderna budgeten 2024, och vad förklarar avvikelsen?")
    assert [p.text for p in f.parts] == ["Hur mycket överskred personalkostnaderna budgeten 2024",
                                         "vad förklarar avvikelsen"]


def test_english_questions_are_read_through_the_glossary() -> None:
    f = frame("How large was the full-year forecast for the building committee's net costs in 2025?")
    assert f.english and "prognos" in f.kinds
    assert {"helårsprognos", "nettokostnader"} <= {t.word for t in f.terms}


def test_a_follow_up_borrows_the_previous_topic_and_a_new_question_does_not() -> None:
    history = [("Hur hög var sjukfrånvaron i Alingsås 2023?", "…")]
    follow = frame("och 2022?", history)
    assert follow.followup and "sjukfrånvaron" in {t.word for t in follow.terms} and "2022" in follow.years
    assert frame("Varför då?", history).followup
    fresh = frame("Vad gör nämnden för att minska personalomsättningen bland chefer?", history)
    assert not fresh.followup and "sjukfrånvaron" not in {t.word for t in fresh.terms}


def test_the_frame_keeps_the_places_a_question_names_apart_from_its_topic() -> None:
    known = {"Lerums kommun", "Herrljunga kommun"}
    frame = build_frame("Vilken total bruttokostnad budgeterar Lerums stöd- och omsorgsnämnd för 2024?", MATCHER, LEX,
                        known)
    assert frame.places == ["lerum"] and "lerum" not in [t.stem for t in frame.terms]
    assert build_frame("What was the result for Lerum's committee?", MATCHER, LEX, known).places == ["lerum"]
    assert build_frame("Hur många arbetsskador anmäldes under 2024?", MATCHER, LEX, known).places == []
