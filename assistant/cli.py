"""Command line: thin wiring of the pipeline stages (ingest, facts, ask, draft, eval, serve)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.cli_facts import facts_app
from assistant.cli_fit import fit_command
from assistant.cli_sv import SUBCOMMAND_METAVAR, SwedishGroup
from assistant.ingest import IngestReport
from assistant.offline import configure_offline_env
from assistant.settings import Settings

app = typer.Typer(
    cls=SwedishGroup,
    help="Assistent för svenska kommunala planer och rapporter: inläsning, frågor med källor, utkast.",
    no_args_is_help=True,
    add_completion=False,
    subcommand_metavar=SUBCOMMAND_METAVAR,
)
app.add_typer(facts_app, name="facts")
app.command("fit")(fit_command)
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
        tasks: dict[str, TaskID] = {}

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

    registry = Registry.of(Settings())
    table = Table(title="Dokument")
    for column in ("Id", "Fil", "Kommun", "Nämnd", "Period", "Status", "Tecken"):
        table.add_column(column, overflow="fold")
    for entry in sorted(registry.entries.values(), key=lambda e: e.name):
        status = "indexerad" if entry.status == "indexed" else f"dubblett ({entry.similarity:.2f})"
        table.add_row(entry.id, entry.name, entry.meta.municipality, entry.meta.body, entry.meta.period,
                      status, str(entry.chars))
    console.print(table)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Frågan, på svenska eller engelska.")],
    municipality: Annotated[str | None, typer.Option(help="Bara dokument från denna kommun.")] = None,
    body: Annotated[str | None, typer.Option(help="Bara dokument från denna nämnd.")] = None,
    period: Annotated[str | None, typer.Option(help="Bara dokument för denna period (år).")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Antal avsnitt.")] = 5,
    retrieve_only: Annotated[bool, typer.Option("--retrieve-only", help="Visa bara de hämtade avsnitten.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")] = False,
) -> None:
    """Ställ en fråga: svar med källor, eller (--retrieve-only) de avsnitt som hämtas."""
    import importlib.util
    import json

    settings = Settings()
    if not retrieve_only and importlib.util.find_spec("assistant.answering") is not None:
        from assistant.service import AskRequest, AssistantService, ServiceError

        request = AskRequest(question=question, municipality=municipality, body=body, period=period, k=k)
        try:
            answer = AssistantService(settings).ask(request)
        except ServiceError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
        if as_json:
            typer.echo(answer.model_dump_json(indent=1))
        else:
            console.print(answer.answer)
            for citation in answer.citations:
                console.print(f"[{citation.key}] {citation.document} ({citation.section}): {citation.quote[:200]}")
        return
    from assistant.pipeline import build_retriever
    from assistant.query import Filters

    result = build_retriever(settings).search(
        question, k, Filters(municipality=municipality or "", body=body or "", period=period or "")
    )
    records = [c.to_json(str(i)) for i, c in enumerate(result.chunks, start=1)]
    if as_json:
        payload = {"question": question, "filters": result.filters, "expansions": result.expansions,
                   "chunks": records, "timings_ms": result.timings_ms}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        return
    if not records:
        console.print("Inga avsnitt hittades.")
    for record in records:
        page = f", s. {record['page']}" if record["page"] else ""
        console.print(f"[bold][{record['key']}] {record['title']}[/bold] — {record['section']}{page} "
                      f"(tecken {record['start']}–{record['end']}, poäng {record['score']:.4f})")
        console.print(record["quote"], markup=False, highlight=False)
        console.print()
    console.print(f"Tid: {result.timings_ms['total']:.1f} ms", style="dim")


@app.command()
def draft(
    municipality: Annotated[str, typer.Option(help="Kommun, t.ex. Lerum.")],
    body: Annotated[str, typer.Option(help="Nämnd, t.ex. 'stöd- och omsorgsnämnden'.")],
    period: Annotated[str, typer.Option(help="Uppföljningsperiod, t.ex. 2024.")],
    indicators: Annotated[
        list[str] | None, typer.Option("--indicators", help="Bara dessa nyckeltal eller tabeller (kan upprepas).")
    ] = None,
    llm: Annotated[str | None, typer.Option(help="none (mallar), openai eller local; standard: draft.llm.")] = None,
    out: Annotated[Path | None, typer.Option(help="Skriv utkastet till en .md- eller .docx-fil.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv utkastet med granskning som JSON.")] = False,
    include_unreviewed: Annotated[bool, typer.Option(
        "--include-unreviewed", help="Ta med fakta som ingen har granskat ännu (märks [ej granskad]).")] = False,
) -> None:
    """Skriv ett utkast till uppföljning där varje tal är kontrollerat mot faktaunderlaget."""
    from assistant.export import export, findings_lines
    from assistant.service import AssistantService, ServiceError
    from assistant.types import DraftRequest

    if llm not in (None, "none", "openai", "local", "fake"):
        console.print(f"[red]Okänt värde för --llm: {llm} (välj none, openai eller local).[/red]")
        raise typer.Exit(2)
    request = DraftRequest(municipality=municipality, body=body, period=period, indicators=indicators or None,
                           llm=llm, include_unreviewed=include_unreviewed)
    try:
        result = AssistantService(Settings()).draft(request)
    except ServiceError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if out is not None:
        export(result, out)
    if as_json:
        typer.echo(result.model_dump_json(indent=1))
    else:
        typer.echo(result.text)
        typer.echo("\n".join(findings_lines(result)))
        if out is not None:
            console.print(f"Utkastet är sparat i {out}.")
    raise typer.Exit(0 if result.passed else 1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Adress att lyssna på (standard: inställningen app.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (standard: inställningen app.port).")] = None,
) -> None:
    """Starta webbappen (Gradio) och JSON-API:t på samma adress."""
    from assistant.api import serve as run_server

    try:
        run_server(Settings(), host=host, port=port)
    except PermissionError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


users_app = typer.Typer(help="Användare för inloggning i webbappen och API:t.", no_args_is_help=True,
                        subcommand_metavar=SUBCOMMAND_METAVAR)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Användarnamn (a–z, 0–9, _ . -).")],
    roles: Annotated[str, typer.Option(help="Roller, kommaseparerade (admin får läsa in och ta bort).")] = "public",
    file: Annotated[Path | None, typer.Option(help="Användarfil (standard: inställningen app.users_file).")] = None,
) -> None:
    """Lägg till eller byt lösenord för en användare (scrypt-hash i användarfilen)."""
    from assistant.auth import UsersFileError, add_user

    path = file or Settings().app.users_file
    if path is None:
        console.print("[red]Ange --file eller ASSISTANT_APP__USERS_FILE.[/red]")
        raise typer.Exit(2)
    password = _new_password()
    try:
        user = add_user(path, name, password, [r.strip() for r in roles.split(",") if r.strip()])
    except UsersFileError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"Användaren {user.name} ({', '.join(user.roles)}) är sparad i {path}.")


def _new_password() -> str:
    """The password, asked twice without echo (Swedish prompts; typer's own confirmation text is English)."""
    while True:
        first = typer.prompt("Lösenord", hide_input=True)
        if first == typer.prompt("Upprepa lösenordet", hide_input=True):
            return str(first)
        console.print("[red]Lösenorden är inte lika. Försök igen.[/red]")


@app.command(name="eval")
def eval_command(
    dataset: Annotated[
        Path | None, typer.Option(help="Frågor i JSONL (standard: qa.jsonl i inställningen evals_dir).")
    ] = None,
    drafts: Annotated[Path | None, typer.Option(help="Utkastbeställningar i JSONL.")] = None,
    out: Annotated[Path, typer.Option(help="Mapp för metrics.json, report.md och plot.png.")] = Path("eval-out"),
    k: Annotated[int, typer.Option(help="Antal passager som räknas i återvinning@k.")] = 5,
    llm: Annotated[str | None, typer.Option(help="none, openai, local (standard: inställningarna).")] = None,
    baseline: Annotated[str | None, typer.Option(help="llamaindex-default: kör också baslinjen.")] = None,
    limit: Annotated[int | None, typer.Option(help="Bara de första N frågorna.")] = None,
    history_sample: Annotated[int, typer.Option(
        help="Ställ också N frågor efter en orelaterad tidigare fråga: svaret ska bli detsamma som utan.")] = 0,
) -> None:
    """Kör utvärderingen av faktatrohet och skriv rapporten."""
    from assistant.evalrun import run_eval

    settings = Settings()
    dataset = dataset or settings.evals_dir / "qa.jsonl"
    if llm:
        settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"backend": llm})})
    if baseline not in (None, "llamaindex-default"):
        console.print(f"[red]Okänd baslinje '{baseline}'; välj llamaindex-default.[/red]")
        raise typer.Exit(2)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("Frågor", total=None)
        run = run_eval(settings, dataset, out, k=k, drafts=drafts, baseline=baseline, limit=limit,
                       progress=lambda done, total: bar.update(task, completed=done, total=total),
                       history_sample=history_sample)
    qa = run["qa"]
    table = Table(title=f"Utvärdering ({qa['items']} frågor)")
    from assistant.report import headline_keys

    keys = headline_keys(qa)
    table.add_column("Pipeline")
    for _, label in keys:
        table.add_column(label)
    rows = [("assistant", qa)] + ([(run["baseline"]["name"], run["baseline"]["qa"])] if run.get("baseline") else [])
    for name, metrics in rows:
        table.add_row(name, *[("–" if metrics.get(key) is None else f"{metrics[key]:.3f}") for key, _ in keys])
    console.print(table)
    if run.get("history"):
        h = run["history"]
        console.print(f"Historik: {h['sample'] - len(h['changed'])} av {h['sample']} frågor fick samma svar efter en "
                      f"orelaterad tidigare fråga (de som ändrades står i metrics.json).")
    if run.get("drafts"):
        d = run["drafts"]
        console.print(f"Utkast: sifferprecision {d['draft_number_precision']}, täckning {d['draft_coverage']}")
    console.print(f"Rapport: {out / 'report.md'}")
