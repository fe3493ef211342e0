from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
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
    settings = GatewaySettings(database_url=databases.migrated("gateway"), login_free_failures=3)
    with TestClient(create_app(settings)) as client:
        yield client
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


@pytest.fixture
def gql(gateway_client: TestClient) -> GraphQL:
    return GraphQL(gateway_client)


# --- The whole stack in one process -------------------------------------------------------


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests to a real service app and counts them, for the N+1 tests."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


@dataclass
class Stack:
    gql: GraphQL
    transports: dict[str, CountingTransport]
    catalog: TestClient
    certification: TestClient

    def reset_counts(self) -> None:
        for transport in self.transports.values():
            transport.calls.clear()

    def calls(self, service: str) -> list[str]:
        return list(self.transports[service].calls)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_urls(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Catalog and certification databases holding the demo data, shared by the session."""
    from services.catalog import demo as catalog_demo
    from services.certification import demo as certification_demo
    from services.common.db import make_engine
    from services.common.migrations import upgrade
    from services.worker import markets

    urls = {}
    for service, loader in (("catalog", catalog_demo), ("certification", certification_demo)):
        url = databases.fresh(service)
        upgrade(service, url)
        engine = make_engine(url)
        if service == "certification":
            loader.load_if_empty(engine, tmp_path_factory.mktemp("documents"))
        else:
            loader.load_if_empty(engine)
        engine.dispose()
        urls[service] = url
    # The catalog's markets per part, as `tongnan up` builds them after loading demo data.
    engines = [make_engine(urls["certification"]), make_engine(urls["catalog"])]
    markets.rebuild(*engines)
    for engine in engines:
        engine.dispose()
    return urls


@pytest.fixture
def stack(databases: Databases, demo_urls: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    from services.catalog.app import create_app as create_catalog
    from services.catalog.settings import CatalogSettings
    from services.certification.app import create_app as create_certification
    from services.certification.settings import CertificationSettings

    catalog_app = create_catalog(CatalogSettings(database_url=demo_urls["catalog"]))
    certification_app = create_certification(
        CertificationSettings(database_url=demo_urls["certification"], document_dir=tmp_path / "documents")
    )
    transports = {
        "catalog": CountingTransport(httpx.ASGITransport(app=catalog_app)),
        "certification": CountingTransport(httpx.ASGITransport(app=certification_app)),
    }
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        # Nothing listens here: the orders service is down for these tests.
        orders_url=f"http://127.0.0.1:{closed_port()}",
        upstream_timeout=2.0,
    )
    gateway = create_app(settings, transports=dict(transports))
    with TestClient(catalog_app) as catalog, TestClient(certification_app) as certification, TestClient(gateway) as gw:
        yield Stack(GraphQL(gw), transports, catalog, certification)
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)
