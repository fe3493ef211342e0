"""Retention: what each database stops keeping, and when. Run by the worker's retention job.

Rows are deleted in batches of `BATCH`, each in its own short transaction, so a first run over
a year of history does not hold locks for minutes. Every rule is "older than a cutoff", so a
second run, or two workers, delete nothing twice. Dead letters are never deleted here: each is a
failure someone has to look at (and replay or dismiss).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, delete, exists, select, tuple_
from sqlmodel import Session, col

from gateway.identity.models import PasswordReset, RefreshToken, SentMail
from services.catalog.models import Reservation, ReservationLine
from services.common.events import EventTables
from services.orders.models import Order, Quote, QuoteLine, StripeEvent

BATCH = 1000


def _in_batches(engine: Engine, pick: Select[Any], remove: Callable[[Session, list[Any]], object]) -> int:
    """Delete what `pick` selects, BATCH keys at a time, each batch in its own transaction."""
    total = 0
    while True:
        with Session(engine) as session, session.begin():
            keys = list(session.scalars(pick.limit(BATCH)))
            if keys:
                remove(session, keys)
        total += len(keys)
        if len(keys) < BATCH:
            return total


def expired_quotes(engine: Engine, cutoff: datetime) -> int:
    """Quotes that expired before `cutoff` and never became an order (an order keeps its quote)."""
    unordered = ~exists().where(col(Order.quote_id) == col(Quote.id))

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(QuoteLine).where(col(QuoteLine.quote_id).in_(ids)))
        session.execute(delete(Quote).where(col(Quote.id).in_(ids)))

    return _in_batches(engine, select(col(Quote.id)).where(col(Quote.expires_at) < cutoff, unordered), remove)


def settled_reservations(engine: Engine, cutoff: datetime) -> int:
    """Reservations released or expired before `cutoff`, with their lines. Committed ones stay:
    they are the stock an order took (and a return restocks)."""

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(ReservationLine).where(col(ReservationLine.reservation_id).in_(ids)))
        session.execute(delete(Reservation).where(col(Reservation.id).in_(ids)))

    pick = select(col(Reservation.id)).where(
        col(Reservation.status).in_(("RELEASED", "EXPIRED")), col(Reservation.settled_at) < cutoff
    )
    return _in_batches(engine, pick, remove)


def stripe_events(engine: Engine, cutoff: datetime) -> int:
    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(StripeEvent).where(col(StripeEvent.id).in_(ids)))

    return _in_batches(engine, select(col(StripeEvent.id)).where(col(StripeEvent.received_at) < cutoff), remove)


def expired_refresh_tokens(engine: Engine, cutoff: datetime) -> int:
    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(RefreshToken).where(col(RefreshToken.id).in_(ids)))

    return _in_batches(engine, select(col(RefreshToken.id)).where(col(RefreshToken.expires_at) < cutoff), remove)


def expired_password_resets(engine: Engine, cutoff: datetime) -> int:
    """Reset links that expired before `cutoff`: used or not, they open nothing any more."""

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(PasswordReset).where(col(PasswordReset.id).in_(ids)))

    return _in_batches(engine, select(col(PasswordReset.id)).where(col(PasswordReset.expires_at) < cutoff), remove)


def sent_mails(engine: Engine, cutoff: datetime) -> int:
    """Claims of mails sent before `cutoff`: kept as long as the inbox rows, so that no
    redelivery of their event can find them gone."""

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(SentMail).where(col(SentMail.event_id).in_(ids)))

    return _in_batches(engine, select(col(SentMail.event_id)).where(col(SentMail.claimed_at) < cutoff), remove)


def published_outbox(engine: Engine, tables: EventTables, cutoff: datetime) -> int:
    outbox = tables.outbox

    def remove(session: Session, seqs: list[Any]) -> None:
        session.execute(delete(outbox).where(outbox.c.seq.in_(seqs)))

    pick = select(outbox.c.seq).where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
    return _in_batches(engine, pick, remove)


def applied_inbox(engine: Engine, tables: EventTables, cutoff: datetime) -> int:
    """Inbox rows are deleted by (consumer, event_id); a batch is read and deleted by both."""
    inbox = tables.inbox
    total = 0
    while True:
        with Session(engine) as session, session.begin():
            keys = [
                (row.consumer, row.event_id)
                for row in session.execute(
                    select(inbox.c.consumer, inbox.c.event_id).where(inbox.c.applied_at < cutoff).limit(BATCH)
                )
            ]
            if keys:
                session.execute(delete(inbox).where(tuple_(inbox.c.consumer, inbox.c.event_id).in_(keys)))
        total += len(keys)
        if len(keys) < BATCH:
            return total
