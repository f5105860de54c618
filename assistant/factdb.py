"""The fact store: every document's facts with their review status, in a relational database (SQLAlchemy).

SQLite under the data directory by default; any SQLAlchemy URL (PostgreSQL with psycopg) through the
database_url setting, so that several app servers can share one store. The store is an index sink: ingesting a
document extracts its facts, deleting it removes them, and re-ingesting a changed document re-extracts them while
keeping the reviews of the facts that did not change (a fact's id is a hash of where and what it is).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)

from assistant.db import make_engine
from assistant.facts import facts_of, read_facts_csv
from assistant.types import Fact, ReviewStatus, SourceDocument

_META = MetaData()
FACTS = Table(
    "facts", _META,
    Column("id", String(32), primary_key=True),
    Column("document_id", String(32), index=True, nullable=False),
    *(Column(name, Float if name == "number" else Integer if name in ("start", "end", "row_start", "row_end", "page")
             else Text if name in ("indicator", "table", "value", "original_value") else String(300),
             index=name == "document")
      for name in Fact.model_fields if name != "id"),
)
EVENTS = Table(
    "fact_events", _META,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("fact_id", String(32), index=True),
    Column("action", String(20)),
    Column("who", String(100)),
    Column("at", String(40)),
    Column("old_value", Text),
    Column("new_value", Text),
)
ACTIONS: dict[str, ReviewStatus] = {"approve": "reviewed", "correct": "corrected", "reject": "rejected",
                                    "reset": "extracted"}


def database_url(data_dir: Path, url: str | None) -> str:
    """The configured URL, else SQLite in the data directory."""
    return url or f"sqlite:///{(data_dir / 'assistant.sqlite').resolve()}"


def store_exists(data_dir: Path, url: str | None) -> bool:
    """Whether there is a fact store to read: a configured server, or the SQLite file in the data directory."""
    return bool(url) or (data_dir / "assistant.sqlite").is_file()


def _row(fact: Fact, document_id: str) -> dict[str, Any]:
    return {**fact.model_dump(), "document_id": document_id}


def _fact(row: Any) -> Fact:
    data = dict(row._mapping)
    data.pop("document_id", None)
    return Fact.model_validate({k: v for k, v in data.items() if v is not None or k in ("number", "page")})


class FactDB:
    """Facts in the database, as an index sink and for review."""

    def __init__(self, url: str, reviewed_csv: Path | None = None) -> None:
        self.engine = make_engine(url)
        _META.create_all(self.engine)
        self.reviewed_csv = reviewed_csv
        self._reviewed: dict[str, list[Fact]] | None = None

    # -- index sink ------------------------------------------------------------------------------------------
    def add(self, document: SourceDocument) -> None:
        """Extract the document's facts; keep the review of every fact that is unchanged; add reviewed imports."""
        extracted = facts_of(document).facts
        imported = self._imported(document)
        if imported:
            taken = {(f.start, f.end) for f in imported}
            extracted = [f for f in extracted if not any(a < f.end and f.start < b for a, b in taken)]
        facts = imported + extracted
        with self.engine.begin() as conn:
            kept = {r.id: r for r in conn.execute(select(FACTS).where(FACTS.c.document_id == document.id))}
            conn.execute(delete(FACTS).where(FACTS.c.document_id == document.id))
            rows = []
            for fact in facts:
                old = kept.get(fact.id)
                if old is not None and old.review != "extracted" and fact.review == "extracted":
                    fact = fact.model_copy(update={k: getattr(old, k) for k in (
                        "review", "value", "original_value", "reviewer", "reviewed_at", "number")})
                rows.append(_row(fact, document.id))
            if rows:
                conn.execute(insert(FACTS), rows)

    def replace(self, document: SourceDocument) -> None:
        """A new reading of a document the store holds: extracted again, reviews of unchanged facts kept."""
        self.add(document)

    def remove(self, document_id: str) -> None:
        """Forget a document's facts."""
        with self.engine.begin() as conn:
            conn.execute(delete(FACTS).where(FACTS.c.document_id == document_id))

    def sync(self, documents: Iterable[SourceDocument]) -> None:
        """Bring the store in line with the registry's primary documents (after a crash or a restart)."""
        by_id = {d.id: d for d in documents}
        self.sync_ids(set(by_id), by_id.__getitem__)

    def sync_ids(self, wanted: set[str], load: Callable[[str], SourceDocument]) -> None:
        """sync() for these document ids; load(id) reads one the store has no facts of (one at a time)."""
        have = self.document_ids()
        for doc_id in have - wanted:
            self.remove(doc_id)
        for doc_id in sorted(wanted - have):
            document = load(doc_id)
            if document.tables:
                self.add(document)

    def document_ids(self) -> set[str]:
        """Documents the store holds facts of."""
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(select(FACTS.c.document_id).distinct())}

    def _imported(self, document: SourceDocument) -> list[Fact]:
        """The committed reviewed facts of this document whose values still stand at their spans."""
        if self.reviewed_csv is None or not self.reviewed_csv.is_file():
            return []
        if self._reviewed is None:
            self._reviewed = {}
            for fact in read_facts_csv(self.reviewed_csv):
                self._reviewed.setdefault(fact.document, []).append(fact)
        out = []
        for fact in self._reviewed.get(document.name, []):
            if document.text[fact.start:fact.end].split() == fact.value.split() or fact.value in document.text[
                    fact.start:fact.end]:
                review = fact.review if fact.review != "extracted" else "reviewed"
                out.append(fact.model_copy(update={"review": review}))
        return out

    # -- reading ---------------------------------------------------------------------------------------------
    def facts(self, documents: Iterable[str] | None = None, statuses: Iterable[str] | None = None) -> list[Fact]:
        """Facts, optionally of some documents (file names) and review statuses, in document order."""
        query = select(FACTS)
        if documents is not None:
            query = query.where(FACTS.c.document.in_(list(documents)))
        if statuses is not None:
            query = query.where(FACTS.c.review.in_(list(statuses)))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(FACTS.c.document, FACTS.c.start, FACTS.c.kind)).all()
        return [_fact(r) for r in rows]

    def in_span(self, document: str, start: int, end: int) -> list[Fact]:
        """The facts of a document whose values stand inside [start, end) (a table row's facts), not rejected."""
        query = select(FACTS).where(FACTS.c.document == document, FACTS.c.start >= start, FACTS.c.end <= end,
                                    FACTS.c.review != "rejected")
        with self.engine.connect() as conn:
            return [_fact(r) for r in conn.execute(query.order_by(FACTS.c.start))]

    def get(self, fact_id: str) -> Fact | None:
        """One fact by id."""
        with self.engine.connect() as conn:
            row = conn.execute(select(FACTS).where(FACTS.c.id == fact_id)).first()
        return _fact(row) if row is not None else None

    # -- review ----------------------------------------------------------------------------------------------
    def review(self, fact_ids: Iterable[str], action: str, who: str, value: str | None = None) -> list[Fact]:
        """Approve, correct (with the new value; the original is kept), reject or reset facts; each is logged."""
        status = ACTIONS.get(action)
        if status is None:
            raise ValueError(f"okänd granskningsåtgärd '{action}' (använd {', '.join(ACTIONS)})")
        if action == "correct" and not (value or "").strip():
            raise ValueError("en rättelse behöver det nya värdet")
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        changed = []
        with self.engine.begin() as conn:
            for fact_id in fact_ids:
                row = conn.execute(select(FACTS).where(FACTS.c.id == fact_id)).first()
                if row is None:
                    raise KeyError(fact_id)
                updates: dict[str, Any] = {"review": status, "reviewer": who, "reviewed_at": now}
                if action == "correct":
                    updates |= {"value": value, "original_value": row.original_value or row.value,
                                "number": _number(value or "")}
                if action == "reset" and row.original_value:
                    updates |= {"value": row.original_value, "original_value": "",
                                "number": _number(row.original_value)}
                conn.execute(update(FACTS).where(FACTS.c.id == fact_id).values(**updates))
                conn.execute(insert(EVENTS).values(fact_id=fact_id, action=action, who=who, at=now,
                                                   old_value=row.value, new_value=updates.get("value", row.value)))
                changed.append(fact_id)
        return [f for f in (self.get(i) for i in changed) if f is not None]

    def events(self, fact_id: str | None = None) -> list[dict[str, Any]]:
        """The review log, oldest first."""
        query = select(EVENTS).order_by(EVENTS.c.seq)
        if fact_id is not None:
            query = query.where(EVENTS.c.fact_id == fact_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def _number(value: str) -> float | None:
    from assistant.numbers import try_parse_number

    parsed = try_parse_number(value)
    return parsed.value if parsed is not None else None
