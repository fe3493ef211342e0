"""The gateway under strawberry's own executor (TONGNAN_GATEWAY_EXECUTOR=strawberry, the way
back should a strawberry or graphql-core release break ours) answers as under ours.

A representative set of queries (a listing page with ids, enums, lists, arguments and nested
services; global-id lookups; introspection; refused input; a service that is down; a refused
mutation) runs on the in-process stack with the gateway built from settings that name strawberry's
executor, then again with ours, and the two answers must be equal, errors and their paths
included. `make test` also runs the whole gateway suite a second time under strawberry's executor
(`make pytest-gateway-strawberry`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.execution import GatewayExecutionContext, UpstreamTolerantExecutionContext, use_executor
from gateway.schema import schema as gateway_schema
from tests.gateway.factories import Stack

LISTING = """
query Listing($first: Int) {
  parts(first: $first) {
    edges { cursor node {
      __typename id sku title zh: title(locale: "zh") category condition available oemNumbers
      price { amount currency formatted }
      supplier { id nameEn nameZh verified }
      certificates { id scheme status validUntil }
      eligibility(country: "DE") { country eligible missingSchemes expiringSoon { scheme validUntil } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""

NODES = """
query ($p: ID!, $s: ID!) {
  p: node(id: $p) { id ... on Part { sku condition } }
  s: node(id: $s) { id ... on Supplier { nameEn } }
}"""

REFUSED = [
    # A malformed global id, and one of no type here: the client's mistake.
    '{ node(id: "not-a-global-id") { id } }',
    '{ part(id: "Tm9TdWNoOjE=") { sku } }',
    # An unknown country for a market's requirements.
    '{ marketRequirements(country: "XX", category: "alternator") }',
    # The orders service (FX rates) is down in this stack: only the converted prices fail.
    '{ apiVersion parts(first: 3) { edges { node { sku price(currency: "EUR") { amount } } } } }',
    # Validation, before execution: an unknown field.
    "{ parts(first: 1) { edges { node { noSuchField } } } }",
    '{ __type(name: "Part") { name fields { name } } }',
]

REGISTER = """
mutation {
  register(input: {email: "typo@tn-reman.cn", password: "a long passphrase", role: SUPPLIER,
                   supplier: {nameEn: "Typo Co", nameZh: "错字公司", uscc: "123"}}) { token }
}"""


@pytest.fixture(autouse=True)
def strawberry_executor(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings name strawberry's executor before the stack's gateway is built from them (autouse
    fixtures come first), as they would for a process started with the variable set."""
    before = gateway_schema.execution_context_class
    monkeypatch.setenv("TONGNAN_GATEWAY_EXECUTOR", "strawberry")
    yield
    gateway_schema.execution_context_class = before


def answered_both_ways(stack: Stack, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The answer under strawberry's executor, after checking that ours gives the same."""
    assert gateway_schema.execution_context_class is UpstreamTolerantExecutionContext
    theirs = stack.gql(query, variables)
    use_executor(gateway_schema, "tongnan")
    try:
        assert gateway_schema.execution_context_class is GatewayExecutionContext
        ours = stack.gql(query, variables)
    finally:
        use_executor(gateway_schema, "strawberry")
    assert theirs == ours
    return theirs


def test_a_listing_page_and_its_nodes(stack: Stack) -> None:
    page = answered_both_ways(stack, LISTING, {"first": 20})
    assert "errors" not in page, page["errors"]
    edges = page["data"]["parts"]["edges"]
    assert len(edges) == 20
    assert any(edge["node"]["certificates"] for edge in edges)
    assert all(edge["node"]["__typename"] == "Part" and edge["node"]["zh"] for edge in edges)
    node = edges[0]["node"]
    found = answered_both_ways(stack, NODES, {"p": node["id"], "s": node["supplier"]["id"]})
    assert found == {
        "data": {
            "p": {"id": node["id"], "sku": node["sku"], "condition": node["condition"]},
            "s": {"id": node["supplier"]["id"], "nameEn": node["supplier"]["nameEn"]},
        }
    }


@pytest.mark.parametrize("query", REFUSED)
def test_refusals_and_failures_land_on_the_same_paths(stack: Stack, query: str) -> None:
    answer = answered_both_ways(stack, query)
    if query.startswith("{ apiVersion"):
        # Only the fields that needed the service that is down fail; the rest keeps its data.
        assert answer["data"]["apiVersion"] == "2026-11"
        assert {e["extensions"]["code"] for e in answer["errors"]} == {"UPSTREAM_UNAVAILABLE"}
        assert all(e["path"][-1] == "price" for e in answer["errors"])
    elif query.startswith("{ __type"):
        assert "errors" not in answer
        assert {"name": "sku"} in answer["data"]["__type"]["fields"]
    else:
        assert answer["errors"], answer


def test_a_refused_mutation(stack: Stack) -> None:
    answer = answered_both_ways(stack, REGISTER)
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_USER_INPUT"]
