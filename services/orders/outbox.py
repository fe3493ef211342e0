"""Order events, written to the orders service's outbox (`services.common.events`).

`record` writes one event in the caller's transaction, beside the change it reports: the event
is committed exactly when the change is, and rolled back with it. The worker's relay publishes
it on `tongnan.<type>`; the webhook sender (`webhook_delivery`) is one of its consumers.

An order event's `data` is a snapshot of the order at that moment (without prices of the
lines), its recipients (`buyer_id`, `supplier_ids`: who may be told about it) and its
event-specific parts (a refund, a core return, a reason). `data_for` cuts it down to what a
receiving webhook subscription may see (a supplier: its own lines, not the buyer's payment).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from services.orders.contract.statuses import OrderStatus, ScreeningStatus
from services.orders.models import EVENTS, CoreReturn, Order, OrderLine, PartReturn, Refund, SettlementBatch

ORDER_PLACED = "order.placed"
ORDER_PAID = "order.paid"
ORDER_SHIPPED = "order.shipped"
ORDER_DELIVERED = "order.delivered"
ORDER_COMPLETED = "order.completed"
ORDER_CANCELLED = "order.cancelled"
ORDER_REFUNDED = "order.refunded"
CORE_RETURN_REQUESTED = "core_return.requested"
CORE_RETURN_RESOLVED = "core_return.resolved"
# A part return (RMA) opened by the buyer, and each later step of it (its status says which).
PART_RETURN_REQUESTED = "part_return.requested"
PART_RETURN_UPDATED = "part_return.updated"
PAYOUT_CREATED = "payout.created"

# The order and core return events, as the backbone names them.
ORDER_EVENT_TYPES: tuple[str, ...] = (
    ORDER_PLACED,
    ORDER_PAID,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    ORDER_COMPLETED,
    ORDER_CANCELLED,
    ORDER_REFUNDED,
    CORE_RETURN_REQUESTED,
    CORE_RETURN_RESOLVED,
    PART_RETURN_REQUESTED,
    PART_RETURN_UPDATED,
)

# Integrators subscribed to these names before the backbone had its own; a webhook keeps them,
# so no subscription, and no receiver, has to change.
WEBHOOK_NAMES = {ORDER_PLACED: "order.created", CORE_RETURN_RESOLVED: "core_return.received"}


def webhook_type(event_type: str) -> str:
    """The type an integrator's webhook names this event by."""
    return WEBHOOK_NAMES.get(event_type, event_type)


# What a webhook subscription may ask for: every order event, by its webhook name.
EVENT_TYPES: tuple[str, ...] = tuple(webhook_type(t) for t in ORDER_EVENT_TYPES)
ALL_EVENTS = "*"

# The event each order status reports when an order reaches it (record_status_change).
BY_STATUS = {
    OrderStatus.PAID: ORDER_PAID,
    OrderStatus.SHIPPED: ORDER_SHIPPED,
    OrderStatus.DELIVERED: ORDER_DELIVERED,
    OrderStatus.COMPLETED: ORDER_COMPLETED,
    OrderStatus.CANCELLED: ORDER_CANCELLED,
}

# What a supplier's endpoint does not get: the buyer's payment, like its view of the order.
BUYER_ONLY_ORDER_KEYS = ("total", "refunded")
# Who may be told about an order event: the backbone's consumers read them, webhooks leave them out.
RECIPIENT_KEYS = ("buyer_id", "supplier_ids")
# For the backbone's consumers only, never in a webhook. `reservation_key`: the catalog key
# holding an order's stock, which the catalog's order.cancelled consumer releases
# (services/catalog/order_events.py).
# `never_placed`: a cancelled order that never left RESERVING (placeOrder died), of which no
# integrator was told, so none is told of its cancellation either.
INTERNAL_KEYS = (*RECIPIENT_KEYS, "reservation_key", "never_placed")


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def order_snapshot(order: Order, lines: list[OrderLine]) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "number": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "buyer_id": order.buyer_id,
        "currency": order.currency,
        "destination_country": order.destination_country,
        "incoterm": order.incoterm,
        "total": _money(order.total, order.currency),
        "refunded": _money(order.refunded, order.currency),
        "created_at": _iso(order.created_at),
        "updated_at": _iso(order.updated_at),
        "lines": [
            {
                "id": str(line.id),
                "part_id": str(line.part_id),
                "supplier_id": str(line.supplier_id),
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "status": line.status,
                "carrier": line.carrier,
                "tracking_number": line.tracking_number,
                "shipped_at": _iso(line.shipped_at),
                "delivered_at": _iso(line.delivered_at),
            }
            for line in lines
        ],
    }


def refund_snapshot(refund: Refund) -> dict[str, Any]:
    return {
        "id": str(refund.id),
        "amount": _money(refund.amount, refund.currency),
        "reason": refund.reason,
        "created_at": _iso(refund.created_at),
    }


def core_return_snapshot(core: CoreReturn) -> dict[str, Any]:
    return {
        "id": str(core.id),
        "order_line_id": str(core.order_line_id),
        "supplier_id": str(core.supplier_id),
        "status": core.status,
        "hub_code": core.hub_code,
        "deposit": _money(core.deposit, core.currency),
        "refunded": _money(core.refunded, core.currency),
        "accepted_share_pct": core.accepted_share_pct,
        "requested_at": _iso(core.requested_at),
        "decided_at": _iso(core.decided_at),
    }


def record(
    session: Session,
    event_type: str,
    order: Order,
    *,
    suppliers: Iterable[uuid.UUID | str] | None = None,
    lines: list[OrderLine] | None = None,
    **data: Any,
) -> str:
    """Write one event about `order` in the current transaction; returns its id.

    `suppliers` are the supplier ids that may be told about it; by default every supplier with
    a line on the order. `lines`: the order's lines, where the caller holds them as this
    transaction leaves them (else they are read). `data` adds event-specific parts beside
    `order` (a refund, a core return, a reason).
    """
    if event_type not in ORDER_EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not an order event")
    session.flush()  # the lines and the order as this transaction left them
    if lines is None:
        lines = list(
            session.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.line_no)))
        )
    concerned = suppliers if suppliers is not None else (line.supplier_id for line in lines)
    if suppliers is None and order.screening_status in (ScreeningStatus.HELD, ScreeningStatus.CONFIRMED):
        concerned = []  # on a sanctions screening hold: not released to its suppliers
    payload = {
        "order": order_snapshot(order, lines),
        "buyer_id": order.buyer_id,
        "supplier_ids": sorted({str(s) for s in concerned}),
        **data,
    }
    if event_type == ORDER_CANCELLED:
        payload["reservation_key"] = order.reservation_key
        payload["never_placed"] = order.payment_intent_id is None
    return EVENTS.record(session, event_type, aggregate_id=order.id, data=payload)


def record_status_change(session: Session, order: Order, *, reason: str | None = None) -> str:
    """The event of the status the order has just reached (fulfilment/status.py changes it)."""
    return record(session, BY_STATUS[OrderStatus(order.status)], order, reason=reason)


def record_core_return(session: Session, event_type: str, order: Order, core: CoreReturn) -> str:
    """A core return's event goes to the buyer and to the supplier of its line only."""
    return record(session, event_type, order, suppliers=[core.supplier_id], core_return=core_return_snapshot(core))


def part_return_snapshot(rma: PartReturn) -> dict[str, Any]:
    return {
        "id": str(rma.id),
        "order_line_id": str(rma.order_line_id),
        "supplier_id": str(rma.supplier_id),
        "reason": rma.reason,
        "status": rma.status,
        "resolution": rma.resolution,
        "refunded": _money(rma.refunded, rma.currency),
        "return_tracking_number": rma.return_tracking_number,
        "replacement_tracking_number": rma.replacement_tracking_number,
        "warranty_until": _iso(rma.warranty_until),
        "requested_at": _iso(rma.requested_at),
    }


def record_part_return(session: Session, event_type: str, order: Order, rma: PartReturn) -> str:
    """A part return's event goes to the buyer and to the supplier of its line only."""
    return record(session, event_type, order, suppliers=[rma.supplier_id], part_return=part_return_snapshot(rma))


def record_payout(session: Session, batch: SettlementBatch) -> str:
    """A settlement batch: what one supplier is paid, in fen, for the lines delivered by `cutoff`."""
    data = {
        "batch_id": str(batch.id),
        "supplier_id": str(batch.supplier_id),
        "amount": _money(batch.total_fen, batch.currency),
        "line_count": batch.line_count,
        "cutoff": _iso(batch.cutoff),
    }
    return EVENTS.record(session, PAYOUT_CREATED, aggregate_id=batch.id, data=data)


def data_for(data: dict[str, Any], *, role: str, supplier_id: str | None) -> dict[str, Any]:
    """The event's data as a webhook subscription's owner may see it: without the recipients;
    a supplier gets its own lines and none of the buyer's payment; a buyer and an admin get the
    whole order."""
    seen = {k: v for k, v in data.items() if k not in INTERNAL_KEYS}
    if role != "SUPPLIER":
        return seen
    order = {k: v for k, v in seen["order"].items() if k not in BUYER_ONLY_ORDER_KEYS}
    order["lines"] = [line for line in order["lines"] if line["supplier_id"] == supplier_id]
    return {**seen, "order": order}
