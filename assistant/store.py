"""The document registry and cleaned documents: files under the data directory, written atomically, or the shared
relational store when app servers share one state (see assistant.shared)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.filelock import flocked
from assistant.lru import Lru
from assistant.types import DocumentMeta, SourceDocument

if TYPE_CHECKING:
    from assistant.settings import Settings
    from assistant.shared import SharedRegistry

REGISTRY_VERSION = 1
# A document cache over the shared registry asks for its counter at most this often (an answer looks up documents
# dozens of times; a change made on another server is seen within this, far inside the 5 s the issue allows).
SHARED_LOOK_S = 0.5


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def private_dir(path: Path) -> Path:
    """A folder only this user may enter (0700), created if needed: uploads and documents hold personal data."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Make a file readable and writable by this user only (0600)."""
    os.chmod(path, 0o600)
    return path


class ReadWriteLock:
    """Many readers or one writer, across processes (flock) and threads; a nested hold in a thread is free.

    One object per lock file in a process (see for_path), so that every thread's hold is known to the others.
    """

    _by_path: dict[Path, ReadWriteLock] = {}
    _by_path_lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    @classmethod
    def for_path(cls, path: Path) -> ReadWriteLock:
        """The process's one lock object for this file."""
        key = path.absolute()
        with cls._by_path_lock:
            if key not in cls._by_path:
                cls._by_path[key] = cls(key)
            return cls._by_path[key]

    @contextlib.contextmanager
    def hold(self, exclusive: bool = False) -> Iterator[None]:
        """Hold the lock shared (to read) or exclusive (to write) until the block ends."""
        held = getattr(self._local, "mode", None)
        if held is not None:  # this thread holds it already: the outer hold covers the inner one
            if exclusive and held != "exclusive":
                raise RuntimeError(f"{self.path}: a shared hold cannot become exclusive (deadlock)")
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        # One open file per hold, so flock tells threads apart. The turnstile gives a waiting writer its turn:
        # it holds the turnstile while it waits, so new readers queue behind it instead of starving it.
        with open(self.path, "a+b") as handle, open(self.path.with_name(self.path.name + ".turn"), "a+b") as turn:
            fcntl.flock(turn, mode)
            try:
                fcntl.flock(handle, mode)
            finally:
                fcntl.flock(turn, fcntl.LOCK_UN)
            self._local.mode = "exclusive" if exclusive else "shared"
            try:
                yield
            finally:
                self._local.mode = None
                fcntl.flock(handle, fcntl.LOCK_UN)


class RegistryEntry(BaseModel):
    """What the registry knows about one ingested file."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    sha256: str
    meta: DocumentMeta
    status: Literal["indexed", "duplicate"]
    duplicate_of: str | None = None
    similarity: float | None = None
    quality: float = 0.0
    chars: int = 0
    sections: int = 0
    pages: int = 0
    signature: list[int] = Field(default_factory=list, repr=False)
    reader: str = Field("", description="The reader version the file was read with (see ingest.reader_version).")
    added_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


class Registry:
    """The list of documents the index holds; the commit point of every ingestion step.

    With a database URL (a PostgreSQL server that app servers share) the entries and cleaned documents live
    there, so that every app server sees one list; otherwise in registry.json and documents/ under data_dir.
    """

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.path = data_dir / "registry.json"
        self.documents_dir = data_dir / "documents"
        self.shared: SharedRegistry | None = None
        if database_url:
            from assistant.shared import SharedRegistry

            self.shared = SharedRegistry(database_url)
        self.entries: dict[str, RegistryEntry] = {}
        self.version: int | None = None  # the shared counter the entries were read at
        self.reload()

    @classmethod
    def of(cls, settings: Settings) -> Registry:
        """The registry these settings name: in the database when database_url is set, else in data_dir."""
        return cls(settings.data_dir, settings.database_url)

    def stamp(self) -> int | None:
        """Changes whenever the entries change (another process's ingestion included): the shared counter, or the
        registry file's modification time."""
        if self.shared is not None:
            return self.shared.counter()
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def reload(self) -> None:
        """Read the registry (an absent file is an empty registry)."""
        if self.shared is not None:
            self.version, raw = self.shared.entries()
            self.entries = {k: RegistryEntry.model_validate(v) for k, v in raw.items()}
            return
        if not self.path.is_file():
            self.entries = {}
            return
        data = json.loads(self.path.read_text(encoding="utf-8"))
        self.entries = {k: RegistryEntry.model_validate(v) for k, v in data.get("documents", {}).items()}

    def save(self) -> None:
        """Write the registry atomically (one transaction when shared)."""
        if self.shared is not None:
            self.version = self.shared.save_entries({k: v.model_dump(mode="json") for k, v in self.entries.items()})
            return
        payload = {
            "version": REGISTRY_VERSION,
            "documents": {k: v.model_dump(mode="json") for k, v in sorted(self.entries.items())},
        }
        atomic_write_text(self.path, json.dumps(payload, ensure_ascii=False, indent=1))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the ingestion lock (one writer at a time, across processes, and across servers when shared)."""
        with self._writer_lock(wait=True):
            yield

    @contextlib.contextmanager
    def try_lock(self) -> Iterator[bool]:
        """The ingestion lock if it is free (True, entries re-read), else False at once; held until the block ends."""
        with self._writer_lock(wait=False) as held:
            yield held

    @contextlib.contextmanager
    def _writer_lock(self, wait: bool) -> Iterator[bool]:
        if not self.data_dir.is_dir():
            private_dir(self.data_dir)  # a new data directory is the service user's alone
        held_lock = (self.shared.writer_lock(wait) if self.shared is not None
                     else flocked(self.data_dir / "ingest.lock", wait))
        with held_lock as held:
            if held:
                self.reload()
            yield held

    def indexed(self) -> list[RegistryEntry]:
        """Primary documents, the ones that are searchable."""
        return [e for e in self.entries.values() if e.status == "indexed"]

    def by_name(self, name: str) -> RegistryEntry | None:
        """The entry for a file name, if any."""
        return next((e for e in self.entries.values() if e.name == name), None)

    def document_path(self, doc_id: str) -> Path:
        """Where the cleaned document is stored."""
        return self.documents_dir / f"{doc_id}.json"

    def save_document(self, document: SourceDocument) -> None:
        """Store a cleaned document (0600, mkstemp's mode, in a 0700 folder; or a row of the shared store)."""
        if self.shared is not None:
            self.shared.save_document(document.id, document.model_dump_json())
            return
        private_dir(self.documents_dir)
        atomic_write_text(self.document_path(document.id), document.model_dump_json())

    def load_document(self, doc_id: str) -> SourceDocument:
        """Read a cleaned document back (FileNotFoundError when it is gone)."""
        if self.shared is not None:
            return SourceDocument.model_validate_json(self.shared.load_document(doc_id))
        return SourceDocument.model_validate_json(self.document_path(doc_id).read_text(encoding="utf-8"))

    def documents(self) -> list[SourceDocument]:
        """All primary documents, in name order."""
        return [self.load_document(e.id) for e in sorted(self.indexed(), key=lambda e: e.name)]

    def prune_document_files(self) -> list[str]:
        """Delete cleaned documents the registry does not list (a crash before the commit); call under lock()."""
        pruned = []
        if self.shared is not None:
            for doc_id in self.shared.document_ids() - set(self.entries):
                self.shared.delete_document(doc_id)
                pruned.append(doc_id)
            return pruned
        if self.documents_dir.is_dir():
            for path in self.documents_dir.glob("*.json"):
                if path.stem not in self.entries:
                    path.unlink(missing_ok=True)
                    pruned.append(path.stem)
            for path in self.documents_dir.glob(".*.tmp"):  # a write cut short
                path.unlink(missing_ok=True)
        return pruned

    def delete_document_file(self, doc_id: str) -> None:
        """Remove a stored cleaned document."""
        if self.shared is not None:
            self.shared.delete_document(doc_id)
            return
        with contextlib.suppress(FileNotFoundError):
            self.document_path(doc_id).unlink()


class DocumentCache:
    """Cleaned documents by file name, re-read when the registry changes (another process may ingest); the `size`
    most recently used stay in memory (an archive of hundreds of reports does not fit a server's memory)."""

    def __init__(self, registry: Registry, size: int = 256) -> None:
        self.registry = registry
        self._looked_at = -SHARED_LOOK_S  # when the shared registry's counter was last asked
        self._stamp: int | None = None
        self._names: dict[str, str] = {}
        self._docs: Lru[str, SourceDocument] = Lru(size)  # by id: a replaced document has another id

    def _refresh(self) -> None:
        if self.registry.shared is not None:  # its stamp is a database round trip: not for every lookup
            now = time.monotonic()
            if now - self._looked_at < SHARED_LOOK_S:
                return
            self._looked_at = now
        stamp = self.registry.stamp()
        if stamp != self._stamp:
            self.registry.reload()
            self._names = {e.name: e.id for e in self.registry.indexed()}
            self._stamp = stamp

    def names(self) -> list[str]:
        """The file names of the primary documents."""
        self._refresh()
        return sorted(self._names)

    def __call__(self, name: str) -> SourceDocument | None:
        """The primary document with this file name, or None (also when it was replaced while being read)."""
        self._refresh()
        # Local references: another thread may swap in a fresh cache between these lines (the server's threads).
        names, docs = self._names, self._docs
        doc_id = names.get(name)
        if doc_id is None:
            return None
        document = docs.get(doc_id)
        if document is None:
            try:
                document = self.registry.load_document(doc_id)
            except FileNotFoundError:  # deleted or replaced by an ingestion after we read the registry
                return None
            docs.put(doc_id, document)
        return document
