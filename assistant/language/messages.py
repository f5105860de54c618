"""The reader-facing messages of a stage, from the data file messages_sv.toml (loaded once)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def _messages() -> dict[str, Any]:
    text = resources.files("assistant.language").joinpath("data", "messages_sv.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def message(section: str, key: str, **fields: object) -> str:
    """The message section.key with its {fields} filled in."""
    return str(_messages()[section][key]).format(**fields)
