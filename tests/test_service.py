"""The service facade: empty questions refused, and every ask, draft, feedback, ingest and delete audited."""

from __future__ import annotations

import json

import pytest

from assistant.audit import audit_path, verify
from assistant.pii import luhn_check_digit
from assistant.service import AskRequest, AssistantService, ServiceError
from assistant.settings import Settings
from assistant.types import DraftRequest

pytestmark = pytest.mark.slow


def test_empty_question_is_a_service_error(corpus_settings: Settings) -> None:
    with pytest.raises(ServiceError, match="tom"):
        AssistantService(corpus_settings).ask(AskRequest(question="   "))


def test_audit_log_records_everything_without_personnummer(corpus_settings: Settings, tmp_path) -> None:  # noqa: ANN001
    settings = corpus_settings.model_copy(update={"data_dir": tmp_path / "data"})
    service = AssistantService(settings)
    pnr = f"19120304-123{luhn_check_digit('120304123')}"  # made up, valid check digit
    note = tmp_path / "notis.txt"
    note.write_text(f"Beslut om hemtjänst\n\nHemtjänsten för {pnr} utökas med tio timmar i veckan från mars.")
    report = service.ingest([note], user="handläggare")
    doc_id = report.outcomes[0].document_id
    answer = service.ask(AskRequest(question=f"Hur många timmar utökas hemtjänsten för {pnr}?", user="anna"))
    service.feedback(answer.question, "up", answer.citations, user="anna")
    assert doc_id is not None and service.delete(doc_id, user="handläggare")
    service.draft(DraftRequest(municipality="Lerum", body="Individnämnden", period="2024"), user="berit")
    path = audit_path(settings.data_dir)
    text = path.read_text(encoding="utf-8")
    assert pnr not in text and pnr[2:] not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["event"] for r in records] == ["ingest", "ask", "feedback", "delete", "draft"]
    ask = records[1]
    assert ask["user"] == "anna" and ask["refused"] == answer.refused
    assert ask["cited"] == [{"document": c.document, "start": c.start, "end": c.end} for c in answer.citations]
    assert records[4]["user"] == "berit" and records[4]["passed"] is True
    assert verify(path) == []
