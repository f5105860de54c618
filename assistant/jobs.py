"""Background ingestion jobs: an upload is staged, answered at once with a job id, and ingested by one worker.

A request never waits for embedding (a large file takes minutes): the API answers 202 with the job, the client
asks for its status, and the app's progress bar polls the same job. Staged files become stored sources only when
they were ingested; failed, duplicate and unchanged ones are removed.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from assistant.ingest import FileOutcome, IngestReport
from assistant.service import AssistantService
from assistant.store import private_dir, private_file
from assistant.types import DocumentMeta

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "done", "failed"]
KEPT_JOBS = 200  # finished jobs remembered for status requests (oldest forgotten first)
STAGE_SV = {"läser": "Läser filer", "indexerar": "Indexerar dokument", "textdelar": "Indexerar textdelar"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One upload's ingestion: who started it, where it is, and what happened to each file."""

    id: str
    user: str
    files: int
    status: JobStatus = "queued"
    stage: str = ""
    done: int = 0
    total: int = 0
    document: str = ""
    documents_done: int = 0
    documents_total: int = 0
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    created_at: str = field(default_factory=_now)
    finished_at: str = ""

    @property
    def finished(self) -> bool:
        """True once the job is done or failed."""
        return self.status in ("done", "failed")

    @property
    def ok(self) -> bool:
        """True when the job finished and no file failed."""
        return self.status == "done" and all(o["status"] != "failed" for o in self.outcomes)

    def progress(self, stage: str, done: int, total: int) -> None:
        """The ingestor's progress callback: files read, documents indexed, chunks of the current document."""
        self.stage = stage
        if stage == "indexerar":
            self.documents_done, self.documents_total = done, total
        self.done, self.total = done, total

    def describe(self) -> str:
        """A Swedish line for a progress bar."""
        label = STAGE_SV.get(self.stage, "Väntar på tur")
        if self.stage == "textdelar" and self.documents_total:
            return f"{label} i dokument {min(self.documents_done + 1, self.documents_total)} av {self.documents_total}"
        return label

    def as_dict(self) -> dict[str, Any]:
        """The job as the API shows it."""
        return {**asdict(self), "ok": self.ok, "finished": self.finished}


class JobRunner:
    """One worker thread runs upload jobs in order (ingestion is one writer at a time anyway)."""

    def __init__(self, service: AssistantService) -> None:
        self.service = service
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-job")

    @property
    def staging_root(self) -> Path:
        """Where uploads wait for their ingestion (never among the stored sources)."""
        return self.service.settings.data_dir / "staging"

    def stage_dir(self) -> tuple[str, Path]:
        """A new job id and its private staging folder."""
        job_id = uuid.uuid4().hex
        private_dir(self.staging_root)
        return job_id, private_dir(self.staging_root / job_id)

    def submit(self, job_id: str, user: str, staged: list[Path], metadata: dict[str, DocumentMeta],
               rejected: list[FileOutcome]) -> Job:
        """Queue the ingestion of staged files; files rejected before staging are outcomes from the start."""
        job = Job(id=job_id, user=user, files=len(staged) + len(rejected),
                  outcomes=[asdict(o) for o in rejected])
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT_JOBS:
                oldest = next(iter(self._jobs.values()))
                if not oldest.finished:
                    break
                self._jobs.popitem(last=False)
        self._pool.submit(self._run, job, staged, metadata)
        return job

    def get(self, job_id: str) -> Job | None:
        """A job by id (None when unknown or forgotten)."""
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: Job, staged: list[Path], metadata: dict[str, DocumentMeta]) -> None:
        job.status = "running"
        folder = staged[0].parent if staged else None
        try:
            report = self.service.ingest(staged, metadata=metadata, progress=job.progress, user=job.user)
            self._keep_ingested(report, staged)
            job.outcomes += [asdict(o) for o in report.outcomes]
            job.status = "done"
        except Exception as exc:  # noqa: BLE001 - a job must end with a status, whatever went wrong
            log.exception("Inläsningsjobbet %s misslyckades", job.id)
            job.error = f"Inläsningen avbröts av ett oväntat fel ({type(exc).__name__})."
            job.outcomes += [asdict(FileOutcome(p.name, "failed", reason=job.error)) for p in staged]
            job.status = "failed"
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)  # failed, duplicate and unchanged uploads go with it
            job.finished_at = _now()

    def _keep_ingested(self, report: IngestReport, staged: list[Path]) -> None:
        """Move the files that became (or replaced) documents to the stored sources, readable only by us."""
        kept = {o.name for o in report.outcomes if o.status in ("ingested", "updated")}
        uploads = private_dir(upload_dir(self.service))
        for path in staged:
            if path.name in kept:
                private_file(path)
                path.replace(uploads / path.name)


def upload_dir(service: AssistantService) -> Path:
    """Where uploaded files are kept once ingested (they are the sources of their documents)."""
    return service.settings.data_dir / "uploads"
