"""Mechanisms of composed and fact answers: what-does-it-cover questions, carrying on and leaning back, reading
across a paragraph break, a table's extreme row, account codes, body-name words, row values and English parts."""

from __future__ import annotations

import pytest

from assistant.answer import Answerer
from assistant.compose import Candidate, with_values
from assistant.cover import Coverer, clauses, share
from assistant.evidence import CONTEXT_WEIGHT, Unit, UnitScorer
from assistant.factanswer import FactAnswerer, fact_query, indicator_precision
from assistant.factstore import FactStore
from assistant.query import DEFAULT_GLOSSARY, Analyzer, Filters, expand_english
from assistant.question import analyze
from assistant.retrieve import ScoredChunk
from assistant.service import AskRequest
from assistant.settings import AnswerSettings
from assistant.types import Answer, DocumentMeta, Fact, SourceDocument
from tests.scoring import Source, scorer_over, whole_passage

# --- helpers ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def _unit(text: str, part: str) -> Unit:
    start = text.index(part)
    return Unit(start, start + len(part), part)


def _answerer(text: str) -> Answerer:
    """An Answerer with only what _following and _paragraph_before touch: its documents."""
    doc = SourceDocument(id="d1", name="plan.pdf", sha256="0" * 64, meta=DocumentMeta(), text=text)
    answerer = Answerer.__new__(Answerer)
    answerer.documents = lambda name: doc if name == doc.name else None
    return answerer


def _cand_at(text: str, part: str) -> Candidate:
    return Candidate(_unit(text, part), whole_passage(text), 0, {})


# --- 1. question.analyze: what a figure covers is not a figure ----------------------------------------------------


@pytest.mark.parametrize("question", ["Vad täcker individnämndens budget?", "Vad ingår i prognosen?"])
def test_a_question_about_what_a_figure_covers_is_not_numeric(question: str) -> None:
    assert not analyze(question, set(), Filters()).numeric


@pytest.mark.parametrize("question", [
    "Vad var budgeten 2024?",
    "Vad täcker budgeten, och hur mycket är den?",
    "Vad täcker budgeten i tkr?",
])
def test_a_figure_or_quantity_word_keeps_the_question_numeric(question: str) -> None:
    assert analyze(question, set(), Filters()).numeric


@pytest.mark.parametrize("question", ["Vad uppgick budgeten till 2024?",
                                      "Vad kostade hemtjänsten enligt budgeten 2024?"])
def test_a_verb_of_amount_after_vad_stays_numeric(question: str) -> None:
    assert analyze(question, set(), Filters()).numeric


# --- 2. Coverer.best_carried and lean_back ------------------------------------------------------------------------

NEAR_QUESTION = "Hur sker omställningen till nära vård och samverkan via NOSAM?"
ALONE = "Omställningen till nära vård är prioriterad för nämnden."
UNRELATED = "Under året har personalen gått en utbildning i dokumentation."
OPENS = "I omställningen till nära vård deltar nämnden aktivt."
CONTINUES = "Fortsatt samverkan kommer att ske via NOSAM."


@pytest.fixture(scope="module")
def near_scorer(analyzer: Analyzer) -> UnitScorer:
    return scorer_over(analyzer, ALONE, UNRELATED, OPENS, CONTINUES, "annat", "något helt annat", "nämnden")


def _near_pool(scorer: UnitScorer, terms: dict[str, float], second: str = OPENS) -> tuple[Source, list[Candidate]]:
    source = Source(ALONE, UNRELATED, second, CONTINUES)
    return source, [source.candidate(scorer, terms, i, rank=i) for i in range(4)]


def test_a_nearly_as_good_unit_whose_continuation_covers_more_wins(near_scorer: UnitScorer) -> None:
    terms = near_scorer.terms(NEAR_QUESTION)
    source, pool = _near_pool(near_scorer, terms)
    coverer = Coverer(near_scorer, terms, source.following)
    assert coverer.best(pool, terms, {}) is pool[0]  # alone, the first sentence is the best unit
    pick = coverer.best_carried(pool, terms, False, enough=0.9)
    assert pick is not None and pick.unit == source.span(2, 3)
    assert share(terms, pick.found) > share(terms, pool[0].found)


def test_the_best_unit_that_covers_enough_is_returned_unchanged(near_scorer: UnitScorer) -> None:
    terms = near_scorer.terms(NEAR_QUESTION)
    source, pool = _near_pool(near_scorer, terms)
    pick = Coverer(near_scorer, terms, source.following).best_carried(pool, terms, False,
                                                                      enough=share(terms, pool[0].found))
    assert pick is not None and pick.cand is pool[0] and pick.unit == pool[0].unit


def test_a_weaker_unit_does_not_win_by_its_continuation(near_scorer: UnitScorer) -> None:
    terms = near_scorer.terms(NEAR_QUESTION)
    source, pool = _near_pool(near_scorer, terms, second="I kommunen deltar nämnden i arbetet med nära vård.")
    coverer = Coverer(near_scorer, terms, source.following)
    weaker = coverer.carry_on(pool[2], {}, False)
    assert weaker.unit == source.span(2, 3)  # read on, it would cover clearly more than the best alone
    assert share(terms, weaker.found) > share(terms, pool[0].found) + 0.05
    pick = coverer.best_carried(pool, terms, False, enough=0.9)
    assert pick is not None and pick.unit == pool[0].unit


BUDGET_QUESTION = "Ingår hyran för lokalerna i budgeten för särskilt boende?"
GOAL = "Budgeten för 2024 omfattar driften av särskilt boende."
LEANS = "I dessa siffror är hyran för lokalerna inkluderad med 5 200 tkr."
PLAIN = "Hyran för lokalerna är inkluderad med 5 200 tkr."


class Preceding:
    """A `preceding` over a Source: the sentence before the unit, with the unit; records its calls."""

    def __init__(self, source: Source) -> None:
        self.source, self.calls = source, 0

    def __call__(self, cand: Candidate) -> Unit | None:
        self.calls += 1
        before = [u for u in self.source.units if u.end <= cand.unit.start]
        if not before:
            return None
        return Unit(before[-1].start, cand.unit.end, self.source.text[before[-1].start:cand.unit.end])


def test_a_leaning_unit_is_read_with_what_precedes_it(analyzer: Analyzer) -> None:
    scorer = scorer_over(analyzer, GOAL, LEANS, "annat", "något helt annat")
    terms = scorer.terms(BUDGET_QUESTION)
    source = Source(GOAL, LEANS)
    cand = source.candidate(scorer, terms, 1)
    back = Coverer(scorer, terms, source.following, preceding=Preceding(source)).lean_back(cand)
    assert back is not None and back.unit == source.span(0, 1)
    gained = set(analyzer.stems("budgeten särskilt boende"))
    assert gained and not gained & set(cand.found)
    assert all(back.found.get(t) == 1.0 for t in gained)
    assert all(back.found[t] >= v for t, v in cand.found.items())  # nothing it had is lost


def test_a_unit_that_does_not_lean_is_not_read_back(analyzer: Analyzer) -> None:
    scorer = scorer_over(analyzer, GOAL, PLAIN, "annat")
    terms = scorer.terms(BUDGET_QUESTION)
    source = Source(GOAL, PLAIN)
    preceding = Preceding(source)
    assert Coverer(scorer, terms, source.following, preceding=preceding).lean_back(
        source.candidate(scorer, terms, 1)) is None
    assert preceding.calls == 0


GOAL_QUESTION = "Har målet om en genomförandeplan för alla brukare uppfyllts?"
GOAL_STATEMENT = "Målet är att alla brukare ska ha en aktuell genomförandeplan."
ASSESSMENT = "Bedömning: Helt uppfyllt."


def test_a_field_label_is_read_with_the_statement_above_it(analyzer: Analyzer) -> None:
    scorer = scorer_over(analyzer, GOAL_STATEMENT, ASSESSMENT, "annat", "något helt annat")
    terms = scorer.terms(GOAL_QUESTION)
    source = Source(GOAL_STATEMENT, ASSESSMENT, sep="\n\n")
    cand = source.candidate(scorer, terms, 1)
    back = Coverer(scorer, terms, source.following, preceding=Preceding(source)).lean_back(cand)
    assert back is not None and back.unit == source.span(0, 1)
    assert share(terms, back.found) > share(terms, cand.found)


def test_best_carried_always_reads_a_first_label_with_its_statement(analyzer: Analyzer) -> None:
    scorer = scorer_over(analyzer, GOAL_STATEMENT, ASSESSMENT, "annat", "något helt annat")
    terms = scorer.terms(GOAL_QUESTION)
    source = Source(GOAL_STATEMENT, ASSESSMENT, sep="\n\n")
    cand = source.candidate(scorer, terms, 1)
    assert cand.found  # the label alone says something of the question ('uppfyllt')
    coverer = Coverer(scorer, terms, lambda c, u: None, preceding=Preceding(source))
    pick = coverer.best_carried([cand], terms, False, enough=0.0)  # enough already: no search for a better unit
    assert pick is not None and pick.unit == source.span(0, 1)
    without = Coverer(scorer, terms, lambda c, u: None).best_carried([cand], terms, False, enough=0.0)
    assert without is not None and without.unit == cand.unit


# --- 3. Answerer._following and _paragraph_before -----------------------------------------------------------------

NEAR = "I omställningen till nära vård deltar nämnden aktivt."
NOSAM = "Fortsatt samverkan kommer att ske via NOSAM."


def test_a_prose_sentence_ending_its_paragraph_is_continued_by_the_next_paragraph() -> None:
    text = f"Inledning om nämndens arbete.\n\n{NEAR}\n\n{NOSAM}\n\nSista stycket i planen."
    step = _answerer(text)._following(_cand_at(text, NEAR), _unit(text, NEAR))
    assert step is not None
    nxt, merged = step
    assert nxt == _unit(text, NOSAM)
    assert merged.start == text.index(NEAR) and merged.end == nxt.end and merged.text == text[merged.start:merged.end]


def test_the_next_sentence_of_the_same_paragraph_comes_first() -> None:
    within = "Detta gäller särskilt hemtjänsten."
    text = f"{NEAR}\n{within}\n\n{NOSAM}"
    step = _answerer(text)._following(_cand_at(text, NEAR), _unit(text, NEAR))
    assert step is not None and step[0] == _unit(text, within)


@pytest.mark.parametrize("after", ["• Fortsatt samverkan via NOSAM.", "Hemtjänst 12 14 16 18",
                                   "Samverkan kring nära vård"])
def test_no_reading_across_a_break_into_a_bullet_row_or_heading(after: str) -> None:
    text = f"{NEAR}\n\n{after}\n\nSista stycket i planen."
    assert _answerer(text)._following(_cand_at(text, NEAR), _unit(text, NEAR)) is None


def test_no_reading_across_a_break_after_a_multi_line_unit() -> None:
    broken = "I omställningen till nära vård deltar\nnämnden aktivt."
    text = f"{broken}\n\n{NOSAM}"
    answerer = _answerer(text)
    assert answerer._following(_cand_at(text, broken), _unit(text, broken)) is None
    single = f"{NEAR}\n\n{NOSAM}"  # the same paragraph break after a one-line sentence is read across
    assert _answerer(single)._following(_cand_at(single, NEAR), _unit(single, NEAR)) is not None


def test_no_reading_across_a_break_after_a_table_row() -> None:
    row = "Hemtjänst 12 14 16 18"
    text = f"{row}\n\n{NOSAM}"
    assert _answerer(text)._following(_cand_at(text, row), _unit(text, row)) is None


FIRST = "Nämnden har en budget för särskilt boende."
SECOND = "Budgeten omfattar driften av fem boenden."
LEANING = "I dessa siffror är hyran inkluderad med 5 200 tkr."


def test_the_sentences_before_a_unit_in_its_paragraph() -> None:
    text = f"Rubrik för avsnittet\n\n{FIRST}\n{SECOND}\n{LEANING}\n\nNästa stycke."
    unit = _answerer(text)._paragraph_before(_cand_at(text, LEANING))
    assert unit is not None
    assert unit == Unit(text.index(FIRST), text.index(LEANING) + len(LEANING),
                        text[text.index(FIRST):text.index(LEANING) + len(LEANING)])


def test_more_than_two_sentences_before_are_not_taken() -> None:
    text = f"Nämnden har ett uppdrag för äldreomsorgen.\n{FIRST}\n{SECOND}\n{LEANING}"
    answerer = _answerer(text)
    assert answerer._paragraph_before(_cand_at(text, LEANING)) is None
    assert answerer._paragraph_before(_cand_at(text, LEANING), most=3) is not None


def test_a_table_row_before_is_not_read_as_context() -> None:
    text = f"Särskilt boende 12 14 16 18\n{SECOND}\n{LEANING}"
    assert _answerer(text)._paragraph_before(_cand_at(text, LEANING)) is None


def test_a_unit_that_opens_its_paragraph_has_nothing_before_it() -> None:
    text = f"{FIRST}\n\n{LEANING}"
    assert _answerer(text)._paragraph_before(_cand_at(text, LEANING)) is None


def test_a_label_that_opens_its_paragraph_takes_the_paragraph_before() -> None:
    text = f"Mål och uppföljning\n\n{GOAL_STATEMENT}\n\n{ASSESSMENT}\n\nNästa mål."
    unit = _answerer(text)._paragraph_before(_cand_at(text, ASSESSMENT))
    start, end = text.index(GOAL_STATEMENT), text.index(ASSESSMENT) + len(ASSESSMENT)
    assert unit == Unit(start, end, text[start:end])


def test_a_label_after_a_long_paragraph_takes_nothing() -> None:
    # one sentence (one unit), so only its length keeps it out
    long = "Målet är att alla brukare " + ", ".join(["ska ha en aktuell genomförandeplan som följs upp"] * 8) + "."
    assert len(long) > 400
    text = f"{long}\n\n{ASSESSMENT}"
    assert _answerer(text)._paragraph_before(_cand_at(text, ASSESSMENT)) is None
    short = f"{GOAL_STATEMENT}\n\n{ASSESSMENT}"
    assert _answerer(short)._paragraph_before(_cand_at(short, ASSESSMENT)) is not None


# --- 4. FactAnswerer.extreme: the largest (or smallest) of a table's column ---------------------------------------

TABLE = "Budget per produktionsområde"
COLUMNS = ("brutto intäkt", "brutto kostnad", "budgeterat resultat")
# row → {period: (intäkt, kostnad, resultat)}, tkr; costs are negative
BUDGET = {
    "Hemtjänst": {"2023": (10_000, -50_000, -40_000), "2024": (11_000, -55_000, 1_000)},
    "Äldreboende": {"2023": (8_000, -58_000, -50_000), "2024": (9_000, -80_000, -2_000)},
    "Funktionsstöd": {"2023": (19_000, -70_000, -51_000), "2024": (20_000, -61_000, 500)},
    "Hälso- och sjukvård": {"2023": (3_000, -28_000, -25_000), "2024": (4_000, -30_000, -1_500)},
    "Totalt": {"2023": (40_000, -206_000, -166_000), "2024": (44_000, -226_000, -2_000)},
}


def _tkr(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _table(rows: dict[str, dict[str, tuple[int, int, int]]]) -> tuple[SourceDocument, list[Fact]]:
    """A document holding the table, and a fact for every value at its span in the text."""
    text = f"Ekonomi\n\n{TABLE} (tkr)\n"
    text += "Område\t" + "\t".join(f"{c} {p}" for p in ("2023", "2024") for c in COLUMNS) + "\n"
    facts: list[Fact] = []
    for name, periods in rows.items():
        text += name
        for period in ("2023", "2024"):
            for column, number in zip(COLUMNS, periods[period], strict=True):
                value = _tkr(number)
                text += "\t"
                start = len(text)
                text += value
                facts.append(Fact(
                    id=f"f{len(facts)}", municipality="Lerums kommun", body="Vård- och omsorgsnämnden",
                    document="budget.pdf", table=TABLE, indicator=f"{name} – {column}", period=period,
                    kind="budget", value=value, number=float(number), unit="tkr", start=start, end=len(text)))
        text += "\n"
    text += "\nSlut på tabellen.\n"
    doc = SourceDocument(id="b1", name="budget.pdf", sha256="0" * 64,
                         meta=DocumentMeta(municipality="Lerums kommun", title="Budget 2024"), text=text)
    return doc, facts


def _fact_answerer(rows: dict[str, dict[str, tuple[int, int, int]]]) -> tuple[FactAnswerer, list[ScoredChunk]]:
    doc, facts = _table(rows)

    def refuse(question: str, chunks: list[ScoredChunk], reason: str) -> Answer:
        return Answer(question=question, answer=reason, refused=True)

    answerer = FactAnswerer(FactStore(facts), lambda name: doc if name == doc.name else None, AnswerSettings(),
                            {}, lambda: {"Lerums kommun"}, refuse)
    return answerer, [whole_passage(doc.text, doc.name)]


def _extreme(question: str, rows: dict[str, dict[str, tuple[int, int, int]]] = BUDGET) -> Answer | None:
    answerer, chunks = _fact_answerer(rows)
    return answerer.extreme(AskRequest(question=question), question, analyze(question, set(), Filters()), chunks, {})


def _row_of(answer: Answer) -> tuple[str, str, str, str]:
    [fact] = answer.facts
    row, column = fact.indicator.split(" – ")
    return row, column, fact.period, fact.kind


def test_the_largest_cost_of_the_asked_column_and_year() -> None:
    answer = _extreme("Vilket produktionsområde har störst bruttokostnad i budget 2024?")
    assert answer is not None and not answer.refused
    assert _row_of(answer) == ("Äldreboende", "brutto kostnad", "2024", "budget")  # not Totalt, not 2023's top
    assert answer.answer.startswith("Äldreboende har störst brutto kostnad")
    [citation] = answer.citations
    assert "-80 000" in citation.quote


def test_another_year_gives_that_years_largest() -> None:
    answer = _extreme("Vilket produktionsområde har störst bruttokostnad i budget 2023?")
    assert answer is not None and _row_of(answer) == ("Funktionsstöd", "brutto kostnad", "2023", "budget")


def test_another_column_gives_that_columns_largest() -> None:
    answer = _extreme("Vilket produktionsområde har högst bruttointäkt i budget 2024?")
    assert answer is not None and _row_of(answer)[:2] == ("Funktionsstöd", "brutto intäkt")


@pytest.mark.parametrize("word", ["lägst", "minst"])
def test_the_smallest_when_asked_for(word: str) -> None:
    answer = _extreme(f"Vilket produktionsområde har {word} bruttokostnad i budget 2024?")
    assert answer is not None and _row_of(answer)[:3] == ("Hälso- och sjukvård", "brutto kostnad", "2024")


def test_no_extreme_when_the_question_does_not_name_the_column() -> None:
    assert _extreme("Vilket produktionsområde har störst budget 2024?") is None


def test_no_extreme_without_a_superlative() -> None:
    assert _extreme("Vilket produktionsområde har bruttokostnad i budget 2024?") is None


def test_no_extreme_when_the_values_have_mixed_signs() -> None:
    assert _extreme("Vilket produktionsområde har störst budgeterat resultat i budget 2024?") is None


def test_no_extreme_with_fewer_than_three_rows_besides_the_total() -> None:
    rows = {k: v for k, v in BUDGET.items() if k in ("Hemtjänst", "Äldreboende", "Totalt")}
    assert _extreme("Vilket produktionsområde har störst bruttokostnad i budget 2024?", rows) is None
    rows["Funktionsstöd"] = BUDGET["Funktionsstöd"]  # a third row besides the total: now answered
    assert _extreme("Vilket produktionsområde har störst bruttokostnad i budget 2024?", rows) is not None


# --- 5. FactAnswerer._agreeing_rows: the area before its sub-account ----------------------------------------------


def _account_store(*names: str) -> tuple[FactAnswerer, list[ScoredChunk], list[Fact]]:
    text = "Driftbudget per verksamhet (tkr)\nVerksamhet\tBudget 2024\n"
    facts = []
    for i, name in enumerate(names):
        line = f"{name}\t-{10 + i} 000\n"
        facts.append(Fact(id=f"a{i}", municipality="Lerums kommun", body="Individnämnden", document="drift.pdf",
                          table="Driftbudget per verksamhet", indicator=name, period="2024", kind="budget",
                          value=f"-{10 + i} 000", number=-(10 + i) * 1000.0, unit="tkr", start=len(text),
                          end=len(text) + len(line) - 1))
        text += line
    doc = SourceDocument(id="r1", name="drift.pdf", sha256="0" * 64, meta=DocumentMeta(), text=text)
    answerer = FactAnswerer(FactStore(facts), lambda name: doc, AnswerSettings(), {}, lambda: set(),
                            lambda q, c, r: Answer(question=q, answer=r, refused=True))
    return answerer, [whole_passage(text, "drift.pdf")], facts


AREA_QUESTION = "Vad är budgeten för Individ och familjeomsorg 2024?"


def test_a_row_named_without_a_code_comes_before_the_sub_account() -> None:
    answerer, chunks, _ = _account_store("420 Individ och familjeomsorg", "Individ och familjeomsorg")
    rows = answerer._fact_rows(AREA_QUESTION, chunks, {})
    assert [r[0].indicator for r in rows] == ["Individ och familjeomsorg", "420 Individ och familjeomsorg"]


def test_a_two_digit_area_comes_before_its_three_digit_sub_account() -> None:
    answerer, chunks, facts = _account_store("420 Individ och familjeomsorg", "42 Individ och familjeomsorg")
    # the sub-account even matches a little better: the code still decides first
    rows = answerer._agreeing_rows(AREA_QUESTION, [(facts[0], 1.0), (facts[1], 0.9)], chunks)
    assert [r[0].indicator for r in rows] == ["42 Individ och familjeomsorg", "420 Individ och familjeomsorg"]


def test_a_question_naming_the_sub_accounts_code_gets_it_first() -> None:
    answerer, chunks, _ = _account_store("420 Individ och familjeomsorg", "42 Individ och familjeomsorg")
    rows = answerer._fact_rows("Vad är budgeten för 420 Individ och familjeomsorg 2024?", chunks, {})
    assert rows and rows[0][0].indicator == "420 Individ och familjeomsorg"


# --- 6. UnitScorer.terms: the first word of a body's name ---------------------------------------------------------


@pytest.fixture(scope="module")
def body_scorer(analyzer: Analyzer) -> UnitScorer:
    return scorer_over(analyzer, "nära vård i kommunen", "vård- och omsorgsnämnden", "brukare", "annat", "något annat")


def test_the_first_word_of_a_body_name_weighs_as_context(body_scorer: UnitScorer) -> None:
    terms = body_scorer.terms("Hur många brukare har vård- och omsorgsnämnden?")
    assert terms["vård"] == pytest.approx(body_scorer.idf("vård") * CONTEXT_WEIGHT)
    assert body_scorer.is_context("vård", terms["vård"])
    assert terms["bruk"] == pytest.approx(body_scorer.idf("bruk"))  # other words keep their weight


def test_the_first_word_keeps_its_weight_when_the_question_says_it_elsewhere(body_scorer: UnitScorer) -> None:
    terms = body_scorer.terms("Hur arbetar man med nära vård i vård- och omsorgsnämnden?")
    assert terms["vård"] == pytest.approx(body_scorer.idf("vård"))
    assert not body_scorer.is_context("vård", terms["vård"])


def test_a_word_outside_a_body_name_is_not_context(body_scorer: UnitScorer) -> None:
    terms = body_scorer.terms("Hur arbetar nämnden med nära vård?")
    assert terms["vård"] == pytest.approx(body_scorer.idf("vård"))


# --- 7. compose.with_values: a § number and a code in parentheses are names -----------------------------------------


def test_a_row_name_with_a_paragraph_number_and_code_gets_its_value_lines() -> None:
    name = "Antal personer med insats enligt LSS § 9.9 (U28418)"
    source = f"{name}\n\n9010\n126 IU. IU.\n\nNästa indikator i tabellen.\n"  # as the cleaned document has it
    unit = with_values(Unit(0, len(name), name), source, 0)
    assert unit.text == f"{name}\n\n9010\n126 IU. IU." and source[unit.start:unit.end] == unit.text


def test_a_row_name_with_a_number_outside_paragraph_and_code_keeps_its_own() -> None:
    name = "Antal personer 65 år med insats enligt LSS § 9.9 (U28418)"
    source = f"{name}\n9010\n126 IU. IU.\n"
    unit = Unit(0, len(name), name)
    assert with_values(unit, source, 0) == unit


# --- 8. cover.clauses: an English part keeps its glossary words ---------------------------------------------------

ENGLISH = "What was the net cost of home care in 2023, and how does it compare with the average for all municipalities?"


def test_an_english_part_gets_the_stems_of_its_glossary_words(analyzer: Analyzer) -> None:
    def expand(text: str) -> list[str]:
        return expand_english(text, DEFAULT_GLOSSARY)

    scorer = scorer_over(analyzer, "medelvärde genomsnitt för kommunerna", "hemtjänst nettokostnad netto", "annat")
    terms = scorer.terms(ENGLISH, expand(ENGLISH))
    average = set(analyzer.stems(DEFAULT_GLOSSARY["average"]))
    assert average and average <= set(terms)
    first, second = clauses(ENGLISH, terms, scorer, expand)
    assert second.text.startswith("how does it compare")
    assert average <= set(second.terms) and not average & set(first.terms)
    assert all(second.terms[t] == terms[t] for t in average)
    # without the glossary the part has only its English words, which are not those stems
    _, plain = clauses(ENGLISH, terms, scorer)
    assert not average & set(plain.terms)


# --- 9. Compound parts: short heads, heads ending another compound, other word forms ------------------------------


def test_a_compound_with_a_three_letter_head_matches_its_parts_in_other_forms(analyzer: Analyzer) -> None:
    """'ramförstärkningen' in 'nettoram stärks': 'ram' ends another compound, 'förstärkning' is said as 'stärks'."""
    scorer = scorer_over(analyzer, "ramen för nämnden", "förstärkning av personal", "annat", "något annat")
    terms = scorer.terms("Hur förhåller det sig till ramförstärkningen?")
    stem = next(t for t in terms if t.startswith("ramförstärk"))
    unit = "Nämndens nettoram stärks med totalt 44,3 miljoner kronor år 2024."
    assert 0 < scorer.matched(terms, unit, "")[stem] < 1
    assert stem not in scorer.matched(terms, "Nämndens ram är oförändrad år 2024.", "")  # one part alone is not it


# --- 10. best_carried weighs a row with the footnote it points to -------------------------------------------------


def test_a_marked_row_wins_by_its_footnote_when_the_best_sentence_is_weak(analyzer: Analyzer) -> None:
    scorer = scorer_over(analyzer, "Vuxna med långvarigt ekonomiskt bistånd ska minska.", "Uppgift publiceras senare.",
                     "annat", "något annat", "mer text")
    question = "När publiceras uppgiften om vuxna med långvarigt ekonomiskt bistånd?"
    terms = scorer.terms(question)
    sentence = "Nämnden ska arbeta för att vuxna med långvarigt ekonomiskt bistånd blir färre."
    row = "Vuxna med långvarigt ekonomiskt bistånd 38,4% 39,9% ** Minskande"
    note = "**Uppgift publiceras v 25 år 2025"
    text = f"{sentence}\n\n{row}\n\n{note}"
    cands = [Candidate(_unit(text, part), whole_passage(text), 0, scorer.matched(terms, part, ""))
             for part in (sentence, row)]
    assert share(terms, cands[0].found) >= share(terms, cands[1].found)  # the sentence is (at least) as good alone
    note_unit = _unit(text, note)

    def notes(pick: object) -> list:  # what Answerer._footnotes gives: the '**' line for the marked row
        from assistant.cover import Pick
        assert isinstance(pick, Pick)
        return [Pick(pick.cand, note_unit, scorer.matched(terms, note, ""))] if "**" in pick.unit.text else []

    coverer = Coverer(scorer, terms, lambda cand, unit: None, notes=notes)
    assert coverer.best_carried(cands, terms, False, enough=0.9).unit.text == row
    without = Coverer(scorer, terms, lambda cand, unit: None)
    assert without.best_carried(cands, terms, False, enough=0.9).unit.text == sentence


# --- 11. fact_query keeps the indicator words ----------------------------------------------------------------------


@pytest.mark.parametrize(("question", "kept", "dropped"), [
    ("Hur mycket ökade kommunbidraget för Alingsås vård- och omsorgsnämnd mellan 2023 och 2024?",
     "kommunbidraget", ["ökade", "mellan", "omsorgsnämnd", "2023"]),
    ("Hur stor var sjukfrånvaron i Lerums kommun 2023?", "sjukfrånvaron", ["kommun", "Lerums"]),
    ("Varför minskar det budgeterade nettoresultatet för Funktionsstöd så kraftigt?", "Funktionsstöd",
     ["Varför", "minskar", "kraftigt"]),
])
def test_fact_query_keeps_the_indicator_and_drops_question_words(question: str, kept: str,
                                                                  dropped: list[str]) -> None:
    """'… ökade kommunbidraget …' must not lose 'kommunbidraget' as if it were 'Lerums kommun'."""
    words = fact_query(question).split()
    assert kept in words
    assert not set(dropped) & set(words)


def test_an_asked_word_inside_a_longer_indicator_word_does_not_make_it_asked() -> None:
    """'sjukfrånvaron för kvinnor' names the total row's 'sjukfrånvarotid för kvinnor', not the long-term one's
    'Långtidssjukfrånvaro': the rows tie on everything else, so this decides between 10,8 and 48,8."""
    question = "Hur stor var sjukfrånvaron för kvinnor i Herrljunga juni 2021?"
    total = indicator_precision(question, "Total sjukfrånvaro – Total sjukfrånvarotid för kvinnor")
    long_term = indicator_precision(question, "Långtidssjukfrånvaro (>60 dagar) – Total sjukfrånvarotid för kvinnor")
    assert total > long_term
    assert indicator_precision("Vad var bruttokostnaden?", "Hemtjänst – brutto kostnad") > 0  # parts of a compound


@pytest.mark.parametrize(("question", "expected"), [
    ("Hur stor var sjukfrånvaron för personer under 29 år i Alingsås 2024?", ["29"]),
    ("Hur stor var korttidssjukfrånvaron (dag 1–14) 2024?", ["1–14"]),
    ("Vad var sjukfrånvaron (mätetal 3:2) per 31 augusti 2021?", ["3:2"]),
    ("Väntetid för boende enligt LSS § 9.9 (U28418) 2024?", ["9.9"]),
    ("Den utökade ramen på 2 420 tkr 2022?", ["2420"]),
    ("Hur har andelen utvecklats 2021–2023 och 2021-2022?", []),
    ("Beslutet 2023-12-06, den 1 januari 2024 och 23 August 2021?", []),
])
def test_the_figures_that_say_which_group_a_question_asks_about(question: str, expected: list[str]) -> None:
    from assistant.question import qualifiers

    assert qualifiers(question) == expected


@pytest.mark.parametrize(("text", "figure", "expected"), [
    ("<29 år 5,5% 5,3% -0,3%", "29", True),
    ("Kvinnor 9,3% 9,0% och 29,5 timmar", "29", False),
    ("Andel 5,29 %", "29", False),
    ("Dag 1-14 3,7% 3,5%", "1–14", True),
    ("Dag 15-59 1,1%", "1–14", False),
    ("boende enl. LSS § 9.9", "9.9", True),
    ("boende enl. LSS § 9", "9.9", False),
    ("en utökad ram på 2 420 tkr", "2420", True),
    ("mätetal 3:2 Sjukfrånvaro", "3:2", True),
])
def test_a_text_carries_a_figure_in_any_written_form(text: str, figure: str, expected: bool) -> None:
    from assistant.question import carries

    assert carries(text, figure) is expected


@pytest.mark.parametrize(("question", "expected"), [
    ("Hade minst fem år i yrket och väntade fjorton dagar", "Hade minst 5 år i yrket och väntade 14 dagar"),
    ("at least five years", "at least 5 years"),
    ("Vilka tre riskområden och två mål?", "Vilka tre riskområden och två mål?"),  # counts stay words
])
def test_a_spelled_out_measure_is_written_in_digits(question: str, expected: str) -> None:
    from assistant.question import with_digits

    assert with_digits(question) == expected


def test_the_questions_own_figure_is_no_answer_figure() -> None:
    from assistant.compose import has_answer_number
    from assistant.question import SUPERLATIVE, qualifiers, with_digits, without

    question = "Hur stor andel hade minst fem år i yrket 2023?"
    assert qualifiers(question) == ["5"]
    assert not has_answer_number(without("Erfarna socionomer, minst 5 år i yrket", qualifiers(question)))
    assert has_answer_number(without("minst 5 år i yrket 65,1% 65,2% 74,7%", qualifiers(question)))
    assert SUPERLATIVE.search(question) and not SUPERLATIVE.search(with_digits(question))


@pytest.mark.parametrize(("question", "numeric"), [
    ("Vad låg sjukfrånvaron på i Herrljunga i augusti 2021?", True),
    ("Vad landade resultatet på?", True),
    ("Vad ligger fokus på i planen?", False),
])
def test_vad_lag_pa_asks_for_a_value(question: str, numeric: bool) -> None:
    from assistant.query import Filters
    from assistant.question import analyze

    assert analyze(question, {"Herrljunga kommun"}, Filters()).numeric is numeric


def test_question_frame_verbs_are_no_topic() -> None:
    from assistant.evidence import QUESTION_WORDS

    assert {"låg", "lyfter", "fram", "tar", "upp", "håller"} <= QUESTION_WORDS
    assert "ligger" not in QUESTION_WORDS  # "vilka kostnader ligger där" asks about what lies there


def test_a_units_share_of_one_parts_terms_ignores_the_other_parts_words() -> None:
    """Candidate.own over a part's terms: words the unit found for another part count nothing (no KeyError)."""
    from assistant.compose import Candidate
    from assistant.evidence import Unit

    found = {"avvik": 1.0, "personalkostnad": 1.0}
    cand = Candidate(unit=Unit(0, 10, "x"), chunk=None, rank=0, found=found)  # type: ignore[arg-type]
    assert cand.own({"personalkostnad": 2.0, "överskred": 2.0}, 4.0) == 0.5


@pytest.mark.parametrize(("question", "deviation"), [
    ("Hur många läkemedelsavvikelser hade Herrljunga 2020?", False),
    ("Med hur mycket avvek personalkostnaderna 2024?", True),
    ("Vilken helårsavvikelse prognostiseras 2021?", True),
    ("Hur stor var budgetavvikelsen 2024?", True),
])
def test_a_compound_ending_in_avvikelser_is_no_budget_deviation(question: str, deviation: bool) -> None:
    from assistant.query import Filters
    from assistant.question import analyze

    assert ("avvikelse" in analyze(question, {"Herrljunga kommun"}, Filters()).kinds) is deviation
