"""The draft checker: placeholders rendered exactly, every Swedish number traced or rejected, direction words."""

from __future__ import annotations

import pytest

from assistant.draftcheck import Protected, Rendered, Scope, check, compare, findings_text, join_rendered, render
from assistant.types import Fact


def fact(key: str, value: str, number: float | None, period: str, kind: str = "utfall", unit: str = "",
         status: str = "ok", indicator: str = "Andel nöjda brukare", table: str = "Indikatorer",
         review: str = "reviewed") -> Fact:
    return Fact(id=f"id-{key}", municipality="Testby kommun", body="Testnämnden", document="plan.txt", table=table,
                indicator=indicator, period=period, kind=kind, value=value, number=number, unit=unit, status=status,
                start=0, end=10, review=review)


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
        "F9": fact("F9", "12", 12, "2024", indicator="Antal avvikelser"),
        "F10": fact("F10", "IU.", None, "2024", status="IU.", indicator="Väntetid"),
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


def test_unit_mismatch_a_copy_of_84_percent_written_as_84_mkr_is_rejected(scope: Scope) -> None:
    """'84' written for the fact '84 %' copies it; '84 mkr' adds a unit the fact does not have."""
    assert [(n.source, n.fact_key) for n in check("Värdet 84 (2022).", [], scope).numbers] == [
        ("fact", "F1"), ("period", "")]
    assert [n.source for n in check("Värdet 84 mkr.", [], scope).numbers] == ["rejected"]


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


# ---------------------------------------------------------------- where each number came from, and why not


def traces(template: str, scope: Scope) -> list[tuple[str, str, str, str, str]]:
    out = render(template, scope)
    return [(n.text, n.source, n.fact_key, n.fact_id, n.reason) for n in check(out.text, out.spans, scope).numbers]


def test_trace_names_the_source_key_fact_and_reason_of_every_number(scope: Scope) -> None:
    """The findings report says where each number came from: a reviewer can follow every figure to its fact."""
    template = ("Under 2023 blev värdet {F2}, mot 84 % (2022). Per 210831 gällde {F7} för 3:2 Sjukfrånvaro (%). "
                "Det finns 3 åtgärder. Citat: {P1}")
    assert traces(template, scope) == [
        ("2023", "period", "", "", "period i underlaget"),
        ("80 %", "fact", "F2", "id-F2", "inlagt av programmet"),
        ("84 %", "fact", "F1", "id-F1", "skrivet som siffra"),
        ("2022", "period", "", "", "period i underlaget"),
        ("210831", "period", "", "", "period i underlaget"),
        ("10,5%", "fact", "F7", "id-F7", "inlagt av programmet"),
        ("3", "label", "", "", "del av namnet ”3:2 Sjukfrånvaro (%)”"),
        ("2", "label", "", "", "del av namnet ”3:2 Sjukfrånvaro (%)”"),
        ("3", "allowed", "", "", "tillåtet i beställningen"),
        (">65", "quote", "P1", "", "citat ur källan"),
        ("0 kronor", "quote", "P1", "", "citat ur källan"),
    ]
    out = render(template, scope)
    result = check(out.text, out.spans, scope)
    start = out.text.index("84 %")
    assert result.literal == [Protected(start, start + 4, "F1", "fact", "literal")]
    refs = [(r.key, out.text[r.start : r.end]) for r in result.refs]
    assert refs == [("F2", "80 %"), ("F1", "84 %"), ("F7", "10,5%")]


def test_a_literal_copy_inside_a_joined_text_keeps_how_it_was_written(scope: Scope) -> None:
    literal = Rendered("Andelen var 84 %.", [Protected(12, 16, "F1", "fact", "literal")])
    joined = join_rendered([render("Index {F5}.", scope), literal], " ")
    assert [(s.key, s.kind, s.how) for s in joined.spans] == [("F5", "fact", "rendered"), ("F1", "fact", "literal")]
    traced = check(joined.text, joined.spans, scope).numbers
    assert [(n.text, n.fact_key, n.reason) for n in traced] == [
        ("52,5 (plats 121)", "F5", "inlagt av programmet"), ("84 %", "F1", "skrivet som siffra")]


UNBACKED = "Talet finns inte bland fakta för nämnden och är ingen period i underlaget."


@pytest.mark.parametrize(
    ("template", "text", "reason"),
    [
        ("Resultatet blev {F6} mkr.", "4 793 mkr", "Enheten ”mkr” står inte i faktat."),
        ("Resultatet blev 1{F6}.", "14 793", "Talet går utanför det inlagda värdet."),
        ("Antalet blev {F9}5 i år.", "125", "Enheten ”5” står inte i faktat."),
        ("Det blev 17 brukare.", "17", UNBACKED),
        ("Det var 2 024 brukare.", "2 024", UNBACKED),
        ("Beslut 2024-01-01.", "2024-01-01", UNBACKED),
    ],
)
def test_a_rejected_number_says_why(scope: Scope, template: str, text: str, reason: str) -> None:
    """Digits glued to a rendered value, a unit the fact lacks, a count that only looks like a year ('2 024'),
    a date that is no date of the draft: each is a number the facts do not back."""
    out = render(template, scope)
    [finding] = check(out.text, out.spans, scope).findings
    assert (finding.kind, finding.text, finding.reason) == ("number", text, reason)
    assert out.text[finding.start : finding.end] == text


def test_rendering_writes_missing_values_as_words_and_reports_unknown_placeholders(scope: Scope) -> None:
    out = render("Värdet {F10}; år ett {F4}; okänt {F99}.", scope)
    assert out.text == "Värdet uppgift saknas (IU.); år ett uppgift saknas; okänt [okänd uppgift F99]."
    assert [(s.key, s.kind) for s in out.spans] == [("F10", "missing"), ("F4", "missing")]
    [finding] = out.findings
    start = out.text.index("[okänd")
    assert finding.model_dump() == {
        "kind": "placeholder", "text": "{F99}", "start": start, "end": start + len("[okänd uppgift F99]"),
        "reason": "Platshållaren {F99} finns inte i faktatabellen.", "fact_id": "", "fact_key": "F99", "section": ""}


def test_join_rendered_puts_the_separator_only_between_pieces(scope: Scope) -> None:
    pieces = [render("A {F1}.", scope), render("B {F2}.", scope), render("C {F3}.", scope)]
    joined = join_rendered(pieces, "\n\n")
    assert joined.text == "A 84 %.\n\nB 80 %.\n\nC 82 %."
    assert [joined.text[s.start : s.end] for s in joined.spans] == ["84 %", "80 %", "82 %"]
    assert join_rendered(pieces).text == "A 84 %.B 80 %.C 82 %."


def test_sub_scope_keeps_everything_but_the_other_facts(scope: Scope) -> None:
    sub = scope.sub(["F2", "F3"])
    assert list(sub.facts) == ["F2", "F3"] and sub.facts["F2"] is scope.facts["F2"]
    assert (sub.quotes, sub.years, sub.dates, sub.allowed, sub.labels) == (
        scope.quotes, scope.years, scope.dates, scope.allowed, scope.labels)


# ---------------------------------------------------------------- names that hold digits


def test_names_are_matched_longest_first_and_whole() -> None:
    facts = {"F1": fact("F1", "12", 12, "2024", indicator="Insats 2024", table="Avgift 2 inom Insats 2024"),
             "F2": fact("F2", "7", 7, "2024", indicator="Område 3 – Hemtjänst", table="Områden")}
    scope = Scope.build(facts, "2023", labels=["KF 3", "12"])
    assert scope.labels[0] == "Avgift 2 inom Insats 2024"
    text = "Avgift 2 inom Insats 2024 gäller. Område 3 har hemtjänst. Beslut i KF 3. Det blev 12 nya."
    result = check(text, [], scope, literal=False)
    assert [(n.text, n.source, n.reason) for n in result.numbers] == [
        ("2", "label", "del av namnet ”Avgift 2 inom Insats 2024”"),
        ("2024", "label", "del av namnet ”Avgift 2 inom Insats 2024”"),
        ("3", "label", "del av namnet ”Område 3”"),
        ("3", "label", "del av namnet ”KF 3”"),
        ("12", "rejected", UNBACKED),
    ]


def test_a_name_at_the_very_start_of_the_text_and_each_of_its_repeats_is_a_name(scope: Scope) -> None:
    text = "3:2 Sjukfrånvaro (%) steg. Om 3:2 Sjukfrånvaro (%) finns mer."
    result = check(text, [], scope)
    assert [n.source for n in result.numbers] == ["label"] * 4


# ---------------------------------------------------------------- direction words


def test_a_wrong_direction_word_names_both_facts_and_where_it_stands(scope: Scope) -> None:
    out = render("Andelen ökade från {F1} till {F2}.", scope)
    [finding] = check(out.text, out.spans, scope).findings
    start = out.text.index("ökade")
    assert finding.model_dump() == {
        "kind": "direction", "text": "ökade", "start": start, "end": start + 5,
        "reason": "Riktningsordet ”ökade” stämmer inte med fakta: från F1 (84 %, 2022) till F2 (80 %, 2023) är en "
                  "minskning.", "fact_id": "id-F2", "fact_key": "F2", "section": ""}


def test_an_uncheckable_direction_word_says_so(scope: Scope) -> None:
    out = render("Utfallet ligger under målvärdet {F3}.", scope)
    [finding] = check(out.text, out.spans, scope).findings
    assert (finding.text, finding.fact_id, finding.fact_key) == ("under målvärdet", "", "")
    assert finding.reason == ("Riktningsordet ”under målvärdet” kan inte kontrolleras: meningen har inga jämförbara "
                              "värden.")
    out = render("Andelen {F2} var högre än {F1}.", scope)
    [finding] = check(out.text, out.spans, scope).findings
    assert finding.reason.startswith("Riktningsordet ”högre” stämmer inte med fakta: från F1 (84 %, 2022) till F2")


@pytest.mark.parametrize(
    ("template", "reasons"),
    [
        # Each sentence is judged by its own values: the second has none.
        ("Andelen var {F1} och {F2}.\nMinskade gjorde också kostnaderna.", ["kan inte kontrolleras"]),
        ("Andelen var {F1} och {F2}\nMinskade gjorde också kostnaderna.", ["kan inte kontrolleras"]),
        ("Kostnaderna minskade\n{F2} var andelen 2023.", ["kan inte kontrolleras"]),
        # A full stop inside a name ends no sentence, and the sentences after it are still told apart.
        ("Avd. 3 Hemtjänst har {F2}. Kostnaderna ökade.", ["kan inte kontrolleras"]),
        ("Minskade kostnader. Andelen var {F1} och {F2}.", ["kan inte kontrolleras"]),
        ("Kostnaderna minskade.\n{F2} var andelen 2023.", ["kan inte kontrolleras"]),
        ("{F2} är lägre än {F1}.", []),
        # A direction word in a name is no claim, and the words after it are still checked.
        ("Posten Finansiering för minskat heltidsmått finns. Andelen ökade från {F1} till {F2}.", ["stämmer inte"]),
        ("Ökat stöd till anhöriga 2 fortsätter.", []),
        ("Andelen minskade från {F1} till {F2}. Sedan ökade den från {F1} till {F2}.", ["stämmer inte"]),
        # Unchanged and rising are checked as well as falling.
        ("Andelen var oförändrad: {F11} och {F12}.", []),
        ("Andelen ökade från {F13} till {F14}.", []),
        ("Andelen ökade från {F1} via {F2} till {F16}.", []),
        # A value without a value before it, or a missing value, cannot be compared.
        ("Andelen ökade till {F1}.", ["kan inte kontrolleras"]),
        ("Andelen ökade till {F13}.", ["kan inte kontrolleras"]),
        ("Andelen ökade från {F4} till {F2}.", ["kan inte kontrolleras"]),
        # Comparisons: the two sides of 'än', and the value nearest the word.
        ("Andelen {F1} var högre än {F2}.", []),
        ("Andelen {F1} var högre än målet.", ["kan inte kontrolleras"]),
        ("Andelen {F2} minskade, och index {F5}.", []),
        ("Index {F5} och andelen minskade från {F1} till {F2}.", []),
        # Targets: the value before the word, the target in the sentence or of the value's own period.
        ("Under målvärdet ligger utfallet {F2}.", []),
        ("Målvärdet {F3} nås inte: utfallet {F2} ligger under målvärdet.", []),
        ("Utfallet {F2} ligger under målvärdet, medan prognosen är {F15}.", []),
        ("Utfallet {F2} har målvärdet {F3} och ligger under målvärdet.", []),
        ("Utfallet {F2} för 2023 ligger över målet för 2022 {F17}.", []),
        ("Andelen {F16} ligger över målet.", ["kan inte kontrolleras"]),
    ],
)
def test_direction_words_are_judged_within_their_sentence(more: Scope, template: str, reasons: list[str]) -> None:
    out = render(template, more)
    findings = check(out.text, out.spans, more).findings
    assert [f.kind for f in findings] == ["direction"] * len(reasons), findings
    for finding, reason in zip(findings, reasons, strict=True):
        assert reason in finding.reason


@pytest.fixture
def more(facts: dict[str, Fact]) -> Scope:
    """The scope with rising, unchanged and third-year values, a forecast, an older target and an IU. value."""
    extra = {
        "F10": fact("F10", "IU.", None, "2024", status="IU.", indicator="Väntetid"),
        "F11": fact("F11", "75 %", 75, "2022", unit="%", indicator="Andel med plan"),
        "F12": fact("F12", "75,0 %", 75, "2023", unit="%", indicator="Andel med plan"),
        "F13": fact("F13", "70 %", 70, "2022", unit="%", indicator="Andel i tid"),
        "F14": fact("F14", "70,5 %", 70.5, "2023", unit="%", indicator="Andel i tid"),
        "F15": fact("F15", "85 %", 85, "2023", kind="prognos", unit="%"),
        "F16": fact("F16", "86 %", 86, "2024", unit="%"),
        "F17": fact("F17", "78 %", 78, "2022", kind="mål", unit="%"),
    }
    labels = ["Finansiering för minskat heltidsmått", "Ökat stöd till anhöriga 2", "Avd. 3 Hemtjänst"]
    return Scope.build({**facts, **extra}, "2024", labels=labels)


def test_findings_are_listed_in_text_order_with_unplaced_ones_last(scope: Scope) -> None:
    out = render("17 brukare fick {F5}.", scope)
    result = check(out.text, out.spans, scope, require=[("Indikatorer", "Andel nöjda brukare")])
    assert [(f.kind, f.start, f.section) for f in result.findings] == [
        ("number", 0, ""), ("missing_indicator", -1, "Indikatorer")]
    assert findings_text(result.findings).splitlines() == [
        f"1. {UNBACKED} (”17”)",
        "2. Nyckeltalet ”Andel nöjda brukare” (Indikatorer) saknas i texten. (”Andel nöjda brukare”)"]


def test_literal_copies_are_traced_to_the_indicator_named_in_their_own_paragraph() -> None:
    same = {"F20": fact("F20", "75 %", 75, "2022", unit="%", indicator="Andel nöjda brukare"),
            "F21": fact("F21", "75 %", 75, "2022", unit="%", indicator="Andel med hemtjänst")}
    scope = Scope.build(same, "2022")
    text = "Andel nöjda brukare redovisas nedan.\n\nAndel med hemtjänst var 75 %.\n\nAndel nöjda brukare igen."
    assert [n.fact_key for n in check(text, [], scope).numbers] == ["F21"]
    assert [n.fact_key for n in check("Andel nöjda brukare: 75 %.", [], scope).numbers] == ["F20"]


def test_compare_at_the_written_precision() -> None:
    assert compare(fact("A", "44,4", 44.4, "2023"), fact("B", "44,0", 44.0, "2024")) == "ner"
    assert compare(fact("A", "9,8", 9.8, "2023"), fact("B", "10,3", 10.3, "2024")) == "upp"
    assert compare(fact("A", "80 %", 80, "2023"), fact("B", "84 %", 84, "2024")) == "upp"
    assert compare(fact("A", " <5", 5, "2023"), fact("B", "4", 4, "2024")) is None  # a target bound, not a value
    assert compare(fact("A", "Ökande", 1.0, "2023", unit="riktning"), fact("B", "4", 4, "2024")) is None


def test_unreviewed_values_are_marked_after_their_unit_and_missing_ones_never() -> None:
    scope = Scope.build({"F1": fact("F1", "48 372", 48372, "2024", unit="tkr", review="extracted"),
                         "F2": fact("F2", "9,0", 9.0, "2024", unit="%", review="extracted"),
                         "F3": fact("F3", "saknas", None, "2023", status="saknas", review="extracted"),
                         "F4": fact("F4", "12", 12, "2024", unit="tkr")}, "2024")
    out = render("Avvikelse {F1} tkr, andel {F2}%, {F3}, granskat {F4} tkr, {F1} tkronor.", scope)
    assert out.text == ("Avvikelse 48 372 tkr [ej granskad], andel 9,0% [ej granskad], uppgift saknas, "
                        "granskat 12 tkr, 48 372 [ej granskad] tkronor.")
    assert [out.text[s.start:s.end] for s in out.spans] == ["48 372", "9,0", "uppgift saknas", "12", "48 372"]
