"""Indicator facts: hand-checked values from all four documents, evidence spans, layouts, the committed set."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.clean import clean_text
from assistant.cli_facts import facts_app
from assistant.facts import (
    ExtractionResult,
    clean_label,
    extract_corpus,
    extract_facts,
    read_facts_csv,
    read_review_csv,
    write_facts_csv,
)
from assistant.manifest import load_manifest
from assistant.types import DocumentMeta, Fact

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SON = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024.txt"
SON_LAYOUT = "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024-layout.txt"
IN = "lerum-individnamnden-verksamhetsplan-2024.txt"
ALINGSAS = "alingsas-vard-och-omsorgsnamnden-verksamhetsberattelse-2024.txt"
HERRLJUNGA = "herrljunga-socialnamnden-handlingar-2021-09.txt"

# A known typing error of the clean Lerum extraction (the layout copy and the text below the table say "Hälso-").
KNOWN_SOURCE_TYPOS = {"Hälsa-sjukvård och hälsofrämjande": "Hälso-sjukvård och hälsofrämjande"}


@pytest.fixture(scope="module")
def corpus() -> ExtractionResult:
    return extract_corpus(CORPUS)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {name: clean_text((CORPUS / name).read_text(encoding="utf-8")) for name in load_manifest(CORPUS)}


def one(facts: list[Fact], document: str, indicator: str, period: str, kind: str, table: str = "") -> Fact:
    """The single fact whose indicator starts with the given words (or has that Kolada id)."""
    found = [
        f
        for f in facts
        if f.document == document
        and (f.indicator.startswith(indicator) or f.kolada_id == indicator)
        and f.period == period
        and f.kind == kind
        and (not table or f.table == table)
    ]
    found = [f for f in found if f.indicator == indicator] or found
    assert len(found) == 1, f"{indicator} {period} {kind}: {[(f.indicator, f.value) for f in found]}"
    return found[0]


# (document, indicator start or Kolada id, period, kind, value as written) — each checked by hand in the source.
PINNED = [
    # Lerum, Stöd- och omsorgsnämnden (tab-separated table)
    (SON, "Hemtjänstindex", "2023", "utfall", "66,9 (plats 147)"),
    (SON, "Hemtjänstindex", "2022", "utfall", "52,5 (plats 121)"),
    (SON, "Hemtjänstindex", "2021", "utfall", "saknas"),
    (SON, "Hemtjänstindex", "2024", "prognos", "Ökande"),
    (SON, "Brukarbedömning särskilt boende äldreomsorg - helhetssyn", "2022", "utfall", "84 %"),
    (SON, "Brukarbedömning särskilt boende äldreomsorg - helhetssyn", "2023", "utfall", "80 %"),
    (SON, "Brukarbedömning boende LSS totalt", "2022", "utfall", "71 %"),
    (SON, "Brukarbedömning daglig verksamhet LSS", "2023", "utfall", "83 %"),
    (SON, "Äldreboende – budgeterat resultat", "2024", "budget", "-299,3"),
    (SON, "Totalt – brutto kostnad", "2024", "budget", "-1 081,7"),
    (SON, "Totalt – brutto kostnad", "2023", "budget", "-1031,4"),
    (SON, "Hemtjänst – brutto intäkt", "2024", "budget", "100,4"),
    # Lerum, Individnämnden (rows with markers and footnotes)
    (IN, "Antal barn i hushåll", "2021", "utfall", "0,8%"),
    (IN, "Antal barn i hushåll", "2023", "utfall", "*"),
    (IN, "Vuxna biståndsmottagare", "2022", "utfall", "39,9%"),
    (IN, "Vuxna biståndsmottagare", "2023", "utfall", "**"),
    (IN, "Vuxna biståndsmottagare", "2024", "prognos", "Minskande"),
    (IN, "Erfarna socionomer", "2023", "utfall", "74,7%"),
    (IN, "Brukarbedömning individ- och familjeomsorg totalt, andel i %", "2021", "utfall", "-"),
    (IN, "Brukarbedömning individ- och familjeomsorg totalt, andel i %", "2023", "utfall", "83%"),
    (IN, "Myndighet – brutto kostnad", "2024", "budget", "-85,9"),
    (IN, "Totalt – budgeterat resultat", "2024", "budget", "-97,9"),
    # Alingsås (Kolada ids, footnote digits glued to words and values)
    (ALINGSAS, "U23516", "2024", "mål", "44"),
    (ALINGSAS, "U23516", "2024", "utfall", "37"),
    (ALINGSAS, "U23516", "2023", "utfall", "42"),
    (ALINGSAS, "U23516", "2022", "utfall", "46"),
    (ALINGSAS, "U28528", "2024", "mål", "74"),
    (ALINGSAS, "U23401", "2024", "mål", "65 (90)"),
    (ALINGSAS, "U23401", "2024", "utfall", "57"),
    (ALINGSAS, "U28418", "2024", "mål", "90"),
    (ALINGSAS, "U28418", "2024", "utfall", "126"),
    (ALINGSAS, "U28418", "2023", "utfall", "IU."),
    (ALINGSAS, "Hur personcentrerad", "2024", "utfall", "IU."),
    (ALINGSAS, "Hur personcentrerad", "2024", "mål", "39,1"),
    (ALINGSAS, "Hur personcentrerad", "2022", "utfall", "39"),
    (ALINGSAS, "Antal personer i kommunen", "2024", "mål", "3"),
    (ALINGSAS, "Personalkostnader", "2024", "bokslut", "-821 815"),
    (ALINGSAS, "Personalkostnader", "2024", "budget", "-802 020"),
    (ALINGSAS, "Personalkostnader", "2024", "avvikelse", "-19 795"),
    (ALINGSAS, "Kommunbidrag", "2023", "bokslut", "913 280"),
    (ALINGSAS, "Kommunbidrag", "2023/2024", "differens", "53 053"),
    (ALINGSAS, "Verksamhetens kostnader", "2023", "bokslut", "-1 150 228"),
    (ALINGSAS, "Årets resultat", "2024", "bokslut", "1 873"),
    (ALINGSAS, "IT-utrustning", "2024", "bokslut", "321"),
    (ALINGSAS, "IT-utrustning", "2024", "avvikelse", "-321"),
    (ALINGSAS, "Antal anställda – Tillsvidareanställda", "2024", "utfall", "1318"),
    (ALINGSAS, "Personalomsättning", "2024", "utfall", "9,0%"),
    (ALINGSAS, "Total sjukfrånvaro – Män", "2024", "utfall", "4,9%"),
    (ALINGSAS, "Total sjukfrånvaro – Dag 1-14", "2024", "utfall", "3,5%"),
    (ALINGSAS, "Tillbud", "2024", "utfall", "713"),
    (ALINGSAS, "Vi har mål som följs upp", "2024", "utfall", "75"),
    # Herrljunga (numbered rows, cells with several values, tables printed twice, transposed tables)
    (HERRLJUNGA, "3:2 Sjukfrånvaro", "2021-08-31", "utfall", "10,5%"),
    (HERRLJUNGA, "3:2 Sjukfrånvaro", "2021", "mål", "5%"),
    (HERRLJUNGA, "3:2 Sjukfrånvaro", "2021", "prognos", "<9%"),
    (HERRLJUNGA, "2:2 Antal uppkomna avvikelser", "2020", "utfall", "1 928"),
    (HERRLJUNGA, "2:2 Antal uppkomna avvikelser", "2021-08-31", "utfall", "841"),
    (HERRLJUNGA, "1:2 Ta fram och implementera", "2021", "prognos", "<5"),
    (HERRLJUNGA, "4:1 Ökad nöjdhet", "2021-08-31", "utfall", "***"),
    (HERRLJUNGA, "5:2 Antal nyckelfria lås", "2021-08-31", "utfall", "126 st (36% av brukarna)"),
    (HERRLJUNGA, "Resultat", "2021-08", "utfall", "4 793"),
    (HERRLJUNGA, "Personalkostnader", "2021", "prognos", "191 419"),
    (HERRLJUNGA, "44 Vård och omsorg", "2021", "avvikelse", "2 400"),
    (HERRLJUNGA, "S:a investeringar gm TN", "2021", "summa budget", "11 402"),
    (HERRLJUNGA, "Socialt stöd", "2022", "budget", "41 479"),
    (HERRLJUNGA, "TOTALA INVESTERINGAR", "2022", "budget", "64 200"),
    (HERRLJUNGA, "Effektivisering av hemtjänst", "2022", "budget", "-2 400"),
    (HERRLJUNGA, "Långtidssjukfrånvaro (>60 dagar)", "2020-06", "utfall", "31,8"),
    (HERRLJUNGA, "Antal anställda med 5 eller fler sjukfrånvarotillfällen – totalt", "2021-06", "utfall", "71"),
    (HERRLJUNGA, "Läkemedelsavvikelser – SUMMA", "2021-H1", "utfall", "260"),
    (HERRLJUNGA, "Fallolyckor – Hagen", "2019-H1", "utfall", "200"),
    (HERRLJUNGA, "Avvikelser enl. SoL, LSS", "2021-H1", "utfall", "161"),
    (HERRLJUNGA, "Lex Sarah", "2021-H1", "utfall", "3"),
]


@pytest.mark.parametrize(("document", "indicator", "period", "kind", "value"), PINNED)
def test_pinned_fact(corpus: ExtractionResult, document: str, indicator: str, period: str, kind: str,
                     value: str) -> None:
    assert one(corpus.facts, document, indicator, period, kind).value == value


def test_pinned_facts_cover_all_documents() -> None:
    assert len(PINNED) >= 40
    assert {doc for doc, *_ in PINNED} == {SON, IN, ALINGSAS, HERRLJUNGA}


def test_parsed_number_unit_status_and_kolada(corpus: ExtractionResult) -> None:
    index = one(corpus.facts, SON, "Hemtjänstindex", "2023", "utfall")
    assert (index.number, index.unit, index.status, index.table) == (66.9, "", "ok", "Indikatorer")
    missing = one(corpus.facts, SON, "Hemtjänstindex", "2021", "utfall")
    assert (missing.number, missing.status) == (None, "saknas")
    assert one(corpus.facts, SON, "Totalt – brutto kostnad", "2024", "budget").number == -1081.7
    wait = one(corpus.facts, ALINGSAS, "U23516", "2024", "mål")
    assert wait.indicator.startswith("Brukarbedömning särskilt boende äldreomsorg - möjlighet att framföra")
    assert "(U23516)" not in wait.indicator
    assert one(corpus.facts, ALINGSAS, "U28418", "2023", "utfall").status == "IU."
    drift = one(corpus.facts, ALINGSAS, "Personalkostnader", "2024", "bokslut")
    assert (drift.number, drift.unit) == (-821815.0, "tkr")
    sick = one(corpus.facts, HERRLJUNGA, "3:2 Sjukfrånvaro", "2021-08-31", "utfall")
    assert (sick.number, sick.unit, sick.body, sick.municipality) == (10.5, "%", "Socialnämnden", "Herrljunga kommun")
    assert one(corpus.facts, HERRLJUNGA, "2:2 Antal uppkomna avvikelser", "2021", "prognos").number == 1300


def test_cells_with_several_values(corpus: ExtractionResult) -> None:
    assert one(corpus.facts, HERRLJUNGA, "3:5 Andel arbetad tid (av total arbetad tid) utförd av timanställda – VoO",
               "2020", "utfall").value == "16,9%"
    values = {f.indicator.rsplit(" – ", 1)[1]: f.value for f in corpus.facts
              if f.indicator.startswith("3:5 ") and f.period == "2021-08-31"}
    assert values == {"VoO": "15,1%", "SS": "13,7%"}
    bpsd = {f.indicator.rsplit(" – ", 1)[1]: f.value for f in corpus.facts
            if f.indicator.startswith("2:1 ") and f.kind == "mål"}
    assert bpsd == {"SA": "32", "BPSD": "62"}


def test_every_value_occurs_in_its_evidence_span(corpus: ExtractionResult, texts: dict[str, str]) -> None:
    bad = []
    for fact in corpus.facts:
        span = " ".join(texts[fact.document][fact.start : fact.end].split())
        if fact.value not in span or not 0 <= fact.start < fact.end:
            bad.append(fact)
    assert bad == []
    assert len(corpus.facts) > 700


def test_fact_ids_are_unique_and_stable(corpus: ExtractionResult) -> None:
    ids = [f.id for f in corpus.facts]
    assert len(ids) == len(set(ids))
    assert [f.id for f in extract_corpus(CORPUS).facts] == ids


def test_every_indicator_table_is_covered(corpus: ExtractionResult) -> None:
    tables = {(f.document, f.table) for f in corpus.facts}
    expected = {
        (SON, "Indikatorer"), (SON, "Stöd- och omsorgsnämnd"),
        (IN, "Indikatorer"), (IN, "Individnämnd"),
        (ALINGSAS, "Indikator"), (ALINGSAS, "Drift"), (ALINGSAS, "Investeringar"),
        (ALINGSAS, "Avstämningstillfälle"), (ALINGSAS, "Personalstatistik"), (ALINGSAS, "Arbetsskador och tillbud"),
        (ALINGSAS, "Sjukfrånvaro"),
        (ALINGSAS, "Nämndens arbetsmiljömål - Delaktighet och kunskap om målstyrning ska öka i verksamhet"),
        (HERRLJUNGA, "RESULTATRÄKNING"), (HERRLJUNGA, "RESULTAT NETTO"), (HERRLJUNGA, "Mätetal"),
        (HERRLJUNGA, "Redovisning av sjukfrånvaro i förhållande till ordinarie arbetstid i procent"),
        (HERRLJUNGA, "Aktuella rehabärenden jun 2021"),
        (HERRLJUNGA, "Orsak till sjukskrivning bland pågående ärenden jun 2021"),
        (HERRLJUNGA, "INVESTERINGAR"), (HERRLJUNGA, "Politiska prioriteringar 2022"), (HERRLJUNGA, "DRIFT"),
        (HERRLJUNGA, "Investeringar"), (HERRLJUNGA, "Fallolyckor"), (HERRLJUNGA, "Läkemedelsavvikelser"),
        (HERRLJUNGA, "Övriga avvikelser hälso- och sjukvård"), (HERRLJUNGA, "Översikt"),
    }
    assert tables == expected
    mätetal = {f.indicator.split()[0] for f in corpus.facts if f.table == "Mätetal"}
    assert mätetal >= {"1:2", "1:3", "2:1", "2:2", "3:1", "3:2", "3:3", "3:4", "3:5", "3:6",
                       "4:1", "4:2", "4:3", "4:4", "4:5", "5:1", "5:2", "5:3", "5:4"}


def test_needs_review_is_short_and_explained(corpus: ExtractionResult) -> None:
    review = corpus.needs_review
    assert 0 < len(review) <= 25
    assert all(item.reason and item.row_text and item.start < item.end for item in review)
    rows = {item.row_text for item in review}
    assert "Kommunbidrag 212 115 211 322 215 233" in rows  # three values, four columns
    assert "1:1 Antal externt samordnade planer (SIP) * * *" in rows
    assert "Bokslut 2024 1 873" in rows  # the year may belong to the row label
    assert any(item.table == "Budgetförutsättningar" and "period" in item.reason for item in review)
    # a row whose certain cells are kept while the uncertain ones go to review
    assert one(corpus.facts, HERRLJUNGA, "Resultat", "2020-08", "utfall", table="RESULTATRÄKNING").value == "-8 722"
    result = [f for f in corpus.facts if f.table == "RESULTATRÄKNING" and f.indicator == "Resultat"]
    assert {f.period for f in result} == {"2020-08", "2021-08"}


def test_layout_and_clean_lerum_extractions_agree() -> None:
    meta = load_manifest(CORPUS)

    def key(name: str) -> set[tuple[str, str, str, str]]:
        result = extract_facts(name, clean_text((CORPUS / name).read_text(encoding="utf-8")), meta[name])
        out = set()
        for f in result.facts:
            indicator = f.indicator
            for typo, right in KNOWN_SOURCE_TYPOS.items():
                indicator = indicator.replace(typo, right)
            out.add((indicator, f.period, f.kind, " ".join(f.value.split())))
        return out

    clean, layout = key(SON), key(SON_LAYOUT)
    assert len(clean) == 74
    assert clean == layout


def test_layout_copy_is_skipped_unless_asked(corpus: ExtractionResult) -> None:
    assert SON_LAYOUT not in {f.document for f in corpus.facts}
    only = extract_corpus(CORPUS, skip=[SON, IN, ALINGSAS, HERRLJUNGA])
    assert {f.document for f in only.facts} == {SON_LAYOUT}


META = DocumentMeta(municipality="Testby kommun", body="Testnämnden", kind="report", period="2024")


def test_thousands_and_empty_cells_resolved_by_arithmetic() -> None:
    text = (
        "Drift\nBelopp i tkr Budget 2024 Bokslut 2024 Avv. från budget 2024 Bokslut 2023 Diff. utfall 2023/2024\n"
        "Intäkter 206 297 254 669 48 372 237 998 16 671\n"
        "IT-utrustning\n\n321 -321 123 198\n\n"
        "Resultatet förklaras utförligt i denna mycket långa löptext som inte hör till tabellen utan är vanlig "
        "prosa, vilket gör att tabellen tar slut här och ingenting mer läses in som rader i tabellen alls."
    )
    result = extract_facts("test.txt", text, META)
    got = {(f.indicator, f.kind, f.period): f.value for f in result.facts}
    assert got == {
        ("Intäkter", "budget", "2024"): "206 297",
        ("Intäkter", "bokslut", "2024"): "254 669",
        ("Intäkter", "avvikelse", "2024"): "48 372",
        ("Intäkter", "bokslut", "2023"): "237 998",
        ("Intäkter", "differens", "2023/2024"): "16 671",
        ("IT-utrustning", "bokslut", "2024"): "321",  # the empty budget cell is found by the arithmetic
        ("IT-utrustning", "avvikelse", "2024"): "-321",
        ("IT-utrustning", "bokslut", "2023"): "123",
        ("IT-utrustning", "differens", "2023/2024"): "198",
    }
    assert all(f.unit == "tkr" and f.table == "Drift" for f in result.facts)
    assert result.needs_review == []


def test_ambiguous_cells_are_not_guessed() -> None:
    text = "Drift\nBelopp i tkr Budget 2024 Bokslut 2024 Avv. från budget 2024\nIT-utrustning 321 -321\n"
    result = extract_facts("test.txt", text, META)
    assert [(f.kind, f.value) for f in result.facts] == [("avvikelse", "-321")]  # budget or bokslut: unknown
    [item] = result.needs_review
    assert "Budget 2024, Bokslut 2024" in item.reason


def test_uncertain_row_goes_to_review() -> None:
    text = "Nyckeltal\nMätetal Utfall 2020 Mål 2021 Utfall 210831 Prognos 2021\n\n1:1 Antal planer\n\n5 7 9\n"
    result = extract_facts("test.txt", text, META)
    assert result.facts == []
    [item] = result.needs_review
    assert item.row_text == "1:1 Antal planer 5 7 9"
    assert "3 värden för 4 kolumner" in item.reason


def test_clean_label() -> None:
    assert clean_label("Brukarbedömning boende, andel (%) (U28663)") == ("Brukarbedömning boende, andel (%)", "U28663")
    assert clean_label("Arbetsliv och Stöd *")[0] == "Arbetsliv och Stöd"
    assert clean_label("Vi har mål, andel (%)11", {11})[0] == "Vi har mål, andel (%)"
    assert clean_label("Sveriges 290 kommuner.")[0] == "Sveriges 290 kommuner"


def test_csv_round_trip(corpus: ExtractionResult, tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    write_facts_csv(corpus.facts, path)
    assert read_facts_csv(path) == corpus.facts
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(Fact.model_fields)


def test_committed_files_are_readable() -> None:
    facts = read_facts_csv(CORPUS / "indicators.csv")
    review = read_review_csv(CORPUS / "needs_review.csv")
    assert len(facts) > 700 and review
    assert all(re.fullmatch(r"[0-9a-f]{12}", f.id) for f in facts)


def test_facts_check_passes_on_the_committed_set() -> None:
    result = CliRunner().invoke(facts_app, ["check", "--corpus", str(CORPUS)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_facts_check_fails_on_a_tampered_copy(tmp_path: Path) -> None:
    tampered = tmp_path / "indicators.csv"
    shutil.copy(CORPUS / "indicators.csv", tampered)
    facts = read_facts_csv(tampered)
    facts[0] = facts[0].model_copy(update={"value": "999"})
    write_facts_csv(facts[1:] + facts[:1], tampered)
    result = CliRunner().invoke(facts_app, ["check", "--corpus", str(CORPUS), "--facts", str(tampered)])
    assert result.exit_code == 1
    assert "skiljer sig" in result.output and "ändrad" in result.output


def test_facts_extract_and_list(tmp_path: Path) -> None:
    out = tmp_path / "indicators.csv"
    runner = CliRunner()
    result = runner.invoke(facts_app, ["extract", "--corpus", str(CORPUS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and (tmp_path / "needs_review.csv").is_file()
    assert read_facts_csv(out) == read_facts_csv(CORPUS / "indicators.csv")
    listed = runner.invoke(facts_app, ["list", "--facts", str(out), "--municipality", "Lerum",
                                       "--indicator", "hemtjänstindex", "--period", "2023"])
    assert listed.exit_code == 0, listed.output
    assert "66,9" in listed.output and "52,5" not in listed.output
