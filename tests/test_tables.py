"""Tables as structure: headers placed by kind and period (never guessed), rows read by position or count."""

from __future__ import annotations

import pytest

from assistant.language import load_lexicon
from assistant.tables import find_tables
from assistant.tables.headers import classify, columns_of
from assistant.tables.values import pieces, read_values
from assistant.types import DocumentMeta, Table

REPORT_2025 = DocumentMeta(title="Uppföljning och prognos april 2025", kind="report", period="2025")
ANNUAL_2024 = DocumentMeta(title="Verksamhetsberättelse 2024", kind="report", period="2024")
PLAN_2024 = DocumentMeta(title="Verksamhetsplan 2024", kind="plan", period="2024")


def columns(table: Table) -> list[tuple[str, str]]:
    return [(c.kind, c.period) for c in table.columns]


def row(table: Table, label: str) -> dict[str, str]:
    """A row's values by column header ('?' for a value whose column is unknown)."""
    found = [r for r in table.rows if r.label == label]
    assert len(found) == 1, [r.label for r in table.rows]
    return {(table.columns[c.column].header if c.column >= 0 else "?"): c.text for c in found[0].cells}


def only(text: str, meta: DocumentMeta = REPORT_2025) -> Table:
    tables = find_tables(text, meta)
    assert len(tables) == 1, [t.caption for t in tables]
    return tables[0]


# -- header words ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [
    ("Bokslut 2024 Årsbudget 2025 Helårsprognos 2025 Avvikelse 2025",
     [("utfall", "2024"), ("budget", "2025"), ("prognos", "2025"), ("avvikelse", "2025")]),
    ("Utfall 2020 Mål 2021 Utfall 210831 Prognos 2021",
     [("utfall", "2020"), ("mål", "2021"), ("utfall", "2021"), ("prognos", "2021")]),
    ("Mål 2024 Utfall 2024 Utfall 2023 Utfall 20224",  # "20224": 2022 with footnote 4
     [("mål", "2024"), ("utfall", "2024"), ("utfall", "2023"), ("utfall", "2022")]),
    ("Utfall Jan- Apr 2025 Årsbudget 2025", [("utfall", "2025"), ("budget", "2025")]),
    ("Helårs- prognos 2025 Helårsprog nos 2025", [("prognos", "2025"), ("prognos", "2025")]),
])
def test_header_words_open_and_close_columns(header: str, expected: list[tuple[str, str]]) -> None:
    _, cols = columns_of(classify(header, 0, len(header), load_lexicon()))
    assert [(c.kind, c.year) for c in cols] == expected


def test_a_part_year_header_names_its_end_month() -> None:
    text = "Belopp\tUtfall Jan- Apr 2025\tUtfall 210831\tÅrsbudget 2025\nIntäkter\t1,0\t2,0\t3,0\n"
    assert columns(only(text)) == [("utfall", "2025-04"), ("utfall", "2021-08"), ("budget", "2025")]


@pytest.mark.parametrize("months", ["jan–jun", "jan-jun", "Jan–Jun"])
def test_a_month_range_written_as_one_word_ends_at_its_last_month(months: str) -> None:
    text = f"Mått\tUtfall {months} 2023\tUtfall {months} 2024\tMål 2024\nAndel\t1 %\t2 %\t3 %\n"
    assert columns(only(text)) == [("utfall", "2023-06"), ("utfall", "2024-06"), ("mål", "2024")]


# -- placing columns: only what the table says ----------------------------------------------------------------


def test_a_budget_column_without_a_year_takes_the_single_year_of_the_document() -> None:
    table = only("Verksamhet\tBudget\tPrognos\tAvvikelse\nTeknik\t-10,0\t-11,0\t-1,0\n")
    assert columns(table) == [("budget", "2025"), ("prognos", "2025"), ("avvikelse", "2025")]
    assert all(c.source == "document" for c in table.columns)


def test_an_outcome_column_without_a_year_gets_no_period() -> None:
    assert columns(only("Verksamhet\tUtfall\tBudget 2025\nTeknik\t-10,0\t-11,0\n")) == [
        ("utfall", ""), ("budget", "2025")]


def test_bare_years_are_outcomes_only_before_the_documents_year() -> None:
    table = only("Indikatorer\t2021\t2022\t2023\tPrognos 2024\nHemtjänstindex\t50\t52,5\t66,9\tÖkande\n", PLAN_2024)
    assert columns(table) == [("utfall", "2021"), ("utfall", "2022"), ("utfall", "2023"), ("prognos", "2024")]
    # the plan's own year is not an outcome: it may be a budget
    assert columns(only("Mått\t2023\t2024\nAntal\t10\t12\n", PLAN_2024)) == [("utfall", "2023"), ("", "")]


def test_an_annual_reports_own_year_is_an_outcome_beside_earlier_years() -> None:
    table = only("Personalstatistik\t2023\t2024\tDifferens\nTillsvidareanställda\t1315\t1318\t3\n", ANNUAL_2024)
    assert columns(table) == [("utfall", "2023"), ("utfall", "2024"), ("förändring", "2023/2024")]


def test_repeated_bare_years_are_not_placed() -> None:
    # an OCR'd header lost its kind words: "2024 2025 2025 2025" cannot say which 2025 is the budget
    table = only("Drift\t2024\t2025\t2025\t2025\nNämnd\t-1,2\t-1,3\t-1,3\t0,0\n", ANNUAL_2024)
    assert columns(table)[1:] == [("", ""), ("", ""), ("", "")]


def test_a_projection_places_none_of_its_bare_years() -> None:
    table = only("Antal\t2024\t2025\t2026\t2027\nBarn 1-5 år\t4 872\t4 800\t4 750\t4 700\n",
                 DocumentMeta(title="Nämndbudget 2025", kind="plan", period="2025"))
    assert columns(table) == [("", "")] * 4


def test_a_column_whose_header_names_no_kind_or_year_is_kept_unplaced() -> None:
    # the caption names a kind, but "Riket" and "Kommentar" say nothing of kind or year: no guess
    table = only("Budget per verksamhet\nPost\tBudget 2025\tRiket\tKommentar\nBibliotek\t-1,0\t2,0\tÖkande\n")
    assert columns(table) == [("budget", "2025"), ("", ""), ("", "")]
    assert row(table, "Bibliotek") == {"Budget 2025": "-1,0", "Riket": "2,0", "Kommentar": "Ökande"}


def test_a_row_with_a_kind_word_among_its_comments_does_not_end_the_table() -> None:
    table = only("Mått\tMål 2024\tKommentar\nA\t1\tÖkande\nB\t2\tEnligt plan\nC\t3\tBudget saknas\n")
    assert [r.label for r in table.rows] == ["A", "B", "C"]


def test_a_sentence_after_a_table_is_not_read_into_its_leading_columns() -> None:
    # "2025" and "öka" would fill the two leading outcome columns: a sentence of running text ends the table
    text = ("Mått\tUtfall 2023\tUtfall 2024\tMål 2025\nA\t1\t2\t3\n\nVerksamhetsplan 2025\n\n"
            "Nämnden ska under 2025 öka andelen heltider och korta väntetiden till särskilt boende.\n")
    assert [r.label for r in only(text).rows if r.placed] == ["A"]


def test_a_heading_with_its_year_below_a_table_is_no_row_to_review() -> None:
    text = "Mått\tUtfall 2023\tUtfall 2024\nA\t1\t2\n\nVerksamhetsplan 2025\n\nB\t3\t4\n"
    assert [r.label for r in only(text).rows] == ["A", "B"]


def test_two_columns_that_would_get_the_same_inferred_place_get_none() -> None:
    table = only("Post\tBudget\tBudget\tUtfall 2024\nA\t1,0\t2,0\t3,0\n")
    assert columns(table) == [("", ""), ("", ""), ("utfall", "2024")]


# -- headers over several lines --------------------------------------------------------------------------------


def test_years_under_their_kinds_are_read_as_one_header() -> None:
    text = "Indikatorer Utfall Utfall Utfall Målvärde\n2021 2022 2023 2024\nAndel nöjda 80 % 82 % 84 % 90 %\n"
    table = only(text, DocumentMeta(title="Delårsrapport augusti 2024", kind="report", period="2024"))
    assert columns(table) == [("utfall", "2021"), ("utfall", "2022"), ("utfall", "2023"), ("mål", "2024")]
    assert row(table, "Andel nöjda") == {"Utfall 2021": "80 %", "Utfall 2022": "82 %", "Utfall 2023": "84 %",
                                         "Målvärde 2024": "90 %"}


def test_a_month_range_completed_on_the_line_below() -> None:
    text = ("Utfall jan 2020 Utfall jan 2021 Utfall jan\nNamn\n-jun 2020 -jun 2021 2022-jun 2022\n"
            "Andel deltid 5 % 1,9 % 4,8 %\n")
    table = only(text, DocumentMeta(title="Delårsrapport augusti 2024", kind="report", period="2024"))
    assert columns(table) == [("utfall", "2020-06"), ("utfall", "2021-06"), ("utfall", "2022-06")]


def test_a_header_broken_into_short_lines_is_read_whole() -> None:
    text = ("Belopp i tkr Budget 2024 Bokslut\n\n2024\nAvv. från\n\nbudget 2024\nBokslut\n\n2023\n"
            "Personalkostnader -802 020 -821 815 -19 795 -772 705\n")
    table = only(text, ANNUAL_2024)
    assert columns(table) == [("budget", "2024"), ("utfall", "2024"), ("avvikelse", "2024"), ("utfall", "2023")]
    assert row(table, "Personalkostnader")["Bokslut 2023"] == "-772 705"


def test_a_lone_year_absorbed_below_a_header_does_not_make_a_column() -> None:
    # the PDF put "2020" of "Utfall 2020" under the header: where it belongs cannot be told from text
    text = "Namn Utfall 2021 Utfall 2022 Utfall 2023\n2020\nKostnad 5,7 % 9,2 % 6,9 % 8 %\n"
    table = only(text, ANNUAL_2024)
    assert len(table.columns) == 3
    assert not table.rows[0].placed


# -- rows: by position, by count, or not at all ----------------------------------------------------------------


def test_an_empty_cell_keeps_the_values_under_their_columns() -> None:
    text = "Post\tBokslut 2023\tBokslut 2024\tBudget 2025\tBokslut 2025\nLokalt aktivitetsstöd\t-588\t\t-600\t-599\n"
    table = only(text)
    assert row(table, "Lokalt aktivitetsstöd") == {"Bokslut 2023": "-588", "Budget 2025": "-600",
                                                   "Bokslut 2025": "-599"}


def test_a_header_merged_with_the_first_row_gives_that_row() -> None:
    text = "Byggnadsnämnden\tBokslut 2024 -1,3\tÅrsbudget 2025 -1,7\nIntäkter\t30,2\t32,3\n"
    table = only(text)
    assert columns(table) == [("utfall", "2024"), ("budget", "2025")]
    assert row(table, "Byggnadsnämnden") == {"Bokslut 2024": "-1,3", "Årsbudget 2025": "-1,7"}


def test_group_rows_name_the_rows_below() -> None:
    text = "Post\tBokslut 2024\tÅrsbudget 2025\nGeodata & Bygglov\t\t\nIntäkter\t30,2\t32,3\n"
    assert only(text).rows[0].group == "Geodata & Bygglov"


@pytest.mark.parametrize(("values", "count", "expected"), [
    ("88 120 91 300 95 000", 3, ["88 120", "91 300", "95 000"]),
    ("-1 081,7 -839,9", 2, ["-1 081,7", "-839,9"]),
    ("966 333 966 333 0 913 280 53 053", 5, ["966 333", "966 333", "0", "913 280", "53 053"]),
    ("0 10 * <5", 4, ["0", "10", "*", "<5"]),
])
def test_thousands_groups_are_read_the_swedish_way(values: str, count: int, expected: list[str]) -> None:
    found = read_values(values, [p for p in pieces(values, 0, len(values)) if p.kind != "word"], count)
    assert found is not None and [v.text for v in found] == expected


@pytest.mark.parametrize(("values", "count"), [
    ("-58 345 -62 876 -72", 5),  # written as three thousands, not five small numbers
    ("0 1 873 1 873 1 059 814", 5),  # "1 059 814" or "1 059" and "814": the text cannot say
])
def test_a_count_that_contradicts_how_numbers_are_written_gives_no_reading(values: str, count: int) -> None:
    assert read_values(values, [p for p in pieces(values, 0, len(values)) if p.kind != "word"], count) is None


def test_a_row_with_more_or_fewer_values_than_columns_stays_unplaced() -> None:
    table = only("Post Bokslut 2023 Budget 2024 Bokslut 2024\nResultat -8 722 4 793\n", ANNUAL_2024)
    assert not table.rows[0].placed
    assert all(c.column == -1 for c in table.rows[0].cells)


def test_values_broken_over_lines_are_read_with_their_row() -> None:
    text = ("Drift Utfall 2020-08 Utfall 2021-08 Budget 2021\nIntäkter -58 345 -62\n876 -72 459\n"
            "Kostnader 1 2 3\n")
    table = only(text, DocumentMeta(title="Delårsrapport 2021", kind="report", period="2021"))
    assert row(table, "Intäkter") == {"Utfall 2020-08": "-58 345", "Utfall 2021-08": "-62\n876",
                                      "Budget 2021": "-72 459"}


def test_a_number_a_thousand_times_off_its_column_makes_the_row_unplaced() -> None:
    text = ("Post\tBudget 2021\tPrognos 2021\nA\t10 000\t11 000\nB\t12 000\t13 000\nC\t14 000\t15 000\n"
            "D 293 429 602 602 0\n")
    table = only(text, DocumentMeta(title="Rapport 2021", kind="report", period="2021"))
    assert [r.placed for r in table.rows] == [True, True, True, False]


def test_whole_cells_of_different_magnitudes_are_read_as_drawn() -> None:
    # tkr figures of small and large operations in one column: each a cell of its own, so no grouping was guessed
    text = ("Post\tBudget 2021\tPrognos 2021\nNämnd\t-950\t-900\nIndivid- och familjeomsorg\t-185 000\t-190 000\n"
            "LSS\t-820\t-800\nBistånd\t-710\t-700\n")
    table = only(text, DocumentMeta(title="Rapport 2021", kind="report", period="2021"))
    assert all(r.placed for r in table.rows)
    assert row(table, "Individ- och familjeomsorg") == {"Budget 2021": "-185 000", "Prognos 2021": "-190 000"}


def test_a_label_hyphenated_at_its_wrap_is_made_whole() -> None:
    text = "Indikator\tUtfall 2023\tMål 2024\nAndel medarbetare med undersköterske-\t50 %\t60 %\nkompetens\n"
    assert [r.label for r in only(text).rows] == ["Andel medarbetare med undersköterskekompetens"]


def test_a_label_written_above_and_below_its_values_is_joined() -> None:
    text = ("Utfall jan 2023 Utfall jan 2024\n-jun 2023 -jun 2024\nAndel kvinnor\n3,3 % 1,5 %\nsom har deltid\n"
            "Korttidssjukfrån 2,7 % 2,3 % varo\n")
    table = only(text, DocumentMeta(title="Delårsrapport augusti 2024", kind="report", period="2024"))
    labels = [r.label for r in table.rows]
    assert labels == ["Andel kvinnor som har deltid", "Korttidssjukfrånvaro"]


def test_a_numbered_heading_ends_a_table_but_a_project_code_row_does_not() -> None:
    text = ("Proj nr\tText\tBudget 2025\tAvvikelse 2025\n3510\tGång- och cykelbro, utgift\t-9,2\t0,0\n"
            "4.1 Uppföljning drift\n")
    table = only(text)
    assert [r.label for r in table.rows] == ["3510 Gång- och cykelbro, utgift"]


def test_small_numbers_grouped_into_a_huge_one_beside_a_normal_row_are_unplaced() -> None:
    # a two-row table: '365 300 559 559' would be one figure a hundred million times larger than '7 188'
    text = ("RESULTAT NETTO (tkr) Utfall 2020-08 Utfall 2021-08 Budget 2021 Prognos 2021 Avvikelse helår\n"
            "40 Nämnd 365 300 559 559 0\n41 Förvaltningsledning 7 188 5 983 11 993 10 543 1 450\n")
    table = only(text, DocumentMeta(title="Delårsrapport augusti 2021", kind="report", period="2021"))
    by_label = {r.label: r for r in table.rows}
    assert not by_label["40 Nämnd"].placed and all(c.column == -1 for c in by_label["40 Nämnd"].cells)
    assert row(table, "41 Förvaltningsledning")["Budget 2021"] == "11 993"


def test_rows_one_value_wider_than_the_header_unplace_a_row_fitted_by_grouping() -> None:
    # the header lost a column; '0 500 0 500 500 0' fits five columns only as '500 500', its neighbours have six
    text = ("INVESTERINGAR Utfall 2021-08 Budget 2021 Prognos 2021 Avvikelse helår Plan 2022\n"
            "5411 Förstudie 2 651 0 1 402 1 402 2 202 -800\n"
            "7401 Hagen 295 10 000 0 10 000 10 000 0\n"
            "4150 Inventarier 0 500 0 500 500 0\n")
    table = only(text, DocumentMeta(title="Delårsrapport augusti 2021", kind="report", period="2021"))
    assert not any(r.placed for r in table.rows if r.label == "4150 Inventarier")
    fitted = "Utfall 2021-08 Budget 2021 Prognos 2021 Avvikelse helår Plan 2022\nA 1 200 2 300 3 4 5\nB 6 7 8 9 10\n"
    assert all(r.placed for r in only(fitted, REPORT_2025).rows)  # one wide row alone proves nothing


TAB_BLOCK = (
    "Inom nämnden samlas totalt åtta produktionsområden.\n\n"
    "Nämnd\tBrutto intäkt 2023\tBrutto kostnad 2023\tBudgeterat resultat 2023\tBrutto intäkt 2024\t"
    "Brutto kostnad 2024\tBudgeterat resultat 2024\n"
    "Ledning och internservice\t17,3\t-48,9\t-31,7\t17,6\t-54,3\t-36,7\n"
    "Äldreboende\t30,7\t-318,5\t-287,7\t31,3\t-330,6\t-299,3\n"
    "Totalt\t235,8\t-1031,4\t-795,6\t241,8\t-1 081,7\t-839,9\n"
)


def test_a_tab_header_whose_cells_name_their_columns_in_words_is_read_as_a_table() -> None:
    [table] = find_tables(TAB_BLOCK, DocumentMeta(kind="plan", period="2024"))
    assert [c.header for c in table.columns] == ["Brutto intäkt 2023", "Brutto kostnad 2023",
                                                 "Budgeterat resultat 2023", "Brutto intäkt 2024",
                                                 "Brutto kostnad 2024", "Budgeterat resultat 2024"]
    total = table.rows[-1]
    assert total.label == "Totalt" and [c.text for c in total.cells][4] == "-1 081,7" and total.cells[4].column == 4


def test_a_bare_year_beside_a_column_of_the_same_year_with_another_kind_is_not_guessed() -> None:
    [table] = find_tables(TAB_BLOCK, DocumentMeta(kind="plan", period="2024"))
    placed = [(c.kind, c.period) for c in table.columns]
    # 'Brutto intäkt 2023' lies before the plan's year, but its block holds the 2023 budget: neither is sure
    assert placed == [("", ""), ("", ""), ("budget", "2023"), ("", ""), ("", ""), ("budget", "2024")]


# -- values: the pieces of a row and how they are read (assistant.tables.values) ---------------------------------


def read(values: str, count: int) -> list[tuple[str, bool]] | None:
    """The values of `values` read as `count` values, each as (text, missing); None when there is no one reading."""
    found = read_values(values, [p for p in pieces(values, 0, len(values)) if p.kind != "word"], count)
    return None if found is None else [(v.text, v.missing) for v in found]


def test_pieces_are_classified_with_their_spans() -> None:
    # missing-data markers in any case, direction words with their punctuation, units joined to their number
    text = "Ökande. 12 tkr 3 mkr 4 mnkr 5 kr 5,9 procent 6 % 7 TKR Saknas iu x Minskar, Antal"
    assert [(p.text, p.start, p.end, p.kind) for p in pieces(text, 0, len(text))] == [
        ("Ökande.", 0, 7, "text"), ("12 tkr", 8, 14, "num"), ("3 mkr", 15, 20, "num"), ("4 mnkr", 21, 27, "num"),
        ("5 kr", 28, 32, "num"), ("5,9 procent", 33, 44, "num"), ("6 %", 45, 48, "num"), ("7 TKR", 49, 54, "num"),
        ("Saknas", 55, 61, "missing"), ("iu", 62, 64, "missing"), ("x", 65, 66, "missing"),
        ("Minskar,", 67, 75, "text"), ("Antal", 76, 81, "word")]


def test_a_missing_marker_is_a_value_of_its_own_and_flagged_missing() -> None:
    assert read("12 saknas 14 - 1 200", 5) == [("12", False), ("saknas", True), ("14", False), ("-", True),
                                                ("1 200", False)]
    assert read("Ökande 1 200", 2) == [("Ökande", False), ("1 200", False)]


@pytest.mark.parametrize("lead", ["12*", "<5", "5%", "1,5", "1234"])
def test_only_a_plain_number_of_up_to_three_digits_leads_a_thousands_group(lead: str) -> None:
    # a footnoted, compared, unit-bearing, decimal or four-digit figure ends where it is written: '12* 345' is
    # two values, and reading it as one ('12 345') would make a number the table does not hold
    assert read(f"{lead} 345", 2) == [(lead, False), ("345", False)]
    assert read(f"{lead} 345", 1) is None


def test_a_single_column_row_is_read_as_its_one_value() -> None:
    assert read("1 081,7", 1) == [("1 081,7", False)]
    assert read("1 081,7", 0) is None


@pytest.mark.parametrize(("values", "count"), [
    ("1 200 200 200 200", 2),  # '1 200 200' + '200 200' or '1 200' + '200 200 200'
    ("1 200 200 200 1 200 200 200 200", 3),  # several readings, some of them reached by equally good ways
])
def test_equally_good_readings_of_a_count_give_none_however_many_there_are(values: str, count: int) -> None:
    assert read(values, count) is None
