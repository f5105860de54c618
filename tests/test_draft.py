"""Drafting: deterministic drafts over the whole corpus, fact-locked model drafts with repair and fallback."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.clean import clean_text
from assistant.draft import Drafter, DraftError, Sources, period_sv, prioritised_directions
from assistant.evaluate_drafts import count_numbers
from assistant.facts import read_facts_csv
from assistant.llm import FakeLLM, LLMError
from assistant.manifest import load_manifest
from assistant.service import AssistantService, ServiceError
from assistant.settings import Settings
from assistant.store import Registry, RegistryEntry
from assistant.types import Draft, DraftRequest, Section, SourceDocument

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FACTS = read_facts_csv(CORPUS / "indicators.csv")
META = load_manifest(CORPUS)
BODIES = sorted({(f.municipality, f.body, META[f.document].period) for f in FACTS})
SON = "Brukarbedömning särskilt boende äldreomsorg - helhetssyn, andel (%)"
ONE = DraftRequest(municipality="Lerum", body="stöd- och omsorgsnämnden", period="2024", indicators=[SON])


def text_of(name: str) -> str:
    return clean_text((CORPUS / name).read_text(encoding="utf-8"))


def assert_clean(draft: Draft) -> None:
    """No finding, every number in the final text traced (re-checked independently)."""
    assert draft.passed and draft.findings == []
    numbers, traced, untraced = count_numbers(draft)
    assert untraced == [] and numbers == traced == len(draft.numbers)


@pytest.mark.parametrize(("municipality", "body", "period"), BODIES)
def test_deterministic_draft_passes_and_covers_every_indicator_of_the_body(
    settings: Settings, municipality: str, body: str, period: str
) -> None:
    draft = Drafter(settings).draft(DraftRequest(municipality=municipality, body=body, period=period))
    assert_clean(draft)
    mine = [f for f in FACTS if (f.municipality, f.body) == (municipality, body)]
    assert {f.id for f in draft.facts} == {f.id for f in mine}  # every fact of every indicator is stated
    assert draft.missing_indicators == []
    for f in mine:
        assert f"**{f.indicator}**" in draft.text
    stated = {t.fact_id for t in draft.numbers if t.source == "fact"}
    assert all(f.status == "ok" for f in draft.facts if f.id in stated)  # missing values never as numbers
    groups = [s.group for s in draft.sections]
    assert groups == sorted(groups, key=["indicators", "directions", "economy"].index)
    assert draft.backend == "mall" and all(s.origin == "template" for s in draft.sections)


def test_template_states_values_change_target_and_missing_values(settings: Settings) -> None:
    son = Drafter(settings).draft(DraftRequest(municipality="Lerums kommun", body="Stöd- och omsorgsnämnden",
                                               period="2024"))
    assert ("**Hemtjänstindex - ett samlat mått på hemtjänstens kvalitet i Sveriges 290 kommuner** – Utfall: "
            "uppgift saknas (2021), 52,5 (plats 121) (2022) och 66,9 (plats 147) (2023). Mellan 2022 och 2023 ökade "
            "värdet från 52,5 (plats 121) till 66,9 (plats 147). Prognos 2024: Ökande. [Analys:") in son.text
    assert "Mellan 2022 och 2023 minskade värdet från 84 % till 80 %." in son.text
    alingsas = Drafter(settings).draft(DraftRequest(municipality="alingsås", body="vård", period="2024"))
    assert "Målvärdet för 2024 är 65 (90). Utfallet 57 (2024) ligger under målvärdet 65 (90)." in alingsas.text
    assert "utfall 2023: 9,8%; utfall 2024: 9,0%; förändring 2023–2024: -0,8%." in alingsas.text
    herrljunga = Drafter(settings).draft(DraftRequest(municipality="Herrljunga", body="Socialnämnden", period="2021"))
    assert "utfall augusti 2020: -8 722 tkr; utfall augusti 2021: 4 793 tkr" in herrljunga.text  # units kept
    assert "Utfallet 10,5% (augusti 2021) ligger över målvärdet 5%." in herrljunga.text  # header 'Utfall 210831'
    assert "**Total sjukfrånvaro**: utfall juni 2020: 9,1%; utfall juni 2021: 10,5%." in herrljunga.text


def test_drift_lines_keep_the_unit_tkr(settings: Settings) -> None:
    draft = Drafter(settings).draft(DraftRequest(municipality="Alingsås", body="Vård- och omsorgsnämnden",
                                                 period="2024", indicators=["Verksamhetens intäkter"]))
    assert draft.passed, draft.findings
    # 'Bokslut 2024' is an outcome column: kind utfall; the unit comes from the label header 'Belopp i tkr'
    assert ("**Verksamhetens intäkter**: budget 2024: 206 297 tkr; utfall 2024: 254 669 tkr; avvikelse 2024: "
            "48 372 tkr;") in draft.text
    assert "från 237 998 tkr till 254 669 tkr." in draft.text
    drift = [f for f in draft.facts if f.unit == "tkr"]
    assert drift and all(f"{f.value} tkr" in draft.text for f in drift)


def test_fact_citations_quote_the_cleaned_document(settings: Settings) -> None:
    draft = Drafter(settings).draft(DraftRequest(municipality="Lerum", body="Individnämnden", period="2024"))
    facts = {f.id: f for f in draft.facts}
    text = text_of("lerum-individnamnden-verksamhetsplan-2024.txt")
    for c in (c for c in draft.citations if c.key.startswith("F")):
        fact = facts[draft.fact_keys[c.key]]
        assert (c.document, c.start, c.end) == (fact.document, fact.start, fact.end)
        assert c.quote == text[c.start : c.end] and " ".join(fact.value.split()) in " ".join(c.quote.split())
        assert c.title == "Verksamhetsplan 2024 Individnämnden" and c.section


def test_prioritised_directions_are_listed_with_citations(settings: Settings) -> None:
    draft = Drafter(settings).draft(DraftRequest(municipality="Lerum", body="Stöd- och omsorgsnämnden",
                                                 period="2024"))
    quotes = [c for c in draft.citations if c.key.startswith("P")]
    assert len(quotes) == 10
    text = text_of("lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024.txt")
    for c in quotes:
        assert c.quote == text[c.start : c.end]
        assert c.section == "Prioriterade inriktningar 2024 samt plan för genomförande"
        assert f"- {c.quote} [{c.key}] [Analys:" in draft.text
    assert quotes[0].quote.startswith("Öka kvaliteten inom omsorgen")
    assert [n.source for n in draft.numbers if n.text in (">65", "0 kronor")] == ["quote", "quote", "quote"]
    individ = Drafter(settings).draft(DraftRequest(municipality="Lerum", body="Individnämnden", period="2024"))
    assert sum(c.key.startswith("P") for c in individ.citations) == 6
    alingsas = Drafter(settings).draft(DraftRequest(municipality="Alingsås", body="vård", period="2024"))
    assert "Underlaget innehåller inga prioriterade inriktningar för nämnden." in alingsas.text


def test_directions_use_the_ingested_text_when_the_registry_has_it(settings: Settings) -> None:
    name = "lerum-individnamnden-verksamhetsplan-2024.txt"
    text = text_of(name)
    doc = SourceDocument(id="abc", name=name, sha256="0" * 64, meta=META[name], text=text, sections=[])
    registry = Registry(settings.data_dir)
    registry.save_document(doc)
    registry.entries[doc.id] = RegistryEntry(id=doc.id, name=name, sha256=doc.sha256, meta=doc.meta,
                                             status="indexed")
    registry.save()
    sources = Sources(settings)
    assert sources.document(name) == doc  # from the registry; without sections they are detected again
    assert len(prioritised_directions(doc)[1]) == 6
    plan = ("Plan 2025\n\nPrioriterade inriktningar 2025\n\n- Första inriktningen.\n• Andra.\n\nEkonomi\n\n"
            "- Inte en inriktning.")
    odd = doc.model_copy(update={"text": plan, "sections": [Section(title="Plan 2025", start=0, end=11),
                                                           Section(title="Ekonomi", start=plan.index("Ekonomi"),
                                                                   end=len(plan))]})
    title, bullets = prioritised_directions(odd)
    assert title == "Prioriterade inriktningar 2025"
    assert [plan[s:e] for s, e in bullets] == ["Första inriktningen.", "Andra."]


@pytest.mark.parametrize(
    ("municipality", "body", "period", "message"),
    [
        ("Atlantis", "Socialnämnden", "2024",
         "Kommunen ”Atlantis” finns inte i faktaunderlaget. Kända: Alingsås kommun, Herrljunga kommun, Lerums kommun."),
        ("Lerum", "Kulturnämnden", "2024", "Nämnden ”Kulturnämnden” finns inte för Lerums kommun i faktaunderlaget. "
         "Kända: Individnämnden, Stöd- och omsorgsnämnden."),
        ("Lerum", "Individnämnden", "2019", "Det finns inga fakta för Individnämnden, Lerums kommun och perioden "
         "”2019”. Perioder i underlaget: 2024."),
    ],
)
def test_unknown_names_and_periods_give_a_swedish_error_naming_what_exists(
    settings: Settings, municipality: str, body: str, period: str, message: str
) -> None:
    with pytest.raises(DraftError) as err:
        Drafter(settings).draft(DraftRequest(municipality=municipality, body=body, period=period))
    assert str(err.value) == message


def test_indicator_subset_and_unknown_indicator(settings: Settings) -> None:
    draft = Drafter(settings).draft(ONE)
    assert_clean(draft)
    assert {f.indicator for f in draft.facts} == {SON} and len(draft.facts) == 4
    table = Drafter(settings).draft(DraftRequest(municipality="Herrljunga", body="social", period="2021",
                                                 indicators=["Fallolyckor"]))
    assert {f.table for f in table.facts} == {"Fallolyckor"} and len(table.facts) == 27
    missing = Drafter(settings).draft(ONE.model_copy(update={"indicators": [SON, "Antal trollkarlar"]}))
    assert not missing.passed and missing.missing_indicators == ["Antal trollkarlar"]
    assert [f.kind for f in missing.findings] == ["missing_indicator"]


def test_period_words() -> None:
    assert [period_sv(p) for p in ("2024", "2021-08", "2020-H1", "2023-Q4", "2023/2024", "2021-08-31")] == [
        "2024", "augusti 2021", "första halvåret 2020", "fjärde kvartalet 2023", "2023–2024", "2021-08-31"]


# ---------------------------------------------------------------- model drafts (FakeLLM)

GOOD = "Andelen nöjda minskade från {F2} till {F3}. För det första året gäller {F1}. Prognos: {F4}. [Analys: orsaker]"
INVENTED = "Andelen var 71,1 % under perioden, jämfört med {F2}."
WRONG_DIRECTION = "Andelen ökade från {F2} till {F3}. Prognos: {F4}."
LITERAL = "Andelen minskade från 84 % (2022) till 80 % (2023). Prognosen för 2024 är {F4}."


def model_draft(settings: Settings, replies: list[str]) -> tuple[Draft, FakeLLM]:
    llm = FakeLLM(replies=replies)
    return Drafter(settings, llm).draft(ONE), llm


def test_a_correct_placeholder_draft_passes(settings: Settings) -> None:
    draft, llm = model_draft(settings, [GOOD])
    assert_clean(draft)
    assert draft.sections[0].origin == "llm" and len(llm.calls) == 1 and draft.backend == "fake"
    assert "Andelen nöjda minskade från 84 % till 80 %. För det första året gäller uppgift saknas." in draft.text
    assert "F2 | " + SON + " | 2022 | utfall | 84 % | %" in llm.calls[0].prompt
    assert "{F12}" in llm.calls[0].system  # type: ignore[operator]


def test_d_literal_figures_copied_correctly_pass(settings: Settings) -> None:
    draft, _ = model_draft(settings, [LITERAL])
    assert_clean(draft)
    assert draft.sections[0].origin == "llm"
    assert [(t.text, t.fact_key, t.reason) for t in draft.numbers if t.text in ("84 %", "80 %")] == [
        ("84 %", "F2", "skrivet som siffra"), ("80 %", "F3", "skrivet som siffra")]


def test_b_an_invented_figure_is_caught_and_repaired(settings: Settings) -> None:
    draft, llm = model_draft(settings, [INVENTED, GOOD])
    assert_clean(draft)
    assert draft.sections[0].origin == "repaired" and "71,1" not in draft.text
    assert [(f.kind, f.text) for f in draft.rejected if f.kind == "number"] == [("number", "71,1 %")]
    repair = llm.calls[1].prompt
    assert "71,1" in repair and "F3 | " in repair and "Fel som måste rättas" in repair


def test_b_an_invented_figure_that_survives_repair_falls_back_to_the_template(settings: Settings) -> None:
    draft, llm = model_draft(settings, [INVENTED, INVENTED])
    assert_clean(draft)
    assert draft.sections[0].origin == "fallback" and "71,1" not in draft.text and len(llm.calls) == 2
    assert "Mellan 2022 och 2023 minskade värdet från 84 % till 80 %." in draft.text
    assert any("mallens text används" in n for n in draft.notes)
    assert {f.section for f in draft.rejected} == {"Indikatorer (försök 1)", "Indikatorer (försök 2)"}


def test_c_a_wrong_direction_word_is_caught_and_replaced(settings: Settings) -> None:
    draft, _ = model_draft(settings, [WRONG_DIRECTION, WRONG_DIRECTION])
    assert_clean(draft)
    assert draft.sections[0].origin == "fallback" and "ökade" not in draft.sections[0].text
    assert [f.text for f in draft.rejected] == ["ökade", "ökade"]
    assert "från F2 (84 %, 2022) till F3 (80 %, 2023) är en minskning" in draft.rejected[0].reason


def test_c_a_wrong_direction_word_repaired(settings: Settings) -> None:
    draft, _ = model_draft(settings, [WRONG_DIRECTION, WRONG_DIRECTION.replace("ökade", "minskade")])
    assert_clean(draft)
    assert draft.sections[0].origin == "repaired"


def test_model_errors_fall_back_to_the_template(settings: Settings) -> None:
    def broken(prompt: str, system: str | None) -> str:
        raise LLMError("Kunde inte ansluta till språkmodellen.")

    draft = Drafter(settings, FakeLLM(response_fn=broken)).draft(ONE)
    assert_clean(draft)
    assert draft.sections[0].origin == "fallback" and "Kunde inte ansluta" in draft.notes[0]


def test_large_tables_are_drafted_in_parts(settings: Settings) -> None:
    def honest(prompt: str, system: str | None) -> str:
        keys = re.findall(r"(?m)^(F\d+) \| ([^|]+) \|", prompt)
        names = dict.fromkeys(name.strip() for _, name in keys)
        return "\n\n".join(f"{n}: " + ", ".join("{" + k + "}" for k, m in keys if m.strip() == n) + "."
                           for n in names)

    settings.draft.max_facts_per_prompt = 10
    llm = FakeLLM(response_fn=honest)
    draft = Drafter(settings, llm).draft(DraftRequest(municipality="Herrljunga", body="social", period="2021",
                                                      indicators=["Fallolyckor", "Läkemedelsavvikelser"]))
    assert_clean(draft)
    assert len(llm.calls) == 6 and [s.origin for s in draft.sections if s.group != "directions"] == ["llm", "llm"]
    assert len(draft.facts) == 54


# ---------------------------------------------------------------- service and command line


def test_service_draft_takes_a_request_or_a_mapping(settings: Settings) -> None:
    service = AssistantService(settings)
    draft = service.draft({"municipality": "Lerum", "body": "Individnämnden", "period": "2024", "indicators": None})
    assert draft.passed and draft.body == "Individnämnden"
    with pytest.raises(ServiceError, match="Atlantis"):
        service.draft(DraftRequest(municipality="Atlantis", body="x", period="2024"))


def test_cli_draft_writes_markdown_docx_and_json(settings: Settings, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import app

    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(CORPUS))
    runner = CliRunner()
    args = ["draft", "--municipality", "Lerum", "--body", "individnämnden", "--period", "2024"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "u.md")])
    assert result.exit_code == 0, result.output
    assert "# Uppföljning 2024: Individnämnden, Lerums kommun" in result.output
    assert "## Bilaga: fakta i utkastet" in (tmp_path / "u.md").read_text(encoding="utf-8")
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "u.docx"), "--json", "--indicators",
                                 "Erfarna socionomer inom Barn- och familj, minst 5 år i yrket"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "u.docx").stat().st_size > 0
    payload = json.loads(result.output)
    assert payload["passed"] is True and len(payload["facts"]) == 4
    result = runner.invoke(app, ["draft", "--municipality", "Atlantis", "--body", "x", "--period", "2024"])
    assert result.exit_code == 2 and "Atlantis" in result.output


# ---------------------------------------------------------------- the packaged local model


class Recording:
    """Wraps a model and keeps its raw replies, so a test can tell the model's own text from the template's."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.replies = inner, inner.name, []

    def complete(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> str:
        reply = self.inner.complete(prompt, system=system, max_tokens=max_tokens)
        self.replies.append(reply)
        return reply

    def stream(self, prompt: str, *, system: str | None = None, max_tokens: int | None = None) -> Any:
        return self.inner.stream(prompt, system=system, max_tokens=max_tokens)


def _local_draft(settings: Settings) -> tuple[Draft, Recording]:
    """One indicator drafted by the packaged model, run by llama.cpp in its own server process."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama_cpp (llama-cpp-python) är inte installerat; den lokala modellen kan inte köras")
    from assistant.llm import LocalLlamaCppLLM

    llm = Recording(LocalLlamaCppLLM())
    settings.draft.max_tokens, settings.draft.passage_chars = 160, 300  # a weak base model: keep the smoke test short
    request = DraftRequest(municipality="Lerum", body="Individnämnden", period="2024",
                           indicators=["Erfarna socionomer inom Barn- och familj, minst 5 år i yrket"])
    try:
        return Drafter(settings, llm).draft(request), llm
    finally:
        llm.inner.close()


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.xfail(strict=True, reason=(
    "the packaged Gemma 3 270M is a base model: it repeats its prompt instead of drafting, so the checker rejects "
    "its text and the template stands in (strict: this test fails loudly once a model's own text passes)"))
def test_local_model_draft_passes_the_checker(settings: Settings) -> None:
    draft, llm = _local_draft(settings)
    assert_clean(draft)
    # The model's own text, not the template that replaces rejected model text: a model whose every output is
    # rejected fails here.
    assert draft.sections[0].origin in ("llm", "repaired"), (draft.notes, llm.replies)
    assert "74,7%" in draft.text


@pytest.mark.slow
@pytest.mark.server
def test_local_model_text_is_checked_and_rejected_text_never_reaches_the_draft(settings: Settings) -> None:
    draft, llm = _local_draft(settings)
    assert draft.backend.startswith("local:")
    assert llm.replies and all(reply.strip() for reply in llm.replies)  # the model did write, out of process
    assert "llama_cpp" not in sys.modules
    section = draft.sections[0]
    if section.origin in ("llm", "repaired"):  # accepted: the draft holds the model's own (rendered) text
        assert not draft.findings
        return
    assert section.origin == "fallback"
    first = draft.rejected[0]
    assert first.section.endswith("(försök 1)")
    assert first.kind == "missing_indicator" or first.text in llm.replies[0]  # judged on the model's own words
    assert any("modelltexten underkändes" in note for note in draft.notes)
    assert not any(reply.strip() in draft.text for reply in llm.replies)  # rejected text never reaches the draft
    assert_clean(draft)
    assert "74,7%" in draft.text  # the template's figures, rendered by code


TABLE_DOC = ("Uppföljning 2025\n\nNyckeltal\n\nIndikator\tUtfall 2024\tBudget 2025\tUtfall 2025\n"
             "Besök i simhallen\t88 120\t91 300\t95 000\nUtlånade böcker\t41 200\t40 000\t39 800\n")


def _store_with_table(tmp_path: Path) -> tuple[Settings, Any]:
    """A data directory whose fact store holds the facts of one ingested-like document, none reviewed."""
    from assistant.factdb import FactDB, database_url
    from assistant.ingest import read_document
    from assistant.types import DocumentMeta

    path = tmp_path / "kultur-uppfoljning-2025.txt"
    path.write_text(TABLE_DOC, encoding="utf-8")
    meta = DocumentMeta(title="Uppföljning", municipality="Testby kommun", body="Kulturnämnden", kind="report",
                        period="2025")
    data = tmp_path / "data"
    data.mkdir()
    settings = Settings(data_dir=data, corpus_dir=tmp_path / "ingen-korpus")
    db = FactDB(database_url(data, None))
    db.add(read_document(path, meta))
    sources = Sources(settings)
    sources.meta[path.name] = meta  # as the registry records it at ingestion
    return settings, (db, sources)


def test_draft_uses_reviewed_facts_and_marks_unreviewed_ones_only_when_asked(tmp_path: Path) -> None:
    settings, (db, sources) = _store_with_table(tmp_path)
    facts = db.facts()
    assert facts and {f.review for f in facts} == {"extracted"}
    request = DraftRequest(municipality="Testby", body="Kulturnämnden", period="2025")
    with pytest.raises(DraftError, match="väntar på granskning"):
        Drafter(settings, sources=sources).draft(request)

    marked = Drafter(settings, sources=sources).draft(
        request.model_copy(update={"include_unreviewed": True}))
    body = marked.text.split("\n\n", 2)[2]  # after the title and the opening sentence
    for fact in marked.facts:
        at = [m.start() for m in re.finditer(re.escape(fact.value), body)]
        assert at and all(body.startswith(" [ej granskad]", i + len(fact.value)) for i in at), fact.value
    assert "Obs! Utkastet bygger delvis på fakta som ingen har granskat" in marked.text
    assert "95 000 [ej granskad]" in marked.text and marked.passed

    db.review([f.id for f in facts], "approve", who="granskare")
    fresh = Sources(settings)
    fresh.meta.update(sources.meta)
    clean = Drafter(settings, sources=fresh).draft(request)
    assert "[ej granskad]" not in clean.text and "granskade faktaunderlag" in clean.text
    assert "95 000" in clean.text and clean.passed
    assert {f.id for f in clean.facts} == {f.id for f in facts}


def test_a_table_without_a_caption_gets_a_heading_that_says_where_it_stands() -> None:
    from assistant.draft import build_blocks
    from assistant.types import Fact

    def fact(table: str, table_id: str, indicator: str) -> Fact:
        return Fact(id=f"{table_id}-{indicator}", municipality="Testby kommun", body="Socialnämnden",
                    document="rapport.pdf", table=table, indicator=indicator, period="2024", kind="utfall",
                    value="12", start=0, end=2, table_id=table_id, page=4)

    blocks = build_blocks([fact("", "t1", "Sjukfrånvaro"), fact("", "t2", "Personalomsättning"),
                           fact("Driftredovisning", "t3", "Brukare")])
    assert [b.title for b in blocks] == ["Tabell utan rubrik, rapport.pdf s. 4", "Tabell utan rubrik, rapport.pdf s. 4",
                                         "Driftredovisning"]
    assert [[r.indicator for r in b.rows] for b in blocks] == [["Sjukfrånvaro"], ["Personalomsättning"], ["Brukare"]]
