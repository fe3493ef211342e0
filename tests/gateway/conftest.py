"""The gateway alone over its own database. The fixtures other directories share are in
fixtures.py, the helpers in factories.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.identity.models import GatewayTable
from gateway.settings import GatewaySettings
from tests.databases import Databases, empty_tables
from tests.gateway.factories import GraphQL


@pytest.fixture
def gateway_client(databases: Databases) -> Iterator[TestClient]:
    settings = GatewaySettings(database_url=databases.migrated("gateway"), login_free_failures=3)
    with TestClient(create_app(settings)) as client:
        yield client
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


@pytest.fixture
def gql(gateway_client: TestClient) -> GraphQL:
    return GraphQL(gateway_client)
