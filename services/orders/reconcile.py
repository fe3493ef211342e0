"""Reconciliation: ask Stripe about orders stuck in PENDING_PAYMENT past a limit, so a lost
webhook never strands an order or its stock. Run by the scheduler (`POST /reconcile/pending`)
or from cron (`python -m services.orders.reconcile`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.db import make_engine, session_scope
from services.common.errors import DomainError, Forbidden
from services.common.internal_auth import SYSTEM, Actor, Role
from services.orders import lifecycle
from services.orders import status as st
from services.orders.deps import OrdersDeps
from services.orders.models import Order
from services.orders.schemas import ReconcileResult
from services.orders.settings import OrdersSettings


def reconcile_pending(
    session: Session,
    actor: Actor,
    deps: OrdersDeps,
    *,
    older_than: timedelta | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> ReconcileResult:
    if actor.role not in (Role.SYSTEM, Role.ADMIN):
        raise Forbidden("only the scheduler or an admin reconciles payments")
    now = now or utcnow()
    if older_than is None:
        older_than = timedelta(minutes=deps.settings.pending_payment_limit_minutes)
    cutoff = now - older_than
    stuck = list(
        session.scalars(
            select(Order.id)
            .where(Order.status == st.PENDING_PAYMENT, Order.created_at < cutoff)
            .order_by(col(Order.created_at))
            .limit(limit)
        )
    )
    paid = cancelled = pending = 0
    for order_id in stuck:
        order = session.get(Order, order_id)
        assert order is not None
        try:
            with session.begin_nested():
                if order.payment_intent_id is not None:
                    intent = deps.payments.retrieve_intent(order.payment_intent_id)
                    if intent.status == "succeeded":
                        lifecycle.apply_succeeded(session, deps, order.id, source="reconciliation")
                        paid += 1
                        continue
                outcome = lifecycle.apply_failed(
                    session, deps, order.id, source="reconciliation", why="no payment within the time allowed"
                )
                if outcome == "cancelled":
                    cancelled += 1
                elif outcome == "paid":
                    paid += 1
                else:
                    pending += 1
        except DomainError:
            pending += 1  # Stripe or the catalog unreachable: try again on the next run
    return ReconcileResult(checked=len(stuck), paid=paid, cancelled=cancelled, left_pending=pending)


def main(argv: Sequence[str] | None = None, settings: OrdersSettings | None = None) -> ReconcileResult:
    """`python -m services.orders.reconcile [--older-than-minutes N]`, for cron or a scheduler."""
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
