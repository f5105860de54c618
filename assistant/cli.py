"""Command line: thin wiring of the pipeline stages (ingest, facts, ask, draft, eval, serve)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.ingest import IngestReport
from assistant.offline import configure_offline_env
from assistant.settings import Settings

app = typer.Typer(
    help="Assistent för svenska kommunala planer och rapporter: inläsning, frågor med källor, utkast.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()

_STATUS_SV = {
    "ingested": "inläst",
    "updated": "uppdaterad",
    "unchanged": "oförändrad",
    "duplicate": "dubblett",
    "failed": "misslyckades",
}


@app.callback()
def main() -> None:
    """Set the offline environment before any command runs."""
    configure_offline_env()


def print_report(report: IngestReport) -> None:
    """The ingestion summary table: every file, what happened, and why."""
    table = Table(title="Inläsning")
    for column in ("Fil", "Resultat", "Detaljer"):
        table.add_column(column, overflow="fold")
    for outcome in report.outcomes:
        detail = outcome.reason
        if outcome.status == "duplicate" and outcome.duplicate_of:
            detail = f"dubblett av {outcome.duplicate_of} (likhet {outcome.similarity:.2f}); {outcome.reason}"
        if outcome.replaced:
            detail = f"ersätter {outcome.replaced} som primärt dokument"
        table.add_row(outcome.name, _STATUS_SV[outcome.status], detail)
    console.print(table)
    counts = ", ".join(
        f"{_STATUS_SV[s]}: {report.count(s)}" for s in ("ingested", "updated", "unchanged", "duplicate", "failed")
    )
    console.print(f"Summering — {counts}")


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Filer eller mappar (standard: corpus/).")] = None,
) -> None:
    """Läs in dokument: rensa, dela i avsnitt, hitta dubbletter och indexera."""
    from assistant.pipeline import build_ingestor

    settings = Settings()
    ingestor = build_ingestor(settings)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=False,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage.capitalize(), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = ingestor.ingest(paths or [settings.corpus_dir], progress=progress)
    print_report(report)
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def documents() -> None:
    """Lista inlästa dokument och dubbletter."""
    from assistant.store import Registry

    registry = Registry(Settings().data_dir)
    table = Table(title="Dokument")
    for column in ("Id", "Fil", "Kommun", "Nämnd", "Period", "Status", "Tecken"):
        table.add_column(column, overflow="fold")
    for entry in sorted(registry.entries.values(), key=lambda e: e.name):
        status = "indexerad" if entry.status == "indexed" else f"dubblett ({entry.similarity:.2f})"
        table.add_row(entry.id, entry.name, entry.meta.municipality, entry.meta.body, entry.meta.period,
                      status, str(entry.chars))
    console.print(table)
