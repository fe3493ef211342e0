"""Thin routes for integrators' webhook subscriptions (the caller's own, by the internal token)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from marketplace.actors import ActorDep
from services.common.app import SessionDep
from services.orders import webhook_subscriptions
from services.orders.api import PROBLEMS
from services.orders.deps import DepsDep
from services.orders.models import WebhookSubscription
from services.orders.schemas import Strict

router = APIRouter(tags=["webhooks"], responses=PROBLEMS)


class WebhookSubscriptionCreate(Strict):
    url: Annotated[str, Field(min_length=1, max_length=webhook_subscriptions.MAX_URL_LENGTH)] = Field(
        description="absolute https URL (http too outside production) that receives the POSTs"
    )
    events: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=20)] = Field(
        description="event types, e.g. order.paid, or * for every type"
    )


class WebhookSubscriptionRead(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    secret: str | None = Field(
        default=None, description="signing secret: only in the answer to the create (and to its repeat)"
    )


def _read(subscription: WebhookSubscription, *, with_secret: bool = False) -> WebhookSubscriptionRead:
    return WebhookSubscriptionRead(
        id=subscription.id,
        url=subscription.url,
        events=subscription.events,
        active=subscription.active,
        created_at=subscription.created_at,
        secret=subscription.secret if with_secret else None,
    )


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
    return _read(subscription, with_secret=True)


@router.get("/webhook-subscriptions", summary="The caller's active subscriptions, oldest first (no secrets)")
def list_subscriptions(session: SessionDep, actor: ActorDep) -> list[WebhookSubscriptionRead]:
    return [_read(s) for s in webhook_subscriptions.list_own(session, actor)]


@router.get("/webhook-subscriptions/{subscription_id}", summary="One of the caller's subscriptions")
def get_subscription(subscription_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> WebhookSubscriptionRead:
    return _read(webhook_subscriptions.get_own(session, actor, subscription_id))


@router.delete(
    "/webhook-subscriptions/{subscription_id}",
    summary="Unsubscribe: no more deliveries, pending ones dropped; the same again answers the same",
)
def delete_subscription(subscription_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> WebhookSubscriptionRead:
    return _read(webhook_subscriptions.delete(session, actor, subscription_id))
