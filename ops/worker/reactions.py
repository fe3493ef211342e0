"""Every consumer the worker runs, with the database whose inbox it keeps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gateway import jobs as gateway_jobs
from ops.worker.context import WorkerContext
from services.catalog import jobs as catalog_jobs
from services.common.events import EventTables, Subscription
from services.orders import jobs as orders_jobs


@dataclass(frozen=True)
class Reaction:
    service: str  # whose database holds the consumer's inbox and what it changes
    tables: EventTables
    subscription: Subscription
    # What the worker releases when it stops (an HTTP client's connections).
    close: Callable[[], Awaitable[None]] | None = None


def webhook_sender(context: WorkerContext) -> Reaction:
    """Integrators' webhooks: every order and core return event, POSTed to its subscriptions."""
    sender = orders_jobs.webhook_sender(context.engine("orders"), context.orders)
    return Reaction("orders", orders_jobs.EVENTS, sender.subscription(), close=sender.aclose)


def catalog_release_on_cancel(context: WorkerContext) -> Reaction:
    """A cancelled order's reservations released at once (services/catalog/order_events.py)."""
    return Reaction("catalog", catalog_jobs.EVENTS, catalog_jobs.release_on_cancel())


def catalog_markets(_: WorkerContext) -> Reaction:
    """Markets per part: certificate events decide again where the holder's parts may be sold."""
    return Reaction("catalog", catalog_jobs.EVENTS, catalog_jobs.markets_on_certificates())


def orders_market_holds(context: WorkerContext) -> Reaction:
    """Unpaid orders held (or released) when their parts' markets change."""
    holds = orders_jobs.market_holds(context.orders)
    return Reaction("orders", orders_jobs.EVENTS, holds.subscription(), close=holds.aclose)


def orders_mail(context: WorkerContext) -> Reaction:
    """The buyer's e-mail for each order placed, paid, shipped, delivered and refunded."""
    subscription = gateway_jobs.order_mail(context.engine("gateway"), context.gateway)
    return Reaction("orders", orders_jobs.EVENTS, subscription)


def reactions(context: WorkerContext) -> list[Reaction]:
    return [
        webhook_sender(context),
        orders_mail(context),
        catalog_release_on_cancel(context),
        catalog_markets(context),
        orders_market_holds(context),
    ]
