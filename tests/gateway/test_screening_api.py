"""Sanctions screening through the public GraphQL API, against the real services and localstripe:
an order to a consignee on the UN list is under review for its buyer, not shippable by its supplier,
listed for admins with its match, and cleared or confirmed by an admin with a reason, audited."""

from __future__ import annotations

import uuid
from typing import Any

from marketplace.roles import AccountRole
from tests.gateway.factories import CREATE, HAMBURG, PLACE_TO, QUOTE, Gateway, ddp_to_germany, raw_id
from tests.orders.factories import Stack

HOLDS = """
{
  screeningHolds {
    orderId orderNumber orderStatus status cutoff total { amount currency }
    lists { code published url extract }
    matches { list reference listedName matchedName screenedName role score }
  }
}"""
CLEAR = """
mutation ($o: ID!, $r: String!) {
  clearScreeningHold(orderId: $o, reason: $r) { status decision { outcome reason decidedBy } }
}"""
CONFIRM = """
mutation ($o: ID!, $r: String!) {
  confirmScreeningMatch(orderId: $o, reason: $r) { status orderStatus paymentStatus }
}"""
SHIP = """
mutation ($o: ID!) { markShipped(orderId: $o, carrier: "ups", trackingNumber: "1z999aa10123456784") { status } }"""
AUDIT = """
query ($action: String) { auditLog(action: $action, first: 50) { edges { node { action subjectId reason } } } }"""


def _error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("errors"), result
    return dict(result["errors"][0]["extensions"])


def _held_order(stack: Stack, gateway: Gateway, buyer: str, part_id: str, company: str) -> str:
    address = gateway.ok(CREATE, {"input": {**HAMBURG, "companyName": company}}, token=buyer)["addressCreate"]
    quote = gateway.ok(QUOTE, {"input": ddp_to_germany(part_id)}, token=buyer)["createQuote"]
    placed = gateway.ok(PLACE_TO, {"q": quote["id"], "k": f"checkout-{uuid.uuid4()}", "a": address["id"]}, token=buyer)
    order_id = str(placed["placeOrder"]["order"]["id"])
    gateway.ok(
        "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id } }",
        {"o": order_id, "pm": gateway.card(stack, buyer)},
        token=buyer,
    )
    stack.wait_status(raw_id(order_id), "PAID")
    return order_id


def test_admins_review_a_held_order_and_clearing_it_lets_it_ship(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier_id = orders_stack.supplier()
    part = orders_stack.part(supplier_id)
    buyer = gateway.account(AccountRole.BUYER)
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)
    admin = gateway.account(AccountRole.ADMIN)
    order_id = _held_order(orders_stack, gateway, buyer, part["id"], "Korea Mining Development Trading Corp.")

    mine = gateway.ok("query ($o: ID!) { order(id: $o) { screeningStatus } }", {"o": order_id}, token=buyer)
    assert mine["order"]["screeningStatus"] == "HELD"
    assert _error(gateway.gql(SHIP, {"o": order_id}, token=supplier)) == {
        "code": "CONFLICT",
        "field": "status",
        "reason": "SCREENING_HOLD",
    }

    assert _error(gateway.gql(HOLDS, token=buyer))["code"] == "FORBIDDEN"
    (held,) = [h for h in gateway.ok(HOLDS, token=admin)["screeningHolds"] if h["orderId"] == order_id]
    assert (held["status"], held["orderStatus"], held["cutoff"]) == ("HELD", "PAID", 90.0)
    assert held["lists"] == [
        {
            "code": "un",
            "published": "2026-12-04",
            "url": "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
            "extract": True,
        }
    ]
    assert held["matches"] == [
        {
            "list": "un",
            "reference": "KPe.001",
            "listedName": "KOREA MINING DEVELOPMENT TRADING CORPORATION",
            "matchedName": "KOREA MINING DEVELOPMENT TRADING CORPORATION",
            "screenedName": "Korea Mining Development Trading Corp.",
            "role": "CONSIGNEE",
            "score": 100.0,
        }
    ]

    assert _error(gateway.gql(CLEAR, {"o": order_id, "r": " "}, token=admin)) == {
        "code": "BAD_USER_INPUT",
        "field": "reason",
    }
    assert _error(gateway.gql(CLEAR, {"o": order_id, "r": "x"}, token=buyer))["code"] == "FORBIDDEN"
    why = "a Hamburg parts dealer of a similar name; registration checked"
    cleared = gateway.ok(CLEAR, {"o": order_id, "r": why}, token=admin)["clearScreeningHold"]
    assert cleared["status"] == "CLEARED" and cleared["decision"]["outcome"] == "CLEARED"
    # A retry answers the same and is audited once.
    assert gateway.ok(CLEAR, {"o": order_id, "r": why}, token=admin)["clearScreeningHold"] == cleared
    audited = gateway.ok(AUDIT, {"action": "clearScreeningHold"}, token=admin)["auditLog"]["edges"]
    assert [e["node"] for e in audited] == [{"action": "clearScreeningHold", "subjectId": order_id, "reason": why}]

    assert gateway.ok(SHIP, {"o": order_id}, token=supplier)["markShipped"]["status"] == "SHIPPED"
    assert order_id not in {h["orderId"] for h in gateway.ok(HOLDS, token=admin)["screeningHolds"]}


def test_a_confirmed_match_cancels_and_refunds_the_order(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    part = orders_stack.part(orders_stack.supplier())
    buyer = gateway.account(AccountRole.BUYER)
    admin = gateway.account(AccountRole.ADMIN)
    order_id = _held_order(orders_stack, gateway, buyer, part["id"], "Tanchon Commercial Bank")
    why = "KPe.003: name and address confirmed against the 1718 Committee's entry"
    confirmed = gateway.ok(CONFIRM, {"o": order_id, "r": why}, token=admin)["confirmScreeningMatch"]
    assert confirmed == {"status": "CONFIRMED", "orderStatus": "CANCELLED", "paymentStatus": "REFUNDED"}
    seen = gateway.ok("query ($o: ID!) { order(id: $o) { status screeningStatus } }", {"o": order_id}, token=buyer)
    assert seen["order"] == {"status": "CANCELLED", "screeningStatus": "CONFIRMED"}
    late = gateway.gql(CLEAR, {"o": order_id, "r": "on second thoughts"}, token=admin)
    assert _error(late)["reason"] == "SCREENING_DECIDED"
    audited = gateway.ok(AUDIT, {"action": "confirmScreeningMatch"}, token=admin)["auditLog"]["edges"]
    assert [e["node"]["reason"] for e in audited] == [why]
