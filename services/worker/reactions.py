"""Every consumer the worker runs, with the database whose inbox it keeps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.catalog import markets as part_markets
from services.catalog import order_events
from services.catalog.models import EVENTS as CATALOG_EVENTS
from services.common.events import EventTables, Subscription
from services.notifications.consumer import OrderMailer
from services.orders.checkout.market_holds import MarketHolds
from services.orders.clients.catalog import CatalogClient
from services.orders.integrations.delivery import WebhookSender
from services.orders.models import EVENTS as ORDERS_EVENTS
from services.worker.context import WorkerContext


@dataclass(frozen=True)
class Reaction:
    service: str  # whose database holds the consumer's inbox and what it changes
    tables: EventTables
    subscription: Subscription
    # What the worker releases when it stops (an HTTP client's connections).
    close: Callable[[], Awaitable[None]] | None = None


def webhook_sender(context: WorkerContext) -> Reaction:
    """Integrators' webhooks: every order and core return event, POSTed to its subscriptions."""
    sender = WebhookSender(context.engine("orders"), context.orders)
    return Reaction("orders", ORDERS_EVENTS, sender.subscription(), close=sender.aclose)


def catalog_release_on_cancel(context: WorkerContext) -> Reaction:
    """A cancelled order's reservations released at once (services/catalog/order_events.py)."""
    return Reaction("catalog", CATALOG_EVENTS, order_events.release_on_cancel())


def catalog_markets(_: WorkerContext) -> Reaction:
    """Markets per part: certificate events decide again where the holder's parts may be sold."""
    return Reaction("catalog", CATALOG_EVENTS, part_markets.subscription())


def orders_market_holds(context: WorkerContext) -> Reaction:
    """Unpaid orders held (or released) when their parts' markets change."""
    holds = MarketHolds(CatalogClient.for_settings(context.orders))
    return Reaction("orders", ORDERS_EVENTS, holds.subscription(), close=holds.aclose)


def orders_mail(context: WorkerContext) -> Reaction:
    """The buyer's e-mail for each order placed, paid, shipped, delivered and refunded."""
    mailer = OrderMailer(context.engine("gateway"), context.gateway)
    return Reaction("orders", ORDERS_EVENTS, mailer.subscription())


def reactions(context: WorkerContext) -> list[Reaction]:
    return [
        webhook_sender(context),
        orders_mail(context),
        catalog_release_on_cancel(context),
        catalog_markets(context),
        orders_market_holds(context),
    ]
