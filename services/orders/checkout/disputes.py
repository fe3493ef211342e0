"""Card disputes (chargebacks): Stripe's `charge.dispute.created`, `.updated` and `.closed`
events kept as one Dispute row per Stripe dispute, with its evidence deadline.

Stripe delivers each event at least once and in no promised order. The row is created by an
INSERT that does nothing when the dispute is already there, then locked and brought to the
state of the event only if that event is newer than the last one applied, so any number of
deliveries in any order end at the newest state, with one row.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.errors import BadInput
from services.common.money import Money, UnknownCurrency
from services.orders.models import Dispute, Order

CREATED, UPDATED, CLOSED = "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed"
EVENTS = frozenset((CREATED, UPDATED, CLOSED))

# Stripe's dispute statuses (https://docs.stripe.com/api/disputes/object#dispute_object-status).
STATUSES = (
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "needs_response",
    "under_review",
    "won",
    "lost",
)


def _when(timestamp: Any) -> datetime | None:
    return datetime.fromtimestamp(int(timestamp), UTC) if timestamp else None


def _order_of(session: Session, payment_intent_id: str | None) -> uuid.UUID | None:
    if not payment_intent_id:
        return None
    return session.scalars(select(Order.id).where(Order.payment_intent_id == payment_intent_id)).first()


def apply_event(session: Session, event: dict[str, Any]) -> str:
    """The dispute in `event` recorded or brought up to date; returns what happened."""
    obj: dict[str, Any] = (event.get("data") or {}).get("object") or {}
    dispute_id = str(obj.get("id") or "")
    if not dispute_id.startswith("dp_") and not dispute_id.startswith("du_"):
        return "not a dispute"
    event_at = _when(event.get("created")) or utcnow()
    intent_id = str(obj.get("payment_intent") or "") or None
    charge = obj.get("charge")
    amount, currency = int(obj.get("amount") or 0), str(obj.get("currency") or "").upper()[:3]
    facts: dict[str, Any] = {
        "order_id": _order_of(session, intent_id),
        "charge_id": (charge.get("id") if isinstance(charge, dict) else charge) or None,
        "payment_intent_id": intent_id,
        "amount": amount,
        "currency": currency,
        "reason": str(obj.get("reason") or "general")[:40],
        "status": str(obj.get("status") or "needs_response")[:30],
        "evidence_due_by": _when((obj.get("evidence_details") or {}).get("due_by")),
    }
    try:
        Money(amount, currency)
    except UnknownCurrency:
        return f"dispute {dispute_id}: currency {facts['currency']!r} unknown, not recorded"
    now = utcnow()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.execute(
        insert(Dispute)
        .values(
            id=uuid.uuid4(),
            stripe_dispute_id=dispute_id,
            last_event_at=event_at,
            created_at=now,
            updated_at=now,
            **facts,
        )
        .on_conflict_do_nothing(index_elements=["stripe_dispute_id"])
        .returning(col(Dispute.id))
    ).first()
    if inserted is not None:
        return f"dispute {dispute_id} recorded ({facts['status']})"
    # The row exists: lock it (a no-op UPDATE, as lifecycle.lock does for orders), then apply
    # the event only if it is newer than the state the row holds.
    session.execute(
        update(Dispute).where(col(Dispute.stripe_dispute_id) == dispute_id).values(updated_at=Dispute.updated_at)
    )
    row = session.scalars(
        select(Dispute).where(Dispute.stripe_dispute_id == dispute_id).execution_options(populate_existing=True)
    ).one()
    if event_at < row.last_event_at:
        return f"dispute {dispute_id}: older than the state held, ignored"
    for name, value in facts.items():
        if value is not None:  # a later event without the deadline keeps the one we have
            setattr(row, name, value)
    row.last_event_at, row.updated_at = event_at, now
    session.add(row)
    session.flush()
    return f"dispute {dispute_id} now {row.status}"


def of_orders(session: Session, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Dispute]]:
    out: dict[uuid.UUID, list[Dispute]] = {i: [] for i in order_ids}
    if order_ids:
        rows = session.scalars(
            select(Dispute).where(col(Dispute.order_id).in_(order_ids)).order_by(col(Dispute.created_at))
        )
        for row in rows:
            if row.order_id is not None:
                out[row.order_id].append(row)
    return out


def list_disputes(
    session: Session, actor: Actor, *, status: str | None, first: int, after: uuid.UUID | None
) -> list[Dispute]:
    """Admins only: newest first, `first` of them after the dispute `after` (keyset)."""
    actor.require(Role.ADMIN)
    if status is not None and status not in STATUSES:
        raise BadInput(f"status is one of {', '.join(STATUSES)}", field="status")
    query = select(Dispute)
    if status is not None:
        query = query.where(Dispute.status == status)
    if after is not None:
        anchor = session.get(Dispute, after)
        if anchor is None:
            raise BadInput("no such dispute to page after", field="after")
        query = query.where(
            (col(Dispute.created_at) < anchor.created_at)
            | ((col(Dispute.created_at) == anchor.created_at) & (col(Dispute.id) < anchor.id))
        )
    return list(session.scalars(query.order_by(col(Dispute.created_at).desc(), col(Dispute.id).desc()).limit(first)))
