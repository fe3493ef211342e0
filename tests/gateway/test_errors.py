"""What a client sees of a failure, and what the operator's log sees of it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.identity.models import GatewayTable
from gateway.settings import GatewaySettings
from tests.databases import Databases, empty_tables
from tests.gateway.factories import GraphQL


class Broken(httpx.AsyncBaseTransport):
    """An upstream call that fails in a way nobody planned for."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"connection pool corrupted while calling {request.url}")


@pytest.fixture
def gql(databases: Databases) -> Iterator[GraphQL]:
    settings = GatewaySettings(database_url=databases.migrated("gateway"))
    with TestClient(create_app(settings, transports={"catalog": Broken(), "orders": Broken()})) as client:
        yield GraphQL(client)
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


def test_the_unexpected_is_internal_for_the_client_and_logged_with_its_trace(
    gql: GraphQL, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="gateway.errors"):
        result = gql("{ parts(first: 1) { edges { cursor } } }")
    assert result["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["parts"],
            "extensions": {"code": "INTERNAL"},
        }
    ]
    [record] = caplog.records
    assert record.exc_info and "connection pool corrupted" in str(record.exc_info[1])


def test_refusals_and_mistakes_are_answers_not_log_entries(gql: GraphQL, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        assert gql("{ myOrders { edges { cursor } } }")["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert gql("{ parts(first: 1000) { edges { cursor } } }")["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert gql("{ nope }")["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
