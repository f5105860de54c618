"""Pure logic of composed answers: a question's parts, carrying a unit on, lists, row values and loose matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.compose import with_values
from assistant.cover import Coverer, asks_for_list, clauses, list_items, split_clauses
from assistant.evidence import COMPOUND_WEIGHT, Unit, UnitScorer, root
from assistant.index import LexicalIndex
from assistant.query import Analyzer
from assistant.types import Chunk, DocumentMeta, SourceDocument
from tests.scoring import Source, scorer_over


def test_joined_questions_split_into_parts() -> None:
    parts = split_clauses("Hur många fallolyckor registrerades 2021, och hur många patienter gällde det?")
    assert parts == ["Hur många fallolyckor registrerades 2021", "hur många patienter gällde det?"]


def test_respektive_gives_one_part_per_subject() -> None:
    parts = split_clauses("Hur mycket stärks ramen 2024 för Lerums stöd- och omsorgsnämnd respektive individnämnd?")
    assert len(parts) == 2
    assert "stöd- och omsorgsnämnd" in parts[0] and "individnämnd" not in parts[0]
    assert "individnämnd" in parts[1] and "omsorgsnämnd" not in parts[1]
    assert all(p.startswith("Hur mycket stärks ramen 2024 för Lerums") for p in parts)


def test_a_leading_phrase_is_not_a_part() -> None:
    question = "In Lerum's 2024 plan, what share of participants felt that they decide?"
    assert split_clauses(question) == [question]
    assert split_clauses("Varför och när stängdes boendet?") == ["Varför och när stängdes boendet?"]


def test_list_questions_and_their_count() -> None:
    assert asks_for_list("Vilka tre framgångsfaktorer anger nämnden?") == (True, 3)
    assert asks_for_list("Vilka prioriterade inriktningar har nämnden?") == (True, None)
    assert asks_for_list("Hur många platser finns det?") == (False, None)


TEXT = """Nedan följer nämndens inriktningar.

• Säkerställa krav på aktivering.

Plan för genomförande:

Nämnden ska revidera bestämmelserna.

• Införa hembesök i utredningen.

Nästa avsnitt
Text som inte hör till listan.
"""


def test_list_items_skip_the_text_between_bullets_and_stop_at_a_heading() -> None:
    intro_end = TEXT.index("\n")
    intro, items = list_items(TEXT, Unit(0, intro_end, TEXT[:intro_end]), None)
    assert [i.text for i in items] == ["• Säkerställa krav på aktivering.", "• Införa hembesök i utredningen."]
    assert all(TEXT[i.start:i.end] == i.text for i in items)


ROWS = "Brukarbedömning särskilt boende, andel (%) (U23516)\n\n44\n37 42 46\n\nNästa indikator text\n"


def test_a_row_name_takes_the_value_lines_below_it() -> None:
    name_end = ROWS.index("\n")
    unit = with_values(Unit(0, name_end, ROWS[:name_end]), ROWS, 0)
    assert unit.text.endswith("37 42 46") and ROWS[unit.start:unit.end] == unit.text
    prose = "Väntetiden var 57 dagar.\n\n44\n"
    assert with_values(Unit(0, 24, prose[:24]), prose, 0).end == 24  # it has a number of its own


def test_word_forms_share_a_root() -> None:
    assert root("ökar") == root("ökning")
    assert root("förstärkning") == root("stärks")


def test_a_compound_matches_its_parts() -> None:
    scorer = UnitScorer(Analyzer())
    records = {str(i): {"stems": s} for i, s in enumerate([["läkemedel", "avvik"], ["läkemedel"], ["avvik"]])}
    scorer.refresh(records, 0)
    terms = scorer.terms("Hur många läkemedelsavvikelser registrerades?")
    stem = next(t for t in terms if t.startswith("läkemedelsavvik"))
    assert 0 < scorer.matched(terms, "avvikelser läkemedel under året", "")[stem] < 1
    assert stem not in scorer.matched(terms, "avvikelser under året", "")


# --- split_clauses: more joins, and what stays one question ---------------------------------------------------


@pytest.mark.parametrize(("question", "parts"), [
    ("Vad blev resultatet 2023 och vad förklarar det?", ["Vad blev resultatet 2023", "vad förklarar det?"]),
    ("What was the deficit in 2023, and how was it explained?",
     ["What was the deficit in 2023", "how was it explained?"]),
    ("Vilka insatser görs samt vem ansvarar för dem?", ["Vilka insatser görs", "vem ansvarar för dem?"]),
    # the bare question word joins the next part; the question after the comma is still a part of its own
    ("Varför och när stängdes boendet, och vad kostade det?", ["Varför och när stängdes boendet", "vad kostade det?"]),
])
def test_joined_questions_in_other_forms(question: str, parts: list[str]) -> None:
    assert split_clauses(question) == parts


@pytest.mark.parametrize("question", [
    "Hur många platser finns det?",
    "Hur stor var sjukfrånvaron bland kvinnor och män 2023?",  # "och" without a question word after it
    "Vilka förbättringsområden och åtgärder anger nämnden?",
])
def test_a_single_question_stays_whole(question: str) -> None:
    assert split_clauses(question) == [question]


def test_respektive_keeps_the_shared_rest_on_both_sides() -> None:
    parts = split_clauses("Hur stor var sjukfrånvaron för kvinnor respektive män 2023?")
    assert parts == ["Hur stor var sjukfrånvaron för kvinnor 2023?", "Hur stor var sjukfrånvaron för män 2023?"]


def test_respektive_with_a_two_word_subject() -> None:
    parts = split_clauses("Hur nöjda är brukarna inom särskilt boende respektive hemtjänst?")
    assert parts == ["Hur nöjda är brukarna inom särskilt boende?", "Hur nöjda är brukarna inom hemtjänst?"]


@pytest.mark.parametrize(("question", "parts"), [
    ("Hur många ska utbildas enligt Alingsås verksamhetsberättelse 2024 respektive Herrljungas delårsrapport 2021?",
     ["Hur många ska utbildas enligt Alingsås verksamhetsberättelse 2024?",
      "Hur många ska utbildas enligt Herrljungas delårsrapport 2021?"]),
    ("Vad redovisar kommunerna om heltidsarbete – sysselsättningsgrad respektive andel heltidsanställda?",
     ["Vad redovisar kommunerna om heltidsarbete – sysselsättningsgrad?",
      "Vad redovisar kommunerna om heltidsarbete – andel heltidsanställda?"]),
    ("Vilket resultat har Arbetsliv och Stöd 2024 i Lerums stöd- och omsorgsnämnd respektive individnämnd?",
     ["Vilket resultat har Arbetsliv och Stöd 2024 i Lerums stöd- och omsorgsnämnd?",
      "Vilket resultat har Arbetsliv och Stöd 2024 i Lerums individnämnd?"]),
])
def test_respektive_subjects_of_several_words(question: str, parts: list[str]) -> None:
    assert split_clauses(question) == parts


# --- clauses: each part with its own terms ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


RESPECTIVE = "Hur mycket stärks ramen 2024 för Lerums stöd- och omsorgsnämnd respektive individnämnd?"


def test_a_term_of_one_respektive_part_weighs_fully_in_it(analyzer: Analyzer) -> None:
    scorer = scorer_over(analyzer, "ramen stärks för stöd- och omsorgsnämnd", "ramen för individnämnd",
                     "Lerums ramen", "omsorgsnämnd individnämnd", "annat")
    assert {"omsorgsnämnd", "individnämnd", "ram"} <= set(scorer.terms(RESPECTIVE))
    terms = dict.fromkeys(scorer.terms(RESPECTIVE), 0.1)
    first, second = clauses(RESPECTIVE, terms, scorer)
    assert "individnämnd" not in first.terms and "omsorgsnämnd" not in second.terms
    assert first.terms["omsorgsnämnd"] == pytest.approx(scorer.idf("omsorgsnämnd"))
    assert second.terms["individnämnd"] == pytest.approx(scorer.idf("individnämnd"))
    assert scorer.idf("individnämnd") > 0.1
    assert first.terms["ram"] == second.terms["ram"] == 0.1  # shared: as given


def test_a_part_that_points_back_gets_the_first_parts_terms_at_half_weight(analyzer: Analyzer) -> None:
    question = "Hur många fallolyckor registrerades 2021, och hur många patienter gällde det?"
    scorer = scorer_over(analyzer, "fallolyckor registrerades", "patienter", "annat")
    terms = scorer.terms(question)
    first, second = clauses(question, terms, scorer)
    assert first.text == "Hur många fallolyckor registrerades 2021"
    assert "patient" not in first.terms and first.terms["fallolyck"] == terms["fallolyck"]
    assert second.terms["patient"] == terms["patient"]  # not respektive: no idf in place of the given weight
    assert second.terms["fallolyck"] == pytest.approx(terms["fallolyck"] / 2)


def test_a_part_that_does_not_point_back_has_only_its_own_terms(analyzer: Analyzer) -> None:
    question = "Vad kostar hemtjänsten och vad kostar daglig verksamhet?"
    scorer = scorer_over(analyzer, "hemtjänsten kostar", "daglig verksamhet", "annat")
    terms = dict.fromkeys(scorer.terms(question), 0.1)
    first, second = clauses(question, terms, scorer)
    assert set(first.terms) == set(analyzer.stems("kostar hemtjänsten"))
    assert set(second.terms) == set(analyzer.stems("kostar daglig verksamhet"))  # no 'hemtjänst' carried over
    assert set(first.terms.values()) == set(second.terms.values()) == {0.1}


def test_a_single_question_is_one_clause_with_all_its_terms(analyzer: Analyzer) -> None:
    question = "Hur många fallolyckor registrerades 2021?"
    scorer = scorer_over(analyzer, "fallolyckor", "annat")
    terms = scorer.terms(question)
    [only] = clauses(question, terms, scorer)
    assert only.text == question and only.terms == terms


# --- Coverer.carry_on: the sentences after a unit ----------------------------------------------------------------

FIRST = "Nämnden redovisar ett underskott på 2 100 tkr för 2023."
LEANING = "När dessa medel inkluderas blir det ett överskott på 1 300 tkr."
UNRELATED = "Under året har personalen gått en utbildning i dokumentation."
PLACEMENTS = "Under året gjordes 14 placeringar på HVB-hem."


QUESTION = "Hur stort underskott hade nämnden 2023 och hur många placeringar gjordes?"


@pytest.fixture(scope="module")
def scorer(analyzer: Analyzer) -> UnitScorer:
    return scorer_over(analyzer, FIRST, LEANING, UNRELATED, PLACEMENTS, "annat", "något helt annat")


def test_a_leaning_sentence_is_merged_into_the_unit(scorer: UnitScorer) -> None:
    source = Source(FIRST, LEANING, UNRELATED)
    terms = scorer.terms(QUESTION)
    pick = Coverer(scorer, terms, source.following).carry_on(source.candidate(scorer, terms), {}, False)
    assert pick.unit == source.span(0, 1)  # and not the unrelated sentence after it
    assert pick.unit.text == source.text[pick.unit.start:pick.unit.end]
    assert pick.unit.text.startswith(FIRST) and pick.unit.text.endswith(LEANING)


def test_an_unrelated_sentence_is_not_merged(scorer: UnitScorer) -> None:
    source = Source(FIRST, UNRELATED)
    terms = scorer.terms(QUESTION)
    cand = source.candidate(scorer, terms)
    pick = Coverer(scorer, terms, source.following).carry_on(cand, {}, False)
    assert source.calls == 1  # it was offered, and refused
    assert pick.unit == cand.unit and pick.found == cand.found


def test_when_the_reason_is_asked_the_next_sentence_is_merged(scorer: UnitScorer) -> None:
    source = Source(FIRST, UNRELATED)
    terms = scorer.terms(QUESTION)
    pick = Coverer(scorer, terms, source.following).carry_on(source.candidate(scorer, terms), {}, True)
    assert pick.unit == source.span(0, 1)


def test_a_sentence_that_answers_an_open_term_is_merged_once(scorer: UnitScorer) -> None:
    source = Source(FIRST, PLACEMENTS, UNRELATED)
    terms = scorer.terms(QUESTION)
    assert "placer" in terms
    coverer = Coverer(scorer, terms, source.following)
    pick = coverer.carry_on(source.candidate(scorer, terms), {}, False)
    assert pick.unit == source.span(0, 1)
    assert pick.found["placer"] == 1.0
    # what is already covered is not open: the sentence adds nothing
    unchanged = coverer.carry_on(source.candidate(scorer, terms), {"placer": 1.0}, False)
    assert unchanged.unit == source.units[0]


def test_the_next_list_item_is_not_the_reason(scorer: UnitScorer) -> None:
    source = Source(FIRST, "• Införa hembesök i utredningen.", sep="\n")
    terms = scorer.terms(QUESTION)
    pick = Coverer(scorer, terms, source.following).carry_on(source.candidate(scorer, terms), {}, True)
    assert pick.unit == source.units[0]


def test_carrying_on_stops_after_max_continue(scorer: UnitScorer) -> None:
    source = Source(FIRST, LEANING, "Detta beror på lägre kostnader.", "Det gäller främst hemtjänsten.")
    terms = scorer.terms(QUESTION)
    pick = Coverer(scorer, terms, source.following, max_continue=2).carry_on(
        source.candidate(scorer, terms), {}, False)
    assert pick.unit == source.span(0, 2)


# --- with_values: a table row's values on the lines below it ----------------------------------------------------


def test_a_line_of_prose_after_a_row_name_is_not_taken() -> None:
    source = "Brukarbedömning särskilt boende, andel (%) (U23516)\nHemtjänsten har förbättrats under året.\n44\n"
    name_end = source.index("\n")
    unit = Unit(0, name_end, source[:name_end])
    assert with_values(unit, source, 0) == unit


def test_the_values_end_at_the_first_line_of_prose() -> None:
    source = "Brukarbedömning särskilt boende, andel (%) (U23516)\n44\nHemtjänsten har förbättrats.\n37 42\n"
    name_end = source.index("\n")
    unit = with_values(Unit(0, name_end, source[:name_end]), source, 0)
    assert unit == Unit(0, name_end + 3, source[:name_end] + "\n44")


def test_row_values_in_a_passage_keep_document_offsets() -> None:
    base = 1000  # the source is a passage that starts at this offset of the document
    name_end = ROWS.index("\n")
    unit = with_values(Unit(base, base + name_end, ROWS[:name_end]), ROWS, base)
    end = ROWS.index("37 42 46") + len("37 42 46")
    assert unit == Unit(base, base + end, ROWS[:end])


def test_a_row_with_its_own_number_is_unchanged() -> None:
    source = "Andel nöjda brukare 87 %\n44\n37 42 46\n"
    unit = Unit(0, 24, source[:24])
    assert with_values(unit, source, 0) == unit


# --- UnitScorer.matched: compounds and word forms ---------------------------------------------------------------


def test_a_compound_counts_only_when_the_vocabulary_knows_its_parts(analyzer: Analyzer) -> None:
    question = "Hur många läkemedelsavvikelser registrerades?"
    unit = "Under året registrerades 40 avvikelser som gällde läkemedel."
    knows = scorer_over(analyzer, "läkemedel", "avvikelser", "annat")
    terms = knows.terms(question)
    stem = next(t for t in terms if t.startswith("läkemedelsavvik"))
    assert knows.matched(terms, unit, "")[stem] == COMPOUND_WEIGHT
    assert 0 < COMPOUND_WEIGHT < 1
    missing = scorer_over(analyzer, "avvikelser", "annat")  # no chunk says läkemedel: no split is known
    assert stem not in missing.matched(missing.terms(question), unit, "")


def test_a_definite_question_word_matches_its_indefinite_form(analyzer: Analyzer) -> None:
    scorer = scorer_over(analyzer, "underskott", "utfall", "annat")
    for question, unit in [("Hur stort blev underskottet?", "Nämnden redovisar ett underskott på 2 100 tkr."),
                           ("Hur stort blev utfallet?", "Nämnden redovisar ett utfall på 2 100 tkr.")]:
        terms = scorer.terms(question)
        assert terms and scorer.coverage(terms, unit, "") > 0, question


def test_refresh_follows_a_document_replaced_in_the_index(analyzer: Analyzer, tmp_path: Path) -> None:
    """The lexical index changes its records in place; a document replaced by one with as many chunks keeps their
    number, so the scorer follows the index's generation."""
    index = LexicalIndex(tmp_path / "bm25", analyzer, k1=1.5, b=0.75)

    def put(doc_id: str, text: str) -> None:
        meta = DocumentMeta(municipality="Lerums kommun")
        doc = SourceDocument(id=doc_id, name=f"{doc_id}.txt", sha256="0" * 64, meta=meta, text=text)
        index.put(doc, [Chunk(id=f"{doc_id}-0", document_id=doc_id, document=doc.name, section="", start=0,
                              end=len(text), text=text)])

    put("a", "Läkemedel delas ut.")
    put("b", "Avvikelser rapporteras.")
    scorer = UnitScorer(analyzer)
    scorer.refresh(index.records, index.generation)
    before = scorer.idf("hemtjänst")
    index.drop("b")
    put("c", "Hemtjänsten utökas.")
    assert len(index.records) == 2
    scorer.refresh(index.records, index.generation)
    assert scorer.idf("hemtjänst") < before


def test_a_heading_then_a_total_then_bullets_reads_the_bullets_as_its_parts() -> None:
    from assistant.cover import asks_for_list, list_items
    from assistant.evidence import Unit

    text = ("Ekonomi\n\nRamen stärks med totalt 10 miljoner kronor år 2024.\n\n- Löner: 8 miljoner kronor\n"
            "- Riktade resurser: 2 miljoner kronor\n\nNästa rubrik\n")
    end = text.index("2024.") + len("2024.")
    intro = Unit(0, end, text[:end])
    head, items = list_items(text, intro, None)
    assert head.text.endswith("totalt 10 miljoner kronor år 2024.")
    assert [i.text for i in items] == ["- Löner: 8 miljoner kronor", "- Riktade resurser: 2 miljoner kronor"]
    assert asks_for_list("Vad består ökningen av?")[0] and asks_for_list("Vilka delar ingår?")[0]
    assert not asks_for_list("Hur stor är ökningen?")[0]
