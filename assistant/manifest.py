"""The corpus manifest (corpus/manifest.toml): what each source file is."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from assistant.types import DocumentMeta

MANIFEST_NAME = "manifest.toml"


class ManifestError(ValueError):
    """The manifest cannot be read or has an invalid entry."""


def load_manifest(folder: Path) -> dict[str, DocumentMeta]:
    """Map file name → metadata for every [[document]] in folder/manifest.toml (empty if absent)."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: manifestet går inte att läsa: {exc}") from exc
    entries: dict[str, DocumentMeta] = {}
    for i, entry in enumerate(data.get("document", []), start=1):
        entry = dict(entry)
        name = entry.pop("file", None)
        if not name:
            raise ManifestError(f"{path}: post {i} saknar 'file'.")
        try:
            entries[name] = DocumentMeta(**entry)
        except ValidationError as exc:
            raise ManifestError(f"{path}: post {i} ({name}) är ogiltig: {exc}") from exc
    return entries
