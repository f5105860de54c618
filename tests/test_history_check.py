"""History invariance: a complete question gets the same answer after an unrelated turn; a follow-up leans on it."""

from __future__ import annotations

import pytest

from assistant.evalset import EvalItem, Source, load_items
from assistant.history_check import history_cases, invariance, unrelated
from assistant.service import AssistantService
from assistant.settings import Settings
from assistant.types import Answer, AskRequest
from tests.conftest import REPO


def item(i: int, document: str) -> EvalItem:
    return EvalItem(id=f"q{i}", question=f"Fråga {i} om {document}?", answer="svar", must_include=[],
                    sources=[Source(document=document, quote="citat")], category="fact_lookup")


def test_the_earlier_turn_comes_from_another_document() -> None:
    items = [item(0, "a.txt"), item(1, "a.txt"), item(2, "b.txt")]
    assert unrelated(items, 0).id == "q2" and unrelated(items, 2).id == "q0"


def test_an_answer_the_earlier_turn_changes_is_reported() -> None:
    items = [item(i, f"d{i}.txt") for i in range(4)]

    def ask(question: str, history: list[tuple[str, str]]) -> Answer:
        leaked = " (påverkad)" if history and question.startswith("Fråga 2") else ""
        return Answer(question=question, answer=f"Svar på {question}{leaked}", refused=False)

    cases = history_cases(items, ask, 4)
    assert [c.id for c in cases if not c.same] == ["q2"] and invariance(cases) == 0.75
    assert history_cases(items, ask, 0) == [] and invariance([]) is None


@pytest.mark.slow
def test_questions_after_an_unrelated_turn_are_answered_as_alone(corpus_settings: Settings) -> None:
    service = AssistantService(corpus_settings)

    def ask(question: str, history: list[tuple[str, str]]) -> Answer:
        return service.ask(AskRequest(question=question, history=history))

    items = [i for i in load_items(REPO / "evals" / "qa.jsonl") if i.sources]
    cases = history_cases(items, ask, 24)
    assert len(cases) == 24
    assert invariance(cases) == 1.0, [(c.question, c.previous, c.alone, c.after) for c in cases if not c.same]


@pytest.mark.slow
def test_a_real_follow_up_still_leans_on_the_previous_turn(corpus_settings: Settings) -> None:
    service = AssistantService(corpus_settings)
    first = "Hur stor var sjukfrånvaron i Alingsås vård- och omsorgsförvaltning 2024?"
    earlier = service.ask(AskRequest(question=first))
    alone = service.ask(AskRequest(question="Och 2023?"))
    after = service.ask(AskRequest(question="Och 2023?", history=[(first, earlier.answer)]))
    assert alone.refused and not after.refused
    assert any(c.document.startswith("alingsas") for c in after.citations)
