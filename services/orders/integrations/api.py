"""Thin routes for integrators' webhook subscriptions (the caller's own, by the internal token)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from marketplace.actors import ActorDep
from services.common.app import SessionDep
from services.orders.contract.integrations import WebhookSubscriptionCreate, WebhookSubscriptionRead
from services.orders.deps import DepsDep
from services.orders.integrations import subscriptions as webhook_subscriptions
from services.orders.integrations.views import subscription_read
from services.orders.schemas import PROBLEMS

router = APIRouter(tags=["webhooks"], responses=PROBLEMS)


@router.post(
    "/webhook-subscriptions",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe an endpoint to order events; 200 with the same subscription on a repeat",
)
def create_subscription(
    data: WebhookSubscriptionCreate, session: SessionDep, actor: ActorDep, deps: DepsDep, response: Response
) -> WebhookSubscriptionRead:
    subscription, created = webhook_subscriptions.create(
        session, actor, data.url, data.events, production=deps.settings.environment == "production"
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return subscription_read(subscription, with_secret=True)


@router.get("/webhook-subscriptions", summary="The caller's active subscriptions, oldest first (no secrets)")
def list_subscriptions(session: SessionDep, actor: ActorDep) -> list[WebhookSubscriptionRead]:
    return [subscription_read(s) for s in webhook_subscriptions.list_own(session, actor)]


@router.get("/webhook-subscriptions/{subscription_id}", summary="One of the caller's subscriptions")
def get_subscription(subscription_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> WebhookSubscriptionRead:
    return subscription_read(webhook_subscriptions.get_own(session, actor, subscription_id))


@router.delete(
    "/webhook-subscriptions/{subscription_id}",
    summary="Unsubscribe: no more deliveries, pending ones dropped; the same again answers the same",
)
def delete_subscription(subscription_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> WebhookSubscriptionRead:
    return subscription_read(webhook_subscriptions.delete(session, actor, subscription_id))
