"""Draft evaluation: known outcomes on hand-made drafts, and the shipped drafts.jsonl on the deterministic drafter."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.draft import Drafter
from assistant.evaluate_drafts import DraftEvalItem, count_numbers, evaluate_drafts, fact_present, load_draft_items
from assistant.facts import read_facts_csv
from assistant.settings import Settings
from assistant.types import Citation, Draft, DraftRequest, Fact, NumberTrace

REPO = Path(__file__).resolve().parents[1]
FACTS = read_facts_csv(REPO / "corpus" / "indicators.csv")
REQUEST = DraftRequest(municipality="Testby", body="Testnämnden", period="2023", allow_numbers=["7"])


def fact(fid: str, value: str, period: str, indicator: str = "Andel nöjda", status: str = "ok") -> Fact:
    return Fact(id=fid, municipality="Testby kommun", body="Testnämnden", document="t.txt", table="Indikatorer",
                indicator=indicator, period=period, kind="utfall", value=value, status=status, start=0, end=5)


def make_draft(text: str, traces: list[tuple[str, str, str]], facts: list[Fact] | None = None) -> Draft:
    """A draft whose numbers are traced as given: (number text, source, key)."""
    facts = facts if facts is not None else [fact("a", "84 %", "2022"), fact("b", "80 %", "2023"),
                                             fact("c", "saknas", "2021", status="saknas")]
    numbers, pos = [], 0
    for raw, source, key in traces:
        start = text.index(raw, pos)
        pos = start + len(raw)
        numbers.append(NumberTrace(text=raw, start=start, end=pos, source=source, fact_key=key))  # type: ignore[arg-type]
    return Draft(request=REQUEST, municipality="Testby kommun", body="Testnämnden", period="2023", title="t",
                 text=text, facts=facts, fact_keys={f"F{i}": f.id for i, f in enumerate(facts, start=1)},
                 citations=[Citation(key="P1", document="t.txt", start=0, end=9, quote="minst 5 år")],
                 numbers=numbers, passed=True)


def test_count_numbers_rechecks_every_trace() -> None:
    text = "Andelen minskade från 84 % (2022) till 80 % (2023), 71,1 i snitt, 7 åtgärder, minst 5 år, 85 %, 1999."
    draft = make_draft(text, [("84 %", "fact", "F1"), ("2022", "period", ""), ("80 %", "fact", "F2"),
                              ("2023", "period", ""), ("71,1", "rejected", ""), ("7", "allowed", ""),
                              ("5", "quote", "P1"), ("85 %", "fact", "F1"), ("1999", "period", "")])
    numbers, traced, untraced = count_numbers(draft)
    # 71,1 is rejected; 85 % claims F1 (84 %) and 1999 claims to be a period: the re-check refuses both.
    assert (numbers, traced, untraced) == (9, 6, ["71,1", "85 %", "1999"])


def test_a_number_the_draft_did_not_trace_counts_as_untraced() -> None:
    assert count_numbers(make_draft("Värdet 84 % och 12.", [("84 %", "fact", "F1")])) == (2, 1, ["12"])


def test_fact_present_by_id_triple_and_missing_value() -> None:
    draft = make_draft("Värdet 84 % (2022).", [("84 %", "fact", "F1"), ("2022", "period", "")])
    draft.numbers[0].fact_id = "a"
    assert fact_present(draft, "a")
    assert not fact_present(draft, "b")  # in the fact list but its value is not in the text
    assert fact_present(draft, "c")  # a missing value is present when stated as missing
    triple = {"indicator": "andel nöjda", "period": "2022", "value": "84 %"}
    item = DraftEvalItem(id="x", municipality="T", body="T", period="2023", required_facts=[triple, "b", "zzz"])
    assert [fact_present(draft, r) for r in item.required_facts] == [True, False, False]


def test_evaluate_drafts_known_outcome() -> None:
    drafts = {
        "Ett": make_draft("Värdet 84 % (2022) och 71,1.", [("84 %", "fact", "F1"), ("2022", "period", ""),
                                                           ("71,1", "rejected", "")]),
        "Två": make_draft("Värdet 80 % (2023).", [("80 %", "fact", "F2"), ("2023", "period", "")]),
    }
    drafts["Ett"].numbers[0].fact_id, drafts["Två"].numbers[0].fact_id = "a", "b"
    items = [{"id": "d1", "municipality": "T", "body": "Ett", "period": "2023", "required_facts": ["a", "b"]},
             {"id": "d2", "municipality": "T", "body": "Två", "period": "2023", "required_facts": ["b"]}]
    run = evaluate_drafts(items, lambda request: drafts[request.body])
    assert run["numbers"] == 5 and run["numbers_traced"] == 4 and run["draft_number_precision"] == pytest.approx(0.8)
    assert run["facts_required"] == 3 and run["facts_present"] == 2
    assert run["draft_coverage"] == pytest.approx(2 / 3)
    assert [r["missing_facts"] for r in run["results"]] == [["b"], []]
    assert run["results"][0]["untraced"] == ["71,1"]
    empty = evaluate_drafts([], lambda request: drafts["Ett"])
    assert empty["draft_number_precision"] is None and empty["draft_coverage"] is None


def test_shipped_draft_items_cover_every_body_and_name_real_facts() -> None:
    items = load_draft_items(REPO / "evals" / "drafts.jsonl")
    assert len({i.id for i in items}) == len(items)
    ids = {f.id for f in FACTS}
    for item in items:
        assert all(r in ids for r in item.required_facts if isinstance(r, str))
    full = {(i.municipality, i.body) for i in items if not i.indicators}
    assert len(full) == len({(f.municipality, f.body) for f in FACTS})
    assert sum(1 for i in items if i.indicators) >= 2


def test_deterministic_drafts_score_full_marks(settings: Settings) -> None:
    run = evaluate_drafts(load_draft_items(REPO / "evals" / "drafts.jsonl"), Drafter(settings).draft)
    assert run["draft_number_precision"] == 1.0 and run["draft_coverage"] == 1.0
    assert run["numbers"] == run["numbers_traced"] > 2000 and run["facts_required"] == run["facts_present"]
    assert run["drafts_passed"] == run["drafts"] == 6
