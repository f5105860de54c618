"""Pure logic of composed answers: a question's parts, carrying a unit on, lists, row values and loose matching."""

from __future__ import annotations

from assistant.compose import with_values
from assistant.cover import asks_for_list, list_items, split_clauses
from assistant.evidence import Unit, UnitScorer, root
from assistant.query import Analyzer


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
    scorer.refresh(records)
    terms = scorer.terms("Hur många läkemedelsavvikelser registrerades?")
    stem = next(t for t in terms if t.startswith("läkemedelsavvik"))
    assert 0 < scorer.matched(terms, "avvikelser läkemedel under året", "")[stem] < 1
    assert stem not in scorer.matched(terms, "avvikelser under året", "")
