"""Unpaid orders whose parts may no longer be sold where they ship: held, and released again.

The worker's `orders-market-holds` consumer reads part.markets_changed (the catalog's markets
per part changed: a certificate suspended, revoked or approved). For each unpaid order with a
line of that part it asks the catalog's read model (POST /parts/markets) whether all the
order's parts may still be sold in its destination:

- not all: the order's payment is HELD. payOrder refuses it, and `attention` says why (which
  part, what is missing, the certificate's status and the reviewer's reason): the buyer sees
  it on the GraphQL order. The order still expires like any unpaid order.
- all, and it was HELD: released (UNPAID again), so the buyer can pay before it expires.

A held order paid anyway (confirmed directly at Stripe) never becomes PAID silently:
lifecycle.apply_succeeded holds it for review like a payment of the wrong amount.
Applying an event twice changes nothing: both outcomes are states, not steps.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.errors import Conflict
from services.common.events import Event, Subscription
from services.orders.clients.catalog import CatalogClient, Eligibility
from services.orders.contract.statuses import OrderStatus, PaymentStatus
from services.orders.fulfilment.lifecycle import lines_of, lock
from services.orders.models import Order, OrderLine

log = logging.getLogger(__name__)

CONSUMER = "orders-market-holds"
# Statuses a market hold may replace or lift: never a payment held for review, failed or taken.
HOLDABLE = (PaymentStatus.UNPAID, PaymentStatus.HELD)


class PaymentHeldForMarkets(Conflict):
    """payOrder on an order whose parts may no longer be sold in its destination."""

    code = "PAYMENT_HELD"
    keeps_writes = True  # the hold recorded on the way is the state the buyer is told about


def _why(verdict: Eligibility) -> str:
    """A restricted condition or destination says so; otherwise the schemes missing."""
    legal = [r["message"] for r in verdict.reasons if r["code"] != "MISSING_CERTIFICATION"]
    if legal:
        return "; ".join(legal)
    return f"missing {', '.join(verdict.missing_schemes) or 'certification'}"


def _reason(order: Order, refused: list[tuple[OrderLine, Eligibility]], cause: dict[str, Any]) -> str:
    parts = "; ".join(f"{line.sku}: {_why(e)}" for line, e in refused)
    why = f"payment held: may no longer be sold in {order.destination_country} ({parts})"
    if cause.get("certificate_id"):
        what = f"{cause.get('scheme')} certificate {str(cause.get('status', '')).lower()}"
        why += f": {what}" + (f", {cause['reason']}" if cause.get("reason") else "")
    return why[:500]


def recheck(session: Session, catalog: CatalogClient, order_id: uuid.UUID, cause: dict[str, Any]) -> str:
    """Hold or release one unpaid order by what the catalog says of all its parts now, in the
    caller's transaction (the consumer's, with its inbox), whose lock is held while asking."""
    order = lock(session, order_id)
    if not _holdable(order):
        return _no_op(order)
    lines = lines_of(session, order.id)
    return _hold_or_release(session, order, lines, ask(catalog, order, lines), cause)


def ask(catalog: CatalogClient, order: Order, lines: list[OrderLine]) -> dict[uuid.UUID, Eligibility]:
    """The catalog's verdicts on the order's parts in its destination (raises UpstreamUnavailable)."""
    return catalog.markets(order.destination_country, [line.part_id for line in lines], field="part_id")


def apply(
    session: Session,
    order_id: uuid.UUID,
    lines: list[OrderLine],
    verdicts: dict[uuid.UUID, Eligibility],
    cause: dict[str, Any],
) -> str:
    """Hold or release the order by `verdicts`, under its row lock, read afresh: a verdict asked
    for without the lock applies only to an order still unpaid."""
    order = lock(session, order_id)
    if not _holdable(order):
        return _no_op(order)
    return _hold_or_release(session, order, lines, verdicts, cause)


def _holdable(order: Order) -> bool:
    return order.status == OrderStatus.PENDING_PAYMENT and order.payment_status in HOLDABLE


def _no_op(order: Order) -> str:
    return f"no-op ({order.status}/{order.payment_status})"


def _hold_or_release(
    session: Session,
    order: Order,
    lines: list[OrderLine],
    verdicts: dict[uuid.UUID, Eligibility],
    cause: dict[str, Any],
) -> str:
    """The locked, still unpaid `order` held or released by `verdicts`."""
    refused = [(line, verdicts[line.part_id]) for line in lines if not verdicts[line.part_id].eligible]
    if refused:
        reason = _reason(order, refused, cause)
        # Held already: a check without news (payOrder's) keeps the reason the event gave.
        if order.payment_status == PaymentStatus.HELD and (order.attention == reason or not cause):
            return "no-op (held)"
        order.payment_status, order.attention = PaymentStatus.HELD, reason
        outcome = "held"
    elif order.payment_status == PaymentStatus.HELD:
        order.payment_status, order.attention = PaymentStatus.UNPAID, None
        outcome = "released"
    else:
        return "no-op (eligible)"
    order.updated_at = utcnow()
    session.add(order)
    log.info("order %s %s: %s", order.id, outcome, order.attention or "its parts may be sold again")
    return outcome


def orders_with_part(session: Session, part_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(Order.id)
            .join(OrderLine, col(OrderLine.order_id) == col(Order.id))
            .where(
                OrderLine.part_id == part_id,
                Order.status == OrderStatus.PENDING_PAYMENT,
                col(Order.payment_status).in_(HOLDABLE),
            )
            .distinct()
        )
    )


class MarketHolds:
    """The consumer: one part.markets_changed, every unpaid order of that part re-checked."""

    def __init__(self, catalog: CatalogClient) -> None:
        self.catalog = catalog

    def handle(self, session: Session, event: Event) -> None:
        if event.version != 1:
            raise ValueError(f"{event.type} version {event.version} is not understood")
        cause = dict(event.data.get("cause") or {})
        for order_id in orders_with_part(session, uuid.UUID(event.data["part_id"])):
            recheck(session, self.catalog, order_id, cause)

    def subscription(self) -> Subscription:
        # Within seconds of a revocation: short first retries (the catalog may be restarting).
        return Subscription(CONSUMER, ["part.markets_changed"], self.handle, backoff=(0.5, 2.0, 10.0, 60.0, 300.0))

    async def aclose(self) -> None:
        self.catalog.close()
