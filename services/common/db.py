"""Engines and request-scoped sessions for one service's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from services.common.errors import DomainError

# Constraint names that alembic can find again on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Each process's connections: every process of the stack shares one PostgreSQL server's
# max_connections (100 by default). A burst past the pool waits for a connection rather than
# failing, and the services admit no more requests at once than this (see services.common.app).
# All of them are kept once opened: with 5 kept and 10 more "overflow" ones, a service busy with
# more than 5 requests opened and closed a connection for nearly every request past the fifth
# (on SQLite with its pragmas each time; on PostgreSQL a login), under the storefront's load.
POOL_SIZE = 15
POOL_OVERFLOW = 0
POOL_CONNECTIONS = POOL_SIZE + POOL_OVERFLOW
POOL_TIMEOUT_SECONDS = 30.0


def service_metadata() -> MetaData:
    """A fresh MetaData per service: no service's tables leak into another's database."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside one writer; busy_timeout queues writers instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    in_memory = sqlite and parsed.database in (None, "", ":memory:")
    if not in_memory and "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    if sqlite:
        if not in_memory:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit once at the end, roll back everything on any error.

    Services only `flush()`; this is the single place that commits. A `DomainError` that
    `keeps_writes` reports a state the service recorded on purpose: that is committed.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except DomainError as exc:
            if exc.keeps_writes:
                session.commit()
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise


def release_connection(session: Session) -> None:
    """Commit what the unit of work has done so far, which gives the session's connection back to
    the pool (and ends its locks), before a call to another service or to a payment provider:
    a connection held across a call waits on the network, and the pool is small. The session
    takes a connection again at its next statement; its objects stay loaded
    (expire_on_commit=False), but what it reads next is read afresh."""
    session.commit()


def service_registry() -> Any:
    """A SQLAlchemy registry with its own MetaData, for one service's table base class:

    class CatalogTable(SQLModel, registry=service_registry()): ...
    """
    from sqlalchemy.orm import registry

    return registry(metadata=service_metadata())
