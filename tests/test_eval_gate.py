"""The CI gate: each eval set through the real pipeline must stay at or above its floors in evals/gate.json.

qa.jsonl, heldout.jsonl and heldout2.jsonl are asked over the corpus; newdocs.jsonl over another municipality's
reports (evals/newdocs-corpus), ingested as an upload would be. The floors only ever rise (see gate.json).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.evalrun import ServicePipeline, document_texts
from assistant.evalset import load_items
from assistant.evaluate import qa_metrics, run_qa
from assistant.evaluate_drafts import evaluate_drafts, load_draft_items
from assistant.service import AssistantService
from assistant.settings import Settings
from tests.conftest import REPO

pytestmark = pytest.mark.slow
GATE = json.loads((REPO / "evals" / "gate.json").read_text())


def misses(metrics: dict[str, Any], floors: dict[str, Any]) -> dict[str, tuple[Any, float]]:
    """The metrics under their floor (min) or over their ceiling (max)."""
    below = {k: (metrics.get(k), v) for k, v in floors.get("min", {}).items()
             if metrics.get(k) is None or metrics[k] < v}
    above = {k: (metrics.get(k), v) for k, v in floors.get("max", {}).items()
             if metrics.get(k) is None or metrics[k] > v}
    return {**below, **above}


def test_the_gate_covers_the_four_sets_and_the_drafts() -> None:
    assert set(GATE["sets"]) == {"qa", "heldout", "heldout2", "newdocs"}
    assert all(GATE["sets"][name]["min"]["answer_accuracy"] > 0 for name in GATE["sets"])
    assert misses({"answer_accuracy": 0.5, "false_refusal_rate": 0.2},
                  {"min": {"answer_accuracy": 0.6}, "max": {"false_refusal_rate": 0.1}}) == {
        "answer_accuracy": (0.5, 0.6), "false_refusal_rate": (0.2, 0.1)}


def assert_gate_holds(settings: Settings, name: str) -> None:
    """The set `name` asked through the real pipeline over `settings`' data stays inside its floors."""
    service = AssistantService(settings)
    items = load_items(REPO / "evals" / f"{name}.jsonl")
    metrics = qa_metrics(run_qa(items, ServicePipeline(service), document_texts(service), k=5), k=5)
    missed = misses(metrics, GATE["sets"][name])
    assert not missed, f"{name}: under golvet eller över taket: {missed}"


@pytest.mark.parametrize("name", ["qa", "heldout", "heldout2"])
def test_gate_holds_on_the_corpus(corpus_settings: Settings, name: str) -> None:
    assert_gate_holds(corpus_settings, name)


def test_gate_holds_on_new_documents(newdocs_settings: Settings) -> None:
    assert_gate_holds(newdocs_settings, "newdocs")


def test_drafts_hold(corpus_settings: Settings) -> None:
    service = AssistantService(corpus_settings)
    metrics = evaluate_drafts(load_draft_items(REPO / "evals" / "drafts.jsonl"), service.draft)
    missed = misses(metrics, GATE["drafts"])
    assert not missed, f"utkast: under golvet: {missed}"
