"""Fixtures for the catalog tests: a real migrated database, emptied per test (the data they make: factories.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.catalog.app import create_app
from services.catalog.models import CatalogTable
from services.catalog.settings import CatalogSettings
from tests.catalog.factories import create_supplier, forget_kept_answers
from tests.databases import Databases, empty_tables


@pytest.fixture(scope="session")
def catalog_app_client(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = CatalogSettings(
        database_url=databases.migrated("catalog"),
        image_dir=tmp_path_factory.mktemp("catalog-images"),
        licence_dir=tmp_path_factory.mktemp("catalog-licences"),
    )
    app = create_app(settings)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def engine(databases: Databases) -> Engine:
    engine = databases.engine("catalog")
    empty_tables(engine, CatalogTable.metadata)
    return engine


@pytest.fixture
def client(catalog_app_client: TestClient, engine: Engine) -> TestClient:
    """The catalog app over an emptied database (and no answer kept from before)."""
    forget_kept_answers(catalog_app_client)
    return catalog_app_client


@pytest.fixture
def supplier(client: TestClient) -> dict[str, Any]:
    return create_supplier(client)
