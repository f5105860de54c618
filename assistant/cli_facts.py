"""`assistant facts …`: extract candidate facts, check them against the committed set, list them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.cli_sv import SUBCOMMAND_METAVAR
from assistant.facts import extract_corpus, read_facts_csv, write_facts_csv, write_review_csv
from assistant.factstore import FactStore
from assistant.types import Fact

facts_app = typer.Typer(
    help="Indikatorfakta: tabellvärden med källa, granskade och incheckade i corpus/indicators.csv.",
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
    out: Annotated[Path | None, typer.Option("--out", help="Utfil (standard: <korpus>/indicators.csv).")] = None,
) -> None:
    """Extrahera kandidatfakta ur varje indikatortabell (och raderna som behöver granskas)."""
    corpus = corpus_folder(corpus)
    result = extract_corpus(corpus)
    out = out or corpus / "indicators.csv"
    review = out.with_name("needs_review.csv")
    write_facts_csv(result.facts, out)
    write_review_csv(result.needs_review, review)
    console.print(f"{len(result.facts)} fakta → {out}; {len(result.needs_review)} rader att granska → {review}")


@facts_app.command()
def check(corpus: CorpusOpt = None, facts: FactsOpt = None) -> None:
    """Extrahera på nytt och misslyckas om något skiljer sig från de granskade, incheckade fakta."""
    corpus = corpus_folder(corpus)
    path = facts or corpus / "indicators.csv"
    if not path.is_file():
        console.print(f"[red]Faktafilen {path} saknas; kör 'assistant facts extract' och granska resultatet.[/red]")
        raise typer.Exit(1)
    differences = diff_facts(read_facts_csv(path), extract_corpus(corpus).facts)
    if differences:
        console.print(f"[red]Omextraktionen skiljer sig från {path} ({len(differences)} skillnader):[/red]")
        for line in differences[:50]:
            console.print(f"  {line}", markup=False)
        if len(differences) > 50:
            console.print(f"  … och {len(differences) - 50} till")
        console.print("Granska ändringen; om den är rätt, kör 'assistant facts extract' och checka in filen.")
        raise typer.Exit(1)
    console.print(f"OK: {path} stämmer med tabellerna i korpusen.")


@facts_app.command("list")
def list_facts(
    corpus: CorpusOpt = None,
    facts: FactsOpt = None,
    municipality: Annotated[str | None, typer.Option(help="Kommun, t.ex. Lerum.")] = None,
    body: Annotated[str | None, typer.Option(help="Nämnd, t.ex. socialnämnden.")] = None,
    indicator: Annotated[str | None, typer.Option(help="Ord ur indikatorns namn.")] = None,
    period: Annotated[str | None, typer.Option(help="Period, t.ex. 2023 eller 210831.")] = None,
    kind: Annotated[str | None, typer.Option(help="utfall, mål, prognos, budget …")] = None,
    limit: Annotated[int, typer.Option(help="Högst så här många rader.")] = 50,
) -> None:
    """Lista fakta, filtrerade på kommun, nämnd, ord ur indikatorn, period och slag."""
    store = FactStore.from_csv(facts or corpus_folder(corpus) / "indicators.csv")
    found = store.search(indicator, municipality=municipality, body=body, period=period, kind=kind, limit=limit)
    table = Table(title=f"Fakta ({len(found)})")
    for column in ("Kommun", "Nämnd", "Indikator", "Period", "Slag", "Värde", "Id"):
        table.add_column(column, overflow="fold")
    for f in found:
        table.add_row(f.municipality, f.body, f.indicator, f.period, f.kind, f.value, f.id)
    Console(width=max(console.width, 160)).print(table)


if __name__ == "__main__":
    facts_app()
