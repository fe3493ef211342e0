"""Order and line statuses, and the one function that changes an order's status."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from services.common.clock import utcnow
from services.common.errors import Conflict
from services.orders import outbox
from services.orders.models import Order, OrderStatusChange

# RESERVING: the first step of placeOrder's saga, committed before the catalog is asked for
# stock, so a placeOrder that dies after reserving leaves a row its retry (or the reconcile job)
# finishes from. The public API shows it as PENDING_PAYMENT: the order is not payable yet.
RESERVING = "RESERVING"
PENDING_PAYMENT, PAID, SHIPPED, DELIVERED, COMPLETED, CANCELLED = (
    "PENDING_PAYMENT",
    "PAID",
    "SHIPPED",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
UNPAID, PAYMENT_PAID, FAILED, PARTIALLY_REFUNDED, REFUNDED = (
    "UNPAID",
    "PAID",
    "FAILED",
    "PARTIALLY_REFUNDED",
    "REFUNDED",
)
# The payment's amount or currency is not the order's: held for an admin, never PAID. The order
# stays PENDING_PAYMENT; cancelling it gives back whatever was taken.
REVIEW = "REVIEW"
# A part of the order may no longer be sold in its destination (a certificate suspended or
# revoked): payment cannot proceed until it may again (services/orders/checkout/market_holds.py).
HELD = "HELD"
LINE_PENDING, LINE_SHIPPED, LINE_DELIVERED, LINE_CANCELLED = "PENDING", "SHIPPED", "DELIVERED", "CANCELLED"

ALLOWED: dict[str, set[str]] = {
    RESERVING: {PENDING_PAYMENT, CANCELLED},
    PENDING_PAYMENT: {PAID, CANCELLED},
    PAID: {SHIPPED, CANCELLED},
    SHIPPED: {DELIVERED},
    DELIVERED: {COMPLETED},
    COMPLETED: set(),
    CANCELLED: set(),
}


class InvalidTransition(Conflict):
    code = "INVALID_TRANSITION"


def require(order: Order, *allowed: str, action: str) -> None:
    if order.status not in allowed:
        raise InvalidTransition(
            f"order {order.id} is {order.status}; it cannot be {action}", field="status", order_status=order.status
        )


def change(session: Session, order: Order, to: str, *, actor_id: str, reason: str | None = None) -> None:
    if to not in ALLOWED[order.status]:
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
    outbox.record(session, outbox.BY_STATUS[to], order, reason=reason)
