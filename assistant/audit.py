"""Append-only, hash-chained audit log (JSON Lines) of questions, drafts, feedback, ingestion and logins."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant.pii import DEFAULT_MASK, mask_personnummer

if TYPE_CHECKING:
    from assistant.settings import Settings

try:  # POSIX: also exclude other processes (the CLI and the app may write at the same time)
    import fcntl
except ImportError:  # pragma: no cover - Windows keeps the in-process lock only
    fcntl = None  # type: ignore[assignment]

AUDIT_DIR = "audit"
AUDIT_FILE = "audit.jsonl"
GENESIS = "0" * 64
RESERVED = ("seq", "ts", "event", "user", "prev", "hash")
# Fields each event must carry; more may be given.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "ask": ("question", "refused", "cited"),
    "search": ("question", "hits"),
    "draft": ("municipality", "body", "period", "findings", "passed"),
    "feedback": ("question", "rating", "cited"),
    "ingest": (),
    "delete": (),
    "login": (),
    "fact_review": ("action", "ids"),
}
RATINGS = ("up", "down")


def audit_path(data_dir: Path) -> Path:
    """Where the current audit file lives under the data directory."""
    return Path(data_dir) / AUDIT_DIR / AUDIT_FILE


def line_hash(line: bytes) -> str:
    """The sha256 of one log line as written, without its newline; the next record's `prev`."""
    return hashlib.sha256(line).hexdigest()


def spans(citations: Iterable[Any]) -> list[dict[str, Any]]:
    """Cited spans as [{document, start, end}] from Citation objects or mappings."""
    result = []
    for item in citations:
        values = item if isinstance(item, dict) else {key: getattr(item, key) for key in ("document", "start", "end")}
        result.append({"document": str(values["document"]), "start": int(values["start"]), "end": int(values["end"])})
    return result


def _clean(value: Any, mask: str) -> Any:
    """A JSON-ready copy of a value with every personnummer in every string masked."""
    if isinstance(value, str):
        return mask_personnummer(value, mask)[0]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(key): _clean(item, mask) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item, mask) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((_clean(item, mask) for item in value), key=str)
    if isinstance(value, BaseModel):
        return _clean(value.model_dump(mode="json"), mask)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _clean(dataclasses.asdict(value), mask)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return mask_personnummer(str(value), mask)[0]


def _encode(record: dict[str, Any]) -> bytes:
    """One log line (no newline): the record, then its own hash over everything before it."""
    body = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    digest = hashlib.sha256(body).hexdigest()
    return body[:-1] + b',"hash":"' + digest.encode() + b'"}'


def _self_hash_ok(line: bytes, record: dict[str, Any]) -> bool:
    """Whether a line's `hash` field matches the line with that field removed."""
    digest = record.get("hash")
    if not isinstance(digest, str):
        return False
    suffix = b',"hash":"' + digest.encode() + b'"}'
    return line.endswith(suffix) and hashlib.sha256(line[: -len(suffix)] + b"}").hexdigest() == digest


def log_files(path: Path) -> list[Path]:
    """The audit file and its rotated backups that exist, oldest first (… .2, .1, current)."""
    path = Path(path)
    numbered = []
    if path.parent.is_dir():
        for candidate in path.parent.glob(path.name + ".*"):
            suffix = candidate.name[len(path.name) + 1 :]
            if suffix.isdigit():
                numbered.append((int(suffix), candidate))
    files = [candidate for _, candidate in sorted(numbered, reverse=True)]
    if path.is_file():
        files.append(path)
    return files


def _lines(file: Path) -> tuple[list[bytes], bool]:
    """A file's lines without newlines, and whether the file ends with a newline (a complete last line)."""
    data = file.read_bytes()
    if not data:
        return [], True
    complete = data.endswith(b"\n")
    return (data[:-1] if complete else data).split(b"\n"), complete


def _parse(line: bytes) -> dict[str, Any] | None:
    """A line as a record, or None if it is not a JSON object."""
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def verify(path: Path, backups: int | None = None) -> list[str]:
    """Problems in the chain (edited, removed or reordered lines, gaps, missing files); empty means intact.

    With `backups` given, a chain that does not start at record 1 is a problem unless rotation may have dropped
    the oldest file (all backups exist); without it, that start cannot be told apart from rotation.
    """
    path = Path(path)
    problems: list[str] = []
    files = log_files(path)
    numbers = sorted(int(f.name.rsplit(".", 1)[1]) for f in files if f != path)
    for gap in sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers)):
        problems.append(f"{path.name}.{gap} saknas (en roterad fil är borttagen)")
    prev: str | None = None
    seq: int | None = None
    for file in files:
        lines, complete = _lines(file)
        if not complete:
            problems.append(f"{file.name}: sista raden är ofullständig (saknar radslut)")
        for number, line in enumerate(lines, start=1):
            where = f"{file.name} rad {number}"
            record = _parse(line)
            if record is None:
                problems.append(f"{where}: inte en giltig JSON-post")
            else:
                if not _self_hash_ok(line, record):
                    problems.append(f"{where}: postens hash stämmer inte (raden är ändrad)")
                if prev is None:
                    if record.get("seq") == 1 and record.get("prev") != GENESIS:
                        problems.append(f"{where}: första posten pekar inte på kedjans början")
                    elif record.get("seq") != 1 and backups is not None and len(numbers) < backups:
                        problems.append(f"{where}: kedjan börjar på post {record.get('seq')}, tidigare poster saknas")
                elif record.get("prev") != prev:
                    problems.append(f"{where}: kedjan bruten (prev stämmer inte med föregående rad)")
                if seq is not None and record.get("seq") != seq + 1:
                    problems.append(f"{where}: löpnummer {record.get('seq')} följer inte på {seq}")
                seq = record.get("seq") if isinstance(record.get("seq"), int) else None
            prev = line_hash(line)
    return problems


def read_records(path: Path, limit: int | None = 100) -> list[dict[str, Any]]:
    """The newest records across the audit file and its backups, newest first; unreadable lines are skipped."""
    records: list[dict[str, Any]] = []
    for file in reversed(log_files(Path(path))):
        for line in reversed(_lines(file)[0]):
            record = _parse(line)
            if record is not None:
                records.append(record)
                if limit is not None and len(records) >= limit:
                    return records
    return records


class AuditLog:
    """Appends hash-chained records to `<data_dir>/audit/audit.jsonl`, rotating it at `max_bytes`."""

    def __init__(
        self,
        path: Path,
        max_bytes: int = 10_000_000,
        backups: int = 10,
        *,
        mask: str = DEFAULT_MASK,
        enabled: bool = True,
    ) -> None:
        """A log at `path`; nothing is read or written until the first record."""
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backups = backups
        self.mask = mask
        self.enabled = enabled
        self._lock = threading.Lock()
        self._seq = 0
        self._prev = GENESIS
        self._newline_needed = False
        self._seen: tuple[int, int] | None = None  # (inode, size) of the file after our last write

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditLog:
        """The audit log the settings describe."""
        return cls(
            audit_path(settings.data_dir),
            settings.audit.max_bytes,
            settings.audit.backups,
            mask=settings.privacy.mask_text,
            enabled=settings.audit.enabled,
        )

    def record(self, event: str, user: str, **fields: Any) -> dict[str, Any] | None:
        """Append one event and return the record as written (None when the log is turned off)."""
        if event not in EVENT_FIELDS:
            raise ValueError(f"unknown audit event {event!r}; expected one of {sorted(EVENT_FIELDS)}")
        missing = [name for name in EVENT_FIELDS[event] if name not in fields]
        if missing:
            raise ValueError(f"audit event {event!r} lacks {missing}")
        clash = [name for name in fields if name in RESERVED]
        if clash:
            raise ValueError(f"audit fields {clash} are reserved")
        if event == "feedback" and fields["rating"] not in RATINGS:
            raise ValueError(f"feedback rating must be one of {RATINGS}, not {fields['rating']!r}")
        if "cited" in fields:
            fields["cited"] = spans(fields["cited"])
        if not self.enabled:
            return None
        cleaned = _clean(fields, self.mask)
        with self._lock, self._file_lock():
            self._sync_tail()
            record = {
                "seq": self._seq + 1,
                "ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "event": event,
                "user": _clean(user, self.mask),
                **cleaned,
                "prev": self._prev,
            }
            line = _encode(record)
            self._append(line)
            self._seq += 1
            self._prev = line_hash(line)
        return _parse(line)

    def verify(self) -> list[str]:
        """Problems in this log's chain, knowing how many backups rotation keeps."""
        return verify(self.path, max(self.backups, 1))

    def read(self, limit: int | None = 100) -> list[dict[str, Any]]:
        """The newest records, newest first."""
        return read_records(self.path, limit)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Exclusive access across processes (POSIX flock on a side file); a no-op elsewhere."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if fcntl is None:  # pragma: no cover
            yield
            return
        fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _sync_tail(self) -> None:
        """Reload the last sequence number and line hash if the file changed since our own last write."""
        try:
            stat = self.path.stat()
            seen: tuple[int, int] | None = (stat.st_ino, stat.st_size)
        except FileNotFoundError:
            seen = None
        if seen is not None and seen == self._seen:
            return
        self._seq, self._prev, self._newline_needed = 0, GENESIS, False
        found_tail = False
        for file in reversed(log_files(self.path)):
            lines, complete = _lines(file)
            if not lines:
                continue
            if not found_tail:  # the chain continues from the very last line, damaged or not
                self._prev = line_hash(lines[-1])
                self._newline_needed = file == self.path and not complete
                found_tail = True
            for line in reversed(lines):  # the number comes from the last line that is a good record
                record = _parse(line)
                if record is not None and isinstance(record.get("seq"), int):
                    self._seq = record["seq"]
                    break
            else:
                continue
            break
        self._seen = seen

    def _append(self, line: bytes) -> None:
        """Rotate if needed, then append the line with one write, flushed and fsynced."""
        data = (b"\n" if self._newline_needed else b"") + line + b"\n"
        size = self._seen[1] if self._seen else 0
        if self.max_bytes > 0 and self.backups > 0 and size > 0 and size + len(data) > self.max_bytes:
            self._rotate()
            data = line + b"\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with open(fd, "ab", buffering=0) as handle:
            written = handle.write(data)
            if written != len(data):
                raise OSError(f"short write to {self.path}: {written} of {len(data)} bytes")
            os.fsync(handle.fileno())
            stat = os.fstat(handle.fileno())
        self._seen = (stat.st_ino, stat.st_size)
        self._newline_needed = False

    def _rotate(self) -> None:
        """audit.jsonl → .1 → .2 … → .N; the oldest beyond `backups` is dropped."""
        for number in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{number}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{number + 1}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        self._seen = None
        if hasattr(os, "O_DIRECTORY"):  # make the renames durable too
            dir_fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
