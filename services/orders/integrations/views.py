"""Webhook subscription rows -> response schemas (reads only)."""

from __future__ import annotations

from services.orders.contract.integrations import WebhookSubscriptionRead
from services.orders.models import WebhookSubscription


def subscription_read(subscription: WebhookSubscription, *, with_secret: bool = False) -> WebhookSubscriptionRead:
    """The secret only in the answer to the create (and to its repeat): it is shown once."""
    return WebhookSubscriptionRead(
        id=subscription.id,
        url=subscription.url,
        events=subscription.events,
        active=subscription.active,
        created_at=subscription.created_at,
        secret=subscription.secret if with_secret else None,
    )
