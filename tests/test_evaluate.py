"""The eval harness counts right: a fake pipeline with known outcomes, every metric checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evalset import EvalItem, Source
from assistant.evaluate import GoldSpan, by_category, contains_all, covers, normalize_for_match, qa_metrics, run_qa
from assistant.report import write_outputs
from assistant.types import Answer, Citation

DOCS = {
    "a.txt": "Inledning om nämnden.\nHemtjänstindex 2023 var 66,9 (plats 147) i kommunen.\nBudgeten är 1 081,7 tkr.",
    "b.txt": "Sjukfrånvaron var 10,5% i augusti 2021.\nPersonalomsättningen bland chefer var 4.",
}


def cite(doc: str, needle: str, key: str = "K1") -> Citation:
    start = DOCS[doc].index(needle)
    return Citation(key=key, document=doc, start=start, end=start + len(needle), quote=needle)


def item(id_: str, category: str, must: list[str], sources: list[tuple[str, str]]) -> EvalItem:
    return EvalItem(id=id_, question=f"fråga {id_}", answer="svar", must_include=must, category=category,  # type: ignore[arg-type]
                    sources=[Source(document=d, quote=q) for d, q in sources])


ITEMS = [
    item("q1", "indicator_value", ["66,9"], [("a.txt", "Hemtjänstindex 2023 var 66,9 (plats 147)")]),
    item("q2", "budget_figure", ["1081,7"], [("a.txt", "Budgeten är 1 081,7 tkr.")]),
    item("q3", "indicator_value", ["10,5"], [("b.txt", "Sjukfrånvaron var 10,5% i augusti 2021.")]),
    item("q4", "fact_lookup", ["4"], [("b.txt", "Personalomsättningen bland chefer var 4.")]),
    item("q5", "unanswerable", [], []),
    item("q6", "unanswerable", [], []),
]


class FakePipeline:
    """Known outcomes: q1 right with a good citation plus a wrong one; q2 right (thousands separator);
    q3 wrong figure but right citation; q4 refused; q5 refused (good); q6 answered (bad)."""

    name = "fake"

    def __init__(self) -> None:
        self.answers = {
            "fråga q1": Answer(question="q1", answer="Indexet var 66,9.", refused=False,
                               citations=[cite("a.txt", "66,9 (plats 147)"), cite("b.txt", "chefer var 4", "K2")]),
            "fråga q2": Answer(question="q2", answer="Budgeten är 1 081.7 tkr.", refused=False,
                               citations=[cite("a.txt", "1 081,7 tkr")]),
            "fråga q3": Answer(question="q3", answer="Sjukfrånvaron var 9,4 %.", refused=False,
                               citations=[cite("b.txt", "10,5%")]),
            "fråga q4": Answer(question="q4", answer="Underlaget innehåller inget svar på frågan.", refused=True),
            "fråga q5": Answer(question="q5", answer="Underlaget innehåller inget svar på frågan.", refused=True),
            "fråga q6": Answer(question="q6", answer="Det var 12.", refused=False,
                               citations=[cite("a.txt", "Inledning")]),
        }
        self.retrieved = {
            "fråga q1": [cite("a.txt", "Hemtjänstindex 2023")],  # rank 1
            "fråga q2": [cite("b.txt", "Sjukfrånvaron"), cite("a.txt", "Budgeten")],  # rank 2
            "fråga q3": [cite("a.txt", "Inledning")],  # miss
            "fråga q4": [cite("a.txt", "Inledning"), cite("a.txt", "nämnden"), cite("b.txt", "bland chefer var 4")],
            "fråga q5": [], "fråga q6": [],
        }

    def answer(self, question: str, k: int) -> Answer:
        return self.answers[question]

    def retrieve(self, question: str, k: int) -> list[Citation]:
        return self.retrieved[question][:k]


def test_metrics_count_exactly() -> None:
    results = run_qa(ITEMS, FakePipeline(), DOCS, k=5)
    m = qa_metrics(results, k=5)
    assert m["answerable"] == 4 and m["unanswerable"] == 2
    assert m["answer_accuracy"] == 0.5  # q1, q2
    assert m["false_refusal_rate"] == 0.25  # q4
    assert m["refusal_recall"] == 0.5  # q5 of q5, q6
    assert m["citation_recall"] == 0.75  # q1, q2, q3
    assert m["citation_precision"] == 0.75  # 3 covering of 4 citations (q1's K2 covers nothing of q1)
    assert m["retrieval_recall_at_5"] == 0.75  # q1, q2, q4
    assert m["mrr"] == round((1 + 1 / 2 + 1 / 3) / 4, 4)
    assert m["passed"] == round(3 / 6, 4)  # q1, q2, q5
    assert set(m["latency_ms"]) >= {"retrieve", "answer"}


def test_recall_depends_on_k() -> None:
    m = qa_metrics(run_qa(ITEMS, FakePipeline(), DOCS, k=2), k=2)
    assert m["retrieval_recall_at_2"] == 0.5  # q4's hit was at rank 3


@pytest.mark.parametrize(
    ("answer", "must", "ok"),
    [("Budgeten är 1 081,7 tkr", ["1081,7"], True), ("Budgeten är 1081.7 tkr", ["1 081,7"], True),
     ("värdet 66,9\u00a0(plats 147)", ["66,9 (plats 147)"], True), ("ALINGSÅS kommun", ["Alingsås"], True),
     ("värdet 66,8", ["66,9"], False), ("1 081", ["1081,7"], False)],
)
def test_must_include_matching(answer: str, must: list[str], ok: bool) -> None:
    assert contains_all(answer, must) is ok


def test_normalization() -> None:
    assert normalize_for_match("  1 081,7\u00a0TKR ") == "1081,7 tkr"
    assert normalize_for_match("4 793 tkr och 12 3") == "4793 tkr och 12 3"


def test_cover_by_word_share_when_span_unknown() -> None:
    gold = GoldSpan("a.txt", "Hemtjänstindex 2023 var 66,9 (plats 147)", None)
    good = Citation(key="K1", document="a.txt", start=0, end=1, quote="Hemtjänstindex 2023 var 66,9 i kommunen")
    other_doc = good.model_copy(update={"document": "b.txt"})
    assert covers(good, gold) and not covers(other_doc, gold)


def test_outputs_written(tmp_path: Path) -> None:
    results = run_qa(ITEMS, FakePipeline(), DOCS, k=5)
    run = {"dataset": "test", "started_at": "nu", "pipeline": "fake", "k": 5, "settings_fingerprint": "x",
           "command": "assistant eval", "qa": qa_metrics(results, 5), "by_category": {},
           "prompt_hashes": {"a": "b" * 64}}
    run["by_category"] = by_category(results, 5)
    paths = write_outputs(run, results, tmp_path)
    assert json.loads(paths["metrics.json"].read_text())["qa"]["answer_accuracy"] == 0.5
    report = paths["report.md"].read_text()
    assert "Svarsträffsäkerhet" in report and "q6" in report and "vägrade inte" in report
    assert paths["plot.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(paths["items.jsonl"].read_text().splitlines()) == 6
