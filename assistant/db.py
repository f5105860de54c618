"""Engines of the relational store (SQLAlchemy): SQLite under the data directory, or a server such as PostgreSQL.

One engine per URL in a process, so that the registry, the fact store and the service share one connection pool.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Engine, create_engine, event


@functools.cache
def make_engine(url: str) -> Engine:
    """The process's engine for a URL; SQLite waits for writers instead of failing."""
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.close()
    return engine

