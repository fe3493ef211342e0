"""A service that accepts a connection and never answers costs a request its deadline, not a
hung connection: what needed that service answers UPSTREAM_UNAVAILABLE, the rest answers."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.identity.models import GatewayTable
from gateway.settings import GatewaySettings
from storefront.settings import StorefrontSettings
from tests.databases import Databases, empty_tables
from tests.gateway.factories import GraphQL, closed_port

DEADLINE = 1.0
# Where a real service answers too, time enough for it on a busy machine.
SLOWER_DEADLINE = 4.0


class HungServer:
    """A TCP server on a free local port that accepts every connection and reads and answers
    nothing, as a service stuck on a lock or a full disk would."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, name="hung-upstream", daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        for connection in (self.listener, *self.connections):
            connection.close()


@pytest.fixture
def hung() -> Iterator[HungServer]:
    server = HungServer()
    yield server
    server.close()


def gateway(
    databases: Databases, transports: dict[str, httpx.AsyncBaseTransport], deadline: float, **urls: str
) -> TestClient:
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        # Each attempt alone would wait longer than the whole request may.
        upstream_timeout=5.0,
        request_deadline_seconds=deadline,
        orders_url=f"http://127.0.0.1:{closed_port()}",
    )
    return TestClient(create_app(settings.model_copy(update=urls), transports=transports))


def timed(gql: GraphQL, query: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    result = gql(query)
    return result, time.monotonic() - started


def test_a_hung_catalog_fails_only_the_fields_that_need_it_by_the_deadline(
    databases: Databases, hung: HungServer, caplog: pytest.LogCaptureFixture
) -> None:
    with gateway(databases, {}, DEADLINE, catalog_url=hung.url) as client, caplog.at_level(logging.WARNING):
        result, elapsed = timed(GraphQL(client), "{ apiVersion parts(first: 2) { edges { cursor } } }")
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)
    assert hung.connections, "the gateway never reached the hung catalog"
    assert DEADLINE <= elapsed < DEADLINE + 2.0
    assert result["data"] == {"apiVersion": "2026-11", "parts": None}
    [error] = result["errors"]
    assert error["path"] == ["parts"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "reason": "DEADLINE"}
    assert "catalog" in error["message"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_listing_whose_certification_hangs_keeps_its_parts(
    databases: Databases, demo_urls: dict[str, str], hung: HungServer
) -> None:
    from services.catalog.app import create_app as create_catalog
    from services.catalog.settings import CatalogSettings

    catalog = create_catalog(CatalogSettings(database_url=demo_urls["catalog"]))
    transports: dict[str, httpx.AsyncBaseTransport] = {"catalog": httpx.ASGITransport(app=catalog)}
    query = "{ parts(first: 3) { edges { node { sku supplier { nameEn } certificates { scheme } } } } }"
    with TestClient(catalog), gateway(databases, transports, SLOWER_DEADLINE, certification_url=hung.url) as client:
        result, elapsed = timed(GraphQL(client), query)
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)
    assert SLOWER_DEADLINE <= elapsed < SLOWER_DEADLINE + 2.0
    nodes = [edge["node"] for edge in result["data"]["parts"]["edges"]]
    assert len(nodes) == 3
    assert all(node["sku"] and node["supplier"]["nameEn"] and node["certificates"] is None for node in nodes)
    assert sorted(tuple(e["path"]) for e in result["errors"]) == [
        ("parts", "edges", i, "node", "certificates") for i in range(3)
    ]
    assert {e["extensions"]["code"] for e in result["errors"]} == {"UPSTREAM_UNAVAILABLE"}


def test_the_gateway_answers_before_the_storefront_gives_up_on_it() -> None:
    assert GatewaySettings().request_deadline_seconds < StorefrontSettings().gateway_timeout
