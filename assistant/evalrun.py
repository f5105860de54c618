"""Wiring for `assistant eval`: build the real pipeline (or the llama-index baseline), run, write the report."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.evalset import EvalItem, load_items
from assistant.evaluate import ItemResult, by_category, qa_metrics, run_qa
from assistant.prompts import prompt_hashes
from assistant.query import Filters
from assistant.report import write_outputs
from assistant.service import AskRequest, AssistantService
from assistant.settings import Settings
from assistant.types import Answer, Citation

PROMPTS_USED = ("answer", "answer_system", "draft_system", "draft_indicator", "repair")


class ServicePipeline:
    """The product itself, as the harness sees it."""

    name = "assistant"

    def __init__(self, service: AssistantService, roles: tuple[str, ...] = ("public",)) -> None:
        self.service = service
        self.roles = roles

    def answer(self, question: str, k: int, history: list[tuple[str, str]] | None = None) -> Answer:
        """The answer a user would get (after the earlier turns of `history`, if any)."""
        return self.service.ask(AskRequest(question=question, k=k, user="eval", roles=self.roles,
                                           history=history or []))

    def retrieve(self, question: str, k: int) -> list[Citation]:
        """The top-k passages the answerer starts from."""
        answerer = self.service.answerer
        filters = Filters(access=self.roles)  # the same access rules as answering: before ranking
        chunks = answerer.retriever.retrieve(question, k, filters)  # type: ignore[attr-defined]
        return [c.citation(f"K{i}") for i, c in enumerate(chunks, start=1)]


def document_texts(service: AssistantService) -> dict[str, str]:
    """Cleaned text of every primary document, by file name (gold quotes are located in these)."""
    return {doc.name: doc.text for doc in service.registry.documents()}


def ensure_corpus(service: AssistantService, corpus: Path) -> None:
    """Ingest the corpus when the data directory holds no documents yet (a fresh machine)."""
    if not service.registry.indexed():
        report = service.ingest([corpus])
        if not report.ok:
            failed = [o for o in report.outcomes if o.status == "failed"]
            raise RuntimeError(f"korpusen kunde inte läsas in: {failed}")


def run_eval(
    settings: Settings,
    dataset: Path,
    out_dir: Path,
    k: int = 5,
    drafts: Path | None = None,
    baseline: str | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    history_sample: int = 0,
) -> dict[str, Any]:
    """Run the eval set (and optionally drafts, a baseline, and the history check on `history_sample` questions)
    and write metrics.json, report.md and plot.png."""
    items = load_items(dataset)[:limit] if limit else load_items(dataset)
    service = AssistantService(settings)
    ensure_corpus(service, settings.corpus_dir)
    documents = document_texts(service)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    results = run_qa(items, ServicePipeline(service), documents, k, progress)
    run: dict[str, Any] = {
        "dataset": str(dataset),
        "started_at": started,
        "pipeline": ServicePipeline.name,
        "k": k,
        "command": "assistant " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["eval"] else "assistant eval",
        "settings_fingerprint": settings.fingerprint(),
        "prompt_hashes": prompt_hashes(PROMPTS_USED),
        "llm": settings.llm.backend,
        "qa": qa_metrics(results, k),
        "by_category": by_category(results, k),
    }
    if baseline:
        from assistant.baseline import LlamaIndexBaseline

        base = LlamaIndexBaseline(settings, service.registry.documents())
        base_results = run_qa(items, base, documents, k)
        run["baseline"] = {"name": base.name, "qa": qa_metrics(base_results, k),
                           "by_category": by_category(base_results, k)}
    if history_sample:
        run["history"] = history_report(service, items, k, history_sample)
    if drafts:
        from assistant.evaluate_drafts import evaluate_drafts, load_draft_items

        run["drafts"] = evaluate_drafts(load_draft_items(drafts), service.draft)
    write_outputs(run, results, out_dir)
    return run


def history_report(service: AssistantService, items: list[EvalItem], k: int, sample: int) -> dict[str, Any]:
    """Each of `sample` questions asked alone and after an unrelated turn: the share answered the same, and the
    ones whose answer the earlier turn changed."""
    from assistant.history_check import history_cases, invariance

    pipeline = ServicePipeline(service)
    cases = history_cases(items, lambda question, history: pipeline.answer(question, k, history), sample)
    return {"sample": len(cases), "invariance": invariance(cases),
            "changed": [vars(c) for c in cases if not c.same]}


def failed_items(results: list[ItemResult]) -> list[dict[str, Any]]:
    """The items that did not pass, as plain dicts (for the app's failure filter)."""
    return [json.loads(json.dumps(r.__dict__)) | {"passed": r.passed} for r in results if not r.passed]
