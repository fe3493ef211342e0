"""Fixtures for the certification service tests (the data they make: factories.py).

Every test runs against the real migrated database (SQLite or PostgreSQL, per
TONGNAN_TEST_DB), emptied before it, through the HTTP API with the gateway's token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.certification.models import CertificationTable
from tests.certification.factories import make_client
from tests.databases import Databases, empty_tables


@pytest.fixture
def engine(databases: Databases) -> Engine:
    engine = databases.engine("certification")
    empty_tables(engine, CertificationTable.metadata)
    return engine


@pytest.fixture
def client(engine: Engine, databases: Databases, tmp_path: Path) -> Iterator[TestClient]:
    with make_client(databases, tmp_path, verify_burst=1000) as test_client:
        yield test_client
