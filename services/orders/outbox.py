"""The transactional outbox of order events.

`record` adds one `OrderEvent` row in the caller's transaction, beside the change it reports:
the event is committed exactly when the change is, and rolled back with it. The deliverer
(`webhook_delivery`) reads the rows afterwards and sends them to the subscribed endpoints.

An event's payload is a snapshot of the order at that moment, without prices of the lines;
`data_for` cuts it down to what the receiving subscription may see (a supplier: its own lines,
not the buyer's payment).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from services.orders.models import CoreReturn, Order, OrderEvent, OrderLine, Refund

ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_SHIPPED = "order.shipped"
ORDER_DELIVERED = "order.delivered"
ORDER_COMPLETED = "order.completed"
ORDER_CANCELLED = "order.cancelled"
ORDER_REFUNDED = "order.refunded"
CORE_RETURN_REQUESTED = "core_return.requested"
CORE_RETURN_RECEIVED = "core_return.received"

EVENT_TYPES: tuple[str, ...] = (
    ORDER_CREATED,
    ORDER_PAID,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    ORDER_COMPLETED,
    ORDER_CANCELLED,
    ORDER_REFUNDED,
    CORE_RETURN_REQUESTED,
    CORE_RETURN_RECEIVED,
)
ALL_EVENTS = "*"

# The order status an event reports when the status changes (status.change records these).
BY_STATUS = {
    "PAID": ORDER_PAID,
    "SHIPPED": ORDER_SHIPPED,
    "DELIVERED": ORDER_DELIVERED,
    "COMPLETED": ORDER_COMPLETED,
    "CANCELLED": ORDER_CANCELLED,
}

# What a supplier's endpoint does not get: the buyer's payment, like its view of the order.
BUYER_ONLY_ORDER_KEYS = ("total", "refunded")


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def order_snapshot(order: Order, lines: list[OrderLine]) -> dict[str, Any]:
    return {
        "id": str(order.id),
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
    **data: Any,
) -> OrderEvent:
    """Write one event about `order` in the current transaction.

    `suppliers` are the supplier ids that receive it; by default every supplier with a line on
    the order. `data` adds event-specific parts beside `order` (a refund, a core return, a reason).
    """
    assert event_type in EVENT_TYPES, event_type
    session.flush()  # the lines and the order as this transaction left them
    lines = list(
        session.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.line_no)))
    )
    concerned = suppliers if suppliers is not None else (line.supplier_id for line in lines)
    event = OrderEvent(
        type=event_type,
        order_id=order.id,
        buyer_id=order.buyer_id,
        supplier_ids=sorted({str(s) for s in concerned}),
        payload={"order": order_snapshot(order, lines), **data},
    )
    session.add(event)
    session.flush()
    return event


def record_core_return(session: Session, event_type: str, order: Order, core: CoreReturn) -> OrderEvent:
    """A core return's event goes to the buyer and to the supplier of its line only."""
    return record(session, event_type, order, suppliers=[core.supplier_id], core_return=core_return_snapshot(core))


def data_for(payload: dict[str, Any], *, role: str, supplier_id: str | None) -> dict[str, Any]:
    """The event's data as the subscription's owner may see it: a supplier gets its own lines
    and none of the buyer's payment; a buyer and an admin get all of it."""
    if role != "SUPPLIER":
        return payload
    order = {k: v for k, v in payload["order"].items() if k not in BUYER_ONLY_ORDER_KEYS}
    order["lines"] = [line for line in order["lines"] if line["supplier_id"] == supplier_id]
    return {**payload, "order": order}
