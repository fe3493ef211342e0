"""Thin HTTP routes of the sanctions screening review (admins only; the service checks the role)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StringConstraints

from marketplace.actors import ActorDep
from services.common.app import SessionDep
from services.orders.deps import DepsDep
from services.orders.models import Order
from services.orders.schemas import PROBLEMS, MoneyRead, Strict
from services.orders.screening import holds
from services.orders.statuses import ScreeningStatus

router = APIRouter(responses=PROBLEMS)


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


def screening_read(order: Order) -> ScreeningRead:
    record = order.screening or {}
    return ScreeningRead(
        order_id=order.id,
        order_number=order.number,
        buyer_id=order.buyer_id,
        status=order.status,
        payment_status=order.payment_status,
        destination_country=order.destination_country,
        total=MoneyRead.of(order.total, order.currency),
        created_at=order.created_at,
        screening_status=order.screening_status or ScreeningStatus.CLEAR,
        screened_at=record.get("screened_at") or order.created_at,
        cutoff=float(record.get("cutoff") or 0),
        lists=list(record.get("lists") or []),
        matches=[ScreeningMatchRead(**m) for m in record.get("matches") or []],
        decision=record.get("decision"),
    )


@router.get("/screening/holds", tags=["screening"], summary="Admin: orders on a sanctions screening hold, oldest first")
def list_holds(
    session: SessionDep,
    actor: ActorDep,
    first: Annotated[int, Query(ge=1, le=101)] = 20,
    after: Annotated[uuid.UUID | None, Query(description="the order id of the last hold of the previous page")] = None,
) -> list[ScreeningRead]:
    return [screening_read(o) for o in holds.held_orders(session, actor, first=first, after=after)]


@router.post(
    "/orders/{order_id}/screening/clear",
    tags=["screening"],
    summary="Admin: a false positive; the hold is lifted and the order goes on",
)
def clear_hold(order_id: uuid.UUID, data: ScreeningDecisionIn, session: SessionDep, actor: ActorDep) -> ScreeningRead:
    return screening_read(holds.clear(session, actor, order_id, data.reason))


@router.post(
    "/orders/{order_id}/screening/confirm",
    tags=["screening"],
    summary="Admin: a true match; the order is cancelled and refunded in full if paid",
)
def confirm_match(
    order_id: uuid.UUID, data: ScreeningDecisionIn, session: SessionDep, actor: ActorDep, deps: DepsDep
) -> ScreeningRead:
    return screening_read(holds.confirm(session, actor, order_id, data.reason, deps))


@router.get("/orders/{order_id}/screening", tags=["screening"], summary="Admin: one order's screening and decision")
def get_screening(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> ScreeningRead:
    return screening_read(holds.screened_order(session, actor, order_id))
