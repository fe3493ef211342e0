"""Order rows -> response schemas (reads only; one query per related table)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.orders.checkout import disputes as dispute_service
from services.orders.contract.checkout import DisputeRead, OrderLineRead, OrderRead, StatusChangeRead
from services.orders.finance.views import refund_read
from services.orders.fulfilment import carriers, dangerous_goods
from services.orders.fulfilment import part_returns as part_return_service
from services.orders.fulfilment.views import core_return_read, part_return_read
from services.orders.models import (
    CoreReturn,
    Dispute,
    Order,
    OrderLine,
    OrderStatusChange,
    Refund,
    amounts_from,
    amounts_summed,
)
from services.orders.schemas import money_amounts, money_read


def dispute_read(d: Dispute) -> DisputeRead:
    return DisputeRead(
        id=d.id,
        stripe_dispute_id=d.stripe_dispute_id,
        order_id=d.order_id,
        charge_id=d.charge_id,
        payment_intent_id=d.payment_intent_id,
        amount=money_read(d.amount, d.currency),
        reason=d.reason,
        status=d.status,
        evidence_due_by=d.evidence_due_by,
        created_at=d.created_at,
        updated_at=d.updated_at,
    )


def _by_order(session: Session, model: Any, ids: Sequence[uuid.UUID], order_by: Any) -> dict[uuid.UUID, list[Any]]:
    out: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    if ids:
        for row in session.scalars(select(model).where(model.order_id.in_(ids)).order_by(order_by)):
            out[row.order_id].append(row)
    return out


def order_reads(
    session: Session, orders: Sequence[Order], *, supplier_id: str | None = None, placed_now: bool = False
) -> list[OrderRead]:
    """A supplier sees only its own part of an order: its lines, amounts summed over them, its
    core returns; not the other suppliers' prices, nor the buyer's refunds or payment intent.
    `placed_now`: the orders were placed by this transaction, so nothing was paid, refunded,
    returned or disputed on them yet, and those tables are not read."""
    ids = [o.id for o in orders]
    lines = _by_order(session, OrderLine, ids, OrderLine.line_no)
    history = _by_order(session, OrderStatusChange, ids, OrderStatusChange.at)
    later = [] if placed_now else ids
    refunds = _by_order(session, Refund, later, Refund.created_at)
    cores = _by_order(session, CoreReturn, later, CoreReturn.requested_at)
    part_returns = part_return_service.returns_of(session, later)
    disputes = dispute_service.of_orders(session, later) if supplier_id is None else {}
    out = []
    for o in orders:
        own_lines = [ln for ln in lines[o.id] if supplier_id is None or str(ln.supplier_id) == supplier_id]
        partial = supplier_id is not None
        amounts = money_amounts(amounts_summed(own_lines) if partial else amounts_from(o), o.currency)
        out.append(
            OrderRead(
                id=o.id,
                number=o.number,
                buyer_id=o.buyer_id,
                quote_id=o.quote_id,
                status=o.status,
                payment_status=o.payment_status,
                destination_country=o.destination_country,
                incoterm=o.incoterm,
                currency=o.currency,
                fx_rate=o.fx_rate,
                duty_collected=o.duty_collected,
                tax_scheme=o.tax_scheme,
                tax_registration=o.tax_registration,
                refunded=money_read(0 if partial else o.refunded, o.currency),
                payment_intent_id=None if partial else o.payment_intent_id,
                created_at=o.created_at,
                updated_at=o.updated_at,
                paid_at=o.paid_at,
                cancel_requested_at=o.cancel_requested_at,
                attention=None if partial else o.attention,
                # The supplier ships to it and declares it to customs, so it sees the consignee too.
                shipping_address=o.shipping_address,
                lines=[
                    OrderLineRead(
                        id=ln.id,
                        line_no=ln.line_no,
                        part_id=ln.part_id,
                        supplier_id=ln.supplier_id,
                        sku=ln.sku,
                        title=ln.title,
                        quantity=ln.quantity,
                        status=ln.status,
                        carrier=ln.carrier,
                        tracking_number=ln.tracking_number,
                        tracking_url=carriers.tracking_url(ln.carrier, ln.tracking_number),
                        shipped_at=ln.shipped_at,
                        delivered_at=ln.delivered_at,
                        supplier_payable=money_read(ln.supplier_payable_fen, "CNY"),
                        **money_amounts(amounts_from(ln), o.currency),
                    )
                    for ln in own_lines
                ],
                history=[
                    StatusChangeRead(
                        from_status=h.from_status, to_status=h.to_status, actor_id=h.actor_id, reason=h.reason, at=h.at
                    )
                    for h in history[o.id]
                ],
                refunds=[] if partial else [refund_read(r) for r in refunds.get(o.id, [])],
                core_returns=[
                    core_return_read(c) for c in cores.get(o.id, []) if not partial or str(c.supplier_id) == supplier_id
                ],
                part_returns=[
                    part_return_read(r)
                    for r in part_returns.get(o.id, [])
                    if not partial or str(r.supplier_id) == supplier_id
                ],
                disputes=[dispute_read(d) for d in disputes.get(o.id, [])],
                non_delivery_reported_at=o.non_delivery_reported_at,
                non_delivery_note=o.non_delivery_note,
                screening_status=o.screening_status,
                dangerous_goods=dangerous_goods.for_lines(o.dangerous_goods, {ln.line_no for ln in own_lines}),
                **amounts,
            )
        )
    return out


def order_read(session: Session, actor: Actor, order: Order, *, placed_now: bool = False) -> OrderRead:
    """One order as the caller may see it: a supplier, only its own part."""
    supplier = actor.supplier_id if actor.role == Role.SUPPLIER else None
    return order_reads(session, [order], supplier_id=supplier, placed_now=placed_now)[0]
