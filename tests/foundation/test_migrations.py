"""Every database's migrations go up, down and up again, and match the models exactly."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from services.common.db import make_engine
from services.common.migrations import DATABASES, current_revision, downgrade, head_revision, upgrade
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
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
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
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata_of(service))
    finally:
        engine.dispose()
    assert differences == [], f"{service}: models and migrations differ: {differences}"
