"""`assistant facts list` and `assistant facts review` over a data directory's fact store (Swedish, exit 1 on bad
input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.factdb import FactDB, database_url
from tests.factdata import KULTUR, SECRET, fact_data_dir, fact_named

FIELDS = {"document", "table", "indicator", "period", "kind", "value", "unit", "status", "review", "id", "column"}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings = fact_data_dir(tmp_path)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    return settings.data_dir


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def listed(*args: str) -> list[dict[str, object]]:
    code, out, err = run("facts", "list", "--json", *args)
    assert code == 0, out + err
    return list(json.loads(out))


def test_list_json_prints_every_fact_of_the_data_directory(data_dir: Path) -> None:
    facts = listed()
    assert len(facts) == 8 and {f["document"] for f in facts} == {KULTUR, SECRET}
    assert all(set(f) >= FIELDS for f in facts)
    simhall = next(f for f in facts if f["indicator"] == "Besök i simhallen" and f["column"] == "Budget 2025")
    assert (simhall["period"], simhall["kind"], simhall["value"], simhall["review"]) == (
        "2025", "budget", "91 300", "extracted")
    assert simhall["table"] == "Nyckeltal"


def test_list_filters_by_document_and_review_and_shows_a_table(data_dir: Path) -> None:
    assert {f["document"] for f in listed("--document", SECRET)} == {SECRET}
    assert listed("--review", "reviewed") == []
    assert len(listed("--indicator", "simhall")) == 3
    code, out, _ = run("facts", "list", "--document", KULTUR)
    assert code == 0
    assert "Fakta (6)" in out and "Besök i simhallen" in out and "ogranskad" in out


def test_review_approve_correct_reject_and_a_whole_table(data_dir: Path) -> None:
    facts = FactDB(database_url(data_dir, None)).facts(documents=[KULTUR])
    budget = fact_named(facts, "Besök i simhallen", "Budget 2025")
    books = fact_named(facts, "Utlånade böcker", "Utfall 2025")
    code, out, err = run("facts", "review", budget.id, "--action", "approve", "--who", "gun")
    assert code == 0, out + err
    assert "1 fakta godkända av gun" in out
    code, out, err = run("facts", "review", books.id, "--action", "correct", "--value", "39 900", "--who", "gun")
    assert code == 0, out + err
    assert "39 900 (var 39 800)" in out and "rättad" in out
    code, out, _ = run("facts", "review", "--table", budget.table_id, "--action", "approve", "--who", "gun")
    assert code == 0 and "4 fakta godkända" in out
    reviews = {f["id"]: f["review"] for f in listed("--document", KULTUR)}
    assert reviews[books.id] == "corrected" and list(reviews.values()).count("reviewed") == 5
    assert len(listed("--review", "corrected")) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["nej", "--action", "approve", "--who", "gun"], "Det finns inga fakta med id nej"),
    (["nej", "--action", "godkänn", "--who", "gun"], "Okänd granskningsåtgärd"),
    (["FACT", "--action", "correct", "--who", "gun"], "Ange det rättade värdet"),
    (["--action", "approve", "--who", "gun"], "Ange antingen"),
    (["FACT", "--action", "approve", "--who", "  "], "Ange vem som granskar"),
    (["--table", "saknas", "--action", "approve", "--who", "gun"], "Tabellen saknas finns inte"),
])
def test_bad_review_input_exits_1_with_a_swedish_message(data_dir: Path, args: list[str], message: str) -> None:
    fact_id = FactDB(database_url(data_dir, None)).facts()[0].id
    code, out, err = run("facts", "review", *[fact_id if a == "FACT" else a for a in args])
    assert code == 1, out
    assert message in " ".join(err.split())
    assert {f["review"] for f in listed()} == {"extracted"}  # nothing changed


def test_bad_list_input_exits_1(data_dir: Path) -> None:
    code, _, err = run("facts", "list", "--review", "klar")
    assert code == 1 and "Okänd granskningsstatus" in err
    code, _, err = run("facts", "list", "--document", "finns-inte.txt")
    assert code == 1 and "finns inte" in err


def test_review_needs_who_and_help_is_swedish(data_dir: Path) -> None:
    code, out, err = run("facts", "review", "abc", "--action", "approve")
    assert code == 2 and "--who" in out + err and "Fel" in out + err
    code, out, _ = run("facts", "review", "--help")
    assert code == 0 and "Granska fakta" in out and "Användning:" in out


def test_draft_takes_unreviewed_facts_only_when_asked(data_dir: Path) -> None:
    args = ["draft", "--municipality", "Fjällby", "--body", "Kulturnämnden", "--period", "2025"]
    code, out, _ = run(*args)
    assert code == 2 and "väntar på granskning" in " ".join(out.split())
    code, out, _ = run(*args, "--include-unreviewed")
    assert code == 0, out
    assert "Obs! Utkastet bygger delvis på fakta som ingen har granskat" in out and "95 000 [ej granskad]" in out
