"""Request and response shapes of the sanctions screening review."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from services.orders.contract.shared import MoneyRead, Strict
from services.orders.contract.statuses import ScreeningStatus


class ScreeningDecisionIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class ScreeningMatchRead(BaseModel):
    list: str = Field(description="the list's code: un")
    list_name: str
    list_published: str = Field(description="the date of the list the match was found in")
    reference: str = Field(description="the entry's reference number on the list (KPe.001)")
    listed_name: str
    matched_name: str = Field(description="the listed name or alias that scored")
    screened_name: str = Field(description="the name on the order, as given")
    role: Literal["BUYER", "CONSIGNEE"]
    score: float = Field(description="0-100, rapidfuzz; a match at or above the cut-off")


class ScreeningDecisionRead(BaseModel):
    outcome: Literal["CLEARED", "CONFIRMED"]
    by: str
    at: datetime
    reason: str


class ScreeningRead(BaseModel):
    order_id: uuid.UUID
    order_number: str
    buyer_id: str
    status: str
    payment_status: str
    destination_country: str
    total: MoneyRead
    created_at: datetime
    screening_status: ScreeningStatus
    screened_at: datetime
    cutoff: float
    lists: list[dict[str, Any]] = Field(description="the lists screened against: code, name, published, url, source")
    matches: list[ScreeningMatchRead]
    decision: ScreeningDecisionRead | None
