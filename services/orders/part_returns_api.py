"""Thin HTTP routes of part returns (RMA) and the buyer's receipt PDF."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from marketplace.actors import ActorDep
from services.common.app import SessionDep
from services.orders import part_returns, receipt, views
from services.orders.api import PROBLEMS
from services.orders.deps import DepsDep
from services.orders.schemas import (
    PartReturnCreate,
    PartReturnDecision,
    PartReturnRead,
    PartReturnReceipt,
    PartReturnShipment,
)

router = APIRouter(responses=PROBLEMS)


@router.post(
    "/part-returns",
    tags=["part returns"],
    status_code=status.HTTP_201_CREATED,
    summary="Buyer: send a wrong, faulty or misdescribed part back under warranty (one return per line)",
)
def open_part_return(data: PartReturnCreate, session: SessionDep, actor: ActorDep, deps: DepsDep) -> PartReturnRead:
    found = part_returns.open_return(session, actor, data.order_line_id, data.reason, data.description, deps)
    return views.part_return_read(found)


@router.get("/part-returns/{return_id}", tags=["part returns"], summary="One part return")
def get_part_return(return_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> PartReturnRead:
    return views.part_return_read(part_returns.get_return(session, actor, return_id))


@router.post(
    "/part-returns/{return_id}/decision",
    tags=["part returns"],
    summary="Supplier or admin: approve the return, or reject it with a reason",
)
def decide_part_return(
    return_id: uuid.UUID, data: PartReturnDecision, session: SessionDep, actor: ActorDep
) -> PartReturnRead:
    return views.part_return_read(part_returns.decide(session, actor, return_id, data.approved, data.note))


@router.post(
    "/part-returns/{return_id}/shipment",
    tags=["part returns"],
    summary="Buyer: the part is on its way back, with the carrier's tracking number",
)
def ship_part_back(
    return_id: uuid.UUID, data: PartReturnShipment, session: SessionDep, actor: ActorDep
) -> PartReturnRead:
    found = part_returns.ship_back(session, actor, return_id, data.carrier, data.tracking_number)
    return views.part_return_read(found)


@router.post(
    "/part-returns/{return_id}/receipt",
    tags=["part returns"],
    summary="Supplier or admin: the part arrived; refund the line or send the same part again",
)
def receive_part_return(
    return_id: uuid.UUID, data: PartReturnReceipt, session: SessionDep, actor: ActorDep, deps: DepsDep
) -> PartReturnRead:
    return views.part_return_read(part_returns.receive(session, actor, return_id, data.resolution, deps))


@router.post(
    "/part-returns/{return_id}/replacement",
    tags=["part returns"],
    summary="Supplier or admin: the replacement part shipped, with carrier and tracking",
)
def ship_part_replacement(
    return_id: uuid.UUID, data: PartReturnShipment, session: SessionDep, actor: ActorDep
) -> PartReturnRead:
    found = part_returns.ship_replacement(session, actor, return_id, data.carrier, data.tracking_number)
    return views.part_return_read(found)


@router.get(
    "/orders/{order_id}/receipt.pdf",
    tags=["orders"],
    summary="The buyer's receipt (tax invoice where VAT was charged) as a PDF; its buyer and admins only",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def order_receipt(
    order_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    buyer_name: Annotated[str | None, Query(max_length=200, description="how the buyer is named on it")] = None,
) -> Response:
    order, pdf = receipt.receipt_pdf(session, actor, order_id, deps, buyer_name=buyer_name)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="receipt-{receipt.order_reference(order)}.pdf"'},
    )
