"""Requests that would cost too much are refused with a clear code before any work is done."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import parse

from gateway.app import create_app
from gateway.limits import query_cost
from gateway.settings import GatewaySettings
from tests.databases import Databases
from tests.gateway.factories import GraphQL, Stack


def first_error(result: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = result["errors"][0]
    return error


def test_depth_50_query_is_refused(gql: GraphQL) -> None:
    query = "{ " + "viewer { account { " * 25 + "id" + " } }" * 25 + " }"
    result = gql(query)
    assert result.get("data") is None
    assert first_error(result)["extensions"]["code"] == "BAD_USER_INPUT"
    assert "depth" in first_error(result)["message"]


def test_thousand_aliases_are_refused(gql: GraphQL) -> None:
    query = "{ " + " ".join(f"a{i}: apiVersion" for i in range(1000)) + " }"
    result = gql(query)
    assert result.get("data") is None
    assert first_error(result)["extensions"]["code"] == "BAD_USER_INPUT"
    assert "aliases" in first_error(result)["message"]


def test_two_megabyte_body_is_refused_with_413(gateway_client: TestClient) -> None:
    padding = "#" + "x" * (2 * 1024 * 1024) + "\n"
    response = gateway_client.post("/graphql", json={"query": padding + "{ apiVersion }"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "reason": "BODY_TOO_LARGE"}


def test_query_cost_counts_page_sizes_and_fragments() -> None:
    doc = parse(
        """
        query ($n: Int) {
          parts(first: $n) { edges { node { ...P } } }
          apiVersion
        }
        fragment P on Part { id sku supplier { id nameEn } }
        """
    )
    operation = doc.definitions[0]
    fragments = {"P": doc.definitions[1]}
    small = query_cost(operation, fragments, {"n": 10})  # type: ignore[arg-type]
    large = query_cost(operation, fragments, {"n": 100})  # type: ignore[arg-type]
    # parts(1) + 10 x (edges 1 + node 1 + (id sku supplier(1 + 2)) 5) ... + apiVersion 1
    assert small == 1 + 10 * (1 + 1 + 5) + 1
    assert large == 1 + 100 * 7 + 1


@pytest.fixture
def strict_client(databases: Databases) -> Iterator[TestClient]:
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        max_query_cost=50,
        rate_burst_per_address=5,
        rate_per_minute_per_address=1,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_query_over_the_cost_ceiling_is_refused(strict_client: TestClient) -> None:
    query = "{ " + " ".join(f"a{i}: apiVersion" for i in range(49)) + " viewer { account { id email } } }"
    result = strict_client.post("/graphql", json={"query": query}).json()
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert result["errors"][0]["extensions"]["reason"] == "QUERY_TOO_COSTLY"


def test_rate_limit_per_address_answers_429_with_retry_after(strict_client: TestClient) -> None:
    statuses = [strict_client.post("/graphql", json={"query": "{ apiVersion }"}).status_code for _ in range(5)]
    assert statuses == [200] * 5
    refused = strict_client.post("/graphql", json={"query": "{ apiVersion }"})
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1


ALIASED_PAGES = (
    "query ($n: Int = 100) { "
    + " ".join(f"a{i}: parts(first: $n) {{ edges {{ node {{ id sku }} }} }}" for i in range(35))
    + " }"
)


def test_cost_counts_a_page_size_from_a_variables_default(stack: Stack) -> None:
    stack.reset_counts()
    result = stack.gql(ALIASED_PAGES)
    assert result.get("data") is None
    error = first_error(result)
    assert error["extensions"]["reason"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 35 * (1 + 100 * 4)
    assert stack.calls("catalog") == []
    # The same variable given in the request counts as given, and a small page passes.
    assert first_error(stack.gql(ALIASED_PAGES, {"n": 60}))["extensions"]["reason"] == "QUERY_TOO_COSTLY"
    small = stack.gql(ALIASED_PAGES, {"n": 2})
    assert "errors" not in small and len(small["data"]["a34"]["edges"]) == 2


def test_cost_counts_nested_page_sizes_from_variables(stack: Stack) -> None:
    query = """
    query ($outer: Int = 50, $inner: Int = 100) {
      suppliers(first: $outer) { edges { node { parts(first: $inner) { edges { node { id } } } } } }
    }"""
    error = first_error(stack.gql(query))
    assert error["extensions"]["cost"] == 1 + 50 * (1 + 1 + 1 + 100 * 3)
    assert "errors" not in stack.gql(query, {"outer": 2, "inner": 3})
