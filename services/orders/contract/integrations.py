"""Request and response shapes of integrators' webhook subscriptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from services.orders.contract.shared import Strict

MAX_URL_LENGTH = 2048


class WebhookSubscriptionCreate(Strict):
    url: Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH)] = Field(
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
