"""The command line speaks Swedish: help, prompts, errors and aborts (click's and typer's own words too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app

ENGLISH = ("Usage", "Show this message", "Options", "Arguments", "Commands", "Error", "Repeat for confirmation",
           "Aborted", "[default", "[required]", "Missing", "Try '", "No such", "Invalid value", "Got unexpected",
           "[OPTIONS]", "COMMAND", "Input should")
COMMANDS = [[], ["ingest"], ["documents"], ["ask"], ["draft"], ["serve"], ["eval"], ["users"], ["users", "add"],
            ["facts"], ["facts", "extract"], ["facts", "check"], ["facts", "list"], ["facts", "review"]]


def english_in(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "assistant")
def test_every_help_text_is_swedish(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Användning:" in result.output and "Visa den här hjälpen och avsluta." in result.output
    assert not english_in(result.output), result.output


@pytest.mark.parametrize("args", [["draft"], ["draft", "--municipality"], ["ask", "--k", "abc", "x"],
                                  ["ask", "--nope", "x"], ["ask", "a", "b"], ["finns-inte"], ["ask"]])
def test_usage_errors_are_swedish(args: list[str]) -> None:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "Fel" in result.output and not english_in(result.output), result.output


def test_password_prompts_mismatch_and_abort_are_swedish(tmp_path: Path) -> None:
    path = tmp_path / "users.txt"
    args = ["users", "add", "anna", "--file", str(path)]
    result = CliRunner().invoke(app, args, input="långt-lösen\nannat-lösen\nlångt-lösen\nlångt-lösen\n")
    assert result.exit_code == 0, result.output
    assert "Lösenord:" in result.output and "Upprepa lösenordet:" in result.output
    assert "Lösenorden är inte lika" in result.output and not english_in(result.output)
    aborted = CliRunner().invoke(app, ["users", "add", "bo", "--file", str(path)], input="")
    assert aborted.exit_code == 1 and "Avbrutet." in aborted.output and not english_in(aborted.output)
