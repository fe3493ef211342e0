"""Reconciliation: ask Stripe about orders stuck in PENDING_PAYMENT past a limit, so a lost
webhook never strands an order or its stock, finish cancellations whose refund or restock
failed, and give back stock the catalog still holds for checkouts that never became orders.
Run by the worker's reconcile job every 5 minutes, by an admin (`POST /reconcile/pending`) or
from cron (`python -m services.orders.checkout.reconcile`).

An order is asked about once it is `confirm_after` old (the job: a couple of minutes, time
enough for Stripe's own webhook): if Stripe took the money it is PAID now, however young. Only
past `older_than` (the pending-payment limit) is an order with no payment cancelled, so a buyer
still in 3-D Secure is not cancelled under their feet.

Orders held for review (a payment that does not match) wait for an admin; the run only books
money Stripe took on one after it was held.
An intent the provider no longer knows (a development localstripe that restarted) took no
money: its order is cancelled and its stock released."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from marketplace.actors import SYSTEM, Actor
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.db import make_engine, session_scope
from services.common.errors import DomainError, Forbidden
from services.orders.checkout import service as checkout
from services.orders.checkout import unmatched
from services.orders.checkout.payments import UnknownToProvider
from services.orders.contract.checkout import ReconcileResult
from services.orders.contract.statuses import OrderStatus, PaymentStatus
from services.orders.deps import OrdersDeps
from services.orders.fulfilment import lifecycle
from services.orders.models import Order
from services.orders.settings import OrdersSettings


def reconcile_pending(
    session: Session,
    actor: Actor,
    deps: OrdersDeps,
    *,
    older_than: timedelta | None = None,
    confirm_after: timedelta | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> ReconcileResult:
    if actor.role not in (Role.SYSTEM, Role.ADMIN):
        raise Forbidden("only the scheduler or an admin reconciles payments")
    now = now or utcnow()
    if older_than is None:
        older_than = timedelta(minutes=deps.settings.pending_payment_limit_minutes)
    cutoff = now - older_than
    confirm_cutoff = max(cutoff, now - confirm_after) if confirm_after is not None else cutoff
    stuck = list(
        session.execute(
            select(Order.id, Order.created_at)
            .where(
                Order.status == OrderStatus.PENDING_PAYMENT,
                # A held order with nothing booked yet may have been paid at Stripe since it was
                # held (confirmed there after payOrder refused it): that money is booked for review.
                or_(col(Order.payment_status) != PaymentStatus.REVIEW, unmatched.nothing_taken()),
                Order.created_at < confirm_cutoff,
            )
            .order_by(col(Order.created_at))
            .limit(limit)
        )
    )
    outcomes: list[str] = []
    for order_id, created_at in stuck:
        try:
            with session.begin_nested():
                outcomes.append(_settle_pending(session, deps, order_id, may_cancel=created_at < cutoff))
        except DomainError:
            outcomes.append("left-pending")  # Stripe or the catalog unreachable: try again on the next run
    cancelling = list(
        session.scalars(
            select(Order.id)
            .where(
                col(Order.cancel_requested_at).is_not(None),
                col(Order.status).in_((OrderStatus.PAID, OrderStatus.PENDING_PAYMENT)),
            )
            .order_by(col(Order.cancel_requested_at))
            .limit(limit)
        )
    )
    finished = 0
    for order_id in cancelling:
        with session.begin_nested():
            order = lifecycle.lock(session, order_id)
            finished += lifecycle.finish_cancellation(session, deps, order, actor_id=actor.id)
    abandoned = _abandon_stalled_checkouts(session, deps, now, actor_id=actor.id, limit=limit)
    released = _release_abandoned_reservations(session, deps, cutoff, limit)
    return ReconcileResult(
        checked=len(stuck),
        paid=outcomes.count("paid"),
        cancelled=outcomes.count("cancelled"),
        held_for_review=outcomes.count("held for review"),
        left_pending=len(stuck) - sum(outcomes.count(o) for o in ("paid", "cancelled", "held for review")),
        cancellations_finished=finished,
        cancellations_pending=len(cancelling) - finished,
        reservations_released=released,
        checkouts_abandoned=abandoned,
    )


def _abandon_stalled_checkouts(session: Session, deps: OrdersDeps, now: datetime, *, actor_id: str, limit: int) -> int:
    """Cancel orders a placeOrder left RESERVING longer than `checkout_abandon_seconds` (it died
    between committing the order and placing it, and the buyer did not retry)."""
    cutoff = now - timedelta(seconds=deps.settings.checkout_abandon_seconds)
    stalled = list(
        session.scalars(
            select(Order.id)
            .where(Order.status == OrderStatus.RESERVING, Order.created_at < cutoff)
            .order_by(col(Order.created_at))
            .limit(limit)
        )
    )
    abandoned = 0
    for order_id in stalled:
        with session.begin_nested():
            abandoned += checkout.abandon(session, deps, order_id, actor_id=actor_id)
    return abandoned


def _release_abandoned_reservations(session: Session, deps: OrdersDeps, cutoff: datetime, limit: int) -> int:
    """Give back stock the catalog holds for checkouts that have no order.

    The catalog may reserve after placeOrder stopped waiting for it (a timeout, the catalog
    killed before it answered): placeOrder then gives its RESERVING order up once the catalog
    says it holds nothing, and the reservation lands afterwards, for no order; until it
    expires, it would keep the units from other buyers. Only a reservation under one of
    placeOrder's own keys that no order holds is released: a checkout's key series
    (`checkout.hold_keys`) whose order, if any, holds neither this key nor its series, or the
    key placeOrder used before the saga (`order-<id>`) of an order id we have no order for.
    A checkout still in flight past the cutoff (only with a cutoff of about now) may lose its
    reservation this way; its payment then reserves again before it commits (`_commit_stock`).
    """
    try:
        held = deps.catalog.active_reservations(created_before=cutoff, limit=limit)
    except DomainError:
        return 0  # the catalog unreachable: the next run sees them again
    legacy: dict[uuid.UUID, str] = {}
    series: dict[str, str] = {}  # key -> the first key of its checkout's series
    for reservation in held:
        key = reservation.idempotency_key
        if key.startswith("checkout-"):
            series[key] = key.split(".", 1)[0]
            continue
        try:
            order_id = uuid.UUID(str(reservation.order_ref))
        except ValueError:
            continue
        if key == checkout.legacy_reservation_key_for(order_id):
            legacy[order_id] = key
    known = set(session.scalars(select(Order.id).where(col(Order.id).in_(legacy))))
    holding = set(
        session.scalars(
            select(Order.reservation_key).where(col(Order.reservation_key).in_({*series, *series.values()}))
        )
    )
    orphans = [key for order_id, key in legacy.items() if order_id not in known]
    orphans += [key for key, first in series.items() if key not in holding and first not in holding]
    released = 0
    for key in orphans:
        try:
            deps.catalog.release(key)
        except DomainError:
            continue
        released += 1
    return released


def _settle_pending(session: Session, deps: OrdersDeps, order_id: uuid.UUID, *, may_cancel: bool) -> str:
    # The order's lock first, before reading it and asking Stripe: on SQLite a transaction that
    # read, then waited on Stripe while another request committed, could no longer write
    # ("database is locked") and failed the whole run.
    order = lifecycle.lock(session, order_id)
    if order.payment_intent_id is not None:
        try:
            intent = deps.payments.retrieve_intent(order.payment_intent_id)
        except UnknownToProvider:
            intent = None  # apply_failed cancels it: nothing was taken on an intent that is gone
        if intent is not None and intent.status == "succeeded":
            return lifecycle.apply_succeeded(session, deps, order.id, source="reconciliation", intent=intent)
    if not may_cancel:
        return "left-pending"  # younger than the limit: the buyer may still be paying
    return lifecycle.apply_failed(
        session, deps, order.id, source="reconciliation", why="no payment within the time allowed"
    )


def main(argv: Sequence[str] | None = None, settings: OrdersSettings | None = None) -> ReconcileResult:
    """`python -m services.orders.checkout.reconcile [--older-than-minutes N]`, for cron or a scheduler."""
    parser = argparse.ArgumentParser(description="Settle orders stuck in PENDING_PAYMENT by asking Stripe.")
    parser.add_argument("--older-than-minutes", type=int, default=None, help="default: the configured limit")
    args = parser.parse_args(argv)
    settings = settings or OrdersSettings()
    deps = OrdersDeps.build(settings)
    engine = make_engine(settings.db_url)
    older = None if args.older_than_minutes is None else timedelta(minutes=args.older_than_minutes)
    try:
        with session_scope(engine) as session:
            result = reconcile_pending(session, SYSTEM, deps, older_than=older)
    finally:
        deps.close()
        engine.dispose()
    print(result.model_dump_json(), flush=True)
    return result


if __name__ == "__main__":
    main()
