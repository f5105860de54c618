"""The answering stages one by one, on small documents: units, features, selection, composition, verification."""

from __future__ import annotations

from assistant.answering.candidates import UnitCache, gather, merge_rows
from assistant.answering.compose import compose, render_row
from assistant.answering.features import Context, Idf, featurize, weighted_terms
from assistant.answering.frame import build_frame
from assistant.answering.rows import RowIndex
from assistant.answering.scorer import load_weights, rank
from assistant.answering.select import Pick, expand
from assistant.answering.units import DocumentUnits
from assistant.answering.verify import check_answer, unsupported_numbers
from assistant.language import WordMatcher, load_lexicon
from assistant.retrieve import ScoredChunk
from assistant.types import Candidate, Chunk, Citation, DocumentMeta, Unit
from tests.retrieval_fixtures import make_document

LEX = load_lexicon()
MATCHER = WordMatcher(LEX)
META = dict(title="Uppföljning april 2025", municipality="Kungsbacka kommun", body="Byggnadsnämnden",
            kind="report", period="2025")
TEXT = (
    "Ekonomi\n\n"
    "Byggnadsnämnden redovisar ett utfall mot budget på -0,9 miljoner kronor per april. "
    "Underskottet beror främst på lägre intäkter för bygglov.\n\n"
    "Nämnden har följande risker:\n"
    "• Färre bygglovsansökningar\n"
    "• Höjda räntor\n\n"
    "Driftredovisning\n"
    "Verksamhet\tBokslut 2024\tÅrsbudget 2025\tHelårsprognos 2025\tAvvikelse 2025\n"
    "Geodata & Bygglov\t\t\t\t\n"
    "Intäkter\t30,2\t32,3\t32,3\t0,0\n"
    "Kostnader\t-48,6\t-53,8\t-55\t-1,2\n"
    "Periodens resultat\t-35,1\t-40,4\t-40,4\t0,0\n"
)
DOC = make_document("bygg.md", TEXT, **META)


def documents(name: str):  # noqa: ANN201
    return DOC if name == DOC.name else None


def test_units_are_rows_from_the_tables_sentences_and_list_items() -> None:
    units = DocumentUnits(DOC).units
    kinds = [(u.kind, u.text[:20]) for u in units]
    assert ("row", "Intäkter\t30,2\t32,3\t3") in kinds
    assert ("item", "• Färre bygglovsansö") in kinds
    sentences = [u for u in units if u.kind == "sentence"]
    assert sentences[0].text.startswith("Byggnadsnämnden redovisar") and sentences[0].text.endswith("per april.")
    assert all(TEXT[u.start:u.end] == u.text for u in units)


def chunk_over(start: int, end: int) -> ScoredChunk:
    chunk = Chunk(id="c", document_id=DOC.id, document=DOC.name, section="", start=start, end=end,
                  text=TEXT[start:end])
    return ScoredChunk(chunk, 1.0, DOC.meta, {"bm25": 1})


def scored(question: str) -> list[Candidate]:
    frame = build_frame(question, MATCHER, LEX, {"Kungsbacka kommun"})
    cache = UnitCache(documents)
    candidates = gather([chunk_over(0, len(TEXT))], cache)
    ctx = Context(frame, weighted_terms(frame.terms, Idf()), MATCHER, LEX, cache)
    featurize(candidates, ctx)
    return rank(candidates, load_weights())


def test_features_name_what_agrees_with_the_question() -> None:
    by_text = {c.unit.text.split("\t")[0]: c for c in scored("Vad var helårsprognosen för kostnaderna 2025?")}
    row = by_text["Kostnader"]
    assert row.features["is_row"] == 1.0 and row.features["year_match"] == 1.0 and row.features["kind_match"] == 1.0
    assert row.features["cov_label"] > 0 and row.features["num_match"] == 1.0
    sentence = next(c for c in by_text.values() if c.unit.text.startswith("Underskottet"))
    assert sentence.features["num_missing"] == 1.0
    why = {c.unit.text[:12]: c for c in scored("Varför blev det underskott per april?")}
    assert why["Underskottet"].features["why_cause"] == 1.0


def test_a_row_without_the_asked_kind_and_year_leaves_the_cell_unmet() -> None:
    rows = {c.unit.text.split("\t")[0]: c for c in scored("Vad blev bokslutet för kostnaderna 2025?")}
    assert rows["Kostnader"].features["cell_unmet"] == 1.0  # Bokslut 2024, Årsbudget 2025: no Bokslut 2025
    assert rows["Kostnader"].features["year_match"] == 1.0  # the year alone is there
    met = {c.unit.text.split("\t")[0]: c for c in scored("Vad blev bokslutet för kostnaderna 2024?")}
    assert met["Kostnader"].features["cell_match"] == 1.0 and met["Kostnader"].features["cell_unmet"] == 0.0
    no_year = {c.unit.text.split("\t")[0]: c for c in scored("Vad blev bokslutet för kostnaderna?")}
    assert no_year["Kostnader"].features["cell_unmet"] == 0.0 and no_year["Kostnader"].features["asks_year"] == 0.0


def test_a_year_no_candidate_speaks_of_is_unmet_for_the_question() -> None:
    from assistant.answering.scorer import question_features

    unmet = question_features(scored("Hur stora var intäkterna 2019?"), english=False)
    assert unmet["year_unmet"] == 1.0 and unmet["best_year_unmet"] == 1.0
    met = question_features(scored("Hur stora var intäkterna 2024?"), english=False)
    assert met["year_unmet"] == 0.0
    assert question_features(scored("Hur stora var intäkterna?"), english=False)["year_unmet"] == 0.0


def test_a_total_row_agrees_with_a_question_about_the_whole() -> None:
    rows = {c.unit.text.split("\t")[0]: c for c in scored("Vilket resultat prognostiserar nämnden totalt 2025?")}
    assert rows["Periodens resultat"].features["total_row"] == 1.0
    assert rows["Intäkter"].features["total_row"] == 0.0


def test_the_row_index_finds_a_row_by_its_table_and_merges_with_passage_candidates() -> None:
    index = RowIndex(MATCHER)
    index.refresh(lambda: [DOC], generation=1)
    frame = build_frame("Helårsprognos för periodens resultat 2025?", MATCHER, LEX, set())
    hits = index.search(frame.terms, weighted_terms(frame.terms, Idf()), allowed=None)
    assert hits[0][0].unit.text.startswith("Periodens resultat")
    assert index.search(frame.terms, weighted_terms(frame.terms, Idf()), allowed={"another-doc"}) == []
    row = Candidate(hits[0][0].unit, DOC.meta, "row", 0)
    passages = gather([chunk_over(0, len(TEXT))], UnitCache(documents))
    merged = merge_rows(passages, [row])
    assert len(merged) == len(passages)  # the row was a passage candidate already: it gets the row rank
    assert next(c for c in merged if c.unit.start == row.unit.start).features["row_hit"] == 1.0


def test_a_row_is_read_out_with_its_headers_the_asked_column_first() -> None:
    table = DOC.tables[0]
    row = next(r for r in table.rows if r.label == "Kostnader")
    frame = build_frame("Vad är helårsprognosen 2025?", MATCHER, LEX, set())
    text = render_row(table, row, frame)
    assert text.startswith("Kostnader (Geodata & Bygglov) (Driftredovisning) – Helårsprognos 2025: -55; ")
    assert "Bokslut 2024: -48,6" in text and "Avvikelse 2025: -1,2" in text


def test_composition_cites_exact_text_and_every_figure_stands_in_a_cited_passage() -> None:
    units = DocumentUnits(DOC)
    row = next(u for u in units.units if u.kind == "row" and u.text.startswith("Kostnader"))
    candidate = Candidate(row, DOC.meta, "passage", 0)
    frame = build_frame("Vad är helårsprognosen för kostnaderna 2025?", MATCHER, LEX, set())
    composed = compose([Pick(row, candidate, "main")], frame, documents, lambda *_: False)
    cite = composed.citations[0]
    assert TEXT[cite.start:cite.end] == cite.quote and "Helårsprognos 2025" in cite.header
    assert cite.unreviewed and "ej granskad" in composed.text
    assert unsupported_numbers(composed.text, composed.citations) == []


def test_verification_rejects_a_number_no_cited_passage_holds() -> None:
    cite = Citation(key="1", document="d", start=0, end=10, quote="Sjukfrånvaron var 5,9 procent 2024.")
    assert unsupported_numbers("Sjukfrånvaron var 6,1 procent 2024 [1].", [cite]) == ["6,1 procent"]
    assert check_answer("Sjukfrånvaron var 5,9 procent [1].", [cite]) == []
    assert check_answer("Sjukfrånvaron var 5,9 procent [7].", [cite])[0].startswith("okänd källnyckel")


def test_verification_reads_a_cell_with_a_rank_and_a_month_header_as_the_document_has_them() -> None:
    row = Citation(key="1", document="d", start=0, end=10, quote="Hemtjänstindex\tsaknas\t52,5 (plats 121)",
                   header="2021\t2022")
    assert unsupported_numbers("Hemtjänstindex – 2022: 52,5 (plats 121) [1]", [row]) == []
    assert unsupported_numbers("Hemtjänstindex – 2022: 52,5 (plats 12) [1]", [row]) == ["52,5 (plats 12)"]
    months = Citation(key="1", document="d", start=0, end=10, quote="Andel heltid % 78,1 88,2", header="jun-20 jun-21")
    assert unsupported_numbers("Andel heltid % – jun-20: 78,1; jun-21: 88,2 [1]", [months]) == []
    assert unsupported_numbers("Andel heltid % – jun-22: 78,1 [1]", [months]) == ["22"]
    assert unsupported_numbers("Resultatet blev -20 [1]", [months]) == ["-20"]


def test_a_list_introduction_brings_its_items_and_a_why_question_its_reason() -> None:
    units = DocumentUnits(DOC)
    intro = next(u for u in units.units if u.text.startswith("Nämnden har följande risker"))
    frame = build_frame("Vilka risker har nämnden?", MATCHER, LEX, set())
    picks = expand(Pick(intro, Candidate(intro, DOC.meta, "passage", 0), "main"), frame, units, LEX)
    assert [p.unit.text for p in picks[1:]] == ["• Färre bygglovsansökningar", "• Höjda räntor"]
    result = next(u for u in units.units if u.text.startswith("Byggnadsnämnden redovisar"))
    frame = build_frame("Varför blev resultatet -0,9 miljoner per april?", MATCHER, LEX, set())
    picks = expand(Pick(result, Candidate(result, DOC.meta, "passage", 0), "main"), frame, units, LEX)
    assert picks[-1].role == "reason" and picks[-1].unit.text.startswith("Underskottet beror")


def test_a_unit_type_carries_its_document_span() -> None:
    unit = Unit("d", 0, 4, "sentence", "Text")
    assert (unit.document, unit.start, unit.end) == ("d", 0, 4)
    assert DocumentMeta(**META).body == "Byggnadsnämnden"


def test_a_row_with_a_footnote_marker_brings_its_footnote_below_the_table() -> None:
    text = ("Budget per produktionsområde\n\n"
            "Produktionsområde\tBudget 2023\tBudget 2024\n"
            "Myndighet\t94,6\t85,9\n"
            "Arbetsliv och Stöd *\t0,0\t11,3\n"
            "Totalt\t94,6\t97,2\n\n"
            "** Gäller inte denna tabell.\n"
            "*Nytt produktionsområde från 2024, med handläggarna i försörjningsstödsenheten.\n")
    doc = make_document("plan.txt", text, title="Plan", municipality="Testby kommun", kind="plan", period="2024")
    units = DocumentUnits(doc)
    row = next(u for u in units.units if u.text.startswith("Arbetsliv"))
    frame = build_frame("Vad kostar Arbetsliv och stöd 2024?", MATCHER, LEX, set())
    picks = expand(Pick(row, Candidate(row, doc.meta, "passage", 0), "main"), frame, units, LEX)
    assert [(p.role, p.unit.text[:14]) for p in picks] == [("main", "Arbetsliv och "), ("note", "*Nytt produkti")]
    plain = next(u for u in units.units if u.text.startswith("Myndighet"))
    assert len(expand(Pick(plain, Candidate(plain, doc.meta, "passage", 0), "main"), frame, units, LEX)) == 1


def test_each_place_compared_gets_the_best_unit_that_carries_the_questions_key_term() -> None:
    from assistant.answering.select import Selector
    from assistant.types import DocumentMeta

    def candidate(doc: str, place: str, text: str, score: float, key: float) -> Candidate:
        unit = Unit(doc, 0, len(text), "sentence", text)
        return Candidate(unit, DocumentMeta(municipality=place), "passage", 0, {}, {"key": key}, score)

    ranked = [candidate("a.txt", "Alingsås kommun", "60 undersköterskor utbildas genom lyftet 2024.", 0.9, 1.0),
              candidate("h.txt", "Herrljunga kommun", "Budgeten för 2021 är lagd.", 0.05, 0.0),
              candidate("h2.txt", "Herrljunga kommun", "Genom lyftet får åtta personer utbildning.", 0.01, 1.0)]
    selector = Selector(MATCHER, LEX, lambda name: None, lambda c: "")
    frame = build_frame("Hur många utbildas genom lyftet i Alingsås 2024 respektive i Herrljunga?", MATCHER, LEX, set())
    picks = selector.choose(ranked, frame, True, 0.5, lambda cands, terms: cands,
                            ["Alingsås kommun", "Herrljunga kommun"])
    assert [(p.role, p.unit.document) for p in picks] == [("main", "a.txt"), ("place", "h2.txt")]
    ranked[2].features["key"] = 0.0  # no unit of the place carries the key term: nothing is added for it
    picks = selector.choose(ranked, frame, True, 0.5, lambda cands, terms: cands,
                            ["Alingsås kommun", "Herrljunga kommun"])
    assert [p.unit.document for p in picks] == ["a.txt"]


def test_an_answer_says_whose_document_it_is_from_when_the_question_names_no_place() -> None:
    units = DocumentUnits(DOC)
    sentence = next(u for u in units.units if u.text.startswith("Byggnadsnämnden redovisar"))
    pick = Pick(sentence, Candidate(sentence, DOC.meta, "passage", 0), "main")
    frame = build_frame("Vilket utfall mot budget redovisas per april?", MATCHER, LEX, set())
    named = compose([pick], frame, documents, lambda *a: None, name_sources=True)
    assert named.text.startswith("Enligt Kungsbacka kommun, Byggnadsnämnden: Byggnadsnämnden redovisar")
    assert unsupported_numbers(named.text, named.citations) == []
    plain = compose([pick], frame, documents, lambda *a: None)
    assert plain.text.startswith("Byggnadsnämnden redovisar")
