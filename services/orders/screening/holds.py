"""The sanctions hold on an order: screened once when it is placed, decided by an admin.

placeOrder screens the parties the order knows by name (`parties`) against the installed lists
(services/orders/screening/lists.py) and keeps the outcome on the order row it first inserts,
so a retried placeOrder answers with the same screening and never screens twice.

A potential match puts the order ON HOLD (`screening_status` HELD). The buyer may still pay
(the stock is then committed and does not expire while the review takes its time) and sees the
order "under review"; the order is not released to its suppliers: it is left out of their order
lists, its events are not sent to their webhooks (outbox.record), and `ship` refuses it
(SCREENING_HOLD), so it is never delivered nor settled. An admin:

- CLEARS the hold (a false positive, with the reason): the order goes on as any other;
- CONFIRMS the match (with the reason): the order is cancelled through the ordinary
  cancellation, which gives back the whole payment if it was paid and releases the stock.

Each decision is kept on the order (who, when, why) and audited by the gateway. Deciding again
what was decided is answered with the order as it is; the other decision is a conflict.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.errors import BadInput, Conflict, Forbidden, NotFound
from services.orders.contract.statuses import OrderStatus, ScreeningStatus
from services.orders.deps import OrdersDeps
from services.orders.models import Order
from services.orders.screening import lists as sanctions_lists
from services.orders.screening.matching import CUTOFF, screen

log = logging.getLogger(__name__)

BUYER, CONSIGNEE = "BUYER", "CONSIGNEE"


class ScreeningHold(Conflict):
    """An action an order on a sanctions hold may not take before an admin decides."""

    code = "SCREENING_HOLD"


class ScreeningDecided(Conflict):
    code = "SCREENING_DECIDED"


def parties(shipping_address: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The (role, name) pairs screened. A buyer's account holds an e-mail address and no name, so
    the names the order knows are the consignee's: the address's name and company (in the
    address book, the buyer's own when it ships to itself)."""
    if not shipping_address:
        return []
    names = [(CONSIGNEE, str(shipping_address.get(key) or "").strip()) for key in ("name", "company_name")]
    return [(role, name) for role, name in names if name]


def screening_of(
    names: Sequence[tuple[str, str]],
    *,
    on: date,
    at: datetime,
    lists: Sequence[sanctions_lists.SanctionsList] | None = None,
) -> tuple[str, dict[str, Any]]:
    """(status, record) for these names as the lists stood on `on`: HELD with any match."""
    used = tuple(lists) if lists is not None else sanctions_lists.bundled()
    matches = screen(names, used, on=on)
    record: dict[str, Any] = {
        "screened_at": at.isoformat(),
        "cutoff": CUTOFF,
        "names": [{"role": role, "name": name} for role, name in names],
        "lists": [
            {
                "list": sl.code,
                "name": sl.name,
                "published": sl.published.isoformat(),
                "url": sl.url,
                "source": sl.source,
                "extract": sl.extract,
            }
            for sl in used
        ],
        "matches": [m.as_json() for m in matches],
        "decision": None,
    }
    return (ScreeningStatus.HELD if matches else ScreeningStatus.CLEAR), record


def screen_new_order(order: Order, *, at: datetime) -> None:
    """Screen an order being placed, before its first insert."""
    order.screening_status, order.screening = screening_of(parties(order.shipping_address), on=at.date(), at=at)
    if order.screening_status == ScreeningStatus.HELD:
        refs = ", ".join(sorted({m["reference"] for m in order.screening["matches"]}))
        log.warning("order %s held for sanctions review: potential match with %s", order.number, refs)


def is_held(order: Order) -> bool:
    return order.screening_status == ScreeningStatus.HELD


def require_not_held(order: Order, *, action: str) -> None:
    """HELD, or CONFIRMED and not cancelled yet (its cancellation stopped half-way): refused."""
    if order.screening_status in (ScreeningStatus.HELD, ScreeningStatus.CONFIRMED):
        raise ScreeningHold(
            f"order {order.number} is on hold for a sanctions screening review; it cannot be {action} until "
            "the review clears it",
            field="status",
        )


def released_to_suppliers() -> Any:
    """The condition under which an order is in its suppliers' lists: not on a screening hold."""
    return or_(col(Order.screening_status).is_(None), col(Order.screening_status) != ScreeningStatus.HELD)


def held_orders(session: Session, actor: Actor, *, first: int, after: uuid.UUID | None) -> list[Order]:
    """Orders on hold for review, oldest first (the longest waiting first)."""
    _require_admin(actor)
    query = select(Order).where(Order.screening_status == ScreeningStatus.HELD)
    if after is not None:
        last = session.get(Order, after)
        if last is None:
            raise BadInput("no such order to page after", field="after")
        query = query.where(
            (col(Order.created_at) > last.created_at)
            | ((col(Order.created_at) == last.created_at) & (col(Order.id) > last.id))
        )
    return list(session.scalars(query.order_by(col(Order.created_at), col(Order.id)).limit(first)))


def _require_admin(actor: Actor) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("only an admin reviews sanctions screening holds")


def _decide(session: Session, actor: Actor, order_id: uuid.UUID, outcome: str, reason: str) -> tuple[Order, bool]:
    """(order, decided by this call). Locks the order; a repeat of the same decision is a no-op."""
    from services.orders.fulfilment import lifecycle  # lifecycle imports checkout, which imports this module

    _require_admin(actor)
    text = (reason or "").strip()
    if not text:
        raise BadInput("give the reason for this decision", field="reason")
    order = lifecycle.lock(session, order_id)
    if order.screening_status == outcome:
        return order, False
    if order.screening_status != ScreeningStatus.HELD:
        if order.screening_status in (ScreeningStatus.CLEARED, ScreeningStatus.CONFIRMED):
            raise ScreeningDecided(
                f"the screening of order {order.number} was already decided: {order.screening_status}",
                field="orderId",
            )
        raise ScreeningDecided(f"order {order.number} is not on a screening hold", field="orderId")
    record = dict(order.screening or {})
    record["decision"] = {"outcome": outcome, "by": actor.id, "at": utcnow().isoformat(), "reason": text[:1000]}
    order.screening_status, order.screening = outcome, record
    order.updated_at = utcnow()
    session.add(order)
    session.flush()
    return order, True


def clear(session: Session, actor: Actor, order_id: uuid.UUID, reason: str) -> Order:
    """A false positive: the hold is lifted and the order goes on."""
    order, decided = _decide(session, actor, order_id, ScreeningStatus.CLEARED, reason)
    if decided:
        log.info("order %s: sanctions hold cleared by %s", order.number, actor.id)
    return order


def confirm(session: Session, actor: Actor, order_id: uuid.UUID, reason: str, deps: OrdersDeps) -> Order:
    """A true match: the order is cancelled, and refunded in full if it was paid."""
    from services.orders.fulfilment import lifecycle

    order, _ = _decide(session, actor, order_id, ScreeningStatus.CONFIRMED, reason)
    if order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID):
        # The ordinary cancellation (a retry finishes one that stopped half-way).
        why = f"sanctions screening: match confirmed ({(reason or '').strip()})"[:500]
        order = lifecycle.cancel(session, actor, order.id, why, deps)
        log.warning("order %s cancelled: sanctions match confirmed by %s", order.number, actor.id)
    return order


def screened_order(session: Session, actor: Actor, order_id: uuid.UUID) -> Order:
    _require_admin(actor)
    order = session.get(Order, order_id)
    if order is None or order.screening_status is None:
        raise NotFound("no screened order with this id", field="orderId")
    return order
