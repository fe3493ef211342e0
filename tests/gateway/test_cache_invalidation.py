"""Part and stock events clear the read cache of every gateway process: two gateways with a
long-lived cache both show a stock change made at the catalog within a second, long before
their cache's own time is up. Real NATS: the worker's relay publishes the catalog's outbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.ids import node_uuid
from gateway.invalidation import affects
from gateway.settings import GatewaySettings
from marketplace.roles import Role
from services.catalog.app import create_app as create_catalog
from services.catalog.models import EVENTS as CATALOG_EVENTS
from services.catalog.settings import CatalogSettings
from services.common.db import make_engine
from services.orders.settings import OrdersSettings
from tests.databases import Databases
from tests.events.running import RunningWorker, worker_context
from tests.factories import headers_for
from tests.gateway.factories import GraphQL, closed_port, data_of

CACHE_SECONDS = 60.0  # far longer than the test: what it sees fresh came from an event
LISTING = "{ parts(first: 50) { edges { node { id available } } } }"
ONE = "query One($id: ID!) { part(id: $id) { id available } }"


def _wait_for(check: Callable[[], bool], seconds: float) -> float:
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.03)
    return time.monotonic() - start


def _unpublished(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            outbox = CATALOG_EVENTS.outbox
            return int(
                connection.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) or 0
            )
    finally:
        engine.dispose()


def test_the_cache_key_of_a_read_maps_to_the_parts_it_shows() -> None:
    def key(path: str, params: bytes = b"null", body: bytes = b"null") -> tuple[Any, ...]:
        return (path, "caller", params, body)

    assert affects(key("/parts", b'{"ids":"a,b"}'), {"b"})
    assert not affects(key("/parts", b'{"ids":"a,b"}'), {"c"})
    assert affects(key("/parts/search", b'{"first":20}'), {"c"})  # a page cannot be mapped
    assert affects(key("/eligibility", body=b'{"country":"DE","parts":[{"part_id":"c"}]}'), {"c"})
    assert not affects(key("/eligibility", body=b'{"country":"DE","parts":[{"part_id":"a"}]}'), {"c"})
    assert not affects(key("/suppliers/batch", b'{"ids":"c"}'), {"c"})
    assert not affects(key("/fx/conversions", body=b'{"items":[]}'), {"c"})


def test_a_stock_change_at_the_catalog_shows_in_every_gateway_within_a_second(
    databases: Databases, demo_urls: dict[str, str], nats_url: str
) -> None:
    catalog_url = demo_urls["catalog"]
    catalog_app = create_catalog(CatalogSettings(database_url=catalog_url))
    context = worker_context(databases, nats_url, OrdersSettings(database_url=databases.migrated("orders")))
    context.catalog = CatalogSettings(database_url=catalog_url)

    def gateway() -> TestClient:
        settings = GatewaySettings(
            database_url=databases.migrated("gateway"),
            orders_url=f"http://127.0.0.1:{closed_port()}",
            read_cache_seconds=CACHE_SECONDS,
            nats_url=nats_url,
            # The test polls both gateways from one address for up to a second.
            rate_per_minute_per_address=100_000,
            rate_burst_per_address=10_000,
        )
        return TestClient(create_app(settings, transports={"catalog": httpx.ASGITransport(app=catalog_app)}))

    with RunningWorker(context, consumers=[]), TestClient(catalog_app) as catalog, gateway() as one, gateway() as two:
        _wait_for(lambda: _unpublished(catalog_url) == 0, 30)  # the demo's own events out of the way
        for gw in (one, two):
            invalidator = gw.app.state.cache_invalidator  # type: ignore[attr-defined]
            _wait_for(invalidator.connected.is_set, 10)
        gqls = [GraphQL(one), GraphQL(two)]
        node = data_of(gqls[0](LISTING))["parts"]["edges"][0]["node"]
        part_id = node["id"]

        def seen(gql: GraphQL) -> tuple[int, int]:
            listed = {e["node"]["id"]: e["node"]["available"] for e in data_of(gql(LISTING))["parts"]["edges"]}
            return listed[part_id], data_of(gql(ONE, {"id": part_id}))["part"]["available"]

        before = [seen(gql) for gql in gqls]
        assert before[0] == before[1] == (node["available"], node["available"])

        raw_id = node_uuid(part_id, "Part", field="id")
        admin = headers_for(Role.ADMIN, actor_id="acct-admin")
        current = catalog.get(f"/parts/{raw_id}", headers=admin).json()
        target = current["on_hand"] + 7
        changed = catalog.put(f"/parts/{raw_id}/stock", json={"on_hand": target}, headers=admin)
        assert changed.status_code == 200, changed.text
        expected = changed.json()["available"]
        start = time.monotonic()
        waits = [_wait_for(lambda gql=gql: seen(gql) == (expected, expected), 1.0) for gql in gqls]  # type: ignore[misc]
        total = time.monotonic() - start
        print(f"stock change seen by both gateways after {waits[0]:.3f} s and {total:.3f} s")
        catalog.put(f"/parts/{raw_id}/stock", json={"on_hand": current["on_hand"]}, headers=admin)
