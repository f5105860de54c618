"""The Dokument tab: upload with metadata, ingestion with progress and per-file outcomes, list, delete."""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any, cast

import gradio as gr

from assistant.ingest import FileOutcome, IngestReport, Status
from assistant.jobs import Job, JobRunner
from assistant.service import AssistantService
from assistant.types import DocumentKind, DocumentMeta
from assistant.ui_chat import Refresher, UserOf
from assistant.web import KIND_LABELS, UPLOAD_TYPES, remove_upload, stage_uploads, status_text

POLL_S = 0.25  # how often the progress bar looks at the job

OUTCOME_SV: dict[Status, str] = {
    "ingested": "inläst",
    "updated": "uppdaterad",
    "unchanged": "oförändrad",
    "duplicate": "dubblett",
    "failed": "misslyckades",
}
DOC_HEADERS = ["Titel", "Fil", "Kommun", "Nämnd", "Typ", "Period", "Status", "Tillagd", "Id"]
DOC_WIDTHS: list[str | int] = ["18%", "18%", "10%", "11%", "8%", "6%", "11%", "7%", "11%"]
REPORT_HEADERS = ["Fil", "Resultat", "Detaljer"]


def document_rows(service: AssistantService, roles: tuple[str, ...] | None = None) -> list[list[Any]]:
    """One row per ingested file the roles may read, for the document table."""
    entries = service.documents(roles)
    names = {e.id: e.name for e in entries}
    return [
        [e.meta.title, e.name, e.meta.municipality, e.meta.body, KIND_LABELS.get(e.meta.kind, e.meta.kind),
         e.meta.period, status_text(e, names), e.added_at[:10], e.id]
        for e in entries
    ]


def report_rows(report: IngestReport) -> list[list[str]]:
    """One row per file of an ingestion run, with the reason for failures and duplicates."""
    rows = []
    for o in report.outcomes:
        detail = o.reason
        if o.status == "duplicate" and o.duplicate_of:
            detail = f"dubblett av {o.duplicate_of} (likhet {o.similarity or 0:.2f}); {o.reason}"
        if o.replaced:
            detail = f"ersätter {o.replaced} som primärt dokument"
        rows.append([o.name, OUTCOME_SV[o.status], detail])
    return rows


def report_summary(report: IngestReport) -> str:
    """A one-line Swedish summary of an ingestion run."""
    counts = ", ".join(f"{OUTCOME_SV[s]}: {report.count(s)}" for s in OUTCOME_SV if report.count(s))
    return f"**Inläsning klar** — {counts or 'inga filer'}."


def follow(job: Job, progress: gr.Progress) -> None:
    """Move the progress bar with the job (per chunk of the document being indexed) until it has finished.

    The job runs on its own: if the browser goes away, the ingestion still ends cleanly and its staged files are
    kept or removed.
    """
    while not job.finished:
        unit = "textdelar" if job.stage == "textdelar" else "filer" if job.stage == "läser" else "dokument"
        progress((job.done, max(job.total, 1)) if job.total else (0, None), desc=job.describe(), unit=unit)
        time.sleep(POLL_S)


def build_documents_tab(service: AssistantService, user_of: UserOf, jobs: JobRunner) -> Refresher:
    """The Dokument tab's components and events (call inside a gr.Tab)."""
    limit = f"{service.settings.app.max_upload_mb:g}".replace(".", ",")  # Swedish decimal comma
    # Upload and delete are for admins: hidden until the page knows who is looking (see refresh).
    with gr.Column(visible=False, elem_id="upload-area") as upload_area:
        gr.Markdown(f"Ladda upp PDF, DOCX, TXT eller MD, högst {limit} MB per fil. "
                    "Metadata gäller alla filer i samma uppladdning.")
        with gr.Row():
            with gr.Column(scale=3):
                files = gr.File(
                    label="Filer", file_count="multiple", file_types=list(UPLOAD_TYPES), elem_id="upload-files",
                )
            with gr.Column(scale=2):
                municipality = gr.Textbox(label="Kommun", placeholder="Lerums kommun", elem_id="meta-kommun")
                body = gr.Textbox(label="Nämnd", placeholder="Stöd- och omsorgsnämnden", elem_id="meta-namnd")
                kind = gr.Dropdown([(v, k) for k, v in KIND_LABELS.items()], value="plan", label="Typ",
                                   elem_id="meta-typ")
                period = gr.Textbox(label="Period", placeholder="2024", elem_id="meta-period")
                title = gr.Textbox(label="Titel (valfri; annars filnamnet)", elem_id="meta-titel")
        ingest_button = gr.Button("Läs in", variant="primary", elem_id="ingest")
        summary = gr.Markdown(elem_id="ingest-summary")
        outcome = gr.Dataframe(headers=REPORT_HEADERS, value=[], label="Resultat per fil", interactive=False,
                               elem_id="ingest-report", wrap=True)
    gr.Markdown("### Inlästa dokument")
    table = gr.Dataframe(headers=DOC_HEADERS, value=[], label="Dokument", interactive=False,
                         elem_id="document-list", wrap=True, max_height=420,
                         column_widths=DOC_WIDTHS)
    with gr.Row(visible=False, elem_id="delete-area") as delete_area:
        to_delete = gr.Dropdown([], label="Ta bort dokument (med avsnitt, textdelar och fakta)", scale=4,
                                elem_id="delete-choice")
        delete_button = gr.Button("Ta bort", variant="stop", scale=1, elem_id="delete")

    def refresh(request: gr.Request) -> tuple[Any, ...]:
        user = user_of(request)
        entries = service.documents(user.roles) if user.is_admin else []
        return (document_rows(service, user.roles),
                gr.Dropdown(choices=[(e.name, e.id) for e in entries], value=None),
                gr.Column(visible=user.is_admin), gr.Row(visible=user.is_admin))

    def run_ingest(
        paths: list[str] | None, kommun: str, namnd: str, typ: str, per: str, titel: str,
        request: gr.Request, progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio's progress idiom
    ) -> tuple[Any, ...]:
        if not user_of(request).is_admin:
            raise gr.Error("Du behöver rollen admin för att läsa in dokument.")
        if not paths:
            raise gr.Error("Välj minst en fil att läsa in.")
        meta = DocumentMeta(title=titel.strip(), municipality=kommun.strip(), body=namnd.strip(),
                            kind=cast(DocumentKind, typ or "other"), period=per.strip(), access="public")
        staged = stage_uploads(service, jobs, [(Path(raw).name, Path(raw)) for raw in paths], meta)
        report = IngestReport(outcomes=list(staged.rejected))
        if staged.paths:
            job = jobs.submit(staged.job_id, user_of(request).name, staged.paths, staged.metadata, [])
            follow(job, progress)
            report.outcomes += [FileOutcome(**o) for o in job.outcomes]
        rejected = len(staged.rejected)
        summary_text = report_summary(report) + (f" {rejected} fil(er) avvisades före inläsning." if rejected else "")
        return (summary_text, report_rows(report), *refresh(request), None)

    def run_delete(doc_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        user = user_of(request)
        if not user.is_admin:
            raise gr.Error("Du behöver rollen admin för att ta bort dokument.")
        if not doc_id:
            raise gr.Error("Välj ett dokument att ta bort.")
        entry = service.registry.entries.get(doc_id)
        if entry is None or not service.delete(doc_id, user=user.name):
            raise gr.Error("Dokumentet finns inte längre.")
        remove_upload(service, entry.name)
        gr.Info(f"{html.escape(entry.name)} är borttaget.")
        return refresh(request)

    listing = [table, to_delete, upload_area, delete_area]
    ingest_button.click(run_ingest, [files, municipality, body, kind, period, title],
                        [summary, outcome, *listing, files], concurrency_id="ingest")
    delete_button.click(run_delete, [to_delete], listing, concurrency_id="ingest")
    return Refresher(refresh, listing)
