"""Webhook subscriptions: an integrator's endpoint for signed order events.

The orders service keeps them, scopes them by the caller (a buyer's orders, a supplier's
orders with its lines, all for an admin) and delivers; this module only maps the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.context import Context
from gateway.ids import node_uuid
from gateway.mutations import call_upstream, mutation
from gateway.orders.types import orders_nodes
from gateway.permissions import SIGNED_IN
from services.orders.contract.integrations import WebhookSubscriptionRead

EVENTS_DESCRIPTION = (
    "Event types: order.created, order.paid, order.shipped, order.delivered, order.completed, "
    "order.cancelled, order.refunded, core_return.requested, core_return.received, part_return.requested, "
    "part_return.updated; * for all."
)


@strawberry.type(
    description="An endpoint that receives order events as signed POSTs (Tongnan-Signature: t=<unix "
    "seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>' keyed with the secret>)."
)
class WebhookSubscription(relay.Node):
    id: relay.NodeID[str]
    url: str = strawberry.field(description="The endpoint the events are POSTed to.")
    events: list[str] = strawberry.field(description=EVENTS_DESCRIPTION)
    active: bool = strawberry.field(
        description="False once deleted, or turned off after failing five deliveries in a row."
    )
    created_at: datetime = strawberry.field(description="When it was made.")
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret: only in the answer of createWebhookSubscription (a repeat of the "
        "same create answers it again); null everywhere else.",
    )

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> WebhookSubscription:
        """The orders service's subscription, parsed with its contract."""
        subscription = WebhookSubscriptionRead.model_validate(json)
        return cls(
            id=str(subscription.id),
            url=subscription.url,
            events=subscription.events,
            active=subscription.active,
            created_at=subscription.created_at,
            secret=subscription.secret,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookSubscription | None]:
        context = info.context
        if context.principal is None:
            return [None for _ in node_ids]
        return await orders_nodes(context, "webhook-subscriptions", node_ids, cls.from_json)


@strawberry.type
class WebhooksQuery:
    @strawberry.field(
        description="Your webhook subscriptions, oldest first, without their secrets; one turned off after "
        "failing five deliveries in a row shows active: false."
    )
    async def webhook_subscriptions(self, info: Info[Context, None]) -> list[WebhookSubscription]:
        context = info.context
        context.require_principal()
        data = await context.clients.orders.get_json("/webhook-subscriptions", headers=context.upstream_headers())
        return [WebhookSubscription.from_json(s) for s in data]


@strawberry.type
class WebhooksMutation:
    @mutation(
        allow=SIGNED_IN,
        description="Send these order events to an https endpoint (a buyer: its orders; a supplier: orders "
        "with its lines; an admin: all). The same url and events again return the same subscription.",
    )
    async def create_webhook_subscription(
        self,
        info: Info[Context, None],
        url: Annotated[
            str,
            strawberry.argument(
                description="An absolute https URL of a public host (http is allowed outside production)."
            ),
        ],
        events: Annotated[list[str], strawberry.argument(description=EVENTS_DESCRIPTION)],
    ) -> WebhookSubscription:
        data = await call_upstream(
            info.context,
            info.context.clients.orders,
            "POST",
            "/webhook-subscriptions",
            json={"url": url, "events": events},
        )
        return WebhookSubscription.from_json(data)

    @mutation(
        allow=SIGNED_IN,
        description="Stop sending to this endpoint; pending deliveries are dropped.",
    )
    async def delete_webhook_subscription(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The subscription's global id.")],
    ) -> WebhookSubscription:
        uuid_ = node_uuid(id, "WebhookSubscription", field="id")
        data = await call_upstream(
            info.context, info.context.clients.orders, "DELETE", f"/webhook-subscriptions/{uuid_}"
        )
        return WebhookSubscription.from_json(data)
