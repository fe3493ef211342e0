"""The order's status machine: which status may follow which, and the one function that changes
an order's status (the statuses themselves are services/orders/contract/statuses.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from services.common.clock import utcnow
from services.common.errors import Conflict
from services.orders import outbox
from services.orders.contract.statuses import OrderStatus
from services.orders.models import Order, OrderStatusChange

ALLOWED: dict[OrderStatus, set[OrderStatus]] = {
    OrderStatus.RESERVING: {OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED},
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: {OrderStatus.COMPLETED},
    OrderStatus.COMPLETED: set(),
    OrderStatus.CANCELLED: set(),
}


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"


def require(order: Order, *allowed: OrderStatus, action: str) -> None:
    if order.status not in allowed:
        raise InvalidTransition(
            f"order {order.id} is {order.status}; it cannot be {action}", field="status", order_status=order.status
        )


def change(session: Session, order: Order, to: OrderStatus, *, actor_id: str, reason: str | None = None) -> None:
    """Move the order to `to`, keep the step in its history, and record the event the new status
    reports, all in the caller's transaction."""
    if to not in ALLOWED[OrderStatus(order.status)]:
        raise InvalidTransition(
            f"order {order.id} is {order.status}; it cannot become {to}", field="status", order_status=order.status
        )
    now: datetime = utcnow()
    session.add(
        OrderStatusChange(
            order_id=order.id, from_status=order.status, to_status=to, actor_id=actor_id, reason=reason, at=now
        )
    )
    order.status = to
    order.updated_at = now
    session.add(order)
    session.flush()
    outbox.record_status_change(session, order, reason=reason)
