"""Part returns (RMA) and the buyer's receipt: a faulty part sent back under warranty and
refunded line by line (Stripe refund, ledger balanced, the supplier's payout reduced), a wrong
part replaced from stock, the window of the part's warranty, who may do each step, each step
idempotent; the receipt PDF with the VAT per line, for its buyer only."""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select, update
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.orders.finance import ledger
from services.orders.models import EVENTS, OrderLine
from tests.factories import as_supplier
from tests.orders.factories import ADMIN, Stack, as_buyer, paid_order

SHIP = {"carrier": "SF Express", "tracking_number": "SF1234567890123"}
BACK = {"carrier": "DHL", "tracking_number": "JD0146000012345"}


def _post(stack: Stack, path: str, headers: Mapping[str, str], json: Any = None) -> Any:
    return stack.orders.post(path, json=json, headers=headers)


def _refunds(stack: Stack, intent_id: str) -> list[int]:
    return sorted(r["amount"] for r in stack.stripe.v1.refunds.list(params={"payment_intent": intent_id}).data)


def _delivered(stack: Stack, buyer: str, parts: list[tuple[dict[str, Any], int]]) -> dict[str, Any]:
    """Paid, shipped by the (one) supplier of the parts, and its delivery confirmed by the buyer."""
    q = stack.quote(buyer, [(p["id"], n) for p, n in parts])
    order = stack.place(buyer, q["id"])["order"]
    stack.pay(buyer, order["id"], stack.card(buyer))
    stack.wait_status(order["id"], "PAID")
    supplier = as_supplier(parts[0][0]["supplier_id"])
    assert _post(stack, f"/orders/{order['id']}/ship", supplier, SHIP).status_code == 200
    assert _post(stack, f"/orders/{order['id']}/confirm-delivery", as_buyer(buyer)).status_code == 200
    return stack.order(order["id"])


def _open(stack: Stack, buyer: str, line_id: str, reason: str = "FAULTY") -> Any:
    body = {"order_line_id": line_id, "reason": reason, "description": "no charge at idle, bearing noise"}
    return _post(stack, "/part-returns", as_buyer(buyer), body)


def test_a_faulty_part_is_approved_sent_back_and_its_line_refunded_once(stack: Stack, buyer: str) -> None:
    supplier_id = stack.supplier()
    supplier = as_supplier(supplier_id)
    faulty = stack.part(supplier_id)
    kept = stack.part(supplier_id, price_cny=50_000, core_charge_cny=0, weight_grams=1200)
    order = _delivered(stack, buyer, [(faulty, 1), (kept, 1)])
    line, other_line = order["lines"]
    payable_before = stack.balance(ledger.supplier_payable(supplier_id), "CNY")

    # Only the order's buyer opens a return, with a reason from the list.
    assert _open(stack, "acct-someone-else", line["id"]).status_code == 404
    as_seller = {"order_line_id": line["id"], "reason": "FAULTY", "description": "returned by its seller"}
    assert _post(stack, "/part-returns", supplier, as_seller).status_code == 403
    wrong_reason = _open(stack, buyer, line["id"], reason="CHANGED_MIND")
    assert wrong_reason.status_code == 422 and "reason" in wrong_reason.text
    opened = _open(stack, buyer, line["id"])
    assert opened.status_code == 201, opened.text
    rma = opened.json()
    assert rma["status"] == "REQUESTED" and rma["reason"] == "FAULTY"
    assert _open(stack, buyer, line["id"]).json()["id"] == rma["id"]  # asked twice: one return

    # Only the line's supplier (or an admin) decides; a rejection must say why.
    assert (
        _post(
            stack, f"/part-returns/{rma['id']}/decision", as_supplier(stack.supplier()), {"approved": True}
        ).status_code
        == 404
    )
    assert _post(stack, f"/part-returns/{rma['id']}/decision", as_buyer(buyer), {"approved": True}).status_code == 403
    no_reason = _post(stack, f"/part-returns/{rma['id']}/decision", supplier, {"approved": False})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "note"
    early = _post(stack, f"/part-returns/{rma['id']}/shipment", as_buyer(buyer), BACK)
    assert early.status_code == 409 and early.json()["code"] == "INVALID_TRANSITION"
    approved = _post(stack, f"/part-returns/{rma['id']}/decision", supplier, {"approved": True})
    assert approved.status_code == 200 and approved.json()["status"] == "APPROVED"
    assert _post(stack, f"/part-returns/{rma['id']}/decision", supplier, {"approved": True}).status_code == 200
    flip = _post(stack, f"/part-returns/{rma['id']}/decision", supplier, {"approved": False, "note": "changed mind"})
    assert flip.status_code == 409

    # The buyer sends it back; the same tracking twice is one shipment, another one a conflict.
    assert _post(stack, f"/part-returns/{rma['id']}/shipment", supplier, BACK).status_code == 403
    sent = _post(stack, f"/part-returns/{rma['id']}/shipment", as_buyer(buyer), BACK)
    assert sent.status_code == 200 and sent.json()["status"] == "SHIPPED_BACK"
    assert sent.json()["return_tracking_number"] == BACK["tracking_number"]
    assert _post(stack, f"/part-returns/{rma['id']}/shipment", as_buyer(buyer), BACK).status_code == 200
    other = {"carrier": "DHL", "tracking_number": "JD0000000000000"}
    assert _post(stack, f"/part-returns/{rma['id']}/shipment", as_buyer(buyer), other).status_code == 409

    # Received: the line (with its share of shipping, duty, VAT and its deposit) back to the card.
    assert (
        _post(stack, f"/part-returns/{rma['id']}/receipt", as_buyer(buyer), {"resolution": "REFUND"}).status_code == 403
    )
    refunded = _post(stack, f"/part-returns/{rma['id']}/receipt", supplier, {"resolution": "REFUND"})
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["status"] == "REFUNDED"
    assert refunded.json()["refunded"]["amount"] == line["total"]["amount"]
    again = _post(stack, f"/part-returns/{rma['id']}/receipt", supplier, {"resolution": "REFUND"})
    assert again.status_code == 200 and again.json()["refunded"] == refunded.json()["refunded"]
    assert _post(stack, f"/part-returns/{rma['id']}/receipt", ADMIN, {"resolution": "REPLACEMENT"}).status_code == 409
    assert _refunds(stack, order["payment_intent_id"]) == [line["total"]["amount"]]

    after = stack.order(order["id"])
    assert after["payment_status"] == "PARTIALLY_REFUNDED"
    assert after["refunded"]["amount"] == line["total"]["amount"]
    assert after["part_returns"][0]["status"] == "REFUNDED"
    # The supplier is no longer owed the returned line; the kept line is paid out as before.
    lines = {ln["id"]: ln for ln in after["lines"]}
    assert lines[line["id"]]["supplier_payable"]["amount"] == 0
    assert lines[other_line["id"]]["supplier_payable"] == other_line["supplier_payable"]
    assert (
        stack.balance(ledger.supplier_payable(supplier_id), "CNY")
        == payable_before + (line["supplier_payable"]["amount"])
    )
    assert stack.balance(ledger.STRIPE, "EUR") == order["total"]["amount"] - line["total"]["amount"]
    assert stack.balance(ledger.CORE_HELD, "EUR") == -other_line["core_deposit"]["amount"]
    # Each step an event for the buyer's and the supplier's webhooks, written with the step.
    assert _part_return_events(stack, rma["id"]) == [
        ("part_return.requested", "REQUESTED"),
        ("part_return.updated", "APPROVED"),
        ("part_return.updated", "SHIPPED_BACK"),
        ("part_return.updated", "REFUNDED"),
    ]
    # Its deposit went back with the part: no core return on top.
    core = _post(stack, "/core-returns", as_buyer(buyer), {"order_line_id": line["id"]})
    assert core.status_code == 409


def _part_return_events(stack: Stack, return_id: str) -> list[tuple[str, str]]:
    with Session(stack.engine) as session:
        rows = session.execute(select(EVENTS.outbox.c.envelope).order_by(EVENTS.outbox.c.created_at)).scalars()
        return [
            (e["type"], e["data"]["part_return"]["status"])
            for e in rows
            if e["type"].startswith("part_return.") and e["data"]["part_return"]["id"] == return_id
        ]


def test_a_wrong_part_is_replaced_from_stock_and_the_replacement_shipped(stack: Stack, buyer: str) -> None:
    supplier_id = stack.supplier()
    supplier = as_supplier(supplier_id)
    part = stack.part(supplier_id, on_hand=4)
    order = _delivered(stack, buyer, [(part, 2)])
    assert stack.stock(part["id"]) == {"on_hand": 2, "reserved": 0, "available": 2}
    rma = _open(stack, buyer, order["lines"][0]["id"], reason="WRONG_PART").json()
    assert _post(stack, f"/part-returns/{rma['id']}/decision", supplier, {"approved": True}).status_code == 200
    assert _post(stack, f"/part-returns/{rma['id']}/shipment", as_buyer(buyer), BACK).status_code == 200

    replacing = _post(stack, f"/part-returns/{rma['id']}/receipt", supplier, {"resolution": "REPLACEMENT"})
    assert replacing.status_code == 200, replacing.text
    assert replacing.json()["status"] == "REPLACEMENT_PENDING"
    assert (
        _post(stack, f"/part-returns/{rma['id']}/receipt", supplier, {"resolution": "REPLACEMENT"}).status_code == 200
    )
    assert stack.stock(part["id"]) == {"on_hand": 0, "reserved": 0, "available": 0}  # two sold again, once

    bad = _post(stack, f"/part-returns/{rma['id']}/replacement", supplier, {"carrier": "SF", "tracking_number": "<b>"})
    assert bad.status_code == 422 and bad.json()["field"] == "tracking_number"
    shipped = _post(stack, f"/part-returns/{rma['id']}/replacement", supplier, SHIP)
    assert shipped.status_code == 200 and shipped.json()["status"] == "REPLACED"
    assert shipped.json()["replacement_tracking_number"] == SHIP["tracking_number"]
    assert _post(stack, f"/part-returns/{rma['id']}/replacement", supplier, SHIP).status_code == 200
    assert _refunds(stack, order["payment_intent_id"]) == []
    assert stack.order(order["id"])["payment_status"] == "PAID"


def test_a_return_needs_a_shipped_part_within_its_warranty(stack: Stack, buyer: str) -> None:
    supplier_id = stack.supplier()
    unshipped = paid_order(stack, buyer, stack.part(supplier_id), 1)
    not_yet = _open(stack, buyer, unshipped["lines"][0]["id"])
    assert not_yet.status_code == 409 and not_yet.json()["field"] == "order_line_id"

    two_years = _delivered(stack, buyer, [(stack.part(supplier_id, warranty_months=24), 1)])
    no_warranty = _delivered(stack, buyer, [(stack.part(supplier_id, warranty_months=0), 1)])
    _delivered_ago(stack, two_years["lines"][0]["id"], days=700)
    _delivered_ago(stack, no_warranty["lines"][0]["id"], days=31)
    late = _open(stack, buyer, no_warranty["lines"][0]["id"], reason="WRONG_PART")
    assert late.status_code == 409 and late.json()["code"] == "WARRANTY_EXPIRED"
    within = _open(stack, buyer, two_years["lines"][0]["id"])
    assert within.status_code == 201, within.text
    _delivered_ago(stack, no_warranty["lines"][0]["id"], days=20)  # a part without warranty: 30 days
    assert _open(stack, buyer, no_warranty["lines"][0]["id"], reason="WRONG_PART").status_code == 201


def _delivered_ago(stack: Stack, line_id: str, *, days: int) -> None:
    with Session(stack.engine) as session:
        session.execute(
            update(OrderLine)
            .where(col(OrderLine.id) == uuid.UUID(line_id))
            .values(delivered_at=utcnow() - timedelta(days=days), shipped_at=utcnow() - timedelta(days=days + 3))
        )
        session.commit()


def test_the_receipt_shows_vat_per_line_for_its_buyer_and_admins_only(stack: Stack, buyer: str) -> None:
    supplier_id = stack.supplier()
    part = stack.part(supplier_id)
    order = paid_order(stack, buyer, part, 2)
    response = stack.orders.get(
        f"/orders/{order['id']}/receipt.pdf", params={"buyer_name": "fleet@example.de"}, headers=as_buyer(buyer)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Tax invoice" in text and f"Order: {order['number']}" in text and "Currency: EUR" in text
    assert "fleet@example.de" in text and "Tongnan Parts Exchange" in text
    supplier_name = stack.catalog.get(f"/suppliers/{supplier_id}", headers=ADMIN).json()["name_en"]
    assert f"sold by {supplier_name}" in text
    assert "19%" in text  # Germany's standard rate, as the quote locked it
    vat = order["lines"][0]["vat"]["amount"]
    assert f"{vat / 100:,.2f} EUR" in text and f"{order['total']['amount'] / 100:,.2f} EUR" in text

    assert stack.orders.get(f"/orders/{order['id']}/receipt.pdf", headers=ADMIN).status_code == 200
    assert stack.orders.get(f"/orders/{order['id']}/receipt.pdf", headers=as_buyer("acct-nosy")).status_code == 404
    by_supplier = stack.orders.get(f"/orders/{order['id']}/receipt.pdf", headers=as_supplier(supplier_id))
    assert by_supplier.status_code == 403

    # Delivered at place (DAP): no VAT charged by us; the receipt says the import VAT is due on arrival.
    dap = paid_order(stack, buyer, part, 1, incoterm="DAP")
    dap_pdf = stack.orders.get(f"/orders/{dap['id']}/receipt.pdf", headers=as_buyer(buyer)).content
    dap_text = " ".join(PdfReader(io.BytesIO(dap_pdf)).pages[0].extract_text().split())
    assert "Tax invoice" not in dap_text and "Receipt" in dap_text
    assert "payable on arrival" in dap_text and f"VAT {dap['vat']['amount'] / 100:,.2f} EUR" in dap_text

    unpaid = stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])["order"]
    none_yet = stack.orders.get(f"/orders/{unpaid['id']}/receipt.pdf", headers=as_buyer(buyer))
    assert none_yet.status_code == 409
