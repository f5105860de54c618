"""The CI gate: the whole eval set through the real pipeline must stay at or above evals/gate.json."""

from __future__ import annotations

import json

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


def test_gate_holds(corpus_settings: Settings) -> None:
    service = AssistantService(corpus_settings)
    items = load_items(REPO / "evals" / "qa.jsonl")
    results = run_qa(items, ServicePipeline(service), document_texts(service), k=5)
    metrics = qa_metrics(results, k=5)
    metrics.update(evaluate_drafts(load_draft_items(REPO / "evals" / "drafts.jsonl"), service.draft))
    below = {k: (metrics[k], v) for k, v in GATE["min"].items() if metrics[k] is None or metrics[k] < v}
    above = {k: (metrics[k], v) for k, v in GATE["max"].items() if metrics[k] is None or metrics[k] > v}
    assert not below and not above, f"under golvet: {below}; över taket: {above}"
