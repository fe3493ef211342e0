"""Every database's migrations go up, down and up again, and match the models exactly."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, inspect

from services.common.db import make_engine
from services.common.migrations import (
    BOOKKEEPING_TABLES,
    DATABASES,
    MIGRATIONS_ROOT,
    current_revision,
    downgrade,
    head_revision,
    include_name,
    upgrade,
)
from services.orders.app import create_app as create_orders
from services.orders.settings import OrdersSettings
from tests.databases import Databases

MODEL_BASES = {
    "catalog": ("services.catalog.models", "CatalogTable"),
    "certification": ("services.certification.models", "CertificationTable"),
    "orders": ("services.orders.models", "OrdersTable"),
    "gateway": ("gateway.models", "GatewayTable"),
}


def metadata_of(service: str) -> MetaData:
    module_name, base = MODEL_BASES[service]
    metadata: MetaData = getattr(importlib.import_module(module_name), base).metadata
    return metadata


def user_tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - BOOKKEEPING_TABLES
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", DATABASES)
def test_upgrade_downgrade_upgrade_round_trip(databases: Databases, service: str) -> None:
    url = databases.fresh(service)
    expected_tables = set(metadata_of(service).tables)

    upgrade(service, url)
    assert user_tables(url) == expected_tables
    downgrade(service, url, "base")
    assert user_tables(url) == set()
    upgrade(service, url)
    assert user_tables(url) == expected_tables

    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision(service)
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", DATABASES)
def test_models_and_migrated_schema_do_not_drift(databases: Databases, service: str) -> None:
    engine = make_engine(databases.migrated(service))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
            differences = compare_metadata(context, metadata_of(service))
    finally:
        engine.dispose()
    assert differences == [], f"{service}: models and migrations differ: {differences}"


NEXT_RELEASE = """
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None
expand = {expand}


def upgrade() -> None:
    {body}


def downgrade() -> None:
    pass
"""


def next_release(tmp_path: Path, *steps: tuple[str, bool, str]) -> Path:
    """The orders migration tree of a later release: ours plus `steps` (revision, whether it
    only expands the schema, its upgrade's body), each after the one before."""
    tree = tmp_path / "orders"
    shutil.copytree(MIGRATIONS_ROOT / "orders", tree)
    down = head_revision("orders")
    for revision, expand, body in steps:
        source = NEXT_RELEASE.format(revision=revision, down=down, expand=expand, body=body)
        (tree / "versions" / f"{revision}.py").write_text(source)
        down = revision
    return tree


def test_an_orders_process_stays_ready_through_an_expanding_migration_and_not_a_contracting_one(
    databases: Databases, tmp_path: Path
) -> None:
    """A rolling deploy: the running orders process (this code) and the migrations of the
    next release applied under it."""
    url = databases.fresh("orders")
    upgrade("orders", url)
    settings = OrdersSettings(database_url=url, register_localstripe_webhook=False)
    with TestClient(create_orders(settings)) as running:
        assert running.get("/readyz").json()["revision"] == head_revision("orders")

        adds_a_column = 'op.add_column("orders", sa.Column("gift_note", sa.String(200), nullable=True))'
        tree = next_release(tmp_path, ("a1next0expand", True, adds_a_column))
        upgrade("orders", url, script_location=tree)
        ready = running.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["revision"] == "a1next0expand"

        drops_it = 'op.drop_column("orders", "gift_note")'
        tree = next_release(
            tmp_path / "later", ("a1next0expand", True, adds_a_column), ("b2next0contract", False, drops_it)
        )
        upgrade("orders", url, script_location=tree)
        refused = running.get("/readyz")
        assert refused.status_code == 503
        assert f"does not serve this code's revision {head_revision('orders')}" in refused.json()["detail"]


@pytest.mark.postgres_only
def test_two_migrate_runs_at_once_both_succeed(databases: Databases, tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "TONGNAN_DATABASE_URL_TEMPLATE": databases.url_template(),
        "TONGNAN_VAR_DIR": str(tmp_path / "var"),
    }
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "ops.cli", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    template = env["TONGNAN_DATABASE_URL_TEMPLATE"]
    for service in DATABASES:
        engine = make_engine(template.format(service=service))
        try:
            assert current_revision(engine) == head_revision(service)
        finally:
            engine.dispose()
