"""Tables in generated PDFs (real text layer, real pdfplumber reading) scored against the generator's own truth.

The three reports of tests/tablepdfs.py hold the three header styles of Swedish municipal reports, two-line and
centred headers, wrapped row labels (values beside the first or the last label line, the last row wrapped too)
and columns whose header names no kind or year ("Riket", "Kommentar"). Every cell the generator wrote is a
hand-label: precision and recall of (document, indicator, period, kind, value) are measured against all of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.evaluate_facts import norm_value
from assistant.facts.extract import ExtractionResult, facts_of
from assistant.ingest import read_document
from assistant.pdftext import Word, page_text
from assistant.types import SourceDocument
from tests.tablepdfs import ReportSpec, Truth, long_report, sample_reports, write_report

Key = tuple[str, str, str, str, str]


@dataclass
class Read:
    """One generated report, read as ingestion reads it, and its facts."""

    spec: ReportSpec
    document: SourceDocument
    result: ExtractionResult


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[Read]:
    folder = tmp_path_factory.mktemp("tabell-pdf")
    out = []
    for spec in sample_reports():
        document = read_document(write_report(spec, folder), spec.meta)
        out.append(Read(spec, document, facts_of(document)))
    return out


def _key(document: str, indicator: str, period: str, kind: str, value: str) -> Key:
    return document, " ".join(indicator.split()), period, kind, norm_value(value)


def _truth(reports: list[Read]) -> list[Truth]:
    return [t for r in reports for t in r.spec.truth()]


def test_facts_match_the_generators_truth(reports: list[Read]) -> None:
    placeable = Counter(_key(t.document, t.indicator, t.period, t.kind, t.value) for t in _truth(reports) if t.kind)
    extracted = Counter(_key(f.document, f.indicator, f.period, f.kind, f.value) for r in reports
                        for f in r.result.facts)
    correct = sum((placeable & extracted).values())
    precision, recall = correct / sum(extracted.values()), correct / sum(placeable.values())
    wrong = sorted((extracted - placeable).elements())[:10]
    assert sum(placeable.values()) >= 150
    assert precision >= 0.98, (precision, wrong)
    assert recall >= 0.90, (recall, sorted((placeable - extracted).elements())[:10])


def test_every_header_style_is_read_with_kind_and_period(reports: list[Read]) -> None:
    found = {(c.header, c.kind, c.period) for r in reports for t in r.document.tables for c in t.columns}
    assert {("Bokslut 2023", "utfall", "2023"), ("Budget 2025", "budget", "2025"),  # (a) one cell
            ("Utfall 2022", "utfall", "2022"), ("Plan 2027", "plan", "2027"),  # (b) two lines
            ("Utfall 230831", "utfall", "2023-08"), ("Utfall jan–jun 2024", "utfall", "2024-06"),  # (c) compact
            ("Prognos helår", "prognos", "2024"), ("Avvikelse", "avvikelse", "2024"), ("Mål 2024", "mål", "2024"),
            } <= found


def test_no_cell_of_an_unplaceable_column_gets_a_kind_or_period(reports: list[Read]) -> None:
    unplaceable = [t for t in _truth(reports) if not t.kind]
    assert {t.column for t in unplaceable} == {"Riket", "Kommentar"}
    columns = [c for r in reports for t in r.document.tables for c in t.columns if c.header in ("Riket", "Kommentar")]
    assert len(columns) == 2 and all(not c.kind and not c.period for c in columns)
    facts = [f for r in reports for f in r.result.facts]
    assert not [f for f in facts if f.column in ("Riket", "Kommentar")]
    review = [i for r in reports for i in r.result.needs_review]
    for column in ("Riket", "Kommentar"):  # every one of their cells waits for a person, with the reason
        cells = [t for t in unplaceable if t.column == column]
        assert len([i for i in review if f"”{column}”" in i.reason]) == len(cells) >= 8


def test_a_two_line_header_is_merged_into_one_header_line(reports: list[Read]) -> None:
    plan = next(r for r in reports if r.spec.meta.kind == "plan")
    assert [[c.header for c in t.columns] for t in plan.document.tables] == [
        ["Utfall 2022", "Utfall 2023", "Utfall 2024", "Mål 2025"],  # right-aligned over the figures
        ["Bokslut 2024", "Budget 2025", "Plan 2026", "Plan 2027"],  # centred over the column
    ]
    assert "Belopp i mnkr\tBokslut 2024\tBudget 2025\tPlan 2026\tPlan 2027\n" in plan.document.text


def test_wrapped_row_labels_are_joined(reports: list[Read]) -> None:
    labels = {row.label for r in reports for t in r.document.tables for row in t.rows}
    wrapped = {row.indicator for r in reports for t in r.spec.tables() for row in t.rows if len(row.label) > 1}
    assert len(wrapped) >= 8
    assert wrapped <= labels, wrapped - labels
    assert "Andel medarbetare med undersköterskekompetens" in labels  # hyphenated at the wrap
    assert "Ungdomens hus och öppna mötesplatser" in labels  # the table's last row
    assert "Andel medarbetare som arbetar heltid" in labels  # values beside the label's last line
    continuations = {row.label[1] for r in reports for t in r.spec.tables() for row in t.rows if len(row.label) > 1}
    assert not labels & continuations


def test_tables_on_every_page_keep_to_their_pages(tmp_path: Path) -> None:
    # each page opens with a heading and a sentence with a year right under the table of the page before
    spec = long_report(pages=12)
    result = facts_of(read_document(write_report(spec, tmp_path), spec.meta))
    truth = spec.truth()
    assert {f.indicator for f in result.facts} <= {t.indicator for t in truth}  # no sentence became a row
    placeable = Counter(_key(t.document, t.indicator, t.period, t.kind, t.value) for t in truth if t.kind)
    extracted = Counter(_key(f.document, f.indicator, f.period, f.kind, f.value) for f in result.facts)
    correct = sum((placeable & extracted).values())
    assert correct / sum(extracted.values()) >= 0.98 and correct / sum(placeable.values()) >= 0.90


# -- word positions: focused cases of assistant/pdftext.py ----------------------------------------------------


def _words(*lines: tuple[float, list[tuple[str, float, float]]]) -> list[Word]:
    """Words from (top, [(text, x0, x1), …]) lines, 8 points high."""
    return [Word(text, x0, x1, top, top + 8) for top, words in lines for text, x0, x1 in words]


_ROWS = [(40, [("Bibliotek", 40, 80), ("-1", 200, 206), ("200", 208, 222), ("-300", 280, 302)]),
         (50, [("Simhall", 40, 72), ("450", 208, 222), ("-2", 276, 282), ("100", 284, 302)])]


def test_a_caption_above_a_full_header_stays_out_of_the_table() -> None:
    words = _words((20, [("Tabell", 40, 62), ("2.", 64, 70), ("Nyckeltal", 72, 110)]),
                   (30, [("Verksamhet", 40, 90), ("Bokslut", 180, 205), ("2023", 207, 222),
                         ("Budget", 262, 286), ("2024", 288, 302)]), *_ROWS)
    assert page_text(words).split("\n")[:3] == ["Tabell 2. Nyckeltal", "",
                                                "Verksamhet\tBokslut 2023\tBudget 2024"]


def test_centred_header_words_stand_in_their_columns() -> None:
    words = _words((20, [("Utfall", 190, 210), ("Mål", 262, 276)]),
                   (30, [("Belopp", 40, 66), ("2023", 192, 208), ("2024", 261, 277)]), *_ROWS)
    assert page_text(words).split("\n")[1] == "Belopp\tUtfall 2023\tMål 2024"


def test_a_column_of_words_right_of_the_figures_is_a_column() -> None:
    words = _words((30, [("Mått", 40, 60), ("Mål", 208, 222), ("2024", 224, 240), ("Kommentar", 300, 340)]),
                   (40, [("Andel", 40, 60), ("45", 230, 240), ("Ökande", 300, 330)]),
                   (50, [("Antal", 40, 60), ("12", 230, 240), ("Enligt", 300, 322), ("plan", 324, 340)]))
    assert page_text(words).strip().split("\n") == ["Mått\tMål 2024\tKommentar", "Andel\t45\tÖkande",
                                                "Antal\t12\tEnligt plan"]


def test_the_last_rows_wrapped_label_stays_with_the_table_but_a_note_below_does_not() -> None:
    rows = [*_ROWS, (60, [("Ungdomens", 40, 80), ("hus", 82, 94), ("5", 216, 222), ("6", 296, 302)]),
            (69, [("och", 40, 52), ("mötesplatser", 54, 100)])]
    assert page_text(_words(*rows)).strip().split("\n")[-2:] == ["Ungdomens hus\t5\t6", "och mötesplatser"]
    note = [*_ROWS, (69, [("Källa:", 40, 60), ("Kolada", 62, 90)])]
    assert page_text(_words(*note)).strip().split("\n")[-2:] == ["", "Källa: Kolada"]


def test_reports_are_written_as_real_pdfs(tmp_path: Path) -> None:
    spec = sample_reports()[0]
    path = write_report(spec, tmp_path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert len(spec.truth()) == sum(1 for t in spec.tables() for r in t.rows for v in r.values if v)
