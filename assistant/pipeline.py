"""The one factory: builds the embedder, stores and sinks from settings and wires them together."""

from __future__ import annotations

from assistant.ingest import IndexSink, Ingestor
from assistant.settings import Settings


def build_sinks(settings: Settings) -> list[IndexSink]:
    """The index sinks that must mirror the registry's primary documents."""
    return []


def build_ingestor(settings: Settings) -> Ingestor:
    """An Ingestor wired to every index sink."""
    return Ingestor(settings, sinks=build_sinks(settings))
