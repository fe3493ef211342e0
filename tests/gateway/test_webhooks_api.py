"""Webhook subscriptions through the public GraphQL API, against the real orders service:
buyers and suppliers subscribe, the secret is shown on creation only, each sees and deletes
its own; anonymous callers, READ keys and bad input are refused with their codes."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from marketplace.roles import AccountRole
from tests.gateway.factories import Gateway
from tests.orders.factories import Stack

CREATE = """
mutation ($url: String!, $events: [String!]!) {
  createWebhookSubscription(url: $url, events: $events) { id url events active createdAt secret }
}"""
LIST = "{ webhookSubscriptions { id url events active secret } }"
DELETE = "mutation ($id: ID!) { deleteWebhookSubscription(id: $id) { id active secret } }"
NODE = "query ($id: ID!) { node(id: $id) { id ... on WebhookSubscription { url events secret } } }"
URL = "https://erp.example.com/hooks/tongnan"


def error_of(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("errors"), result
    return dict(result["errors"][0]["extensions"])


def test_buyers_and_suppliers_subscribe_and_see_only_their_own(orders_stack: Stack, gateway: Gateway) -> None:
    buyer = gateway.account(AccountRole.BUYER)
    supplier = gateway.account(AccountRole.SUPPLIER, orders_stack.supplier())

    created = gateway.ok(CREATE, {"url": URL, "events": ["order.shipped", "order.paid"]}, token=buyer)
    subscription = created["createWebhookSubscription"]
    assert relay.GlobalID.from_id(subscription["id"]).type_name == "WebhookSubscription"
    assert subscription["url"] == URL and subscription["active"] is True
    assert subscription["events"] == ["order.paid", "order.shipped"]
    assert subscription["secret"].startswith("whsec_")
    again = gateway.ok(CREATE, {"url": URL, "events": ["order.paid", "order.shipped"]}, token=buyer)
    assert again["createWebhookSubscription"]["id"] == subscription["id"]

    listed = gateway.ok(LIST, token=buyer)["webhookSubscriptions"]
    assert [(s["id"], s["secret"]) for s in listed] == [(subscription["id"], None)]
    node = gateway.ok(NODE, {"id": subscription["id"]}, token=buyer)["node"]
    assert node == {"id": subscription["id"], "url": URL, "events": ["order.paid", "order.shipped"], "secret": None}

    theirs = gateway.ok(CREATE, {"url": URL, "events": ["*"]}, token=supplier)["createWebhookSubscription"]
    assert theirs["id"] != subscription["id"] and theirs["events"] == ["*"] and theirs["secret"]
    assert [s["id"] for s in gateway.ok(LIST, token=supplier)["webhookSubscriptions"]] == [theirs["id"]]
    assert gateway.ok(NODE, {"id": subscription["id"]}, token=supplier)["node"] is None
    assert error_of(gateway.gql(DELETE, {"id": subscription["id"]}, token=supplier))["code"] == "NOT_FOUND"

    deleted = gateway.ok(DELETE, {"id": subscription["id"]}, token=buyer)["deleteWebhookSubscription"]
    assert deleted == {"id": subscription["id"], "active": False, "secret": None}
    assert gateway.ok(LIST, token=buyer)["webhookSubscriptions"] == []


def test_anonymous_callers_read_keys_and_bad_input_are_refused(orders_stack: Stack, gateway: Gateway) -> None:
    buyer = gateway.account(AccountRole.BUYER)
    assert error_of(gateway.gql(CREATE, {"url": URL, "events": ["*"]}))["code"] == "UNAUTHENTICATED"
    assert error_of(gateway.gql(LIST))["code"] == "UNAUTHENTICATED"

    key = gateway.ok('mutation { createApiKey(name: "ERP", scope: READ) { key } }', token=buyer)["createApiKey"]["key"]
    assert error_of(gateway.gql(CREATE, {"url": URL, "events": ["*"]}, token=key))["code"] == "FORBIDDEN"
    assert gateway.ok(LIST, token=key)["webhookSubscriptions"] == []  # reading is what a READ key may do

    for url, events, field in (
        ("ftp://erp.example.com/hooks", ["order.paid"], "url"),
        ("erp.example.com/hooks", ["order.paid"], "url"),
        (URL, [], "events"),
        (URL, ["order.paid", "order.exploded"], "events"),
    ):
        error = error_of(gateway.gql(CREATE, {"url": url, "events": events}, token=buyer))
        assert error == {"code": "BAD_USER_INPUT", "field": field}, (url, events, error)
    malformed_id = gateway.gql(DELETE, {"id": "not-an-id"}, token=buyer)
    assert error_of(malformed_id) == {"code": "BAD_USER_INPUT", "field": "id"}
