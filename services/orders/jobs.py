"""Orders' background work, as the worker runs it: its outbox and inbox, its consumers of other
services' events, its scheduled jobs and its retention rules. The worker (ops/worker) imports
this module and nothing else of orders but its settings. Auto-delivery is asked of the service
itself (POST /orders/auto-deliver), which owns the rule and its days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, exists, select
from sqlmodel import Session, col

from marketplace.actors import SYSTEM
from services.common.db import session_scope
from services.common.retention import in_batches
from services.orders.checkout import reconcile
from services.orders.checkout.market_holds import MarketHolds
from services.orders.clients.catalog import CatalogClient
from services.orders.contract.checkout import ReconcileResult as ReconcileResult
from services.orders.deps import OrdersDeps
from services.orders.finance import settlement
from services.orders.integrations.delivery import WebhookSender
from services.orders.models import EVENTS as EVENTS
from services.orders.models import Order, Quote, QuoteLine, StripeEvent
from services.orders.quotes import fx_feed
from services.orders.quotes.fx_feed import FeedOutcome as FeedOutcome
from services.orders.screening import lists as sanctions_lists
from services.orders.settings import OrdersSettings

# A reconciliation run asks Stripe about at most this many orders; the job runs rounds until a
# round finds fewer, or settles none (only young unpaid orders are left).
RECONCILE_BATCH = 200
RECONCILE_MAX_ROUNDS = 50


def webhook_sender(engine: Engine, settings: OrdersSettings) -> WebhookSender:
    """Integrators' webhooks: every order and core return event, POSTed to its subscriptions."""
    return WebhookSender(engine, settings)


def market_holds(settings: OrdersSettings) -> MarketHolds:
    """Unpaid orders held (or released) when their parts' markets change."""
    return MarketHolds(CatalogClient.for_settings(settings))


def refresh_fx_rates(engine: Engine, url: str, *, timeout: float) -> FeedOutcome:
    """The ECB's reference rates (or the bundled snapshot), stored if newer than those held."""
    return fx_feed.refresh_rates(engine, url, timeout=timeout)


def reconcile_payments(engine: Engine, settings: OrdersSettings, *, confirm_after: timedelta) -> list[ReconcileResult]:
    """Orders pending payment settled from what Stripe says of them, in rounds of
    RECONCILE_BATCH: one result per round."""
    deps = OrdersDeps.build(settings)
    results = []
    try:
        for _ in range(RECONCILE_MAX_ROUNDS):
            with session_scope(engine) as session:
                result = reconcile.reconcile_pending(
                    session, SYSTEM, deps, confirm_after=confirm_after, limit=RECONCILE_BATCH
                )
            results.append(result)
            if result.checked < RECONCILE_BATCH or result.left_pending == result.checked:
                break
    finally:
        deps.close()
    return results


def run_settlement(engine: Engine, settings: OrdersSettings) -> int:
    """Suppliers' payouts for the lines now due: how many batches."""
    deps = OrdersDeps.build(settings)
    try:
        with session_scope(engine) as session:
            return len(settlement.run(session, SYSTEM, deps))
    finally:
        deps.close()


def stale_sanctions_lists(today: date, max_age_days: int) -> list[str]:
    """A warning for each installed sanctions list older than `max_age_days` on `today`."""
    return sanctions_lists.stale(sanctions_lists.bundled(), today, max_age_days)


def forget_expired_quotes(engine: Engine, cutoff: datetime) -> int:
    """Quotes that expired before `cutoff` and never became an order (an order keeps its quote)."""
    unordered = ~exists().where(col(Order.quote_id) == col(Quote.id))

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(QuoteLine).where(col(QuoteLine.quote_id).in_(ids)))
        session.execute(delete(Quote).where(col(Quote.id).in_(ids)))

    return in_batches(engine, select(col(Quote.id)).where(col(Quote.expires_at) < cutoff, unordered), remove)


def forget_stripe_events(engine: Engine, cutoff: datetime) -> int:
    """Stripe events received before `cutoff`."""

    def remove(session: Session, ids: list[Any]) -> None:
        session.execute(delete(StripeEvent).where(col(StripeEvent.id).in_(ids)))

    return in_batches(engine, select(col(StripeEvent.id)).where(col(StripeEvent.received_at) < cutoff), remove)
