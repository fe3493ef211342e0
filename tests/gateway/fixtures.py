"""The gateway's fixtures that the storefront and events tests use too, found by pytest itself
in every test directory (tests/conftest.py registers this module): the whole stack in one
process over the demo data (`stack`), and the gateway in front of the orders test stack
(`gateway`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.identity.models import GatewayTable
from gateway.settings import GatewaySettings
from tests.databases import Databases, empty_tables
from tests.gateway.factories import CountingTransport, Gateway, GraphQL, Stack, closed_port
from tests.orders.factories import Stack as OrdersStack


@pytest.fixture(scope="session")
def demo_urls(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Catalog and certification databases holding the demo data, shared by the session."""
    from ops.worker import markets
    from seed import catalog as catalog_demo
    from seed import certification as certification_demo
    from services.common.db import make_engine
    from services.common.migrations import upgrade

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


@pytest.fixture
def gateway(orders_stack: OrdersStack, databases: Databases) -> Iterator[Gateway]:
    """The gateway in front of the orders test stack; its own database is emptied after the test."""
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        catalog_url=str(orders_stack.catalog.base_url).rstrip("/"),
        certification_url=str(orders_stack.certification.base_url).rstrip("/"),
        orders_url=orders_stack.orders_url,
        # Every account of a test calls from the test client's one address.
        rate_burst_per_address=10_000,
    )
    with TestClient(create_app(settings)) as client:
        yield Gateway(client, databases, settings)
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)
