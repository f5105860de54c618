"""The registry's shared backend: document entries and cleaned texts in the relational store.

When app servers share one state (database_url names a server, Chroma runs as `chroma run`), the registry lives
here instead of registry.json and documents/ under each server's data directory. A counter, raised in the same
transaction as every change of the entries, tells the other servers that they must catch up (see
HybridIndex.follow). Writers take one lock for the whole state: a PostgreSQL advisory lock, held by a connection,
so a writer killed half-way releases it with its connection; for a SQLite URL a file lock beside the file.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from assistant.db import make_engine
from assistant.filelock import flocked

_META = MetaData()
ENTRIES = Table(
    "registry_entries", _META,
    Column("id", String(64), primary_key=True),
    Column("body", Text, nullable=False),
)
CLEANED = Table(
    "cleaned_documents", _META,
    Column("id", String(64), primary_key=True),
    Column("body", Text, nullable=False),
)
STATE = Table(
    "registry_state", _META,
    Column("name", String(40), primary_key=True),
    Column("value", Integer, nullable=False),
)
COUNTER = "registry"
LOCK_KEY = 0x504C414E  # "PLAN": the advisory lock every writer of the shared state takes


@functools.cache
def _prepared(url: str) -> Engine:
    """The engine, its tables created and the counter row in place: once per process and URL (a Registry is made
    for every request that lists documents)."""
    engine = make_engine(url)
    _META.create_all(engine)
    with contextlib.suppress(IntegrityError), engine.begin() as conn:  # another server may insert it first
        if conn.execute(select(STATE.c.value).where(STATE.c.name == COUNTER)).first() is None:
            conn.execute(insert(STATE).values(name=COUNTER, value=0))
    return engine


class SharedRegistry:
    """Registry entries (as JSON) and cleaned documents in the database, with a change counter and a lock."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _prepared(url)

    def counter(self) -> int:
        """Raised by every change of the entries."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(STATE.c.value).where(STATE.c.name == COUNTER)).scalar_one())

    def entries(self) -> tuple[int, dict[str, dict[str, Any]]]:
        """The counter and every entry, read in one transaction."""
        with self.engine.begin() as conn:
            value = int(conn.execute(select(STATE.c.value).where(STATE.c.name == COUNTER)).scalar_one())
            rows = conn.execute(select(ENTRIES.c.id, ENTRIES.c.body)).all()
        return value, {row.id: json.loads(row.body) for row in rows}

    def save_entries(self, entries: dict[str, dict[str, Any]]) -> int:
        """Make the stored entries these (changed rows only) and raise the counter; returns the new counter."""
        with self.engine.begin() as conn:
            stored = {row.id: row.body for row in conn.execute(select(ENTRIES.c.id, ENTRIES.c.body))}
            bodies = {key: json.dumps(value, ensure_ascii=False, sort_keys=True) for key, value in entries.items()}
            gone = set(stored) - set(bodies)
            if gone:
                conn.execute(delete(ENTRIES).where(ENTRIES.c.id.in_(sorted(gone))))
            for key, body in bodies.items():
                if key not in stored:
                    conn.execute(insert(ENTRIES).values(id=key, body=body))
                elif stored[key] != body:
                    conn.execute(update(ENTRIES).where(ENTRIES.c.id == key).values(body=body))
            conn.execute(update(STATE).where(STATE.c.name == COUNTER).values(value=STATE.c.value + 1))
            return int(conn.execute(select(STATE.c.value).where(STATE.c.name == COUNTER)).scalar_one())

    def save_document(self, doc_id: str, body: str) -> None:
        """Store (or replace) a cleaned document's JSON."""
        with self.engine.begin() as conn:
            conn.execute(delete(CLEANED).where(CLEANED.c.id == doc_id))
            conn.execute(insert(CLEANED).values(id=doc_id, body=body))

    def load_document(self, doc_id: str) -> str:
        """A cleaned document's JSON; FileNotFoundError when there is none (as for the file store)."""
        with self.engine.connect() as conn:
            body = conn.execute(select(CLEANED.c.body).where(CLEANED.c.id == doc_id)).scalar_one_or_none()
        if body is None:
            raise FileNotFoundError(f"dokumentet {doc_id} finns inte i den delade databasen")
        return str(body)

    def delete_document(self, doc_id: str) -> None:
        """Remove a cleaned document."""
        with self.engine.begin() as conn:
            conn.execute(delete(CLEANED).where(CLEANED.c.id == doc_id))

    def document_ids(self) -> set[str]:
        """Ids of the stored cleaned documents."""
        with self.engine.connect() as conn:
            return {row[0] for row in conn.execute(select(CLEANED.c.id))}

    @contextlib.contextmanager
    def writer_lock(self, wait: bool = True) -> Iterator[bool]:
        """The writers' lock of the shared state (across servers) until the block ends: True when held; with
        wait=False, False at once when another writer holds it."""
        if self.engine.dialect.name != "postgresql":  # SQLite: a file lock beside the database file
            with flocked(Path(self.engine.url.database or "shared").with_suffix(".lock"), wait) as held:
                yield held
            return
        with self.engine.connect() as conn:
            call = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            held = conn.execute(text(f"SELECT {call}(:key)"), {"key": LOCK_KEY}).scalar() is not False
            conn.commit()
            try:
                yield held
            finally:
                if held:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                    conn.commit()
