"""Thin HTTP routes of money back to buyers: the refunds finance reviews."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from marketplace.actors import ActorDep
from services.common.app import SessionDep
from services.orders import money_back, views
from services.orders.api import PROBLEMS
from services.orders.schemas import RefundListed

router = APIRouter(responses=PROBLEMS)


@router.get("/refunds", tags=["refunds"], summary="Admin: every refund, newest first, with its order's number")
def list_refunds(
    session: SessionDep,
    actor: ActorDep,
    first: Annotated[int, Query(ge=1, le=101)] = 20,
    after: Annotated[uuid.UUID | None, Query(description="the id of the last refund of the previous page")] = None,
) -> list[RefundListed]:
    return [
        RefundListed(**views.refund_read(refund).model_dump(), order_id=refund.order_id, order_number=number)
        for refund, number in money_back.list_refunds(session, actor, first, after)
    ]
