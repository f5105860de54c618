"""Fact extraction (assistant/facts/extract.py): every placed cell becomes a Fact under exactly its row, column,
period and kind, with the value as written and its span; what cannot be placed goes to review, never to a fact.

Small documents only, read by find_tables or built cell by cell: no embedder, no index.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.facts.extract import (
    EXTRACTOR_VERSION,
    ExtractionResult,
    corpus_documents,
    extract_corpus,
    extract_documents,
    extract_facts,
    facts_of,
)
from assistant.language import load_lexicon
from assistant.types import (
    DocumentMeta,
    Fact,
    PageSpan,
    SourceDocument,
    Table,
    TableCell,
    TableColumn,
    TableRow,
    content_id,
)
from tests.retrieval_fixtures import make_document

META = DocumentMeta(title="Uppföljning 2025", municipality="Fjällby kommun", body="Kulturnämnden", kind="report",
                    period="2025")
TEXT = ("Uppföljning 2025\n\nTabell 1 Nyckeltal\n\n"
        "Indikator\tUtfall 2024\tBudget 2025\tRiket\n"
        "Kultur\n"
        "Besök i simhallen\t88 120\t91 300\t95 000\n"
        "Andel nöjda (%)\t41,2\tsaknas\t-\n"
        "Elever (N15419)\tIU.\t-\t12\n\n"
        "Nämnden bedömer att besöken ökar.\n")


def _facts(text: str = TEXT, name: str = "kultur.txt") -> ExtractionResult:
    return facts_of(make_document(name, text, **META.model_dump()))


def _one(facts: list[Fact], indicator: str, column: str) -> Fact:
    found = [f for f in facts if f.indicator == indicator and f.column == column]
    assert len(found) == 1, found
    return found[0]


def _doc(text: str, table: Table, name: str = "hand.txt", pages: list[PageSpan] | None = None) -> SourceDocument:
    return SourceDocument(id=content_id(text), name=name, sha256="", meta=META, text=text, tables=[table],
                          pages=pages or [])


def _cell(text: str, value: str, column: int, after: int = 0) -> TableCell:
    start = text.index(value, after)
    return TableCell(column=column, text=value, start=start, end=start + len(value))


# A hand-built table: header "Belopp (tkr)", one outcome column, one column without a year, rows of every kind.
HAND = ("Belopp (tkr)\tUtfall 2025\tKommentar\n"
        "Budget netto totalt\t120\tok\n"
        "Budget för hela året\t130\tok\n"
        "Avvikelse\t-5\tok\n"
        "Mål\t7\tok\n"
        "Summa   intäkter\t88  120\tok\n")


def _hand_table(text: str = HAND, caption: str = "Ekonomi", placed: bool = True) -> Table:
    columns = [TableColumn(header="Utfall 2025", kind="utfall", period="2025"), TableColumn(header="Kommentar")]
    rows = []
    first = text.index("\n") + 1
    for line_start, line in _lines(text)[1:]:
        label, *values = line.split("\t")
        cells, at = [], line_start + len(label)
        for i, value in enumerate(values):
            cells.append(_cell(text, value, i, at))
            at = cells[-1].end
        rows.append(TableRow(label=label, group="Driften", start=line_start, end=line_start + len(line), cells=cells,
                             placed=placed))
    return Table(id="t1", caption=caption, start=0, end=len(text), header_start=0, header_end=first - 1,
                 columns=columns, rows=rows)


def _lines(text: str) -> list[tuple[int, str]]:
    out, at = [], 0
    for line in text.split("\n"):
        if line:
            out.append((at, line))
        at += len(line) + 1
    return out


def test_a_cell_under_a_column_with_kind_and_period_is_a_fact_of_exactly_that_period_and_kind() -> None:
    result = _facts()
    fact = _one(result.facts, "Besök i simhallen", "Utfall 2024")
    assert (fact.period, fact.kind, fact.value, fact.number, fact.status) == ("2024", "utfall", "88 120", 88120.0,
                                                                              "ok")
    budget = _one(result.facts, "Besök i simhallen", "Budget 2025")
    assert (budget.period, budget.kind, budget.value, budget.number) == ("2025", "budget", "91 300", 91300.0)
    assert (fact.municipality, fact.body, fact.document) == ("Fjällby kommun", "Kulturnämnden", "kultur.txt")
    assert fact.table == "Tabell 1 Nyckeltal" and fact.period_source == "" and fact.review == "extracted"


def test_the_fact_spans_point_at_the_value_and_its_row_in_the_document_text() -> None:
    for fact in _facts().facts:
        assert TEXT[fact.start:fact.end] == fact.value
        row = TEXT[fact.row_start:fact.row_end]
        assert row.startswith(fact.indicator) and fact.value in row and "\n" not in row
    document = make_document("kultur.txt", TEXT, **META.model_dump())
    assert {f.table_id for f in facts_of(document).facts} == {document.tables[0].id}


def test_a_cell_under_an_unplaced_column_is_never_a_fact_but_goes_to_review() -> None:
    result = _facts()
    assert all(f.column != "Riket" and f.value != "95 000" for f in result.facts)
    assert len(result.facts) == 6
    riket = [r for r in result.needs_review if "Riket" in r.reason]
    assert len(riket) == 3 and len(result.needs_review) == 3
    first = riket[0]
    assert TEXT[first.start:first.end] == "95 000"
    assert first.reason == "kolumnen ”Riket” kan inte placeras (art eller period framgår inte av rubriken)"
    assert (first.document, first.table) == ("kultur.txt", "Tabell 1 Nyckeltal")
    assert first.row_text == "Besök i simhallen 88 120 91 300 95 000"


def test_row_label_and_group_are_kept_and_the_kolada_id_read_from_the_label() -> None:
    facts = _facts().facts
    assert {(f.indicator, f.group) for f in facts} == {("Besök i simhallen", "Kultur"), ("Andel nöjda (%)", "Kultur"),
                                                       ("Elever (N15419)", "Kultur")}
    assert {f.kolada_id for f in facts if f.indicator == "Elever (N15419)"} == {"N15419"}
    assert {f.kolada_id for f in facts if f.indicator != "Elever (N15419)"} == {""}


def test_missing_data_markers_get_their_status_and_no_number() -> None:
    facts = _facts().facts
    saknas = _one(facts, "Andel nöjda (%)", "Budget 2025")
    assert (saknas.value, saknas.status, saknas.number) == ("saknas", "saknas", None)
    iu = _one(facts, "Elever (N15419)", "Utfall 2024")
    assert (iu.value, iu.status, iu.number) == ("IU.", "IU.", None)
    dash = _one(facts, "Elever (N15419)", "Budget 2025")
    assert (dash.value, dash.status, dash.number) == ("-", "-", None)
    assert not saknas.present and not iu.present and not dash.present


def test_a_value_in_words_is_text_without_a_number() -> None:
    text = TEXT.replace("88 120", "Ökande")
    fact = _one(_facts(text).facts, "Besök i simhallen", "Utfall 2024")
    assert (fact.value, fact.status, fact.number, fact.unit) == ("Ökande", "text", None, "")


def test_units_come_from_the_value_the_header_the_row_the_caption_and_the_label_header_in_that_order() -> None:
    facts = _facts().facts
    assert _one(facts, "Andel nöjda (%)", "Utfall 2024").unit == "%"  # from the row label
    assert _one(facts, "Besök i simhallen", "Utfall 2024").unit == ""  # nothing names one
    caption = _facts(TEXT.replace("Tabell 1 Nyckeltal", "Tabell 1 Nyckeltal (tkr)")).facts
    assert _one(caption, "Besök i simhallen", "Utfall 2024").unit == "tkr"
    assert _one(caption, "Andel nöjda (%)", "Utfall 2024").unit == "%"  # the row before the caption
    header = _facts(TEXT.replace("Tabell 1 Nyckeltal", "Tabell 1 Nyckeltal (tkr)")
                    .replace("Utfall 2024", "Utfall 2024 (mkr)")).facts
    assert _one(header, "Andel nöjda (%)", "Utfall 2024 (mkr)").unit == "mkr"  # the header before the row
    own = _facts(TEXT.replace("41,2", "41,2 %").replace("Andel nöjda (%)", "Andel nöjda (tkr)")).facts
    assert _one(own, "Andel nöjda (tkr)", "Utfall 2024").unit == "%"  # the value's own unit first
    hand = facts_of(_doc(HAND, _hand_table())).facts
    assert {f.unit for f in hand} == {"tkr"}  # the label header 'Belopp (tkr)'


def test_the_label_header_gives_a_unit_only_from_words_that_head_no_value_column() -> None:
    text = HAND.replace("Utfall 2025", "Utfall 2025 tkr").replace("Belopp (tkr)", "Belopp")
    table = _hand_table(text)
    table.columns[0] = table.columns[0].model_copy(update={"header": "Utfall 2025 tkr"})
    facts = facts_of(_doc(text, table)).facts
    assert {f.unit for f in facts} == {"tkr"}  # from the column header itself
    plain = HAND.replace("Belopp (tkr)", "Belopp tkr")
    table = _hand_table(plain)
    table.columns[1] = table.columns[1].model_copy(update={"header": "Kommentar tkr"})
    assert {f.unit for f in facts_of(_doc(plain, table)).facts} == {""}  # 'tkr' heads the Kommentar column


def test_duplicate_cells_get_distinct_ids_and_the_id_is_stable() -> None:
    text = TEXT.replace("Nämnden", "Besök i simhallen\t88 120\t91 300\t95 000\n\nNämnden")
    first, again = _facts(text), _facts(text)
    twins = [f for f in first.facts if f.indicator == "Besök i simhallen" and f.column == "Utfall 2024"]
    assert len(twins) == 2 and twins[0].id != twins[1].id and twins[0].start != twins[1].start
    assert [f.id for f in first.facts] == [f.id for f in again.facts]
    assert len({f.id for f in first.facts}) == len(first.facts)
    key = "|".join(["kultur.txt", "Tabell 1 Nyckeltal", "Kultur", "Besök i simhallen", "Utfall 2024", "88 120"])
    assert [t.id for t in twins] == [content_id(f"{key}|1", 12), content_id(f"{key}|2", 12)]
    other = _facts(text, name="annan.txt")
    assert not {f.id for f in other.facts} & {f.id for f in first.facts}


def test_a_row_named_by_a_kind_in_an_outcome_table_holds_that_kind_for_the_columns_period() -> None:
    facts = facts_of(_doc(HAND, _hand_table()), load_lexicon()).facts
    kinds = {f.indicator: (f.kind, f.period) for f in facts}
    assert kinds == {"Budget netto totalt": ("budget", "2025"), "Budget för hela året": ("utfall", "2025"),
                     "Avvikelse": ("avvikelse", "2025"), "Mål": ("mål", "2025"), "Summa intäkter": ("utfall", "2025")}
    budget = _facts(TEXT.replace("Besök i simhallen", "Prognos")).facts
    assert _one(budget, "Prognos", "Utfall 2024").kind == "prognos"
    assert _one(budget, "Prognos", "Budget 2025").kind == "budget"  # only outcome columns take the row's kind


def test_values_and_labels_are_read_with_their_whitespace_collapsed() -> None:
    facts = facts_of(_doc(HAND, _hand_table())).facts
    summa = [f for f in facts if f.indicator == "Summa intäkter"]
    assert len(summa) == 1 and summa[0].value == "88 120" and summa[0].number == 88120.0
    assert HAND[summa[0].start:summa[0].end] == "88  120"
    assert all(f.group == "Driften" and f.table == "Ekonomi" and f.table_id == "t1" for f in facts)
    row = next(r for r in _hand_table().rows if r.label == "Avvikelse")
    avvikelse = next(f for f in facts if f.indicator == "Avvikelse")
    assert (avvikelse.row_start, avvikelse.row_end, avvikelse.column) == (row.start, row.end, "Utfall 2025")


def test_the_page_of_a_fact_is_the_page_holding_its_cell() -> None:
    split = HAND.index("Mål")
    pages = [PageSpan(page=1, start=0, end=split), PageSpan(page=2, start=split, end=len(HAND))]
    facts = facts_of(_doc(HAND, _hand_table(), pages=pages)).facts
    assert {f.indicator: f.page for f in facts} == {"Budget netto totalt": 1, "Budget för hela året": 1,
                                                    "Avvikelse": 1, "Mål": 2, "Summa intäkter": 2}


def test_an_unplaced_row_goes_to_review_whole_and_an_empty_one_is_dropped() -> None:
    table = _hand_table(placed=False)
    table.rows.append(TableRow(label="", start=len(HAND) - 1, end=len(HAND), placed=False,
                               cells=[TableCell(column=-1, text="  ", start=len(HAND) - 1, end=len(HAND))]))
    result = facts_of(_doc(HAND, table))
    assert result.facts == []
    assert len(result.needs_review) == 5
    first = result.needs_review[0]
    assert (first.start, first.end) == (table.rows[0].start, table.rows[0].end)
    assert first.row_text == "Budget netto totalt 120 ok"
    assert first.reason == ("raden kunde inte läsas in i kolumnerna med säkerhet (fler eller färre värden än "
                            "kolumner)")


def test_a_cell_outside_the_columns_is_skipped() -> None:
    table = _hand_table()
    row = table.rows[0]
    extra = [c.model_copy(update={"column": n}) for c, n in zip(row.cells, (-1, 2), strict=True)]
    table.rows = [row.model_copy(update={"cells": [extra[0], *row.cells, extra[1]]})]
    result = facts_of(_doc(HAND, table))
    assert [f.value for f in result.facts] == ["120"]
    assert [r.reason for r in result.needs_review] == [
        "kolumnen ”Kommentar” kan inte placeras (art eller period framgår inte av rubriken)"]
    zero = table.model_copy(update={"rows": [row.model_copy(update={"cells": row.cells[:1]})]})
    assert [f.column for f in facts_of(_doc(HAND, zero)).facts] == ["Utfall 2025"]


def test_a_column_with_a_kind_but_no_period_or_a_period_but_no_kind_is_not_placed() -> None:
    for update in ({"period": ""}, {"kind": ""}):
        table = _hand_table()
        table.columns[0] = table.columns[0].model_copy(update=update)
        result = facts_of(_doc(HAND, table))
        assert result.facts == [] and len(result.needs_review) == 10


def test_review_row_text_is_cut_at_300_characters() -> None:
    label = "Budget " + "x" * 400
    text = HAND.replace("Budget netto totalt", label)
    table = _hand_table(text, placed=False)
    review = facts_of(_doc(text, table)).needs_review[0]
    assert review.row_text == (label + " 120 ok")[:300] and len(review.row_text) == 300


def test_extract_facts_reads_the_tables_of_a_cleaned_text() -> None:
    result = extract_facts("kultur.txt", TEXT, META)
    assert result == _facts()
    assert {f.document for f in result.facts} == {"kultur.txt"}
    assert {f.municipality for f in result.facts} == {"Fjällby kommun"}
    assert EXTRACTOR_VERSION == "4"


def test_a_column_without_a_year_takes_the_documents_year_and_says_so() -> None:
    text = TEXT.replace("Budget 2025", "Budget")
    fact = _one(extract_facts("kultur.txt", text, META).facts, "Besök i simhallen", "Budget")
    assert (fact.period, fact.kind, fact.period_source, fact.value) == ("2025", "budget", "document", "91 300")
    year = _one(extract_facts("kultur.txt", TEXT, META).facts, "Besök i simhallen", "Budget 2025")
    assert year.period_source == ""


def test_a_unit_the_value_names_that_no_caption_phrase_knows_is_kept() -> None:
    text = TEXT.replace("Tabell 1 Nyckeltal", "Tabell 1 Nyckeltal (tkr)").replace("88 120", "12 st")
    fact = _one(_facts(text).facts, "Besök i simhallen", "Utfall 2024")
    assert (fact.value, fact.number, fact.unit) == ("12 st", 12.0, "st")


def test_a_label_header_of_several_words_names_its_unit() -> None:
    text = HAND.replace("Belopp (tkr)", "Belopp i tusen kronor")
    assert {f.unit for f in facts_of(_doc(text, _hand_table(text))).facts} == {"tkr"}


def test_extract_documents_keeps_every_document_in_the_order_given() -> None:
    one = make_document("a.txt", TEXT, **META.model_dump())
    two = make_document("b.txt", HAND.replace("Belopp (tkr)", "Indikator"), **META.model_dump())
    result = extract_documents([two, one])
    a, b = facts_of(one), facts_of(two)
    assert result.facts == b.facts + a.facts and result.needs_review == b.needs_review + a.needs_review
    assert b.facts and a.needs_review
    assert extract_documents([]) == ExtractionResult()


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    entries = []
    for name in ("b.txt", "a.txt", "a-layout.txt", "saknad.txt"):
        if name != "saknad.txt":
            (folder / name).write_text(TEXT, encoding="utf-8")
        entries.append(f'[[document]]\nfile = "{name}"\ntitle = "T"\nmunicipality = "{name[0].upper()}by kommun"\n'
                       f'body = "Kulturnämnden"\nkind = "report"\nperiod = "2025"\n')
    (folder / "manifest.toml").write_text("\n".join(entries), encoding="utf-8")
    return folder


def test_the_corpus_is_read_in_name_order_without_layout_duplicates_or_missing_files(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "korpus")
    assert [d.name for d in corpus_documents(corpus)] == ["a.txt", "b.txt"]
    assert [d.name for d in corpus_documents(corpus, skip=["b.txt"])] == ["a-layout.txt", "a.txt"]
    assert [d.name for d in corpus_documents(corpus, skip=[])] == ["a-layout.txt", "a.txt", "b.txt"]
    assert corpus_documents(tmp_path / "tom") == []
    result = extract_corpus(corpus)
    assert [f.document for f in result.facts] == ["a.txt"] * 6 + ["b.txt"] * 6
    assert len(result.needs_review) == 6
    assert [(d.name, d.meta.municipality) for d in corpus_documents(corpus)] == [("a.txt", "Aby kommun"),
                                                                                ("b.txt", "Bby kommun")]
    assert {f.municipality for f in result.facts} == {"Aby kommun", "Bby kommun"}
    assert {f.document for f in extract_corpus(corpus, skip=["a.txt"]).facts} == {"a-layout.txt", "b.txt"}


@pytest.mark.parametrize("marker", ["saknas", "-", "IU."])
def test_each_missing_data_marker_under_a_placed_column_is_a_fact_with_that_status(marker: str) -> None:
    fact = _one(_facts(TEXT.replace("88 120", marker)).facts, "Besök i simhallen", "Utfall 2024")
    assert (fact.value, fact.status, fact.number, fact.period, fact.kind) == (marker, marker, None, "2024", "utfall")
    assert TEXT.replace("88 120", marker)[fact.start:fact.end] == marker
