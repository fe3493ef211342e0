"""Part returns and the receipt through the public GraphQL API, against the real services and
localstripe: who may take each step, bad input named by its field, the refund as the buyer sees it."""

from __future__ import annotations

import base64
import io
import uuid
from typing import Any

from pypdf import PdfReader

from marketplace.roles import AccountRole
from tests.gateway.factories import PLACE, QUOTE, Gateway, ddp_to_germany, raw_id
from tests.orders.factories import Stack

LINES = """
query ($id: ID!) {
  order(id: $id) {
    status paymentStatus refunded { amount }
    lines { id total { amount } partReturn { id status reason description refunded { amount }
            returnShipment { carrier trackingNumber } } }
  }
}"""
OPEN = """
mutation ($line: ID!, $reason: PartReturnReason!, $text: String!) {
  openPartReturn(orderLineId: $line, reason: $reason, description: $text) { id status reason warrantyUntil }
}"""
DECIDE = """
mutation ($id: ID!, $ok: Boolean!, $note: String) {
  decidePartReturn(id: $id, approved: $ok, note: $note) { status }
}"""
SEND_BACK = """
mutation ($id: ID!, $number: String!) {
  shipPartReturn(id: $id, carrier: "DHL", trackingNumber: $number) { status returnShipment { trackingNumber } }
}"""
RECEIVE = """
mutation ($id: ID!) { receivePartReturn(id: $id, resolution: REFUND) { status refunded { amount currency } } }"""


def _error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("errors"), result
    return dict(result["errors"][0]["extensions"])


def _delivered_order(stack: Stack, gateway: Gateway, buyer: str, supplier: str, part_id: str) -> str:
    quote = gateway.ok(QUOTE, {"input": ddp_to_germany(part_id)}, token=buyer)["createQuote"]
    order_id = gateway.ok(PLACE, {"q": quote["id"], "k": f"checkout-{uuid.uuid4()}"}, token=buyer)["placeOrder"][
        "order"
    ]["id"]
    gateway.ok(
        "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id } }",
        {"o": order_id, "pm": gateway.card(stack, buyer)},
        token=buyer,
    )
    stack.wait_status(raw_id(order_id), "PAID")
    gateway.ok(
        'mutation ($o: ID!) { markShipped(orderId: $o, carrier: "SF Express", trackingNumber: "SF1234567890123") '
        "{ id } }",
        {"o": order_id},
        token=supplier,
    )
    gateway.ok("mutation ($o: ID!) { confirmDelivery(orderId: $o) { id } }", {"o": order_id}, token=buyer)
    return str(order_id)


def test_a_part_return_through_the_api_checks_who_and_what(orders_stack: Stack, gateway: Gateway) -> None:
    supplier_id = orders_stack.supplier()
    part = orders_stack.part(supplier_id)
    buyer = gateway.account(AccountRole.BUYER)
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)
    order_id = _delivered_order(orders_stack, gateway, buyer, supplier, part["id"])
    line = gateway.ok(LINES, {"id": order_id}, token=buyer)["order"]["lines"][0]

    not_a_line = gateway.gql(OPEN, {"line": "nope", "reason": "FAULTY", "text": "broken"}, token=buyer)
    assert _error(not_a_line)["code"] == "BAD_USER_INPUT" and _error(not_a_line)["field"] == "orderLineId"
    empty = gateway.gql(OPEN, {"line": line["id"], "reason": "FAULTY", "text": "   "}, token=buyer)
    assert _error(empty)["code"] == "BAD_USER_INPUT" and "description" in _error(empty)["field"]
    by_supplier = gateway.gql(OPEN, {"line": line["id"], "reason": "FAULTY", "text": "broken"}, token=supplier)
    assert _error(by_supplier)["code"] == "FORBIDDEN"
    opened = gateway.ok(OPEN, {"line": line["id"], "reason": "FAULTY", "text": "no charge"}, token=buyer)
    rma = opened["openPartReturn"]
    assert rma["status"] == "REQUESTED" and rma["reason"] == "FAULTY" and rma["warrantyUntil"]
    node = gateway.ok(
        "query ($id: ID!) { node(id: $id) { ... on PartReturn { id status } } }", {"id": rma["id"]}, token=supplier
    )
    assert node["node"] == {"id": rma["id"], "status": "REQUESTED"}

    assert _error(gateway.gql(DECIDE, {"id": rma["id"], "ok": True}, token=buyer))["code"] == "FORBIDDEN"
    no_note = gateway.gql(DECIDE, {"id": rma["id"], "ok": False}, token=supplier)
    assert _error(no_note)["code"] == "BAD_USER_INPUT" and _error(no_note)["field"] == "note"
    assert gateway.ok(DECIDE, {"id": rma["id"], "ok": True}, token=supplier)["decidePartReturn"]["status"] == "APPROVED"

    bad_number = gateway.gql(SEND_BACK, {"id": rma["id"], "number": "<script>"}, token=buyer)
    assert _error(bad_number)["code"] == "BAD_USER_INPUT" and "tracking" in _error(bad_number)["field"].lower()
    sent = gateway.ok(SEND_BACK, {"id": rma["id"], "number": "JD0146000099887"}, token=buyer)["shipPartReturn"]
    assert sent == {"status": "SHIPPED_BACK", "returnShipment": {"trackingNumber": "JD0146000099887"}}

    assert _error(gateway.gql(RECEIVE, {"id": rma["id"]}, token=buyer))["code"] == "FORBIDDEN"
    received = gateway.ok(RECEIVE, {"id": rma["id"]}, token=supplier)["receivePartReturn"]
    assert received == {"status": "REFUNDED", "refunded": {"amount": line["total"]["amount"], "currency": "EUR"}}
    seen = gateway.ok(LINES, {"id": order_id}, token=buyer)["order"]
    assert seen["status"] == "REFUNDED" and seen["paymentStatus"] == "REFUNDED"
    assert seen["refunded"]["amount"] == line["total"]["amount"]
    assert seen["lines"][0]["partReturn"]["status"] == "REFUNDED"

    # The receipt: the buyer's, not another buyer's nor the supplier's.
    receipt = gateway.ok("query ($id: ID!) { order(id: $id) { receiptPdf } }", {"id": order_id}, token=buyer)
    pdf = base64.b64decode(receipt["order"]["receiptPdf"])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Tax invoice" in text and "returned and refunded" in text and "@example.com" in text
    by_seller = gateway.gql("query ($id: ID!) { order(id: $id) { receiptPdf } }", {"id": order_id}, token=supplier)
    assert _error(by_seller)["code"] == "FORBIDDEN"
    stranger = gateway.account(AccountRole.BUYER)
    assert gateway.gql("query ($id: ID!) { order(id: $id) { receiptPdf } }", {"id": order_id}, token=stranger)["errors"]
