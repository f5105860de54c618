"""`assistant fit`: fit the answer scorer's weights on labelled eval sets and calibrate its refusal threshold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

console = Console()


def _sets(specs: list[str], default: Path) -> list[tuple[Path, Path]]:
    """'evals/qa.jsonl' or 'evals/kdev.jsonl@/srv/data-kb' → (set, data directory)."""
    out = []
    for spec in specs:
        path, _, data = spec.partition("@")
        out.append((Path(path), Path(data) if data else default))
    return out


def fit_command(
    sets: Annotated[list[str], typer.Argument(help="Frågefiler (JSONL), var och en som fil eller fil@datamapp.")],
    out: Annotated[Path, typer.Option(help="Viktfil att skriva.")] = Path("assistant/answering/weights.json"),
    folds: Annotated[int, typer.Option(help="Antal delar i korsvalideringen.")] = 5,
    c: Annotated[float, typer.Option("--c", help="Regulariseringens styrka (mindre = starkare).")] = 1.0,
    examples_file: Annotated[Path | None, typer.Option(
        "--examples", help="JSON-fil med insamlade exempel: läses om den finns, annars skrivs den (snabbare omkörning "
        "när bara anpassningen ändras).")] = None,
) -> None:
    """Fit the scorer on every candidate of the given questions; report k-fold cross-validated figures."""
    from assistant.answering.fit import cross_validate, fitted_weights, load_examples, save_examples, summary, tops

    if examples_file is not None and examples_file.is_file():
        examples = load_examples(examples_file)
    else:
        examples = _collect(sets)
        if examples_file is not None:
            save_examples(examples, examples_file)
    cv = cross_validate(examples, folds, c)
    weights = fitted_weights(examples, c, notes={"fitted_on": [str(p) for p, _ in _sets(sets, Path("."))],
                                                 "questions": len(examples), "cross_validation": cv})
    weights.notes["training"] = summary(tops(examples, weights), weights.threshold)
    out.write_text(weights.to_json(), encoding="utf-8")
    console.print(json.dumps({"cross_validation": cv, "training": weights.notes["training"],
                              "threshold": weights.threshold}, ensure_ascii=False, indent=1))
    console.print(f"Vikter → {out}")


def _collect(sets: list[str]) -> list[Any]:
    """Every question's candidates with features and labels, set by set (with a progress bar)."""
    from assistant.answering import Answerer
    from assistant.answering.fit import collect
    from assistant.evalset import EvalItem, load_items
    from assistant.service import AssistantService
    from assistant.settings import Settings
    from assistant.store import Registry
    from assistant.types import AskRequest, Candidate

    examples = []
    for path, data_dir in _sets(sets, Settings().data_dir):
        settings = Settings(data_dir=data_dir)
        service = AssistantService(settings)
        items = load_items(path)
        texts = {d.name: d.text for d in Registry.of(settings).documents()}
        def candidates_of(item: EvalItem, answerer: Answerer = service.answerer) -> list[Candidate]:  # type: ignore[assignment]
            return answerer.candidates(AskRequest(item.question))[1]

        with Progress(console=console) as bar:
            task = bar.add_task(f"{path.name}", total=len(items))

            def advance(done: int, bar: Progress = bar, task: TaskID = task) -> None:
                bar.update(task, completed=done)

            examples += collect(items, candidates_of, texts, advance)
    return examples
