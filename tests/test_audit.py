"""Audit log: sequence, masking, hash chain across rotation, tamper detection, concurrent writers."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from assistant.audit import GENESIS, AuditLog, audit_path, line_hash, log_files, read_records, verify
from assistant.settings import Settings
from assistant.types import Citation


def luhn(nine: str) -> int:
    """Check digit of a made-up number (double every other digit from the left, sum the digits)."""
    total = sum(d // 10 + d % 10 for d in (int(c) * (2 - i % 2) for i, c in enumerate(nine)))
    return -total % 10


# Synthetic, generated here: born 1912-03-04 and a coordination number for 2010-11-27.
PNR_DIGITS = "120304215" + str(luhn("120304215"))
PNR = f"{PNR_DIGITS[:6]}-{PNR_DIGITS[6:]}"
SAMNR_DIGITS = "101187487" + str(luhn("101187487"))
SAMNR = f"20{SAMNR_DIGITS}"


def lines_of(path: Path) -> list[str]:
    """The lines of every audit file, oldest first."""
    return [line for file in log_files(path) for line in file.read_text(encoding="utf-8").splitlines()]


def all_text(path: Path) -> str:
    """Everything written, across files."""
    return "".join(file.read_text(encoding="utf-8") for file in log_files(path))


def test_records_have_increasing_seq_and_a_chain(tmp_path: Path) -> None:
    path = audit_path(tmp_path)
    log = AuditLog(path, max_bytes=0, backups=0)
    log.record("login", "anna")
    log.record(
        "ask",
        "anna",
        question="Hur mycket kostar hemtjänsten?",
        refused=False,
        cited=[{"document": "d1", "start": 10, "end": 42}],
    )
    log.record("draft", "anna", municipality="Alingsås", body="Socialnämnden", period="2021", findings=3, passed=True)
    log.record("feedback", "bo", question="Hur mycket?", rating="up", cited=[], comment="Bra svar")
    log.record("ingest", "admin", documents=["a.pdf"], added=1)
    log.record("delete", "admin", document="d1")
    lines = lines_of(path)
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert [r["event"] for r in records] == ["login", "ask", "draft", "feedback", "ingest", "delete"]
    assert records[0]["prev"] == GENESIS
    for before, after in zip(lines, records[1:], strict=False):
        assert after["prev"] == line_hash(before.encode())
    assert all(r["ts"].endswith("Z") for r in records)
    assert records[1]["cited"] == [{"document": "d1", "start": 10, "end": 42}]
    assert verify(path) == []
    assert log.verify() == []
    assert [r["seq"] for r in read_records(path, limit=2)] == [6, 5]
    assert len(read_records(path, limit=None)) == 6


def test_citations_become_spans(tmp_path: Path) -> None:
    log = AuditLog(audit_path(tmp_path))
    citation = Citation(key="S1", document="doc", start=3, end=9, quote="citat")
    record = log.record("ask", "anna", question="Fråga?", refused=False, cited=[citation])
    assert record is not None and record["cited"] == [{"document": "doc", "start": 3, "end": 9}]


def test_personnummer_never_reach_the_file(tmp_path: Path) -> None:
    path = audit_path(tmp_path)
    log = AuditLog(path, mask="[pnr]")
    log.record("ask", f"user {PNR}", question=f"Vad gäller för {PNR} och {SAMNR}?", refused=True, cited=[])
    log.record(
        "feedback",
        "anna",
        question="x",
        rating="down",
        cited=[],
        comment=f"Mitt nummer är {PNR}",
        extra={"nested": [f"id {SAMNR}"]},
    )
    text = all_text(path)
    for secret in (PNR, PNR_DIGITS, SAMNR, SAMNR_DIGITS):
        assert secret not in text
    assert text.count("[pnr]") == 5
    assert verify(path) == []


def test_unknown_event_missing_fields_and_reserved_names_are_refused(tmp_path: Path) -> None:
    log = AuditLog(audit_path(tmp_path))
    with pytest.raises(ValueError):
        log.record("hack", "anna")
    with pytest.raises(ValueError):
        log.record("ask", "anna", question="x")
    with pytest.raises(ValueError):
        log.record("login", "anna", seq=99)
    with pytest.raises(ValueError):
        log.record("feedback", "anna", question="x", rating="meh", cited=[])
    assert not audit_path(tmp_path).exists()


def test_disabled_log_writes_nothing(tmp_path: Path) -> None:
    log = AuditLog(audit_path(tmp_path), enabled=False)
    assert log.record("login", "anna") is None
    assert not audit_path(tmp_path).parent.exists()


def test_rotation_keeps_the_chain_verifiable_across_files(tmp_path: Path) -> None:
    path = audit_path(tmp_path)
    log = AuditLog(path, max_bytes=1_000, backups=3)
    for i in range(12):
        log.record("ask", "anna", question=f"Fråga nummer {i} om budgeten?", refused=False, cited=[])
    files = log_files(path)
    assert [f.name for f in files] == ["audit.jsonl.3", "audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]
    assert all(f.stat().st_size <= 1_000 for f in files)
    records = [json.loads(line) for line in lines_of(path)]
    assert [r["seq"] for r in records] == list(range(records[0]["seq"], 13))
    assert verify(path) == []
    assert log.verify() == []
    assert read_records(path, limit=1)[0]["seq"] == 12

    many = AuditLog(tmp_path / "many" / "audit.jsonl", max_bytes=1_000, backups=2)
    for i in range(30):  # enough to drop the oldest files: the chain starts mid-way, which rotation allows
        many.record("login", f"user{i}")
    assert len(log_files(many.path)) == 3
    assert json.loads(lines_of(many.path)[0])["seq"] > 1
    assert many.verify() == []


def test_a_new_instance_continues_the_chain(tmp_path: Path) -> None:
    path = audit_path(tmp_path)
    AuditLog(path).record("login", "anna")
    AuditLog(path).record("login", "bo")
    assert [r["seq"] for r in read_records(path)] == [2, 1]
    assert verify(path) == []


def test_tampered_line_is_detected(tmp_path: Path) -> None:
    path = audit_path(tmp_path)
    log = AuditLog(path)
    for user in ("anna", "bo", "cecilia", "david"):
        log.record("ask", user, question="Hur stor är nettokostnaden?", refused=False, cited=[])
    original = path.read_text(encoding="utf-8")

    path.write_text(original.replace('"bo"', '"eva"'), encoding="utf-8")  # edited without fixing hashes
    problems = verify(path)
    assert any("rad 2" in p and "ändrad" in p for p in problems)
    assert any("rad 3" in p and "kedjan bruten" in p for p in problems)

    path.write_text(original.replace('"david"', '"erik"'), encoding="utf-8")  # the last line too
    assert any("rad 4" in p for p in verify(path))

    lines = original.splitlines(keepends=True)
    path.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")  # a deleted line
    problems = verify(path)
    assert any("kedjan bruten" in p for p in problems) and any("löpnummer" in p for p in problems)

    path.write_text("".join(lines[1:]), encoding="utf-8")  # the first line deleted, no rotation
    assert verify(path) == []  # cannot be told from rotation without knowing the backups …
    assert log.verify() != []  # … but the log knows no backup exists yet

    path.write_text(original + '{"seq": 5', encoding="utf-8")  # a half-written line
    assert any("ofullständig" in p for p in verify(path))


def test_a_deleted_backup_file_is_detected(tmp_path: Path) -> None:
    path = audit_path(tmp_path)
    log = AuditLog(path, max_bytes=600, backups=5)
    for i in range(12):
        log.record("login", f"user{i}")
    assert len(log_files(path)) >= 4
    path.with_name("audit.jsonl.2").unlink()
    problems = verify(path)
    assert any("audit.jsonl.2 saknas" in p for p in problems)
    assert any("kedjan bruten" in p for p in problems)


def test_concurrent_writers_from_eight_threads(tmp_path: Path) -> None:
    path = audit_path(tmp_path)
    log = AuditLog(path, max_bytes=8_000, backups=100)
    other = AuditLog(path, max_bytes=8_000, backups=100)  # a second instance on the same file, e.g. CLI and app
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            barrier.wait()
            target = log if worker % 2 else other
            for i in range(50):
                target.record("ask", f"user{worker}", question=f"fråga {worker}-{i}", refused=False, cited=[])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    records = [json.loads(line) for line in lines_of(path)]
    assert [r["seq"] for r in records] == list(range(1, 401))
    assert {r["question"] for r in records} == {f"fråga {w}-{i}" for w in range(8) for i in range(50)}
    assert len(log_files(path)) > 1
    assert verify(path) == []
    assert log.verify() == []


def test_from_settings(settings: Settings) -> None:
    log = AuditLog.from_settings(settings)
    assert log.path == settings.data_dir / "audit" / "audit.jsonl"
    assert log.max_bytes == settings.audit.max_bytes and log.backups == settings.audit.backups
    assert log.mask == settings.privacy.mask_text
