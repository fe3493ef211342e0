"""A page never shows as fact what the gateway left out because a service behind it is down."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app as create_gateway
from gateway.identity.models import GatewayTable
from gateway.settings import GatewaySettings
from storefront.app import create_app
from storefront.settings import StorefrontSettings
from tests.databases import Databases, empty_tables
from tests.gateway.factories import GraphQL, closed_port
from tests.storefront.factories import GatewayTransport


@dataclass
class Site:
    storefront: TestClient
    gql: GraphQL


@pytest.fixture
def without_certification(databases: Databases, demo_urls: dict[str, str]) -> Iterator[Site]:
    """The catalog up, the certification and orders services down."""
    from services.catalog.app import create_app as create_catalog
    from services.catalog.settings import CatalogSettings

    catalog = create_catalog(CatalogSettings(database_url=demo_urls["catalog"]))
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        certification_url=f"http://127.0.0.1:{closed_port()}",
        orders_url=f"http://127.0.0.1:{closed_port()}",
        upstream_timeout=2.0,
    )
    gateway = create_gateway(settings, transports={"catalog": httpx.ASGITransport(app=catalog)})
    with TestClient(catalog), TestClient(gateway) as gw:
        app = create_app(StorefrontSettings(gateway_url="http://gateway"), transport=GatewayTransport(gw))
        with TestClient(app, base_url="http://storefront.test") as storefront:
            yield Site(storefront, GraphQL(gw))
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


def test_a_part_whose_certificates_cannot_be_read_is_the_friendly_page(without_certification: Site) -> None:
    answer = without_certification.gql("{ parts(first: 1) { edges { node { id sku certificates { id } } } } }")
    # Integrators get the part, and an error where its certificates would be ...
    [edge] = answer["data"]["parts"]["edges"]
    assert edge["node"]["sku"] and edge["node"]["certificates"] is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["UPSTREAM_UNAVAILABLE"]
    # ... while a buyer is not told that the part has none.
    page = without_certification.storefront.get(f"/parts/{edge['node']['id']}")
    assert page.status_code == 503
    assert "We cannot reach the parts exchange right now" in page.text
    assert "No certificates on record" not in page.text
