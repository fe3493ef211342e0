"""The catalog's consumers of other services' events (run by the worker, inbox in the catalog's
database).

order.cancelled: the order's units go back on sale at once, not when its reservation expires.
Every reservation still ACTIVE that was made for the order (its `order_ref`), and the one its
event names (`reservation_key`: a key a retried checkout converged on), is released. A
reservation already committed (sold) is the orders service's to restock after its refund; one
already released or expired is left as it is, so a redelivery, or a release the orders service
made itself, changes nothing.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from services.catalog import reservations
from services.catalog.models import Reservation
from services.common.clock import utcnow
from services.common.events import Event, Subscription

RELEASE_ON_CANCEL = "catalog-release-on-cancel"


def release_cancelled_order(session: Session, event: Event) -> None:
    order_id = str(event.data["order"]["id"])
    key = event.data.get("reservation_key")
    mine = col(Reservation.order_ref) == order_id
    held = list(
        session.scalars(
            select(Reservation)
            .where(col(Reservation.status) == reservations.ACTIVE)
            .where(or_(mine, col(Reservation.idempotency_key) == key) if key else mine)
            .order_by(col(Reservation.created_at))
        )
    )
    now = utcnow()
    for reservation in held:
        # Conditional on ACTIVE: the sweep or a direct release racing this one wins or loses
        # cleanly, and the stock moves once.
        reservations.give_back(session, reservation, reservations.RELEASED, now)


def release_on_cancel() -> Subscription:
    # Releasing is a few row updates: quick retries, and a dead letter to look at after them.
    return Subscription(RELEASE_ON_CANCEL, ["order.cancelled"], release_cancelled_order, backoff=(0.5, 2.0, 10.0))
