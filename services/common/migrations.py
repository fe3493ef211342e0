"""Alembic, one migration tree per database under `migrations/<service>/`.

Rolling deploys expand, then contract. A migration that only adds (a table, a nullable
column, an index) says so with `expand = True` in its module: the code of the revision before
it keeps working on the new schema. The database keeps, in `schema_compatibility`, every
revision whose code the schema still serves, and `/readyz` accepts any of them, so the old
processes of a rolling deploy stay ready while the new ones start. Any other migration
contracts: from then on only its own revision's code is served.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationInfo
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, MetaData, String, Table, delete, insert, pool, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from services.common.db import make_engine

MIGRATIONS_ROOT = Path(__file__).resolve().parents[2] / "migrations"
DATABASES = ("catalog", "certification", "orders", "gateway")

# Alembic's own records, not the models': autogenerate and drift checks leave them out.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "schema_compatibility"})

compatibility = Table(
    "schema_compatibility",
    MetaData(),
    Column("revision", String(64), primary_key=True),
)


def alembic_config(service: str, url: str, script_location: Path | None = None) -> Config:
    """`script_location`: another migration tree of this database (tests of newer releases)."""
    config = Config()
    config.set_main_option("script_location", str(script_location or MIGRATIONS_ROOT / service))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolation would read a `%` in a password as a placeholder.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["service"] = service
    return config


def upgrade(service: str, url: str, revision: str = "head", script_location: Path | None = None) -> None:
    """On PostgreSQL under an advisory lock of this database: a second `tongnan migrate` started
    meanwhile (two deploys, two replicas' init steps) waits, then finds the work done."""
    config = alembic_config(service, url, script_location)
    if make_url(url).get_backend_name() != "postgresql":
        command.upgrade(config, revision)
        return
    key = zlib.crc32(f"tongnan migrate {service}".encode())
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
    finally:
        engine.dispose()


def downgrade(service: str, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(service, url), revision)


def head_revision(service: str) -> str | None:
    script = ScriptDirectory.from_config(alembic_config(service, "sqlite://"))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_at_head(service: str, engine: Engine) -> bool:
    return current_revision(engine) == head_revision(service)


def served_revisions(engine: Engine) -> set[str]:
    """The revisions whose code the schema still serves (empty before the first migration)."""
    try:
        with engine.connect() as connection:
            return set(connection.scalars(select(compatibility.c.revision)))
    except SQLAlchemyError:
        return set()


def _record_compatibility(ctx: MigrationContext, step: MigrationInfo, **_: Any) -> None:
    """After each step: an expanding upgrade adds its revision to those served; any other step
    leaves only the revision it reached."""
    connection = ctx.connection
    assert connection is not None
    compatibility.create(connection, checkfirst=True)
    reached = step.up_revision_ids if step.is_upgrade else step.down_revision_ids
    expands = step.is_upgrade and bool(getattr(getattr(step.up_revision, "module", None), "expand", False))
    if not expands:
        connection.execute(delete(compatibility))
    for revision in reached:
        connection.execute(delete(compatibility).where(compatibility.c.revision == revision))
        connection.execute(insert(compatibility).values(revision=revision))


def run_env(metadata: MetaData) -> None:
    """Body of every `migrations/<service>/env.py`: online migrations with batch mode on SQLite."""
    from alembic import context

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(url, poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run(context, connection, metadata, url)
        engine.dispose()
    else:
        _run(context, connectable, metadata, url)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Migrations name plain SQLAlchemy types, never our code, so old ones keep running."""
    from services.common.clock import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, type_: str, _: Any) -> bool:
    return not (type_ == "table" and name in BOOKKEEPING_TABLES)


def _run(context: Any, connection: Any, metadata: MetaData, url: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_item=_render_item,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=make_url(url).get_backend_name() == "sqlite",
        on_version_apply=_record_compatibility,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()
