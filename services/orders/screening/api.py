"""Thin HTTP routes of the sanctions screening review (admins only; the service checks the role)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from marketplace.actors import ActorDep
from services.common.app import SessionDep
from services.orders.contract.screening import ScreeningDecisionIn, ScreeningMatchRead, ScreeningRead
from services.orders.contract.statuses import ScreeningStatus
from services.orders.deps import DepsDep
from services.orders.models import Order
from services.orders.schemas import PROBLEMS, money_read
from services.orders.screening import holds

router = APIRouter(responses=PROBLEMS)


def screening_read(order: Order) -> ScreeningRead:
    record = order.screening or {}
    return ScreeningRead(
        order_id=order.id,
        order_number=order.number,
        buyer_id=order.buyer_id,
        status=order.status,
        payment_status=order.payment_status,
        destination_country=order.destination_country,
        total=money_read(order.total, order.currency),
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
