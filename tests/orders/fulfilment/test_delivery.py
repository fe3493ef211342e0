"""Delivery the buyer confirms: tracking numbers checked against the carrier's format, the buyer's
confirmation (not the supplier's word) makes an order DELIVERED and starts the payout clock, and
the worker delivers what nobody objected to (a part return, or a report that it has not arrived)
some days after shipment."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from services.common.clock import travel
from services.orders.models import OrderLine
from tests.databases import Databases
from tests.factories import as_supplier
from tests.ops.worker.helpers import registered, run_until_ticks, worker_context
from tests.orders.factories import ADMIN, Stack, as_buyer, events_of, orders_settings, paid_order

DHL = {"carrier": "DHL", "tracking_number": "12 3456 7890"}


def _post(stack: Stack, path: str, headers: Mapping[str, str], json: Any = None) -> Any:
    return stack.orders.post(path, json=json, headers=headers)


def _shipped(stack: Stack, buyer: str, part: dict[str, Any], shipment: dict[str, str] = DHL) -> dict[str, Any]:
    order = paid_order(stack, buyer, part)
    shipped = _post(stack, f"/orders/{order['id']}/ship", as_supplier(part["supplier_id"]), shipment)
    assert shipped.status_code == 200, shipped.text
    return dict(shipped.json())


def _event_types(stack: Stack, order_id: str) -> list[str]:
    """The types of the events written about this order, in order."""
    return [event.type for event in events_of(stack, order_id)]


@pytest.mark.parametrize(
    ("carrier", "number", "field"),
    [
        ("Pony Express", "1234567890", "carrier"),  # a carrier we do not ship with
        ("DHL Express", "123456789", "tracking_number"),  # a DHL waybill has 10 digits
        ("UPS", "1Z12345E02056", "tracking_number"),  # 1Z and 16 characters
        ("EMS", "EA123456784CN", "tracking_number"),  # S10, wrong check digit (5 is right)
        ("SF Express", "SF12345678", "tracking_number"),  # SF and 13 digits
        ("Maersk", "MSKU9070324", "tracking_number"),  # ISO 6346, wrong check digit (3 is right)
    ],
)
def test_a_tracking_number_that_is_not_the_carriers_is_refused_naming_the_field(
    stack: Stack, buyer: str, alternator: dict[str, Any], carrier: str, number: str, field: str
) -> None:
    order = paid_order(stack, buyer, alternator)
    supplier = as_supplier(alternator["supplier_id"])
    refused = _post(stack, f"/orders/{order['id']}/ship", supplier, {"carrier": carrier, "tracking_number": number})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "BAD_USER_INPUT" and refused.json()["field"] == field
    assert stack.order(order["id"])["status"] == "PAID"  # nothing was written
    assert stack.order(order["id"])["lines"][0]["tracking_number"] is None


def test_the_buyer_confirms_delivery_once_and_the_payout_clock_starts_then(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    supplier = as_supplier(alternator["supplier_id"])
    shipped = _shipped(stack, buyer, alternator)
    oid = shipped["id"]
    # Named by an alias and typed with spaces: stored as the carrier's name and its plain number.
    line = shipped["lines"][0]
    assert (line["carrier"], line["tracking_number"]) == ("DHL Express", "1234567890")
    assert line["tracking_url"] == (
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=1234567890"
    )

    refused = _post(stack, f"/orders/{oid}/deliver", supplier)
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    assert _post(stack, f"/orders/{oid}/confirm-delivery", supplier).status_code == 403
    assert _post(stack, f"/orders/{oid}/confirm-delivery", as_buyer("acct-another-buyer")).status_code == 404
    assert stack.order(oid)["status"] == "SHIPPED"

    confirmed = _post(stack, f"/orders/{oid}/confirm-delivery", as_buyer(buyer))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "DELIVERED"
    delivered_at = confirmed.json()["lines"][0]["delivered_at"]
    assert delivered_at is not None
    again = _post(stack, f"/orders/{oid}/confirm-delivery", as_buyer(buyer))
    assert again.status_code == 200 and again.json()["lines"][0]["delivered_at"] == delivered_at
    history = [(h["to_status"], h["reason"]) for h in stack.order(oid)["history"]]
    assert history.count(("DELIVERED", "confirmed by the buyer")) == 1
    assert _event_types(stack, oid).count("order.delivered") == 1

    # The hold (14 days) runs from the buyer's confirmation: nothing is due today, all of it later.
    assert _post(stack, "/settlements/run", ADMIN).json() == []
    with travel(timedelta(days=15)):
        (batch,) = _post(stack, "/settlements/run", ADMIN).json()
    assert batch["supplier_id"] == alternator["supplier_id"] and batch["line_count"] == 1
    assert batch["delivered_from"] == delivered_at


def test_the_worker_delivers_after_the_configured_days_unless_the_buyer_objected(
    stack: Stack, databases: Databases, buyer: str, nats_url: str
) -> None:
    supplier_id = stack.supplier()
    part = stack.part(supplier_id, on_hand=5)
    quiet = _shipped(stack, buyer, part, {"carrier": "SF Express", "tracking_number": "SF1234567890123"})
    objected = _shipped(stack, buyer, part, {"carrier": "Maersk", "tracking_number": "MSKU9070323"})
    confirmed = _shipped(stack, buyer, part, {"carrier": "EMS", "tracking_number": "EA123456785CN"})
    missing = _shipped(stack, buyer, part, {"carrier": "Cainiao", "tracking_number": "LP00123456789012"})
    assert objected["lines"][0]["tracking_url"] == "https://www.maersk.com/tracking/MSKU9070323"
    # The buyer objects to one shipment (a part return), reports another as not arrived, and
    # confirms a third before the deadline.
    body = {"order_line_id": objected["lines"][0]["id"], "reason": "WRONG_PART", "description": "a starter, not ours"}
    assert _post(stack, "/part-returns", as_buyer(buyer), body).status_code == 201
    report = {"note": "tracking stuck at Leipzig hub for a week"}
    assert _post(stack, f"/orders/{missing['id']}/non-delivery", as_supplier(supplier_id), report).status_code == 403
    assert _post(stack, f"/orders/{missing['id']}/non-delivery", as_buyer("acct-someone"), report).status_code == 404
    reported = _post(stack, f"/orders/{missing['id']}/non-delivery", as_buyer(buyer), report).json()
    assert reported["non_delivery_note"] == report["note"] and reported["non_delivery_reported_at"]
    again = _post(stack, f"/orders/{missing['id']}/non-delivery", as_buyer(buyer), {"note": "still nothing"}).json()
    assert (again["non_delivery_reported_at"], again["non_delivery_note"]) == (
        reported["non_delivery_reported_at"],
        report["note"],
    )
    assert _post(stack, f"/orders/{confirmed['id']}/confirm-delivery", as_buyer(buyer)).status_code == 200

    def run_job() -> None:
        context = worker_context(
            databases,
            nats_url,
            orders=orders_settings(stack, databases),
            orders_url=stack.orders_url,
            auto_deliver_every_seconds=1,
        )
        run_until_ticks(context, registered(context, "auto_deliver"), 1)

    with travel(timedelta(days=13)):  # inside the 14 days: the buyer may still object
        run_job()
    assert stack.order(quiet["id"])["status"] == "SHIPPED"

    with travel(timedelta(days=14, hours=1)):
        run_job()
        run_job()  # a second run delivers nothing twice
    delivered = stack.order(quiet["id"])
    assert delivered["status"] == "DELIVERED"
    assert [h["reason"] for h in delivered["history"] if h["to_status"] == "DELIVERED"] == [
        "no objection within 14 days of shipment"
    ]
    assert stack.order(objected["id"])["status"] == "SHIPPED"
    assert stack.order(missing["id"])["status"] == "SHIPPED"
    assert [h["reason"] for h in stack.order(confirmed["id"])["history"] if h["to_status"] == "DELIVERED"] == [
        "confirmed by the buyer"
    ]
    assert _event_types(stack, quiet["id"]).count("order.delivered") == 1
    with Session(stack.engine) as session:
        line = session.scalars(select(OrderLine).where(col(OrderLine.order_id) == uuid.UUID(quiet["id"]))).one()
        assert line.delivered_at is not None and line.status == "DELIVERED"
    # Only the scheduler (or an admin) runs it.
    assert _post(stack, "/orders/auto-deliver", as_buyer(buyer)).status_code == 403
