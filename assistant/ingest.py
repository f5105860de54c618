"""Ingestion: files → cleaned, sectioned SourceDocuments; near-duplicates found; index sinks updated."""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from assistant.clean import clean_pages
from assistant.dedupe import extraction_quality, signature, similarity
from assistant.loaders import LoadError, load_file
from assistant.manifest import MANIFEST_NAME, load_manifest
from assistant.pii import mask_preserving_length
from assistant.sections import detect_sections
from assistant.settings import Settings
from assistant.store import Registry, RegistryEntry
from assistant.tables import find_tables
from assistant.types import DocumentMeta, SourceDocument, content_id

Status = Literal["ingested", "updated", "unchanged", "duplicate", "failed"]
# (stage, done, total): "läser" counts files, "indexerar" documents, "textdelar" the current document's chunks.
Progress = Callable[[str, int, int], None]

log = logging.getLogger(__name__)

# Files that describe the corpus rather than belong to it: the manifest, its README and the fact lists.
_SKIP_NAMES = {MANIFEST_NAME, "indicators.csv", "needs_review.csv", "extracted.csv", "README.md"}


def reader_version() -> str:
    """How a file becomes a document: the PDF reading, the cleaning, the table finding and the fact extraction.
    A file read by another version is read again when it is ingested again, even with the same bytes."""
    from assistant.clean import CLEANER_VERSION
    from assistant.facts import EXTRACTOR_VERSION
    from assistant.pdftext import PDFTEXT_VERSION
    from assistant.tables import TABLES_VERSION

    return f"pdf{PDFTEXT_VERSION}.clean{CLEANER_VERSION}.tables{TABLES_VERSION}.facts{EXTRACTOR_VERSION}"
# No plan or report has a line this long; such a file is data (minified, base64), and chunking it takes minutes.
MAX_LINE_CHARS = 100_000


class IndexSink(Protocol):
    """Something that must hold exactly the registry's primary documents (vector index, BM25, facts)."""

    def add(self, document: SourceDocument) -> None:
        """Index one document (idempotent: adding it twice changes nothing); it may also take progress=(done, total)
        callbacks for its chunks (see add_to)."""
        ...

    def remove(self, document_id: str) -> None:
        """Forget one document (absent ids are ignored)."""
        ...

    # A sink may also have replace(document): take a new reading of a document it holds, keeping what it can
    # (the fact store keeps the reviews of unchanged facts); without it, replace_in removes and adds.


@dataclass
class FileOutcome:
    """What happened to one file of a batch."""

    name: str
    status: Status
    document_id: str | None = None
    reason: str = ""
    duplicate_of: str | None = None
    similarity: float | None = None
    replaced: str | None = None


@dataclass
class IngestReport:
    """The outcome of one ingestion run."""

    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """How many files ended with this status."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return self.count("failed") == 0


@dataclass
class _Candidate:
    path: Path
    document: SourceDocument
    signature: list[int]


_MAX_NAME_BYTES = 150  # well under the 255 bytes a file system allows, with room for temporary suffixes


def safe_filename(name: str) -> str:
    """A file name without folders, traversal, control or invisible characters, short enough to store (uploads)."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    # Control, format (bidi overrides, zero-width), private and unassigned characters, and line separators.
    base = "".join(
        "_" if c in '<>:"|?*' or unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") else c
        for c in base
    ).strip(" .")
    stem, suffix = os.path.splitext(base)
    if len(suffix) > 16:
        stem, suffix = base, ""
    room = _MAX_NAME_BYTES - len(suffix.encode())
    if len(stem.encode()) > room:  # cut by bytes at a character boundary, keep the suffix
        stem = stem.encode()[:room].decode("utf-8", errors="ignore").rstrip(" .")
    base = f"{stem}{suffix}" if stem else ""
    return base or "namnlos.txt"


def add_to(sink: IndexSink, document: SourceDocument, progress: Callable[[int, int], None] | None) -> None:
    """Add a document to a sink, passing the chunk progress callback when the sink reports progress."""
    if progress is not None and "progress" in inspect.signature(sink.add).parameters:
        sink.add(document, progress=progress)  # type: ignore[call-arg]
    else:
        sink.add(document)


def replace_in(sink: IndexSink, document: SourceDocument, progress: Callable[[int, int], None] | None) -> None:
    """Put a new reading of a document the sink holds in place of the old one."""
    replace = getattr(sink, "replace", None)
    if callable(replace):
        replace(document)
        return
    sink.remove(document.id)
    add_to(sink, document, progress)


def failure_reason(exc: Exception) -> str:
    """A file's Swedish failure line for an unexpected error while indexing it."""
    return f"filen kunde inte indexeras, oväntat fel ({type(exc).__name__}: {exc})"[:300]


def collect_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path]], list[FileOutcome]]:
    """Expand folders; return (file, root folder) pairs and outcomes for paths that cannot be used."""
    found: list[tuple[Path, Path]] = []
    problems: list[FileOutcome] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                # A link to a folder is not followed, but reported (see _read_one), never skipped silently.
                folder = child.is_dir() and not child.is_symlink()
                if child.name in _SKIP_NAMES or child.name.startswith(".") or folder:
                    continue
                found.append((child, path))
        elif path.exists() or path.is_symlink():
            found.append((path, path.parent))
        else:
            problems.append(FileOutcome(path.name, "failed", reason="filen finns inte"))
    return found, problems


def build_document(path: Path, data: bytes, meta: DocumentMeta | None, settings: Settings) -> SourceDocument:
    """A file's bytes → cleaned, masked, sectioned text with its tables read (raises LoadError with the reason)."""
    loaded = load_file(path, data, settings.ingest)
    cleaned = clean_pages(loaded.pages, loaded.page_numbers)
    if not cleaned.text.strip():
        raise LoadError("filen innehåller ingen läsbar text")
    longest = max(len(line) for line in cleaned.text.split("\n"))
    if longest > MAX_LINE_CHARS:
        raise LoadError(
            f"en rad i filen är {longest:_} tecken lång, över gränsen {MAX_LINE_CHARS:_}; "
            "filen ser inte ut som löpande text (data eller kod?)".replace("_", " ")
        )
    text = cleaned.text
    if settings.privacy.mask_personnummer:
        # Same length, so page and section spans stay valid; nothing downstream ever sees the digits.
        text = mask_preserving_length(text)
    meta = meta or DocumentMeta(title=path.stem)
    if not meta.title:
        meta = meta.model_copy(update={"title": path.stem})
    pages = cleaned.pages if loaded.paged else []
    sections = detect_sections(text)
    return SourceDocument(
        id=content_id(data), name=path.name, sha256=hashlib.sha256(data).hexdigest(), meta=meta, text=text,
        sections=sections, pages=pages, quality=extraction_quality(text),
        tables=find_tables(text, meta, pages, layout=loaded.layout, sections=sections),
        ocr_pages=loaded.ocr_pages or [],
    )


def read_document(path: Path, meta: DocumentMeta | None = None, settings: Settings | None = None) -> SourceDocument:
    """One file read as ingestion reads it (for tools and tests)."""
    return build_document(path, path.read_bytes(), meta, settings or Settings())


class Ingestor:
    """Runs ingestion batches against one data directory and its index sinks."""

    def __init__(self, settings: Settings, sinks: list[IndexSink] | None = None) -> None:
        self.settings = settings
        self.sinks = sinks or []
        self.registry = Registry.of(settings)
        self._touched: list[str] = []  # documents the file being applied has taken out of the sinks

    def ingest(
        self,
        paths: Iterable[Path],
        metadata: dict[str, DocumentMeta] | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Ingest files and folders; bad files are reported and the rest of the batch goes on."""
        files, problems = collect_files(paths)
        report = IngestReport(outcomes=problems)
        with self.registry.lock():
            self.registry.prune_document_files()  # left by a run that was killed before its commit
            candidates = self._read_all(files, metadata or {}, report, progress)
            self._apply(candidates, report, progress)
            for sink in self.sinks:  # a sink that defers work (BM25 rebuilds) finishes it with the batch
                flush = getattr(sink, "flush", None)
                if callable(flush):
                    flush()
            self._flush()
        return report

    def _flush(self) -> None:
        """Let sinks save work they deferred during the batch (BM25 is rebuilt once, not per document)."""
        for sink in self.sinks:
            flush = getattr(sink, "flush", None)  # optional: not every sink defers work
            if callable(flush):
                flush()

    def _read_all(
        self,
        files: list[tuple[Path, Path]],
        metadata: dict[str, DocumentMeta],
        report: IngestReport,
        progress: Progress | None,
    ) -> list[_Candidate]:
        manifests: dict[Path, dict[str, DocumentMeta]] = {}
        candidates: list[_Candidate] = []
        seen: dict[str, str] = {}
        for i, (path, root) in enumerate(files):
            if progress:
                progress("läser", i, len(files))
            try:
                if root not in manifests:
                    manifests[root] = load_manifest(root)
                meta = metadata.get(path.name) or manifests[root].get(path.name)
                candidate = self._read_one(path, root, meta)
            except LoadError as exc:
                report.outcomes.append(FileOutcome(path.name, "failed", reason=str(exc)))
                continue
            except ValueError as exc:  # a broken manifest
                report.outcomes.append(FileOutcome(path.name, "failed", reason=str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - a parser's surprise on a hostile file must not stop the batch
                reason = f"filen kunde inte läsas, oväntat fel i tolkningen ({type(exc).__name__}: {exc})"
                report.outcomes.append(FileOutcome(path.name, "failed", reason=reason[:300]))
                continue
            doc = candidate.document
            existing = self.registry.entries.get(doc.id)
            if existing is not None and existing.name == path.name and existing.reader != reader_version():
                existing = None  # the same file, read by an older reader: read again (see _reread)
            if existing is not None or doc.id in seen:
                same = existing.name if existing else seen[doc.id]
                if same == path.name:
                    report.outcomes.append(FileOutcome(path.name, "unchanged", document_id=doc.id))
                else:
                    report.outcomes.append(
                        FileOutcome(path.name, "duplicate", document_id=doc.id, duplicate_of=same,
                                    similarity=1.0, reason="exakt samma innehåll som en annan fil")
                    )
                continue
            seen[doc.id] = path.name
            candidates.append(candidate)
        if progress:
            progress("läser", len(files), len(files))
        return candidates

    def _read_one(self, path: Path, root: Path, meta: DocumentMeta | None) -> _Candidate:
        limits = self.settings.ingest
        if path.is_symlink():
            try:
                target = path.resolve()
            except (OSError, RuntimeError) as exc:  # RuntimeError: a loop (Python < 3.13)
                raise LoadError("symbolisk länk som pekar i en slinga eller inte kan följas; den läses inte") from exc
            if not target.is_relative_to(root.resolve()):
                raise LoadError("symbolisk länk som pekar utanför mappen; den läses inte")
        if not path.is_file():
            raise LoadError("inte en vanlig fil (mapp, enhet eller trasig länk)")
        try:
            size = path.stat().st_size
            if size > limits.max_file_mb * 1024 * 1024:
                raise LoadError(
                    f"filen är {size / 1e6:.1f} MB, större än gränsen {limits.max_file_mb:g} MB"
                    " (ASSISTANT_INGEST__MAX_FILE_MB)"
                )
            data = path.read_bytes()
        except OSError as exc:
            raise LoadError(f"filen kan inte läsas: {exc.strerror or exc}") from exc
        if not data.strip():
            raise LoadError("filen är tom")
        document = build_document(path, data, meta, self.settings)
        sig = signature(document.text, limits.shingle_words, limits.minhash_permutations)
        return _Candidate(path=path, document=document, signature=sig)

    def _apply(self, candidates: list[_Candidate], report: IngestReport, progress: Progress | None) -> None:
        # Best extractions first, so that within a batch the better copy becomes the primary.
        ordered = sorted(candidates, key=lambda c: -c.document.quality)
        for i, cand in enumerate(ordered):
            if progress:
                progress("indexerar", i, len(ordered))
            chunks = (lambda done, total: progress("textdelar", done, total)) if progress else None
            shown = len(report.outcomes)
            self._touched = []
            try:
                self._apply_one(cand, report, chunks)
            except Exception as exc:  # noqa: BLE001 - the embedder, the store or the disk failing on one file
                log.exception("Indexeringen av %s misslyckades", cand.document.name)
                del report.outcomes[shown:]
                self._rollback(cand)
                report.outcomes.append(FileOutcome(cand.document.name, "failed", reason=failure_reason(exc)))
        if progress:
            progress("indexerar", len(ordered), len(ordered))

    def _apply_one(self, cand: _Candidate, report: IngestReport, chunks: Callable[[int, int], None] | None) -> None:
        """Index one read file as a new primary document, a replacement, or a duplicate."""
        threshold = self.settings.ingest.duplicate_threshold
        doc = cand.document
        previous = self.registry.by_name(doc.name)
        if previous is not None and previous.id == doc.id and previous.status == "indexed":
            self._reread(cand, previous, report, chunks)
            return
        pool = [e for e in self.registry.indexed() if previous is None or e.id != previous.id]
        best = max(pool, key=lambda e: similarity(cand.signature, e.signature), default=None)
        score = similarity(cand.signature, best.signature) if best else 0.0
        if best is not None and score >= threshold and best.quality >= doc.quality:
            self._record_duplicate(cand, best, score, previous, report)
            return
        replaced = best if best is not None and score >= threshold else None
        self._add_primary(cand, previous, replaced, score, report, chunks)

    def _reread(self, cand: _Candidate, previous: RegistryEntry, report: IngestReport,
                chunks: Callable[[int, int], None] | None) -> None:
        """The same file read again by a newer reader: its index entries and facts are replaced in place (the
        fact store keeps the reviews of facts that did not change)."""
        doc = cand.document
        self._touched.append(doc.id)
        self.registry.save_document(doc)
        for sink in self.sinks:
            replace_in(sink, doc, chunks)
        entry = self._entry(cand, "indexed")
        entry.added_at = previous.added_at
        self.registry.entries[doc.id] = entry
        self.registry.save()
        report.outcomes.append(FileOutcome(doc.name, "updated", document_id=doc.id,
                                           reason="läst på nytt med en nyare tolkning av filen"))

    def _rollback(self, cand: _Candidate) -> None:
        """After a failure part-way through one file: back to the last commit, for the registry and the sinks."""
        doc_id = cand.document.id
        self.registry.reload()  # forget what this file changed in memory; the file on disk is the last commit
        committed = self.registry.entries.get(doc_id)
        for sink in self.sinks:
            if committed is None or committed.status != "indexed":
                self._quietly(sink.remove, doc_id)
            for other in self._touched:  # an older version or a copy it had taken out of the sinks
                entry = self.registry.entries.get(other)
                if entry is not None and entry.status == "indexed":
                    self._quietly(lambda s=sink, i=other: s.add(self.registry.load_document(i)))
        if committed is None:
            self.registry.delete_document_file(doc_id)

    @staticmethod
    def _quietly(action: Callable[..., object], *args: object) -> None:
        """Run a rollback step; its failure is logged (the next start reconciles the index with the registry)."""
        try:
            action(*args)
        except Exception:  # noqa: BLE001 - a rollback must not fail the batch; sync() repairs what is left
            log.exception("Återställningen efter ett fel misslyckades")

    def _entry(self, cand: _Candidate, status: Literal["indexed", "duplicate"]) -> RegistryEntry:
        doc = cand.document
        return RegistryEntry(
            id=doc.id, name=doc.name, sha256=doc.sha256, meta=doc.meta, status=status,
            quality=doc.quality, chars=len(doc.text), sections=len(doc.sections), pages=len(doc.pages),
            signature=cand.signature, reader=reader_version(),
        )

    def _record_duplicate(
        self, cand: _Candidate, primary: RegistryEntry, score: float,
        previous: RegistryEntry | None, report: IngestReport,
    ) -> None:
        if previous is not None:
            self._forget(previous)
        entry = self._entry(cand, "duplicate")
        entry.duplicate_of, entry.similarity = primary.id, round(score, 3)
        self.registry.entries[entry.id] = entry
        self.registry.save()
        if previous is not None:
            self.registry.delete_document_file(previous.id)
        report.outcomes.append(
            FileOutcome(cand.document.name, "duplicate", document_id=entry.id, duplicate_of=primary.name,
                        similarity=entry.similarity, reason="nästan samma innehåll som ett redan indexerat dokument")
        )

    def _add_primary(
        self, cand: _Candidate, previous: RegistryEntry | None, replaced: RegistryEntry | None,
        score: float, report: IngestReport, chunks: Callable[[int, int], None] | None = None,
    ) -> None:
        doc = cand.document
        # Order matters for crash safety: document file, then sinks, then the registry (the commit point).
        self.registry.save_document(doc)
        for sink in self.sinks:
            add_to(sink, doc, chunks)
        if previous is not None:
            self._forget(previous)
        if replaced is not None:
            self._touched.append(replaced.id)
            for sink in self.sinks:
                sink.remove(replaced.id)
            replaced.status, replaced.duplicate_of, replaced.similarity = "duplicate", doc.id, round(score, 3)
            for other in self.registry.entries.values():
                if other.duplicate_of == replaced.id:
                    other.duplicate_of = doc.id
            report.outcomes.append(
                FileOutcome(replaced.name, "duplicate", document_id=replaced.id, duplicate_of=doc.name,
                            similarity=replaced.similarity,
                            reason="ersatt av en bättre extraktion av samma dokument")
            )
        self.registry.entries[doc.id] = self._entry(cand, "indexed")
        self.registry.save()
        if previous is not None:
            self.registry.delete_document_file(previous.id)
        status: Status = "updated" if previous is not None else "ingested"
        report.outcomes.append(
            FileOutcome(doc.name, status, document_id=doc.id, replaced=replaced.name if replaced else None)
        )

    def _forget(self, entry: RegistryEntry) -> None:
        """Remove an older version of a file from the sinks and the registry (its file goes after the commit).

        Deleting the cleaned document before the registry is saved would leave, after a crash, a registry
        entry without its document, and every later start would fail to sync the index.
        """
        self._touched.append(entry.id)
        for sink in self.sinks:
            sink.remove(entry.id)
        self.registry.entries.pop(entry.id, None)

    def delete(self, doc_id: str) -> bool:
        """Delete one document (and its chunks, via the sinks); its duplicates go with it."""
        with self.registry.lock():
            entry = self.registry.entries.get(doc_id)
            if entry is None:
                return False
            for sink in self.sinks:
                sink.remove(doc_id)
            for other in list(self.registry.entries.values()):
                if other.duplicate_of == doc_id:
                    self.registry.entries.pop(other.id)
            self.registry.entries.pop(doc_id)
            self.registry.save()
            self.registry.delete_document_file(doc_id)
            self._flush()
        return True
