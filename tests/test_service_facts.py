"""The service's fact review: listing by document, status and table within the reader's roles; approve, correct,
reject and reset one fact or a whole table, each audited; Swedish errors for what cannot be done."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.audit import audit_path, read_records
from assistant.service import AssistantService, NotFoundError, ServiceError
from tests.factdata import KULTUR, SECRET, fact_data_dir, fact_named

PUBLIC = ("public",)


@pytest.fixture
def service(tmp_path: Path) -> AssistantService:
    return AssistantService(fact_data_dir(tmp_path))


def test_facts_of_every_readable_document_with_their_review_status(service: AssistantService) -> None:
    every = service.facts()
    assert {f.document for f in every} == {KULTUR, SECRET}
    assert {f.review for f in every} == {"extracted"}
    public = service.facts(roles=PUBLIC)
    assert {f.document for f in public} == {KULTUR} and len(public) == 6
    simhall = fact_named(public, "Besök i simhallen", "Utfall 2025")
    assert (simhall.period, simhall.kind, simhall.value) == ("2025", "utfall", "95 000")
    assert service.facts(roles=("admin",)) == every  # admin sees all


def test_facts_filtered_by_document_status_and_table(service: AssistantService) -> None:
    kultur = service.facts(document=KULTUR)
    entry = service.registry.by_name(KULTUR)
    assert entry is not None and service.facts(document=entry.id) == kultur  # a name or an id
    assert service.facts(review="reviewed") == []
    table_id = kultur[0].table_id
    assert table_id and service.facts(table_id=table_id) == kultur
    with pytest.raises(ServiceError, match="Okänd granskningsstatus ”klar”"):
        service.facts(review="klar")
    with pytest.raises(NotFoundError, match="finns inte"):
        service.facts(document="finns-inte.txt")
    with pytest.raises(NotFoundError, match="finns inte"):  # the same answer for one the roles may not read
        service.facts(document=SECRET, roles=PUBLIC)


def test_fact_tables_give_each_cell_its_fact(service: AssistantService) -> None:
    (shown,) = service.fact_tables(KULTUR)
    assert [c.header for c in shown.table.columns] == ["Utfall 2024", "Budget 2025", "Utfall 2025"]
    row = shown.table.rows[0]
    assert row.label == "Besök i simhallen"
    facts = [shown.fact_at(cell) for cell in row.cells]
    assert [f.value if f else None for f in facts] == ["88 120", "91 300", "95 000"]
    assert shown.counts()["extracted"] == 6


def test_approve_correct_reject_and_reset_are_stored_and_audited(service: AssistantService) -> None:
    facts = service.facts(document=KULTUR)
    approved = fact_named(facts, "Besök i simhallen", "Utfall 2025")
    corrected = fact_named(facts, "Utlånade böcker", "Utfall 2025")
    rejected = fact_named(facts, "Utlånade böcker", "Budget 2025")
    (after,) = service.review_facts([approved.id], action="approve", user="gun")
    assert (after.review, after.reviewer) == ("reviewed", "gun")
    (after,) = service.review_facts([corrected.id], action="correct", user="gun", value=" 39 900 ")
    assert (after.review, after.value, after.original_value) == ("corrected", "39 900", "39 800")
    service.review_facts([rejected.id], action="reject", user="gun")
    by_status = {s: [f.id for f in service.facts(review=s)] for s in ("reviewed", "corrected", "rejected")}
    assert by_status == {"reviewed": [approved.id], "corrected": [corrected.id], "rejected": [rejected.id]}
    (reset,) = service.review_facts([corrected.id], action="reset", user="gun")
    assert (reset.review, reset.value, reset.original_value) == ("extracted", "39 800", "")

    records = [r for r in read_records(audit_path(service.settings.data_dir)) if r["event"] == "fact_review"]
    assert [r["action"] for r in records] == ["reset", "reject", "correct", "approve"]  # newest first
    correction = records[2]
    assert correction["user"] == "gun" and correction["ids"] == [corrected.id]
    assert correction["changes"] == [{"id": corrected.id, "document": KULTUR, "old": "39 800",
                                      "old_review": "extracted", "new": "39 900", "new_review": "corrected"}]


def test_a_whole_table_is_approved_except_facts_already_decided(service: AssistantService) -> None:
    facts = service.facts(document=KULTUR)
    rejected = fact_named(facts, "Utlånade böcker", "Budget 2025")
    service.review_facts([rejected.id], action="reject", user="gun")
    changed = service.review_facts(table_id=facts[0].table_id, action="approve", user="gun", roles=PUBLIC)
    assert len(changed) == 5 and {f.review for f in changed} == {"reviewed"}
    assert [f.id for f in service.facts(review="rejected")] == [rejected.id]  # the rejection stands
    assert service.review_facts(table_id=facts[0].table_id, action="approve", user="gun") == []  # nothing left
    assert len(service.review_facts(table_id=facts[0].table_id, action="reset", user="gun")) == 6


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"ids": ["x"], "action": "godkänn"}, "Okänd granskningsåtgärd ”godkänn”"),
    ({"ids": ["x"], "action": "correct"}, "Ange det rättade värdet"),
    ({"ids": ["x"], "action": "correct", "value": "   "}, "Ange det rättade värdet"),
    ({"ids": ["x"], "action": "approve", "value": "12"}, "bara när ett faktum rättas"),
    ({"action": "approve"}, "Ange antingen"),
    ({"ids": ["x"], "table_id": "t", "action": "approve"}, "Ange antingen"),
    ({"table_id": "TABLE", "action": "correct", "value": "1"}, "rätta ett faktum i taget"),
])
def test_bad_review_requests_get_swedish_messages(service: AssistantService, kwargs: dict[str, object],
                                                  message: str) -> None:
    if kwargs.get("table_id") == "TABLE":
        kwargs = {**kwargs, "table_id": service.facts()[0].table_id}
    with pytest.raises(ServiceError, match=message):
        service.review_facts(user="gun", **kwargs)  # type: ignore[arg-type]


def test_unknown_or_unreadable_facts_and_tables_are_not_found(service: AssistantService) -> None:
    secret = service.facts(document=SECRET)[0]
    known = service.facts(document=KULTUR)[0]
    with pytest.raises(NotFoundError, match="inga fakta med id nej"):
        service.review_facts([known.id, "nej"], action="approve", user="gun")
    assert service.facts(review="reviewed") == []  # nothing was changed when one id was unknown
    with pytest.raises(NotFoundError, match=secret.id):
        service.review_facts([secret.id], action="approve", user="pia", roles=PUBLIC)
    with pytest.raises(NotFoundError, match="Tabellen"):
        service.review_facts(table_id=secret.table_id, action="approve", user="pia", roles=PUBLIC)
    with pytest.raises(NotFoundError, match="Tabellen"):
        service.review_facts(table_id="saknas", action="approve", user="gun")


def test_an_empty_data_directory_has_no_facts(tmp_path: Path) -> None:
    from assistant.settings import Settings

    service = AssistantService(Settings(data_dir=tmp_path / "tom", corpus_dir=tmp_path / "ingen"))
    assert service.facts() == [] and service.facts(review="reviewed") == []
    with pytest.raises(NotFoundError):
        service.review_facts(["abc"], action="approve", user="gun")
