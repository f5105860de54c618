"""`assistant facts …`: extract candidate facts, check them against the committed set, list and review them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.cli_sv import SUBCOMMAND_METAVAR
from assistant.facts import extract_corpus, read_facts_csv, write_facts_csv, write_review_csv
from assistant.factview import ACTION_SV, fact_record, review_label
from assistant.service import AssistantService, ServiceError
from assistant.types import Fact

facts_app = typer.Typer(
    help="Indikatorfakta: tabellvärden med källa och granskningsstatus (datakatalogens faktadatabas; korpusens "
    "granskade fakta är incheckade i corpus/indicators.csv).",
    no_args_is_help=True,
    add_completion=False,
    subcommand_metavar=SUBCOMMAND_METAVAR,
)
console = Console()

CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Korpusmapp med manifest.toml (standard: inställningen corpus_dir).")
]
FactsOpt = Annotated[Path | None, typer.Option("--facts", help="Faktafil (standard: <korpus>/indicators.csv).")]


def corpus_folder(given: Path | None) -> Path:
    """The corpus folder: the one given, else the corpus_dir setting (never the working directory)."""
    if given is not None:
        return given
    from assistant.settings import Settings

    return Settings().corpus_dir


def diff_facts(committed: list[Fact], extracted: list[Fact]) -> list[str]:
    """Human-readable (Swedish) differences between the committed facts and a fresh extraction."""
    old = {f.id: f for f in committed}
    new = {f.id: f for f in extracted}
    lines = []
    for fid in old.keys() - new.keys():
        f = old[fid]
        lines.append(f"saknas nu: {f.id} {f.indicator} {f.period} {f.kind} = {f.value} ({f.document})")
    for fid in new.keys() - old.keys():
        f = new[fid]
        lines.append(f"ny: {f.id} {f.indicator} {f.period} {f.kind} = {f.value} ({f.document})")
    for fid in old.keys() & new.keys():
        a, b = old[fid].model_dump(), new[fid].model_dump()
        changed = [f"{k}: {a[k]!r} → {b[k]!r}" for k in a if a[k] != b[k]]
        if changed:
            lines.append(f"ändrad: {fid} {old[fid].indicator} {old[fid].period} — " + "; ".join(changed))
    if not lines and [f.id for f in committed] != [f.id for f in extracted]:
        lines.append("samma fakta men i annan ordning")
    return sorted(lines)


@facts_app.command()
def extract(
    corpus: CorpusOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Utfil (standard: <korpus>/extracted.csv; de granskade fakta i indicators.csv skrivs aldrig "
        "över).")] = None,
) -> None:
    """Extrahera kandidatfakta ur varje tabell (och raderna som behöver granskas), ogranskade."""
    corpus = corpus_folder(corpus)
    result = extract_corpus(corpus)
    out = out or corpus / "extracted.csv"
    review = out.with_name("needs_review.csv")
    write_facts_csv(result.facts, out)
    write_review_csv(result.needs_review, review)
    console.print(f"{len(result.facts)} fakta → {out}; {len(result.needs_review)} rader att granska → {review}")


@facts_app.command()
def check(corpus: CorpusOpt = None, facts: FactsOpt = None) -> None:
    """Kontrollera att varje granskat faktum står kvar på sin plats och att extraktionen inte säger emot det."""
    from assistant.facts import corpus_documents, extract_documents
    from assistant.facts.check import check_reviewed

    corpus = corpus_folder(corpus)
    path = facts or corpus / "indicators.csv"
    if not path.is_file():
        console.print(f"[red]Faktafilen {path} saknas; kör 'assistant facts extract' och granska resultatet.[/red]")
        raise typer.Exit(1)
    reviewed = read_facts_csv(path)
    documents = corpus_documents(corpus)
    problems = check_reviewed(reviewed, documents, extract_documents(documents).facts)
    if problems:
        console.print(f"[red]{len(problems)} granskade fakta håller inte mot dokumenten ({path}):[/red]")
        for problem in problems[:50]:
            console.print(f"  {problem}", markup=False)
        if len(problems) > 50:
            console.print(f"  … och {len(problems) - 50} till")
        console.print("Granska om dem (fliken Fakta eller 'assistant facts review') och checka in filen.")
        raise typer.Exit(1)
    console.print(f"OK: alla {len(reviewed)} granskade fakta i {path} står kvar och extraktionen säger inte emot dem.")


ReviewOpt = Annotated[str | None, typer.Option(
    "--review", help="Bara fakta med denna granskningsstatus: extracted (ogranskad), reviewed (granskad), "
    "corrected (rättad) eller rejected (avvisad).")]


def _service() -> AssistantService:
    from assistant.settings import Settings

    return AssistantService(Settings())


def _fail(message: str) -> NoReturn:
    """A Swedish message on standard error and exit status 1."""
    Console(stderr=True).print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(1)


def _words_match(wanted: str | None, value: str) -> bool:
    return not wanted or wanted.casefold().strip() in value.casefold()


def keep(fact: Fact, municipality: str | None, body: str | None, indicator: str | None, period: str | None,
         kind: str | None) -> bool:
    """Whether a fact passes the list's word filters (any case, part of the name is enough)."""
    return (_words_match(municipality, fact.municipality) and _words_match(body, fact.body)
            and _words_match(indicator, fact.row_name) and _words_match(period, fact.period)
            and (not kind or kind.casefold() == fact.kind.casefold()))


def print_facts(found: list[Fact], title: str, limit: int | None = None) -> None:
    """The facts as a table for people (the first `limit`)."""
    shown = found[:limit] if limit else found
    table = Table(title=title if len(shown) == len(found) else f"{title} — visar {len(shown)}")
    for column in ("Dokument", "Tabell-id", "Indikator", "Kolumn", "Period", "Slag", "Värde", "Status", "Id"):
        table.add_column(column, overflow="fold")
    for f in shown:
        value = f"{f.value} {f.unit}".strip() + (f" (var {f.original_value})" if f.original_value else "")
        table.add_row(f.document, f.table_id, f.row_name, f.column, f.period, f.kind, value, review_label(f.review),
                      f.id)
    Console(width=max(console.width, 160)).print(table)


@facts_app.command("list")
def list_facts(
    document: Annotated[str | None, typer.Option(help="Bara detta dokument (filnamn eller id).")] = None,
    review: ReviewOpt = None,
    municipality: Annotated[str | None, typer.Option(help="Kommun, t.ex. Lerum.")] = None,
    body: Annotated[str | None, typer.Option(help="Nämnd, t.ex. socialnämnden.")] = None,
    indicator: Annotated[str | None, typer.Option(help="Ord ur indikatorns namn.")] = None,
    period: Annotated[str | None, typer.Option(help="Period, t.ex. 2023 eller 2021-08.")] = None,
    kind: Annotated[str | None, typer.Option(help="utfall, mål, prognos, budget …")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv alla fakta som en JSON-lista.")] = False,
    limit: Annotated[int, typer.Option(help="Högst så här många rader i tabellvyn (0 = alla).")] = 50,
) -> None:
    """Lista fakta i datakatalogen (alla inlästa dokument) med granskningsstatus."""
    try:
        found = _service().facts(document=document, review=review)
    except ServiceError as exc:
        _fail(str(exc))
    found = [f for f in found if keep(f, municipality, body, indicator, period, kind)]
    if as_json:
        typer.echo(json.dumps([fact_record(f) for f in found], ensure_ascii=False, indent=1))
        return
    print_facts(found, f"Fakta ({len(found)})", limit)


@facts_app.command("review")
def review_facts(
    action: Annotated[str, typer.Option(
        "--action", help="approve (godkänn), correct (rätta, med --value), reject (avvisa) eller reset "
        "(återställ till ogranskad).", show_default=False)],
    who: Annotated[str, typer.Option("--who", help="Vem som granskar; namnet skrivs i granskningsloggen.",
                                     show_default=False)],
    ids: Annotated[list[str] | None, typer.Argument(help="Faktumens id (se 'assistant facts list').",
                                                    metavar="ID", show_default=False)] = None,
    value: Annotated[str | None, typer.Option("--value", help="Det rättade värdet (bara med --action correct).")
                     ] = None,
    table: Annotated[str | None, typer.Option(
        "--table", help="Ett tabell-id i stället för id: tabellens alla ogranskade fakta (med reset: de granskade).")
                     ] = None,
) -> None:
    """Granska fakta: godkänn, rätta, avvisa eller återställ ett eller flera fakta, eller en hel tabell."""
    if not who.strip():
        _fail("Ange vem som granskar med --who.")
    try:
        changed = _service().review_facts(ids or None, table, action, who.strip(), value)
    except ServiceError as exc:
        _fail(str(exc))
    if not changed:
        console.print("Inga fakta ändrades: tabellens fakta har redan den statusen.")
        return
    print_facts(changed, f"{len(changed)} fakta {ACTION_SV[action]} av {who.strip()}")


if __name__ == "__main__":
    facts_app()
