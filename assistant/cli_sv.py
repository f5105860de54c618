"""Swedish for the command line's own words: click's and typer's help, prompts and errors.

click and typer take their texts from gettext with no catalogue for Swedish, so the words a user meets
("Usage:", "Show this message and exit.", "Repeat for confirmation", "Aborted.") are looked up here instead.
`swedish()` installs the lookup when the command line starts (see SwedishGroup), never at import.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import re
import sys
from typing import Any

import typer.core

SUBCOMMAND_METAVAR = "KOMMANDO [ARGUMENT]..."
SWEDISH = {
    "Usage:": "Användning:",
    "Options": "Flaggor",
    "Arguments": "Argument",
    "Commands": "Kommandon",
    "Positional arguments": "Argument",
    "Error": "Fel",
    "Show this message and exit.": "Visa den här hjälpen och avsluta.",
    "Show the version and exit.": "Visa versionen och avsluta.",
    "Repeat for confirmation": "Upprepa för att bekräfta",
    "Error: The two entered values do not match.": "Fel: de två värdena är inte lika.",
    "Error: invalid input": "Fel: ogiltig inmatning",
    "Error: {message}": "Fel: {message}",
    "Aborted!": "Avbrutet.",
    "Aborted.": "Avbrutet.",
    "Do you want to continue?": "Vill du fortsätta?",
    "Confirm the action without prompting.": "Bekräfta utan att fråga.",
    "Press any key to continue...": "Tryck på en tangent för att fortsätta …",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' för hjälp.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Skriv [blue]'{command_path} {help_option}'[/] för hjälp.",
    "Missing command.": "Kommando saknas.",
    "No such command {name!r}.": "Kommandot {name!r} finns inte.",
    "No such option {name!r}.": "Flaggan {name!r} finns inte.",
    "No such option: {name}": "Flaggan finns inte: {name}",
    "Did you mean {possibility}?": "Menade du {possibility}?",
    "Option {name!r} does not take a value.": "Flaggan {name!r} tar inget värde.",
    "Option {name!r} requires an argument.": "Flaggan {name!r} kräver ett värde.",
    "Argument {name!r} takes {nargs} values.": "Argumentet {name!r} tar {nargs} värden.",
    "Missing argument": "Argument saknas",
    "Missing option": "Flagga saknas",
    "Missing parameter": "Parameter saknas",
    "Missing parameter: {param_name}": "Parameter saknas: {param_name}",
    "Missing {param_type}": "Saknas: {param_type}",
    "argument": "argument",
    "option": "flagga",
    "parameter": "parameter",
    "Invalid value for {param_hint}: {message}": "Ogiltigt värde för {param_hint}: {message}",
    "Invalid value: {message}": "Ogiltigt värde: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} är inte ett giltigt {number_type}.",
    "integer": "heltal",
    "float": "decimaltal",
    "{value} is not in the range {range}.": "{value} ligger inte inom {range}.",
    "{value!r} is not one of {choices}.": "{value!r} är inte ett av {choices}.",
    "{value!r} is not {choice}.": "{value!r} är inte {choice}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} finns inte.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} är en mapp.",
    "{name} {filename!r} is a file.": "{name} {filename!r} är en fil.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} går inte att läsa.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} går inte att skriva till.",
    "file": "filen",
    "directory": "mappen",
    "path": "sökvägen",
    "unknown error": "okänt fel",
    "Could not open file {filename!r}: {message}": "Kunde inte öppna filen {filename!r}: {message}",
    "[default: {}]": "[standard: {}]",
    "default: {default}": "standard: {default}",
    "[env var: {}]": "[miljövariabel: {}]",
    "env var: {var}": "miljövariabel: {var}",
    "[required]": "[krävs]",
    "required": "krävs",
    "(deprecated) ": "(föråldrad) ",
    "deprecated": "föråldrad",
    "(dynamic)": "(dynamisk)",
}
SWEDISH_PLURAL = {
    "Got unexpected extra argument ({args})": "Oväntat extra argument ({args})",
    "Got unexpected extra arguments ({args})": "Oväntade extra argument ({args})",
}
# Texts typer reads from module constants (made with gettext when typer was imported).
_RICH_CONSTANTS = ("DEPRECATED_STRING", "DEFAULT_STRING", "ENVVAR_STRING", "REQUIRED_LONG_STRING",
                   "ARGUMENTS_PANEL_TITLE", "OPTIONS_PANEL_TITLE", "COMMANDS_PANEL_TITLE", "ERRORS_PANEL_TITLE",
                   "ABORTED_TEXT", "RICH_HELP")
_ENGLISH = {name: None for name in _RICH_CONSTANTS}


def gettext_sv(message: str) -> str:
    """The Swedish text for one of click's or typer's messages (the message itself when there is none)."""
    return SWEDISH.get(message, message)


def ngettext_sv(singular: str, plural: str, n: int) -> str:
    """The Swedish singular or plural form."""
    chosen = singular if n == 1 else plural
    return SWEDISH_PLURAL.get(chosen, SWEDISH.get(chosen, chosen))


def _load_all() -> None:
    """Import every module of click and of the click copy inside typer, so none is patched too late."""
    for package in ("click", "typer._click"):
        try:
            root = importlib.import_module(package)
        except ImportError:
            continue
        for info in pkgutil.iter_modules(root.__path__):
            if not info.name.startswith("_win"):
                with contextlib.suppress(ImportError):
                    importlib.import_module(f"{package}.{info.name}")
    importlib.import_module("typer.rich_utils")


# typer's own copy of click writes its messages as f-strings: those are translated by pattern.
_PATTERNS = [
    (re.compile(r"^Missing option (.+?)\.(.*)$", re.S), r"Flaggan \1 saknas.\2"),
    (re.compile(r"^Missing argument (.+?)\.(.*)$", re.S), r"Argumentet \1 saknas.\2"),
    (re.compile(r"^Missing parameter:? ?(.*?)\.?$", re.S), r"Parametern \1 saknas."),
    (re.compile(r"^No such option: (.*)$", re.S), r"Flaggan finns inte: \1"),
    (re.compile(r"^Option (.+?) requires an argument\.$", re.S), r"Flaggan \1 kräver ett värde."),
    (re.compile(r"^Invalid value for (.+?): (.*)$", re.S), r"Ogiltigt värde för \1: \2"),
    (re.compile(r"^Invalid value: (.*)$", re.S), r"Ogiltigt värde: \1"),
    (re.compile(r"^Got unexpected extra argument\(s\) \((.*)\)$", re.S), r"Oväntade extra argument (\1)"),
    (re.compile(r"^(.*) is not a valid (integer|float|boolean)\.$", re.S), r"\1 är inte ett giltigt värde (\2)."),
    (re.compile(r"^(.*) is not one of (.*)\.$", re.S), r"\1 är inte ett av \2."),
    (re.compile(r"^(.*) is not in the range (.*)\.$", re.S), r"\1 ligger inte inom \2."),
]


_PHRASES = {  # pydantic's words in typer's parameter errors
    "Input should be a valid integer, unable to parse string as an integer": "värdet ska vara ett heltal",
    "Input should be a valid integer": "värdet ska vara ett heltal",
    "Input should be a valid number, unable to parse string as a number": "värdet ska vara ett tal",
    "Input should be a valid number": "värdet ska vara ett tal",
    "Input should be greater than or equal to": "värdet ska vara minst",
    "Input should be less than or equal to": "värdet ska vara högst",
    "Input should be": "värdet ska vara",
}
_USAGE_WORDS = {"[OPTIONS]": "[FLAGGOR]", "COMMAND [ARGS]...": "KOMMANDO [ARGUMENT]...", "COMMAND": "KOMMANDO",
                "[ARGS]...": "[ARGUMENT]..."}


def translate_message(message: str) -> str:
    """A click error message in Swedish (unchanged when no pattern knows it)."""
    for phrase, swedish_text in _PHRASES.items():
        message = message.replace(phrase, swedish_text)
    for pattern, swedish_text in _PATTERNS:
        if pattern.match(message):
            return pattern.sub(swedish_text, message)
    return SWEDISH.get(message, message)


def _swedish_usage(pieces: list[str]) -> list[str]:
    return [_USAGE_WORDS.get(piece, piece) for piece in pieces]


def _patch_typer_click() -> None:
    """Swedish for the English that typer's copy of click writes without gettext (once per process)."""
    core, formatting = sys.modules.get("typer._click.core"), sys.modules.get("typer._click.formatting")
    exceptions = sys.modules.get("typer._click.exceptions")
    if core is None or formatting is None or exceptions is None or getattr(core, "_swedish", False):
        return
    core._swedish = True  # type: ignore[attr-defined]
    get_help_option = core.Command.get_help_option

    def help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = SWEDISH["Show this message and exit."]
        return option

    write_usage = formatting.HelpFormatter.write_usage

    def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, f"{SWEDISH['Usage:']} " if prefix is None else prefix)

    core.Command.get_help_option = help_option
    formatting.HelpFormatter.write_usage = usage
    for cls in vars(core).values():
        if isinstance(cls, type) and "collect_usage_pieces" in vars(cls):
            pieces = cls.collect_usage_pieces  # type: ignore[attr-defined]
            cls.collect_usage_pieces = lambda self, ctx, _f=pieces: _swedish_usage(_f(self, ctx))  # type: ignore
    for cls in vars(exceptions).values():
        if isinstance(cls, type) and "format_message" in vars(cls):
            original = cls.format_message  # type: ignore[attr-defined]
            cls.format_message = lambda self, _f=original: translate_message(_f(self))  # type: ignore


def swedish() -> None:
    """Make click and typer speak Swedish from now on (idempotent)."""
    _load_all()
    _patch_typer_click()
    for name, module in list(sys.modules.items()):
        if name in ("click", "typer._click") or name.startswith(("click.", "typer.")):
            if getattr(module, "_", None) is not None and callable(module._):
                module._ = gettext_sv  # type: ignore[attr-defined]
            if callable(getattr(module, "ngettext", None)):
                module.ngettext = ngettext_sv  # type: ignore[attr-defined]
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        for constant in _RICH_CONSTANTS:
            english = _ENGLISH[constant] or getattr(rich_utils, constant)
            _ENGLISH[constant] = english
            setattr(rich_utils, constant, gettext_sv(english))


class SwedishGroup(typer.core.TyperGroup):
    """The top-level command group: installs the Swedish texts before any help, prompt or error is shown."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line in Swedish."""
        swedish()
        return super().main(*args, **kwargs)

