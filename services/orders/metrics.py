"""The orders service's business series, read from its database when Prometheus scrapes."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric
from sqlalchemy import Connection, func, select

from services.common.metrics import counter, gauge, oldest_of, seconds_since
from services.orders.checkout.stripe_events import FAILED as FAILED_PAYMENT_EVENTS
from services.orders.contract.statuses import WebhookDeliveryStatus
from services.orders.models import (
    FxRateRow,
    Order,
    OrderStatusChange,
    Refund,
    StripeEvent,
    WebhookDelivery,
)


def business_metrics(connection: Connection) -> Iterator[Metric]:
    changes = OrderStatusChange.__table__.c  # type: ignore[attr-defined]
    yield counter(
        "tongnan_order_status_changes",
        "Orders reaching each status (PENDING_PAYMENT: placed, PAID: paid, CANCELLED: cancelled)",
        ["to_status"],
        connection.execute(select(changes.to_status, func.count()).group_by(changes.to_status)),
    )
    orders = Order.__table__.c  # type: ignore[attr-defined]
    yield gauge(
        "tongnan_orders",
        "Orders by status and payment status",
        ["status", "payment_status"],
        connection.execute(
            select(orders.status, orders.payment_status, func.count()).group_by(orders.status, orders.payment_status)
        ),
    )
    refunds = Refund.__table__.c  # type: ignore[attr-defined]
    yield counter(
        "tongnan_refunds",
        "Refunds made, by currency",
        ["currency"],
        connection.execute(select(refunds.currency, func.count()).group_by(refunds.currency)),
    )
    stripe = StripeEvent.__table__.c  # type: ignore[attr-defined]
    failures = connection.execute(select(func.count()).where(stripe.type.in_(FAILED_PAYMENT_EVENTS))).scalar_one()
    yield counter("tongnan_payment_failures", "Card payments Stripe reported failed or cancelled", [], [(failures,)])

    deliveries = WebhookDelivery.__table__.c  # type: ignore[attr-defined]
    pending, oldest = connection.execute(
        select(func.count(), oldest_of(deliveries.created_at)).where(deliveries.status == WebhookDeliveryStatus.PENDING)
    ).one()
    yield gauge("tongnan_webhook_backlog", "Webhook deliveries to integrators not yet made", [], [(pending,)])
    yield gauge(
        "tongnan_webhook_oldest_pending_seconds",
        "Age of the oldest webhook delivery not yet made",
        [],
        [(seconds_since(oldest),)],
    )
    rates = FxRateRow.__table__.c  # type: ignore[attr-defined]
    yield gauge(
        "tongnan_fx_rate_age_seconds",
        "Age of each currency's exchange rate (the ECB publishes on working days)",
        ["currency"],
        [
            (currency, seconds_since(as_of))
            for currency, as_of in connection.execute(select(rates.currency, rates.as_of))
        ],
    )
