"""facts check: every reviewed fact still stands at its span, and the extractor never contradicts one."""

from __future__ import annotations

from pathlib import Path

from assistant.facts import corpus_documents, extract_documents, read_facts_csv
from assistant.facts.check import check_reviewed
from assistant.ingest import read_document
from assistant.types import DocumentMeta

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
META = DocumentMeta(title="Uppföljning 2025", municipality="Testby kommun", body="Kulturnämnden", kind="report",
                    period="2025")


def test_the_committed_reviewed_facts_hold_against_the_corpus() -> None:
    documents = corpus_documents(CORPUS)
    reviewed = read_facts_csv(CORPUS / "indicators.csv")
    assert len(reviewed) > 800
    assert check_reviewed(reviewed, documents, extract_documents(documents).facts) == []


def test_a_moved_value_and_a_contradicting_extraction_are_problems(tmp_path: Path) -> None:
    path = tmp_path / "kultur.txt"
    path.write_text("Nyckeltal\nIndikator\tUtfall 2024\tBudget 2025\nBesök\t88 120\t91 300\n", encoding="utf-8")
    document = read_document(path, META)
    extracted = extract_documents([document]).facts
    good = [f.model_copy(update={"review": "reviewed"}) for f in extracted]
    assert check_reviewed(good, [document], extracted) == []
    moved = good[0].model_copy(update={"start": good[0].start + 1, "end": good[0].end + 1})
    assert "står inte längre" in check_reviewed([moved], [document], extracted)[0].reason
    other_kind = good[1].model_copy(update={"kind": "prognos"})
    assert "slaget 'budget' i stället för 'prognos'" in check_reviewed([other_kind], [document], extracted)[0].reason
    corrected = good[0].model_copy(update={"review": "corrected", "value": "88 200", "original_value": "88 120"})
    assert check_reviewed([corrected], [document], extracted) == []  # stands on what the document says
    rejected = moved.model_copy(update={"review": "rejected"})
    assert check_reviewed([rejected], [document], extracted) == []
    assert "finns inte" in check_reviewed(good[:1], [], extracted)[0].reason
