"""Stock reservations: all lines of an order at once, idempotent by the caller's key, with expiry.

Overselling is impossible by construction: each line takes its units with one conditional
UPDATE (`... SET reserved = reserved + q WHERE on_hand - reserved >= q`) that the database
evaluates atomically against the row's latest committed value (PostgreSQL re-checks the
WHERE after waiting for a concurrent writer; SQLite has one writer at a time). A line whose
update touches no row fails the whole reservation and the transaction rolls back.
Status changes are conditional updates too, so a commit racing the expiry sweep settles once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from marketplace.actors import Actor
from marketplace.roles import Role
from services.catalog import events as catalog_events
from services.catalog.contract import ReservationCreate, ReservationLineRead, ReservationRead
from services.catalog.models import Part, Reservation, ReservationLine, Stock, table
from services.common.clock import utcnow
from services.common.errors import Conflict, Forbidden, NotFound

P = table(Part)
R = table(Reservation)
RL = table(ReservationLine)
S = table(Stock)

ACTIVE, COMMITTED, RELEASED, EXPIRED, RESTOCKED = "ACTIVE", "COMMITTED", "RELEASED", "EXPIRED", "RESTOCKED"


def _require_orders(actor: Actor) -> None:
    """Reservations are made by the orders service (SYSTEM) or an admin, never by a browser."""
    if not actor.is_staff:
        raise Forbidden("only the orders service reserves stock")


def _merged(lines: Sequence[tuple[uuid.UUID, int]]) -> list[tuple[uuid.UUID, int]]:
    totals: dict[uuid.UUID, int] = {}
    for part_id, quantity in lines:
        totals[part_id] = totals.get(part_id, 0) + quantity
    # A fixed order of row locks: two orders touching the same parts cannot deadlock.
    return sorted(totals.items(), key=lambda kv: str(kv[0]))


def _digest(lines: list[tuple[uuid.UUID, int]]) -> str:
    return hashlib.sha256(json.dumps([[str(p), q] for p, q in lines]).encode()).hexdigest()


def read(
    session: Session, reservation: Reservation, lines: Sequence[tuple[uuid.UUID, int]] | None = None
) -> ReservationRead:
    """The reservation as the contract gives it; `lines` (part, quantity) when the caller has
    just written them, else they are read."""
    if lines is None:
        rows = session.execute(select(RL.c.part_id, RL.c.quantity).where(RL.c.reservation_id == reservation.id)).all()
        lines = [(part_id, quantity) for part_id, quantity in rows]
    return ReservationRead.model_validate(
        {
            **{k: getattr(reservation, k) for k in ReservationRead.model_fields if k != "lines"},
            "lines": [ReservationLineRead(part_id=part_id, quantity=quantity) for part_id, quantity in lines],
        }
    )


def by_key(session: Session, key: str) -> Reservation | None:
    return session.scalars(select(Reservation).where(Reservation.idempotency_key == key)).first()  # type: ignore[arg-type]


def get(session: Session, actor: Actor, key: str) -> Reservation:
    _require_orders(actor)
    reservation = by_key(session, key)
    if reservation is None:
        raise NotFound("no reservation with this idempotency key", field="idempotency_key")
    return reservation


def reserve(session: Session, actor: Actor, data: ReservationCreate) -> tuple[ReservationRead, bool]:
    """Reserve every line or none. Returns (reservation, created); the same key again returns
    the first reservation unchanged, whatever happened to stock since."""
    _require_orders(actor)
    lines = _merged([(line.part_id, line.quantity) for line in data.lines])
    digest = _digest(lines)
    existing = by_key(session, data.idempotency_key)
    if existing is not None:
        return read(session, _same_request(existing, digest)), False

    listed = dict(session.execute(select(P.c.id, P.c.listed).where(P.c.id.in_([p for p, _ in lines]))).all())
    for index, (part_id, _) in enumerate(lines):
        if part_id not in listed:
            raise NotFound(f"no such part {part_id}", field=f"lines.{index}.part_id")
        if not listed[part_id]:
            raise Conflict(f"part {part_id} is no longer listed", field=f"lines.{index}.part_id")

    now = utcnow()
    reservation = Reservation(
        idempotency_key=data.idempotency_key,
        order_ref=data.order_ref,
        status=ACTIVE,
        lines_digest=digest,
        expires_at=now + timedelta(seconds=data.ttl_seconds),
        created_at=now,
    )
    try:
        # Nothing is written before this insert, so a rollback undoes only it. No savepoint:
        # pysqlite commits at the RELEASE of a savepoint that opened the transaction, which
        # kept the row of a reservation then refused for want of stock, and made its key, sent
        # again once stock arrived, answer with that empty reservation.
        session.add(reservation)
        session.flush()
    except IntegrityError:
        # The same key, sent twice at once: the other request won; answer with its result.
        session.rollback()
        existing = by_key(session, data.idempotency_key)
        if existing is None:
            raise Conflict("a concurrent request with this key failed; retry", field="idempotency_key") from None
        return read(session, _same_request(existing, digest)), False

    short: list[str] = []
    levels: list[tuple[uuid.UUID, int, int]] = []
    for part_id, quantity in lines:
        # The row as this update left it comes back with it: the stock event needs no read.
        taken = session.execute(
            update(S)
            .where(S.c.part_id == part_id, S.c.on_hand - S.c.reserved >= quantity)
            .values(reserved=S.c.reserved + quantity, updated_at=now)
            .returning(S.c.on_hand, S.c.reserved)
        ).first()
        if taken is None:
            short.append(str(part_id))
        else:
            levels.append((part_id, taken.on_hand, taken.reserved))
    if short:
        # Raising rolls back the whole transaction: the lines already taken are given back.
        raise Conflict(
            "not enough stock for every line; nothing was reserved",
            field="lines",
            insufficient_part_ids=short,
        )
    session.execute(insert(RL), [{"reservation_id": reservation.id, "part_id": p, "quantity": q} for p, q in lines])
    catalog_events.stock_levels(session, levels)
    return read(session, reservation, lines), True


def _same_request(existing: Reservation, digest: str) -> Reservation:
    if existing.lines_digest != digest:
        raise Conflict("this idempotency key was used for a reservation with other lines", field="idempotency_key")
    return existing


def _lines(session: Session, reservation: Reservation) -> list[ReservationLine]:
    return list(
        session.scalars(
            select(ReservationLine)
            .where(ReservationLine.reservation_id == reservation.id)  # type: ignore[arg-type]
            .order_by(ReservationLine.part_id)  # type: ignore[arg-type]
        )
    )


def _transition(
    session: Session, reservation: Reservation, to: str, now: datetime, *, from_status: str = ACTIVE
) -> bool:
    """Move the reservation on only if it is still where it was: of concurrent callers, one wins."""
    result = session.execute(
        update(R).where(R.c.id == reservation.id, R.c.status == from_status).values(status=to, settled_at=now)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def commit(session: Session, actor: Actor, key: str) -> Reservation:
    """Payment succeeded: the reserved units leave stock. Idempotent."""
    return _settle(
        session,
        get(session, actor, key),
        ACTIVE,
        COMMITTED,
        on_hand_change=-1,
        reserved_change=-1,
        refusal="it cannot be committed",
    )


def release(session: Session, actor: Actor, key: str) -> Reservation:
    """Payment failed or the order was cancelled: the units become available again. Idempotent."""
    reservation = get(session, actor, key)
    if reservation.status in (RELEASED, EXPIRED):
        return reservation
    if reservation.status == COMMITTED:
        raise Conflict("the reservation is committed (sold); it cannot be released")
    give_back(session, reservation, RELEASED, utcnow())
    session.refresh(reservation)
    return reservation


def restock(session: Session, actor: Actor, key: str) -> Reservation:
    """A paid order was cancelled before shipment: the sold units go back on the shelf. Idempotent."""
    return _settle(
        session,
        get(session, actor, key),
        COMMITTED,
        RESTOCKED,
        on_hand_change=+1,
        reserved_change=0,
        refusal="not sold; release it instead",
    )


def _settle(
    session: Session,
    reservation: Reservation,
    from_status: str,
    to: str,
    *,
    on_hand_change: int,
    reserved_change: int,
    refusal: str,
) -> Reservation:
    """Move a reservation from one status to the next and its lines' stock with it, once: a
    repeat (or a concurrent twin that won) finds it moved already and changes nothing."""
    if reservation.status == to:
        return reservation
    now = utcnow()
    if not _transition(session, reservation, to, now, from_status=from_status):
        session.refresh(reservation)
        if reservation.status == to:
            return reservation
        raise Conflict(f"the reservation is {reservation.status.lower()}; {refusal}")
    lines = _lines(session, reservation)
    for line in lines:
        session.execute(
            update(S)
            .where(S.c.part_id == line.part_id)
            .values(
                on_hand=S.c.on_hand + on_hand_change * line.quantity,
                reserved=S.c.reserved + reserved_change * line.quantity,
                updated_at=now,
            )
        )
    session.flush()
    catalog_events.stock_changed(session, [line.part_id for line in lines])
    session.refresh(reservation)
    return reservation


def give_back(session: Session, reservation: Reservation, to: str, now: datetime) -> bool:
    if not _transition(session, reservation, to, now):
        return False
    lines = _lines(session, reservation)
    for line in lines:
        session.execute(
            update(S).where(S.c.part_id == line.part_id).values(reserved=S.c.reserved - line.quantity, updated_at=now)
        )
    session.flush()
    catalog_events.stock_changed(session, [line.part_id for line in lines])
    return True


def active_before(session: Session, actor: Actor, created_before: datetime, *, limit: int) -> list[Reservation]:
    """Reservations still holding stock that were made before `created_before`, oldest first:
    for the orders service to find those made for checkouts that never became orders."""
    _require_orders(actor)
    return list(
        session.scalars(
            select(Reservation)
            .where(col(Reservation.status) == ACTIVE, col(Reservation.created_at) < created_before)
            .order_by(col(Reservation.created_at))
            .limit(limit)
        )
    )


def sweep_expired(session: Session, actor: Actor, *, limit: int = 500) -> int:
    """Release reservations past their expiry (status EXPIRED). Safe to run from many workers."""
    if actor.role not in (Role.SYSTEM, Role.ADMIN):
        raise Forbidden("only the scheduler or an admin sweeps reservations")
    now = utcnow()
    due = list(
        session.scalars(
            select(Reservation)
            .where(col(Reservation.status) == ACTIVE, col(Reservation.expires_at) < now)
            .order_by(Reservation.expires_at)  # type: ignore[arg-type]
            .limit(limit)
        )
    )
    return sum(1 for reservation in due if give_back(session, reservation, EXPIRED, now))
