"""Delivery and disputes through the public GraphQL API, against the real services and
localstripe: tracking numbers refused naming the field, the buyer (not the supplier) makes an
order DELIVERED, and admins see the card disputes Stripe reports."""

from __future__ import annotations

import time
import uuid
from typing import Any

from marketplace.roles import AccountRole
from tests.gateway.factories import PLACE, QUOTE, Gateway, ddp_to_germany, raw_id
from tests.orders.factories import Stack, dispute_event, post_stripe_event, signed_by_stripe

SHIP = """
mutation ($o: ID!, $carrier: String!, $number: String!) {
  markShipped(orderId: $o, carrier: $carrier, trackingNumber: $number) {
    status lines { shipment { carrier trackingNumber trackingUrl } }
  }
}"""
CONFIRM = "mutation ($o: ID!) { confirmDelivery(orderId: $o) { status lines { status } } }"
DELIVER = "mutation ($o: ID!) { markDelivered(orderId: $o) { status } }"


def _error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("errors"), result
    return dict(result["errors"][0]["extensions"])


def _paid_order(stack: Stack, gateway: Gateway, buyer: str, part_id: str) -> str:
    quote = gateway.ok(QUOTE, {"input": ddp_to_germany(part_id)}, token=buyer)["createQuote"]
    placed = gateway.ok(PLACE, {"q": quote["id"], "k": f"checkout-{uuid.uuid4()}"}, token=buyer)["placeOrder"]
    order_id = str(placed["order"]["id"])
    gateway.ok(
        "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id } }",
        {"o": order_id, "pm": gateway.card(stack, buyer)},
        token=buyer,
    )
    stack.wait_status(raw_id(order_id), "PAID")
    return order_id


def test_the_buyer_confirms_delivery_and_the_supplier_cannot(orders_stack: Stack, gateway: Gateway) -> None:
    supplier_id = orders_stack.supplier()
    part = orders_stack.part(supplier_id)
    buyer = gateway.account(AccountRole.BUYER)
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)
    order_id = _paid_order(orders_stack, gateway, buyer, part["id"])

    unknown = gateway.gql(SHIP, {"o": order_id, "carrier": "Pony Express", "number": "1234567890"}, token=supplier)
    assert _error(unknown) == {"code": "BAD_USER_INPUT", "field": "carrier"}
    wrong = gateway.gql(SHIP, {"o": order_id, "carrier": "UPS", "number": "1234567890"}, token=supplier)
    assert _error(wrong) == {"code": "BAD_USER_INPUT", "field": "trackingNumber"}
    assert "not a UPS tracking number" in wrong["errors"][0]["message"]
    shipped = gateway.ok(SHIP, {"o": order_id, "carrier": "ups", "number": "1z999aa10123456784"}, token=supplier)
    assert shipped["markShipped"]["lines"][0]["shipment"] == {
        "carrier": "UPS",
        "trackingNumber": "1Z999AA10123456784",
        "trackingUrl": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    }

    assert _error(gateway.gql(DELIVER, {"o": order_id}, token=supplier))["code"] == "FORBIDDEN"
    assert _error(gateway.gql(CONFIRM, {"o": order_id}, token=supplier))["code"] == "FORBIDDEN"
    stranger = gateway.account(AccountRole.BUYER)
    assert _error(gateway.gql(CONFIRM, {"o": order_id}, token=stranger))["code"] in ("FORBIDDEN", "NOT_FOUND")
    status = "query ($o: ID!) { order(id: $o) { status } }"
    assert gateway.ok(status, {"o": order_id}, token=buyer)["order"]["status"] == "SHIPPED"

    # The buyer first says it has not arrived (no automatic delivery then), and later that it has.
    report = 'mutation ($o: ID!) { reportNonDelivery(orderId: $o, note: "nothing yet") { nonDeliveryReportedAt } }'
    assert _error(gateway.gql(report, {"o": order_id}, token=supplier))["code"] == "FORBIDDEN"
    assert gateway.ok(report, {"o": order_id}, token=buyer)["reportNonDelivery"]["nonDeliveryReportedAt"]
    confirmed = gateway.ok(CONFIRM, {"o": order_id}, token=buyer)["confirmDelivery"]
    assert confirmed == {"status": "DELIVERED", "lines": [{"status": "DELIVERED"}]}
    assert gateway.ok(CONFIRM, {"o": order_id}, token=buyer)["confirmDelivery"] == confirmed  # a retry: no change
    carriers = gateway.ok("{ carriers { code name aliases } }")["carriers"]
    assert {"DHL_EXPRESS", "UPS", "FEDEX", "CHINA_POST_EMS", "SF_EXPRESS", "CAINIAO", "MAERSK"} <= {
        c["code"] for c in carriers
    }


DISPUTES = """
query ($status: String) {
  disputes(status: $status, first: 10) {
    edges { cursor node { stripeDisputeId status reason evidenceDueBy amount { amount currency } order { number } } }
    pageInfo { hasNextPage }
  }
}"""


def test_admins_list_disputes_and_the_order_shows_its_own(orders_stack: Stack, gateway: Gateway) -> None:
    part = orders_stack.part(orders_stack.supplier())
    buyer = gateway.account(AccountRole.BUYER)
    order_id = _paid_order(orders_stack, gateway, buyer, part["id"])
    order = orders_stack.order(raw_id(order_id))
    dispute_id = f"dp_{uuid.uuid4().hex[:24]}"
    now = int(time.time())
    event = dispute_event(
        "charge.dispute.created", dispute_id, order, status="needs_response", created=now, due_by=now + 86_400
    )
    for _ in range(3):
        assert post_stripe_event(orders_stack, signed_by_stripe(event)).status_code == 200

    admin = gateway.account(AccountRole.ADMIN)
    listed = gateway.ok(DISPUTES, {"status": "needs_response"}, token=admin)["disputes"]
    (edge,) = listed["edges"]
    assert edge["node"]["stripeDisputeId"] == dispute_id and edge["node"]["reason"] == "product_not_received"
    assert edge["node"]["amount"] == {"amount": order["total"]["amount"], "currency": "EUR"}
    assert edge["node"]["order"] == {"number": order["number"]} and edge["node"]["evidenceDueBy"]
    assert listed["pageInfo"] == {"hasNextPage": False}
    assert gateway.ok(DISPUTES, {"status": "won"}, token=admin)["disputes"]["edges"] == []
    bad = gateway.gql(DISPUTES, {"status": "maybe"}, token=admin)
    assert _error(bad) == {"code": "BAD_USER_INPUT", "field": "status"}
    assert _error(gateway.gql(DISPUTES, {}, token=buyer))["code"] == "FORBIDDEN"

    mine = gateway.ok("query ($o: ID!) { order(id: $o) { disputes { status } } }", {"o": order_id}, token=buyer)
    assert mine["order"]["disputes"] == [{"status": "needs_response"}]
