"""FactStore: fuzzy Swedish indicator search, tolerant filters, period comparisons."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.factstore import FactStore, fold, period_matches
from assistant.types import Fact

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def store() -> FactStore:
    return FactStore.from_csv(CORPUS / "indicators.csv")


def fact(indicator: str, period: str, value: str, number: float | None, unit: str = "", status: str = "ok") -> Fact:
    return Fact(
        id=f"{indicator}-{period}", municipality="Testby kommun", body="Testnämnden", document="t.txt",
        table="Indikatorer", indicator=indicator, period=period, kind="utfall", value=value, number=number,
        unit=unit, status=status, start=0, end=1,
    )


def test_search_hemtjanstindex(store: FactStore) -> None:
    scored = store.search_scored("hemtjänstindex")
    exact = [f for f, score in scored if score == 1.0]
    assert exact and all(f.indicator.startswith("Hemtjänstindex") for f in exact)
    assert {f.period for f in exact} == {"2021", "2022", "2023", "2024"}
    assert {f.municipality for f in exact} == {"Lerums kommun"}
    # rows that only name 'hemtjänsten' match the compound in part: ranked below, never above
    assert [f for f, _ in scored[: len(exact)]] == exact
    assert all(score < 1.0 for f, score in scored if not f.indicator.startswith("Hemtjänstindex"))


def test_search_waiting_time_ranks_the_exact_indicator_first(store: FactStore) -> None:
    found = store.search("väntetid särskilt boende", limit=10)
    assert [f.kolada_id for f in found[:4]] == ["U23401"] * 4
    assert found[4].kolada_id == "U28418"  # waiting time, but for LSS housing


def test_search_inflected_and_compound_words(store: FactStore) -> None:
    assert store.search("väntetiden", kind="utfall", period="2024")[0].kolada_id == "U23401"
    long_term = store.search("sjukfrånvaro", municipality="Herrljunga", period="2021-06")
    assert any(f.indicator.startswith("Långtidssjukfrånvaro") for f in long_term)  # compound match
    assert store.search("U23516", kind="mål")[0].value == "44"


def test_an_adjectives_forms_and_a_short_stem_heading_a_compound_match(store: FactStore) -> None:
    """'särskilda' (stem särskild) is the row's 'särskilt'; 'brukarna' (stem bruk) heads 'Brukarbedömning'."""
    found = store.search_scored("brukarna särskilda boenden", municipality="Lerum", limit=1)
    assert found and found[0][0].indicator.startswith("Brukarbedömning särskilt boende äldreomsorg")
    assert found[0][1] >= 0.6
    inside = FactStore([fact("Andel jordbruksmark", "2024", "5", 5.0)])
    assert not inside.search_scored("brukarna")  # a short stem counts only at a word's start


def test_search_english_synonyms(store: FactStore) -> None:
    found = store.search("sick leave", municipality="Alingsås", period="2024", kind="utfall")
    assert found[0].indicator == "Total sjukfrånvaro" and found[0].value == "8,2%"
    injuries = store.search("work injuries", municipality="alingsas", period="2024", kind="utfall")
    assert injuries[0].value == "154"


def test_filters_are_tolerant(store: FactStore) -> None:
    lerum = store.search(municipality="Lerum", limit=10_000)
    assert lerum and {f.municipality for f in lerum} == {"Lerums kommun"}
    assert store.search(municipality="Lerums kommun", limit=10_000) == lerum
    assert store.search(municipality="LERUM", limit=10_000) == lerum
    assert {f.body for f in store.search(body="socialnämnden", limit=10_000)} == {"Socialnämnden"}
    stöd = store.search(body="stöd- och omsorg", limit=10_000)
    assert {f.body for f in stöd} == {"Stöd- och omsorgsnämnden"}
    aug = store.search(period="210831", limit=10_000)  # a date asks for its month; the header keeps the date
    assert aug and {f.period for f in aug} == {"2021-08"}
    assert {f.column for f in aug} >= {"Utfall 210831"}
    assert all(f.kind == "mål" for f in store.search(kind="MÅL", limit=10_000))
    assert store.search("ingenting sådant finns här") == []
    assert store.search("hemtjänstindex", municipality="Herrljunga") == []


def test_period_matches() -> None:
    assert period_matches("2021-08-31", "2021")
    assert period_matches("2021-H1", "2021")
    assert period_matches("2023/2024", "2024")
    assert period_matches("2021-06", "jun-21")
    assert not period_matches("2020", "2021")


def test_compare_two_periods(store: FactStore) -> None:
    a, b = store.search("hemtjänstindex", period="2022")[0], store.search("hemtjänstindex", period="2023")[0]
    comparison = store.compare(a, b)
    assert comparison.difference == pytest.approx(14.4)
    assert comparison.direction == "ökade"
    assert "52,5 (plats 121)" in comparison.text and "66,9 (plats 147)" in comparison.text and "14,4" in comparison.text


def test_compare_percent_down_unchanged_and_missing() -> None:
    store = FactStore([])
    down = store.compare(fact("Andel", "2022", "84 %", 84.0, "%"), fact("Andel", "2023", "80 %", 80.0, "%"))
    assert (down.difference, down.direction) == (-4.0, "minskade")
    assert "4 procentenheter" in down.text
    same = store.compare(fact("Andel", "2021", "75 %", 75.0, "%"), fact("Andel", "2022", "75 %", 75.0, "%"))
    assert (same.difference, same.direction) == (0.0, "oförändrad")
    missing = store.compare(fact("Index", "2021", "saknas", None, status="saknas"), fact("Index", "2022", "52,5", 52.5))
    assert (missing.difference, missing.direction) == (None, None)
    assert "kan inte jämföras" in missing.text
    rounding = store.compare(fact("Fyllnad", "2023", "6,1", 6.1), fact("Fyllnad", "2024", "5,3", 5.3))
    assert rounding.difference == -0.8


def test_periods_for(store: FactStore) -> None:
    name = store.search("hemtjänstindex")[0].indicator
    assert store.periods_for(name) == ["2021", "2022", "2023", "2024"]
    assert store.periods_for(name, kind="utfall") == ["2021", "2022", "2023"]
    sick = store.search("3:2 sjukfrånvaro")[0].indicator
    assert sick == "3:2 Sjukfrånvaro (%)"  # the indicator holding the query as written ranks first
    assert store.periods_for(sick) == ["2020", "2021-08", "2021"]


def test_fold() -> None:
    assert fold("Alingsås") == fold("ALINGSAS") == "alingsas"
