"""The catalog's background work, as the worker runs it: its outbox and inbox, its consumers of
other services' events, its scheduled jobs and its retention rules. The worker (ops/worker)
imports this module and nothing else of the catalog but its settings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from marketplace.actors import SYSTEM
from services.catalog import markets, order_events, reservations
from services.catalog.models import EVENTS as EVENTS
from services.catalog.models import Reservation, ReservationLine
from services.common.db import session_scope
from services.common.events import Subscription
from services.common.retention import in_batches

# Expired reservations released per transaction by the sweep.
SWEEP_BATCH = 500


def release_on_cancel() -> Subscription:
    """A cancelled order's reservations released at once (order_events.py)."""
    return order_events.release_on_cancel()


def markets_on_certificates() -> Subscription:
    """Markets per part: certificate events decide again where the holder's parts may be sold."""
    return markets.subscription()


def rebuild_markets(engine: Engine, certificates: Iterable[Mapping[str, Any]]) -> int:
    """Every part's markets decided again from these certificates (as certification's events
    describe them) and the bundled market rules: how many parts changed, each announced as
    part.markets_changed."""
    with Session(engine) as session:
        changed = markets.rebuild(session, certificates, on=markets.today())
        session.commit()
    return len(changed)


def markets_decided(engine: Engine, certificates: Iterable[Mapping[str, Any]]) -> bool:
    """Whether every part's markets already stand decided for today, under the bundled rules,
    from these certificates: a rebuild would change nothing."""
    with Session(engine) as session:
        return markets.decided_for(session, certificates, on=markets.today())


def sweep_expired_reservations(engine: Engine) -> int:
    """Reservations past their expiry released, their units back on sale: how many."""
    total = 0
    while True:
        with session_scope(engine) as session:
            swept = reservations.sweep_expired(session, SYSTEM, limit=SWEEP_BATCH)
        total += swept
        if swept < SWEEP_BATCH:
            return total


def forget_settled_reservations(engine: Engine, cutoff: datetime) -> int:
    """Reservations released or expired before `cutoff`, with their lines. Committed ones stay:
    they are the stock an order took (and a return restocks)."""

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(ReservationLine).where(col(ReservationLine.reservation_id).in_(ids)))
        session.execute(delete(Reservation).where(col(Reservation.id).in_(ids)))

    pick = select(col(Reservation.id)).where(
        col(Reservation.status).in_(("RELEASED", "EXPIRED")), col(Reservation.settled_at) < cutoff
    )
    return in_batches(engine, pick, remove)
