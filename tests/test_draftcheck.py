"""The draft checker: placeholders rendered exactly, every Swedish number traced or rejected, direction words."""

from __future__ import annotations

import pytest

from assistant.draftcheck import Scope, check, compare, findings_text, join_rendered, render
from assistant.types import Fact


def fact(key: str, value: str, number: float | None, period: str, kind: str = "utfall", unit: str = "",
         status: str = "ok", indicator: str = "Andel nöjda brukare", table: str = "Indikatorer") -> Fact:
    return Fact(id=f"id-{key}", municipality="Testby kommun", body="Testnämnden", document="plan.txt", table=table,
                indicator=indicator, period=period, kind=kind, value=value, number=number, unit=unit, status=status,
                start=0, end=10)


@pytest.fixture
def facts() -> dict[str, Fact]:
    return {
        "F1": fact("F1", "84 %", 84, "2022", unit="%"),
        "F2": fact("F2", "80 %", 80, "2023", unit="%"),
        "F3": fact("F3", "82 %", 82, "2023", kind="mål", unit="%"),
        "F4": fact("F4", "saknas", None, "2021", status="saknas"),
        "F5": fact("F5", "52,5 (plats 121)", 52.5, "2022", indicator="Hemtjänstindex"),
        "F6": fact("F6", "4 793", 4793, "2021-08", unit="tkr", indicator="Resultat", table="RESULTATRÄKNING"),
        "F7": fact("F7", "10,5%", 10.5, "2021-08-31", unit="%", indicator="3:2 Sjukfrånvaro (%)", table="Mätetal"),
        "F8": fact("F8", "Ökande", None, "2024", kind="prognos", unit="riktning"),
    }


@pytest.fixture
def scope(facts: dict[str, Fact]) -> Scope:
    return Scope.build(facts, "2024", allowed=["3"], quotes={"P1": "Kostnaden för den som är >65 år (0 kronor)."},
                       labels=["Finansiering för minskat heltidsmått"])


def checked(template: str, scope: Scope, **kwargs: object) -> tuple[str, list[str], list[str]]:
    """Render and check: the text, the sources of its numbers, and the kinds of its findings."""
    out = render(template, scope)
    result = check(out.text, out.spans, scope, **kwargs)  # type: ignore[arg-type]
    return out.text, [n.source for n in result.numbers], [f.kind for f in out.findings + result.findings]


def test_render_puts_the_exact_value_text_and_never_a_number_for_missing(scope: Scope) -> None:
    out = render("Index {F5}; år ett {F4}; prognos {F8}; okänt {F99}; citat {P1}", scope)
    assert out.text.startswith("Index 52,5 (plats 121); år ett uppgift saknas; prognos Ökande; okänt [okänd")
    spans = {s.key: out.text[s.start : s.end] for s in out.spans}
    assert spans == {"F5": "52,5 (plats 121)", "F4": "uppgift saknas", "F8": "Ökande",
                     "P1": "Kostnaden för den som är >65 år (0 kronor)."}
    assert [f.fact_key for f in out.findings] == ["F99"]


@pytest.mark.parametrize("raw", ["52,6", "1 081,7", "44,3 mkr", "84,5 %", "4 794 tkr", "2019", "210930", "-7",
                                 "2021-09-30"])
def test_every_swedish_number_form_is_found_and_rejected_when_unsupported(scope: Scope, raw: str) -> None:
    text, sources, kinds = checked(f"Enligt rapporten blev det {raw} i år.", scope)
    assert sources == ["rejected"] and kinds == ["number"]
    result = check(text, [], scope)
    assert result.findings[0].text == raw
    assert text[result.findings[0].start : result.findings[0].end] == raw


def test_supported_numbers_are_traced_with_their_source(scope: Scope) -> None:
    template = ("Under 2023 blev värdet {F2}, index {F5}. Per 210831 och 2021-08-31 gällde {F7} för "
                "3:2 Sjukfrånvaro (%). Det finns 3 åtgärder. Citat: {P1}")
    text, sources, kinds = checked(template, scope)
    assert kinds == []
    assert sources == ["period", "fact", "fact", "period", "period", "fact", "label", "label", "allowed", "quote",
                       "quote"]


def test_unit_after_a_placeholder_must_be_the_facts_unit(scope: Scope) -> None:
    assert checked("Resultatet blev {F6} tkr.", scope)[2] == []
    assert checked("Resultatet blev {F6} mkr.", scope)[2] == ["number"]
    assert checked("Andelen blev {F2}.", scope)[2] == []


def test_digits_glued_to_a_rendered_value_are_rejected(scope: Scope) -> None:
    text, sources, kinds = checked("Resultatet blev 1{F6}.", scope)
    assert text == "Resultatet blev 14 793." and kinds == ["number"]


def test_literal_copies_of_fact_values_are_traced_to_the_fact(scope: Scope) -> None:
    out = render("Andelen minskade från 84 % (2022) till 80 % (2023). Index 52,5 (plats 121).", scope)
    result = check(out.text, out.spans, scope)
    assert result.passed
    facts = [(n.text, n.fact_key) for n in result.numbers if n.source == "fact"]
    assert facts == [("84 %", "F1"), ("80 %", "F2"), ("52,5 (plats 121)", "F5")]
    assert [p.key for p in result.literal] == ["F1", "F2", "F5"]
    assert not check(out.text, out.spans, scope, literal=False).passed


def test_literal_ties_go_to_the_year_named_nearby() -> None:
    same = {"F1": fact("F1", "75 %", 75, "2021", unit="%"), "F2": fact("F2", "75 %", 75, "2022", unit="%")}
    scope = Scope.build(same, "2022")
    result = check("Värdet var 75 % (2022).", [], scope)
    assert [n.fact_key for n in result.numbers if n.source == "fact"] == ["F2"]


@pytest.mark.parametrize(
    ("template", "ok"),
    [
        ("Andelen minskade från {F1} till {F2}.", True),
        ("Andelen ökade från {F1} till {F2}.", False),
        ("Andelen var oförändrad: {F1} och {F2}.", False),
        ("Mellan 2022 och 2023 minskade värdet från {F1} till {F2}.", True),
        ("Andelen {F2} var lägre än {F1}.", True),
        ("Andelen {F2} var högre än {F1}.", False),
        ("Andelen blev lägre 2023 ({F2}) än 2022 ({F1}).", True),
        ("Utfallet {F2} ligger under målvärdet {F3}.", True),
        ("Utfallet {F2} ligger över målvärdet {F3}.", False),
        ("Utfallet {F2} ligger under målet.", True),
        ("Utfallet {F2} ligger i nivå med målvärdet.", False),
        ("Andelen minskade till {F2}.", True),
        ("Andelen ökade till {F2}.", False),
        ("Andelen ökade under perioden.", False),
        ("Prognosen är {F8} och posten Finansiering för minskat heltidsmått finns kvar.", True),
    ],
)
def test_direction_words_must_agree_with_the_facts_they_describe(scope: Scope, template: str, ok: bool) -> None:
    kinds = checked(template, scope)[2]
    assert (kinds == []) is ok, kinds
    assert set(kinds) <= {"direction"}


def test_direction_finding_names_the_facts(scope: Scope) -> None:
    out = render("Andelen ökade från {F1} till {F2}.", scope)
    finding = check(out.text, out.spans, scope).findings[0]
    assert finding.text == "ökade" and finding.fact_key == "F2"
    assert "F1 (84 %, 2022)" in finding.reason and "en minskning" in finding.reason
    assert findings_text([finding]).startswith("1. Riktningsordet ”ökade” stämmer inte")


def test_compare_uses_the_precision_values_are_written_with() -> None:
    a, b = fact("A", "44,4", 44.4, "2023"), fact("B", "44,40", 44.4, "2024")
    assert compare(a, b) == "lika"
    assert compare(fact("A", "9,8%", 9.8, "2023", unit="%"), fact("B", "9,0%", 9.0, "2024", unit="%")) == "ner"
    assert compare(fact("A", "<5", 5, "2021"), b) is None
    assert compare(fact("A", "saknas", None, "2021", status="saknas"), b) is None


def test_required_indicators_must_be_stated(scope: Scope) -> None:
    out = render("Index {F5}.", scope)
    result = check(out.text, out.spans, scope, require=[("Indikatorer", "Hemtjänstindex"),
                                                        ("Indikatorer", "Andel nöjda brukare")])
    assert [(f.kind, f.text) for f in result.findings] == [("missing_indicator", "Andel nöjda brukare")]


def test_join_shifts_spans(scope: Scope) -> None:
    joined = join_rendered([render("A {F1}.", scope), render("B {F2}.", scope)], "\n\n")
    assert [joined.text[s.start : s.end] for s in joined.spans] == ["84 %", "80 %"]
    assert check(joined.text, joined.spans, scope, literal=False).passed
