"""A data directory holding two read documents with tables and their facts, none reviewed (no embedder, no index).

The documents are read as ingestion reads them (`read_document`), stored in the registry and added to the fact
store, which is what ingestion leaves behind for the fact review to work on.
"""

from __future__ import annotations

from pathlib import Path

from assistant.factdb import FactDB, database_url
from assistant.ingest import read_document
from assistant.settings import Settings
from assistant.store import Registry, RegistryEntry
from assistant.types import DocumentMeta, Fact

KULTUR = "fjallby-kultur-2025.txt"
KULTUR_TEXT = ("Uppföljning 2025 för kulturnämnden\n\nNyckeltal\n\n"
               "Indikator\tUtfall 2024\tBudget 2025\tUtfall 2025\n"
               "Besök i simhallen\t88 120\t91 300\t95 000\n"
               "Utlånade böcker\t41 200\t40 000\t39 800\n\n"
               "Nämnden bedömer att besöken i simhallen fortsätter att öka.\n")
KULTUR_META = DocumentMeta(title="Uppföljning kultur 2025", municipality="Fjällby kommun", body="Kulturnämnden",
                           kind="report", period="2025")
SECRET = "hemligby-skydd-2025.txt"
SECRET_TEXT = ("Skyddat boende 2025\n\nNyckeltal\n\nIndikator\tUtfall 2024\tUtfall 2025\n"
               "Platser i skyddat boende\t12\t14\n")
SECRET_META = DocumentMeta(title="Skyddat boende", municipality="Hemligby kommun", body="Socialnämnden",
                           kind="report", period="2025", access="sekretess")


def fact_data_dir(root: Path) -> Settings:
    """Settings for a data directory with the two documents registered and their facts extracted."""
    data = root / "data"
    settings = Settings(data_dir=data, corpus_dir=root / "ingen-korpus", embedding={"kind": "hash"})
    registry = Registry(data)
    with registry.lock():  # creates the data directory
        facts = FactDB(database_url(data, None))
        for name, text, meta in ((KULTUR, KULTUR_TEXT, KULTUR_META), (SECRET, SECRET_TEXT, SECRET_META)):
            path = root / name
            path.write_text(text, encoding="utf-8")
            document = read_document(path, meta)
            assert document.tables, f"{name}: ingen tabell hittades"
            registry.save_document(document)
            registry.entries[document.id] = RegistryEntry(
                id=document.id, name=name, sha256=document.sha256, meta=meta, status="indexed",
                chars=len(document.text))
            facts.add(document)
        registry.save()
    return settings


def fact_named(facts: list[Fact], indicator: str, column: str) -> Fact:
    """The fact of a row and column."""
    return next(f for f in facts if f.indicator == indicator and f.column == column)
