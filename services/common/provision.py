"""Make a service's database exist and reach it, with errors an operator can act on."""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from services.common.db import make_engine
from services.common.settings import ConfigurationError


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def ensure_database(url: str, *, service: str) -> None:
    """Create a missing PostgreSQL database (SQLite files appear by themselves)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    name = parsed.database
    admin = make_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        pool_size=1,
    )
    try:
        with admin.connect() as connection:
            # Two `tongnan migrate` at once must not both find it missing and both create it.
            key = zlib.crc32(f"tongnan create database {name}".encode())
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                exists = connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).scalar()
                if not exists:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    except (OperationalError, ProgrammingError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise ConfigurationError(f"cannot reach the {service} database at {shown}: {_reason(exc)}") from None
    finally:
        admin.dispose()


def migrate(service: str, url: str) -> None:
    from services.common.migrations import upgrade

    ensure_database(url, service=service)
    try:
        upgrade(service, url)
    except OperationalError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise ConfigurationError(f"cannot reach the {service} database at {shown}: {_reason(exc)}") from None
