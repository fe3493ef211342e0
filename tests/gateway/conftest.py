from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.models import GatewayTable
from gateway.settings import GatewaySettings
from tests.databases import Databases, empty_tables


class GraphQL:
    """Posts real GraphQL documents to the gateway, as an integrator would."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def __call__(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        return response.json()


@pytest.fixture
def gateway_client(databases: Databases) -> Iterator[TestClient]:
    settings = GatewaySettings(database_url=databases.migrated("gateway"), login_failures_per_email=3)
    with TestClient(create_app(settings)) as client:
        yield client
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


@pytest.fixture
def gql(gateway_client: TestClient) -> GraphQL:
    return GraphQL(gateway_client)
