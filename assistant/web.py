"""Helpers shared by the Gradio app and the JSON API: filters, uploads, document rows, feedback, passages."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from assistant.auth import LoginThrottle, User, UserStore
from assistant.evalset import find_quote
from assistant.ingest import FileOutcome, safe_filename
from assistant.jobs import JobRunner, upload_dir
from assistant.service import AssistantService, NotFoundError, ServiceError, TooLargeError
from assistant.store import RegistryEntry
from assistant.types import Citation, DocumentMeta, SourceDocument

if TYPE_CHECKING:
    from assistant.types import Draft, DraftRequest

UPLOAD_TYPES = (".pdf", ".docx", ".txt", ".md")
KIND_LABELS = {"plan": "Verksamhetsplan", "report": "Rapport", "meeting_papers": "Handlingar", "other": "Annat"}
_YEAR = re.compile(r"(19|20)\d\d")
_feedback_lock = threading.Lock()


def indexed(service: AssistantService, roles: tuple[str, ...] | None = None) -> list[RegistryEntry]:
    """The searchable (primary) documents these roles may read (all when roles is None)."""
    return [e for e in service.documents(roles) if e.status == "indexed"]


def filter_choices(service: AssistantService, roles: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """Municipalities, bodies and years of the indexed documents these roles may read, sorted.

    A reader never learns the name of a municipality, body or year that only restricted documents have.
    """
    entries = indexed(service, roles)
    years = {m.group(0) for e in entries for m in _YEAR.finditer(e.meta.period)}
    return {
        "municipality": sorted({e.meta.municipality for e in entries if e.meta.municipality}),
        "body": sorted({e.meta.body for e in entries if e.meta.body}),
        "year": sorted(years, reverse=True),
    }


def _match(value: str, known: Iterable[str]) -> str | None:
    """The known name equal to value (any case), or the only one starting with it ('Lerum' → 'Lerums kommun')."""
    folded = value.strip().casefold()
    known = list(known)
    exact = [k for k in known if k.casefold() == folded]
    if exact:
        return exact[0]
    prefix = [k for k in known if k.casefold().startswith(folded)]
    return prefix[0] if len(prefix) == 1 else None


def resolve_filters(
    service: AssistantService, municipality: str | None, body: str | None, roles: tuple[str, ...] | None = None
) -> tuple[str | None, str | None]:
    """Known municipality and body names for the given filters; NotFoundError names the unknown one.

    Only names the roles may read count as known, so a forbidden name gets the same 404 as one that does not
    exist (no existence oracle).
    """
    choices = filter_choices(service, roles)
    resolved: list[str | None] = []
    for value, key, label in ((municipality, "municipality", "Kommunen"), (body, "body", "Nämnden")):
        if not value or not value.strip():
            resolved.append(None)
            continue
        match = _match(value, choices[key])
        if match is None:
            known = ", ".join(choices[key]) or "inga"
            raise NotFoundError(f"{label} ”{value.strip()}” finns inte bland de inlästa dokumenten. Kända: {known}.")
        resolved.append(match)
    return resolved[0], resolved[1]


@dataclass
class Staged:
    """Uploads copied into a job's staging folder, and the ones refused before that (type, size)."""

    job_id: str
    paths: list[Path] = field(default_factory=list)
    metadata: dict[str, DocumentMeta] = field(default_factory=dict)
    rejected: list[FileOutcome] = field(default_factory=list)
    errors: list[ServiceError] = field(default_factory=list)

    def error(self) -> ServiceError:
        """When nothing could be staged: one error for the request (413 when every file was too large)."""
        message = " ".join(str(e) for e in self.errors)
        if all(isinstance(e, TooLargeError) for e in self.errors):
            return TooLargeError(message)
        return ServiceError(message)


def stage_uploads(
    service: AssistantService, runner: JobRunner, files: Iterable[tuple[str, BinaryIO | Path]], meta: DocumentMeta
) -> Staged:
    """Copy uploads into a new job's staging folder; a file of the wrong type or size is refused on its own."""
    job_id, folder = runner.stage_dir()
    staged = Staged(job_id)
    files = list(files)
    for name, source in files:
        try:
            path = store_upload(service, name, source, folder)
        except ServiceError as exc:
            staged.errors.append(exc)
            staged.rejected.append(FileOutcome(safe_filename(name), "failed", reason=str(exc)))
            continue
        staged.paths.append(path)
        staged.metadata[path.name] = meta if len(files) == 1 else meta.model_copy(update={"title": ""})
    if not staged.paths:
        folder.rmdir()
    return staged


def store_upload(service: AssistantService, name: str, source: BinaryIO | Path, folder: Path) -> Path:
    """Copy one upload into a private folder under a safe name (0600); TooLargeError over the limit."""
    limit = service.settings.app.max_upload_mb * 1024 * 1024
    target_name = safe_filename(name)
    if Path(target_name).suffix.lower() not in UPLOAD_TYPES:
        raise ServiceError(f"{target_name}: filtypen stöds inte; ladda upp PDF, DOCX, TXT eller MD.")
    target = folder / target_name
    tmp = folder / f".{target_name}.{os.getpid()}.{threading.get_ident()}.part"
    written = 0
    try:
        opened = source.open("rb") if isinstance(source, Path) else contextlib.nullcontext(source)
        with opened as reader, os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            while block := reader.read(1024 * 1024):
                written += len(block)
                if written > limit:
                    raise TooLargeError(
                        f"{target_name} är större än gränsen {service.settings.app.max_upload_mb:g} MB "
                        "(ASSISTANT_APP__MAX_UPLOAD_MB)."
                    )
                out.write(block)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def status_text(entry: RegistryEntry, names: dict[str, str]) -> str:
    """A document's status in Swedish."""
    if entry.status == "indexed":
        return "indexerad"
    primary = names.get(entry.duplicate_of or "", entry.duplicate_of or "?")
    return f"dubblett av {primary} (likhet {entry.similarity or 0:.2f})"


def document_record(entry: RegistryEntry) -> dict[str, Any]:
    """A registry entry as the API and the document list show it (no MinHash signature)."""
    return entry.model_dump(mode="json", exclude={"signature"})


def find_document(service: AssistantService, name_or_id: str) -> SourceDocument | None:
    """A cleaned document by file name or id (None when unknown)."""
    registry = service.registry
    entry = registry.entries.get(name_or_id) or registry.by_name(name_or_id)
    if entry is None:
        return None
    try:
        return registry.load_document(entry.id)
    except FileNotFoundError:
        return None


def cited_span(document: SourceDocument, citation: Citation) -> tuple[int, int] | None:
    """The citation's span in the document text; located by its quote when the offsets do not match."""
    text = document.text
    start, end = citation.start, citation.end
    if 0 <= start < end <= len(text) and (not citation.quote or _same(text[start:end], citation.quote)):
        return start, end
    return find_quote(text, citation.quote) if citation.quote else None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def save_feedback(service: AssistantService, user: str, record: dict[str, Any]) -> Path:
    """Append one thumbs-up/down (question, answer, cited spans) to data_dir/feedback.jsonl and the audit log."""
    from assistant.pii import mask_personnummer

    mask = service.settings.privacy.mask_text
    masked = {k: mask_personnummer(v, mask)[0] if isinstance(v, str) else v for k, v in record.items()}
    path = service.settings.data_dir / "feedback.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"time": datetime.now(UTC).isoformat(timespec="seconds"), "user": user, **masked},
                      ensure_ascii=False)
    with _feedback_lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    service.feedback(masked["question"], record["rating"], record["citations"], user=user)
    return path


def audit_login(service: AssistantService, user: str, ok: bool, via: str, **extra: Any) -> None:
    """Record a login attempt (app or API) in the audit log."""
    from assistant.audit import AuditLog

    AuditLog.from_settings(service.settings).record("login", user, ok=ok, via=via, **extra)


class TooManyAttempts(ServiceError):
    """Failed logins for this user name or address: the next attempt must wait."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = max(1, math.ceil(wait_s))
        super().__init__(f"För många misslyckade inloggningar. Försök igen om {self.wait_s} sekunder.")


class Logins:
    """Password checks for the API and the login page: throttled per user name and address, failures audited."""

    def __init__(self, service: AssistantService, users: UserStore) -> None:
        app = service.settings.app
        self.service, self.users = service, users
        self.throttle = LoginThrottle(app.login_free_failures, app.login_backoff_s, app.login_max_backoff_s)

    def check(self, name: str, password: str, address: str, via: str, audit_success: bool = False) -> User | None:
        """The user when the password is right, None when not; TooManyAttempts while the back-off lasts."""
        wait = self.throttle.wait_s(name, address)
        if wait > 0:  # the password is not even checked: guessing gets no faster than the back-off
            audit_login(self.service, name, False, via, address=address, throttled=True)
            raise TooManyAttempts(wait)
        user = self.users.authenticate(name, password)
        if user is None:
            wait = self.throttle.failed(name, address)
            audit_login(self.service, name, False, via, address=address, wait_s=round(wait, 1))
        else:
            self.throttle.succeeded(name, address)
            if audit_success:
                audit_login(self.service, name, True, via, address=address)
        return user


def remove_upload(service: AssistantService, name: str) -> None:
    """Delete a stored upload (after its document was deleted)."""
    path = upload_dir(service) / safe_filename(name)
    if path.is_file():
        path.unlink()


def draft_available() -> bool:
    """True when the drafting and export modules are installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("assistant.draft", "assistant.export"))


def run_draft(service: AssistantService, request: DraftRequest, user: User | None = None) -> Draft:
    """Draft through the service as this user (their roles decide which documents' facts may be used)."""
    try:
        if user is None:
            return service.draft(request)
        return service.draft(request, user=user.name, roles=user.roles)
    except ServiceError:
        raise
    except ValueError as exc:  # DraftError: an unknown body or period, a missing fact set
        raise ServiceError(str(exc)) from exc
