"""Throwaway databases for tests, on SQLite or on the real PostgreSQL server.

`TONGNAN_TEST_DB=postgresql` selects PostgreSQL at `TONGNAN_TEST_POSTGRES_URL`
(default postgresql://postgres@127.0.0.1:5432/postgres); each database gets a unique
name and is dropped at the end of the session.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import Engine, MetaData, text
from sqlalchemy.engine import make_url

from services.common.db import make_engine
from services.common.migrations import upgrade
from services.common.settings import normalise_database_url

BACKEND = os.environ.get("TONGNAN_TEST_DB", "sqlite")
POSTGRES_ADMIN_URL = normalise_database_url(
    os.environ.get("TONGNAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    field="TONGNAN_TEST_POSTGRES_URL",
)


def postgres_reachable() -> bool:
    engine = make_engine(POSTGRES_ADMIN_URL, pool_size=1)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


class Databases:
    """Creates databases for one test session and removes them at its end."""

    def __init__(self, backend: str, tmp_dir: Path) -> None:
        self.backend = backend
        self.tmp_dir = tmp_dir
        self._created: list[str] = []
        self._migrated: dict[str, str] = {}
        self._engines: dict[str, Engine] = {}
        self._admin = (
            make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)
            if backend == "postgresql"
            else None
        )

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    def fresh(self, service: str) -> str:
        """A new empty database for `service`; returns its URL."""
        name = f"t_{service}_{uuid.uuid4().hex[:10]}"
        if self._admin is None:
            return f"sqlite:///{self.tmp_dir / (name + '.db')}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def url_template(self) -> str:
        """A `{service}` URL template whose databases are dropped with the session's others."""
        stem = f"t_stack_{uuid.uuid4().hex[:8]}"
        if self._admin is None:
            return f"sqlite:///{self.tmp_dir / stem}_{{service}}.db"
        from services.common.migrations import DATABASES

        self._created.extend(f"{stem}_{service}" for service in DATABASES)
        return (
            make_url(POSTGRES_ADMIN_URL)
            .set(database=f"{stem}_SERVICE")
            .render_as_string(hide_password=False)
            .replace("SERVICE", "{service}")
        )

    def migrated(self, service: str) -> str:
        """One database per service per session, upgraded to head once."""
        if service not in self._migrated:
            url = self.fresh(service)
            upgrade(service, url)
            self._migrated[service] = url
        return self._migrated[service]

    def engine(self, service: str) -> Engine:
        if service not in self._engines:
            self._engines[service] = make_engine(self.migrated(service))
        return self._engines[service]

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        if self._admin is None:
            return
        with self._admin.connect() as connection:
            for name in self._created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._admin.dispose()


def empty_tables(engine: Engine, metadata: MetaData) -> None:
    """Remove every row of a service's tables, keeping the migrated schema."""
    tables = list(reversed(metadata.sorted_tables))
    if not tables:
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
