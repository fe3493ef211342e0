"""Stripe webhooks: verify the signature with the SDK, keep to an allow-list of event types,
store each event id once, apply once.

A duplicate (same event id) is a no-op answered 200. The order row is locked while an event
is applied, and the outcome functions are idempotent and consult Stripe where arrival order
could mislead (a `payment_failed` after the buyer paid with another card), so any order of
arrival gives the same end state.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from services.common.errors import DomainError
from services.orders.checkout import disputes
from services.orders.checkout.payments import intent_from
from services.orders.deps import OrdersDeps
from services.orders.fulfilment import lifecycle
from services.orders.models import Order, StripeEvent

log = logging.getLogger(__name__)

SUCCEEDED = "payment_intent.succeeded"
FAILED = ("payment_intent.payment_failed", "payment_intent.canceled")
REFUNDED = "charge.refunded"  # also refunds made in Stripe's dashboard, not through us
HANDLED = frozenset((SUCCEEDED, *FAILED, REFUNDED, *disputes.EVENTS))


class InvalidSignature(DomainError):
    status, code, title = 400, "INVALID_SIGNATURE", "Webhook signature invalid"


def receive(session: Session, deps: OrdersDeps, payload: bytes, signature: str | None) -> str:
    """Verify, record and apply one delivery; returns what happened."""
    try:
        event = deps.payments.verify_event(payload, signature)
    except (stripe.SignatureVerificationError, ValueError):
        raise InvalidSignature("the Stripe-Signature header does not match this payload") from None
    event_id, kind = str(event.get("id", "")), str(event.get("type", ""))
    if not event_id.startswith("evt_"):
        raise InvalidSignature("not a Stripe event")
    if kind not in HANDLED:
        return f"ignored ({kind})"
    obj: dict[str, Any] = (event.get("data") or {}).get("object") or {}
    # A charge or dispute event names its intent; a payment_intent event is the intent.
    names_intent = kind == REFUNDED or kind in disputes.EVENTS
    intent_id = str(obj.get("payment_intent") or "") if names_intent else str(obj.get("id", ""))
    if session.scalars(select(StripeEvent.id).where(StripeEvent.event_id == event_id)).first() is not None:
        return "duplicate"
    row = StripeEvent(event_id=event_id, type=kind, payment_intent_id=intent_id or None, outcome="received")
    try:
        # The first write of this transaction: a duplicate rolls back only this insert.
        session.add(row)
        session.flush()
    except IntegrityError:
        session.rollback()
        return "duplicate"

    order_id = _order_for(session, intent_id, obj)
    if kind in disputes.EVENTS:
        # Recorded even when the charge is none of ours: finance answers every dispute.
        outcome = disputes.apply_event(session, event)
    elif order_id is None:
        outcome = "unknown payment intent"
    elif kind == SUCCEEDED:
        # The signed event's own intent says what was taken; it pays the order only if it matches.
        outcome = lifecycle.apply_succeeded(session, deps, order_id, source="stripe", intent=intent_from(obj))
    elif kind == REFUNDED:
        outcome = lifecycle.apply_refunded_in_stripe(
            session, order_id, amount_refunded=int(obj.get("amount_refunded") or 0), event_id=event_id
        )
    else:
        outcome = lifecycle.apply_failed(session, deps, order_id, source="stripe", why=kind)
    row.outcome = outcome[:200]
    session.add(row)
    session.flush()
    log.info("stripe event %s %s: %s", event_id, kind, outcome)
    return outcome


def _order_for(session: Session, intent_id: str, obj: dict[str, Any]) -> uuid.UUID | None:
    if intent_id:
        found = session.scalars(select(Order.id).where(Order.payment_intent_id == intent_id)).first()
        if found is not None:
            return found
    meta = obj.get("metadata") or {}
    try:
        candidate = uuid.UUID(str(meta.get("order_id")))
    except ValueError:
        return None
    order = session.get(Order, candidate)
    # The metadata is only trusted when the intent is the order's own.
    return order.id if order is not None and order.payment_intent_id == intent_id else None
