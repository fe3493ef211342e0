"""Catalog-specific connection settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

# SQLite's default page cache is 2 MB; search probes many index pages per query, so give each
# connection a larger cache and map the file into memory (read path only; WAL still applies).
SQLITE_CACHE_KIB = 131_072
SQLITE_MMAP_BYTES = 2 * 1024**3


def _sqlite_search_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def tune(engine: Engine) -> Engine:
    """Apply the catalog's SQLite settings to every new connection of `engine` (no-op elsewhere)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_search_pragmas)
    return engine
