"""`assistant eval` end to end on the real pipeline: our dataset's format in a second file, baseline, drafts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings
from tests.conftest import REPO

pytestmark = pytest.mark.slow

SMALL = [
    {"id": "t1", "question": "Vilket värde hade Hemtjänstindex i Lerum 2023?", "answer": "66,9 (plats 147).",
     "must_include": ["66,9"], "category": "indicator_value",
     "sources": [{"document": "lerum-stod-och-omsorgsnamnden-verksamhetsplan-2024.txt",
                  "quote": "Hemtjänstindex - ett samlat mått på hemtjänstens kvalitet i Sveriges 290 kommuner."}]},
    {"id": "t2", "question": "Hur många arbetsskador anmäldes i Alingsås vård- och omsorgsförvaltning 2024?",
     "answer": "154.", "must_include": ["154"], "category": "indicator_value",
     "sources": [{"document": "alingsas-vard-och-omsorgsnamnden-verksamhetsberattelse-2024.txt",
                  "quote": "Arbetsskador 146 154 8"}]},
    {"id": "t3", "question": "Hur stor är socialnämndens budget i Borås stad 2024?", "answer": "Saknas.",
     "must_include": [], "sources": [], "category": "unanswerable"},
]


def test_eval_on_another_dataset_with_baseline_and_drafts(
    corpus_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = tmp_path / "annan.jsonl"
    dataset.write_text("\n".join(json.dumps(item, ensure_ascii=False) for item in SMALL) + "\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(corpus_settings.data_dir))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(REPO / "corpus"))
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "ut"
    result = CliRunner().invoke(app, ["eval", "--dataset", str(dataset), "--out", str(out), "--k", "5",
                                      "--baseline", "llamaindex-default",
                                      "--drafts", str(REPO / "evals" / "drafts.jsonl")])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    qa = metrics["qa"]
    assert qa["items"] == 3 and qa["answerable"] == 2 and qa["unanswerable"] == 1
    for key in ("answer_accuracy", "refusal_recall", "false_refusal_rate", "citation_recall", "citation_precision",
                "retrieval_recall_at_5", "mrr", "latency_ms"):
        assert key in qa
    assert qa["refusal_recall"] == 1.0  # Borås is not in the corpus
    assert set(metrics["by_category"]) == {"indicator_value", "unanswerable"}
    assert metrics["settings_fingerprint"] and len(metrics["prompt_hashes"]) >= 5
    assert metrics["baseline"]["name"] == "llamaindex-default"
    assert metrics["baseline"]["qa"]["refusal_recall"] == 0.0  # the plain pipeline never refuses
    assert metrics["drafts"]["draft_number_precision"] == 1.0
    report = (out / "report.md").read_text()
    assert "Baslinje: llamaindex-default" in report and "Vår pipeline" in report
    assert (out / "plot.png").read_bytes()[:4] == b"\x89PNG"
    assert len((out / "items.jsonl").read_text().splitlines()) == 3


@pytest.mark.parametrize("names", [["heldout.jsonl", "qa.jsonl", "drafts.jsonl"], ["a.jsonl", "qa.jsonl"]])
def test_eval_tab_offers_the_main_set_first(tmp_path: Path, names: list[str]) -> None:
    """The Utvärdering tab's default is the dropdown's first entry: the main set, whatever sorts before it."""
    from assistant.ui_eval import datasets

    for name in names:
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    offered = datasets(tmp_path)
    assert offered[0] == str(tmp_path / "qa.jsonl")
    assert sorted(offered) == sorted(str(tmp_path / n) for n in names if not n.startswith("draft"))


def test_the_repositorys_eval_tab_defaults_to_qa() -> None:
    from assistant.ui_eval import datasets

    assert datasets(REPO / "evals")[0] == str(REPO / "evals" / "qa.jsonl")
