"""Thin HTTP routes of part returns (RMA) and the buyer's receipt PDF."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from marketplace.actors import ActorDep
from services.common.app import SessionDep
from services.orders.checkout.views import order_read
from services.orders.contract.checkout import OrderRead
from services.orders.contract.fulfilment import (
    AutoDeliverResult,
    CancelIn,
    CarrierRead,
    CoreReturnCreate,
    CoreReturnDecision,
    CoreReturnRead,
    NonDeliveryIn,
    PartReturnCreate,
    PartReturnDecision,
    PartReturnRead,
    PartReturnReceipt,
    PartReturnShipment,
    ShipIn,
)
from services.orders.deps import DepsDep
from services.orders.finance import receipt
from services.orders.fulfilment import carriers, core_returns, lifecycle, part_returns, shipping_documents
from services.orders.fulfilment.views import core_return_read, part_return_read
from services.orders.schemas import PROBLEMS

router = APIRouter(responses=PROBLEMS)


@router.post(
    "/part-returns",
    tags=["part returns"],
    status_code=status.HTTP_201_CREATED,
    summary="Buyer: send a wrong, faulty or misdescribed part back under warranty (one return per line)",
)
def open_part_return(data: PartReturnCreate, session: SessionDep, actor: ActorDep, deps: DepsDep) -> PartReturnRead:
    found = part_returns.open_return(session, actor, data.order_line_id, data.reason, data.description, deps)
    return part_return_read(found)


@router.get("/part-returns/{return_id}", tags=["part returns"], summary="One part return")
def get_part_return(return_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> PartReturnRead:
    return part_return_read(part_returns.get_return(session, actor, return_id))


@router.post(
    "/part-returns/{return_id}/decision",
    tags=["part returns"],
    summary="Supplier or admin: approve the return, or reject it with a reason",
)
def decide_part_return(
    return_id: uuid.UUID, data: PartReturnDecision, session: SessionDep, actor: ActorDep
) -> PartReturnRead:
    return part_return_read(part_returns.decide(session, actor, return_id, data.approved, data.note))


@router.post(
    "/part-returns/{return_id}/shipment",
    tags=["part returns"],
    summary="Buyer: the part is on its way back, with the carrier's tracking number",
)
def ship_part_back(
    return_id: uuid.UUID, data: PartReturnShipment, session: SessionDep, actor: ActorDep
) -> PartReturnRead:
    found = part_returns.ship_back(session, actor, return_id, data.carrier, data.tracking_number)
    return part_return_read(found)


@router.post(
    "/part-returns/{return_id}/receipt",
    tags=["part returns"],
    summary="Supplier or admin: the part arrived; refund the line or send the same part again",
)
def receive_part_return(
    return_id: uuid.UUID, data: PartReturnReceipt, session: SessionDep, actor: ActorDep, deps: DepsDep
) -> PartReturnRead:
    return part_return_read(part_returns.receive(session, actor, return_id, data.resolution, deps))


@router.post(
    "/part-returns/{return_id}/replacement",
    tags=["part returns"],
    summary="Supplier or admin: the replacement part shipped, with carrier and tracking",
)
def ship_part_replacement(
    return_id: uuid.UUID, data: PartReturnShipment, session: SessionDep, actor: ActorDep
) -> PartReturnRead:
    found = part_returns.ship_replacement(session, actor, return_id, data.carrier, data.tracking_number)
    return part_return_read(found)


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


@router.post("/orders/{order_id}/cancel", tags=["orders"], summary="Cancel before shipment; refunds a paid order")
def cancel_order(
    order_id: uuid.UUID, session: SessionDep, actor: ActorDep, deps: DepsDep, data: CancelIn | None = None
) -> OrderRead:
    order = lifecycle.cancel(session, actor, order_id, data.reason if data else None, deps)
    return order_read(session, actor, order)


@router.post(
    "/orders/{order_id}/ship", tags=["orders"], summary="Supplier: its lines shipped, with carrier and tracking"
)
def ship_order(order_id: uuid.UUID, data: ShipIn, session: SessionDep, actor: ActorDep) -> OrderRead:
    return order_read(session, actor, lifecycle.ship(session, actor, order_id, data))


@router.get(
    "/orders/{order_id}/documents/{kind}.pdf",
    tags=["orders"],
    summary="The supplier's packing slip or commercial invoice for its lines (the supplier or an admin)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def shipping_document(
    order_id: uuid.UUID,
    kind: shipping_documents.DocumentKind,
    session: SessionDep,
    actor: ActorDep,
    deps: DepsDep,
    supplier_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    facts = shipping_documents.gather(session, actor, order_id, deps, supplier_id=supplier_id)
    return Response(
        shipping_documents.render(facts, kind),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{facts.number}.pdf"'},
    )


@router.post(
    "/orders/{order_id}/deliver",
    tags=["orders"],
    summary="Admin: delivered to the buyer (every line); suppliers are refused, the buyer confirms instead",
)
def deliver_order(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> OrderRead:
    return order_read(session, actor, lifecycle.deliver(session, actor, order_id))


@router.get("/carriers", tags=["orders"], summary="The carriers orders ship with (data/carriers.json)")
def list_carriers(actor: ActorDep) -> list[CarrierRead]:
    return [
        CarrierRead(
            code=c.code,
            name=c.name,
            aliases=list(c.aliases),
            formats=[f.kind for f in c.formats],
            tracking_url=c.tracking_url,
            source=c.source,
        )
        for c in carriers.carriers()
    ]


@router.post(
    "/orders/{order_id}/confirm-delivery",
    tags=["orders"],
    summary="Buyer (or admin): the parts arrived; the order is DELIVERED and the payout clock starts. Idempotent",
)
def confirm_delivery(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> OrderRead:
    return order_read(session, actor, lifecycle.confirm_delivery(session, actor, order_id))


@router.post(
    "/orders/{order_id}/non-delivery",
    tags=["orders"],
    summary="Buyer: a shipped order has not arrived; it is kept from automatic delivery. Idempotent",
)
def report_non_delivery(
    order_id: uuid.UUID, session: SessionDep, actor: ActorDep, data: NonDeliveryIn | None = None
) -> OrderRead:
    order = lifecycle.report_non_delivery(session, actor, order_id, data.note if data else "")
    return order_read(session, actor, order)


@router.post(
    "/orders/auto-deliver",
    tags=["orders"],
    summary="Scheduler: orders shipped `auto_deliver_days` ago without objection (a part return) become DELIVERED",
)
def auto_deliver(
    session: SessionDep, actor: ActorDep, deps: DepsDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> AutoDeliverResult:
    days = deps.settings.auto_deliver_days
    delivered = lifecycle.auto_deliver(session, actor, days=days, limit=limit)
    return AutoDeliverResult(delivered=len(delivered), order_ids=delivered, after_days=days)


@router.post("/orders/{order_id}/complete", tags=["orders"], summary="Buyer (or admin) closes a delivered order")
def complete_order(order_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> OrderRead:
    return order_read(session, actor, lifecycle.complete(session, actor, order_id))


@router.post(
    "/core-returns", tags=["core returns"], status_code=status.HTTP_201_CREATED, summary="Buyer: return a core"
)
def request_core_return(data: CoreReturnCreate, session: SessionDep, actor: ActorDep, deps: DepsDep) -> CoreReturnRead:
    return core_return_read(core_returns.request_return(session, actor, data.order_line_id, deps))


@router.get("/core-returns/{return_id}", tags=["core returns"], summary="One core return")
def get_core_return(return_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> CoreReturnRead:
    return core_return_read(core_returns.get_return(session, actor, return_id))


@router.post(
    "/core-returns/{return_id}/decision",
    tags=["core returns"],
    summary="Hub or supplier: accepted (refund the deposit), partly accepted or rejected (credit the supplier)",
)
def decide_core_return(
    return_id: uuid.UUID, data: CoreReturnDecision, session: SessionDep, actor: ActorDep, deps: DepsDep
) -> CoreReturnRead:
    return core_return_read(core_returns.decide(session, actor, return_id, data, deps))
