"""Rows -> response schemas (reads only; one query per related table)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.orders.checkout import disputes as dispute_service
from services.orders.fulfilment import carriers, dangerous_goods
from services.orders.fulfilment import core_returns as core_service
from services.orders.fulfilment import part_returns as part_return_service
from services.orders.models import (
    CoreReturn,
    Dispute,
    LandedAmountValues,
    Order,
    OrderLine,
    OrderStatusChange,
    PartReturn,
    Quote,
    QuoteLine,
    Refund,
    amounts_from,
    amounts_summed,
)
from services.orders.quotes import service as quote_service
from services.orders.schemas import (
    CoreReturnRead,
    DisputeRead,
    MoneyRead,
    OrderLineRead,
    OrderRead,
    PartReturnRead,
    PricingRuleRead,
    QuoteLineRead,
    QuotePricingLineRead,
    QuotePricingRead,
    QuoteRead,
    RefundRead,
    StatusChangeRead,
)


def _amounts(values: LandedAmountValues, currency: str) -> dict[str, MoneyRead]:
    # Every value of LandedAmountValues is an int; TypedDict.items() cannot say so.
    return {name: MoneyRead.of(cast(int, amount), currency) for name, amount in values.items()}


def pricing_rules(quote: Quote) -> list[PricingRuleRead]:
    return [
        PricingRuleRead(
            table=rule["table"],
            key=rule["key"],
            says=rule["says"],
            source=rule["source"],
            valid_from=rule["validFrom"],
            valid_to=rule["validTo"],
        )
        for rule in quote.detail.get("rules", [])
    ]


def quote_pricing_read(quote: Quote) -> QuotePricingRead:
    """What priced the quote, and nothing of who asked for it (no buyer, supplier or part names)."""
    detail = quote.detail
    return QuotePricingRead(
        id=quote.id,
        destination_country=quote.destination_country,
        customs_territory=str(detail.get("customsTerritory", quote.destination_country)),
        incoterm=quote.incoterm,
        shipping_service=quote.shipping_service,
        currency=quote.currency,
        date=quote_service.quote_date(quote),
        dated=quote_service.is_dated(quote),
        fx_rate=quote.fx_rate,
        fx_source=quote.fx_source,
        fx_as_of=quote.fx_as_of,
        created_at=quote.created_at,
        lines=[
            QuotePricingLineRead(
                category=line["category"],
                hs_code=line["hsCode"],
                quantity=line["quantity"],
                duty_rate=line["dutyRate"],
                vat_rate=line["vatRate"],
            )
            for line in detail.get("lines", [])
        ],
        priced_by=pricing_rules(quote),
        notes=list(detail.get("notes", [])),
    )


def quote_read(session: Session, quote: Quote) -> QuoteRead:
    lines = session.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(col(QuoteLine.line_no)))
    return QuoteRead(
        id=quote.id,
        buyer_id=quote.buyer_id,
        destination_country=quote.destination_country,
        incoterm=quote.incoterm,
        currency=quote.currency,
        shipping_service=quote.shipping_service,
        fx_rate=quote.fx_rate,
        fx_source=quote.fx_source,
        fx_as_of=quote.fx_as_of,
        fx_stale=bool(quote.detail.get("fxStale", False)),
        fx_offline_fallback=bool(quote.detail.get("fxOfflineFallback", False)),
        duty_status=quote.duty_status,
        core_deposit_in_duty_base=quote.core_deposit_in_duty_base,
        destination_region=quote.detail.get("destinationRegion"),
        tax_scheme=quote.detail.get("taxScheme"),
        tax_registration=quote.detail.get("taxRegistration"),
        created_at=quote.created_at,
        expires_at=quote.expires_at,
        expired=quote.expires_at <= utcnow(),
        notes=list(quote.detail.get("notes", [])),
        date=quote_service.quote_date(quote),
        dated=quote_service.is_dated(quote),
        priced_by=pricing_rules(quote),
        detail=quote.detail,
        lines=[
            QuoteLineRead(
                id=line.id,
                part_id=line.part_id,
                supplier_id=line.supplier_id,
                sku=line.sku,
                title=line.title,
                category=line.category,
                hs_code=line.hs_code,
                quantity=line.quantity,
                **_amounts(amounts_from(line), quote.currency),
            )
            for line in lines
        ],
        **_amounts(amounts_from(quote), quote.currency),
    )


def refund_read(r: Refund) -> RefundRead:
    return RefundRead(
        id=r.id,
        stripe_refund_id=r.stripe_refund_id,
        amount=MoneyRead.of(r.amount, r.currency),
        reason=r.reason,
        created_at=r.created_at,
    )


def dispute_read(d: Dispute) -> DisputeRead:
    return DisputeRead(
        id=d.id,
        stripe_dispute_id=d.stripe_dispute_id,
        order_id=d.order_id,
        charge_id=d.charge_id,
        payment_intent_id=d.payment_intent_id,
        amount=MoneyRead.of(d.amount, d.currency),
        reason=d.reason,
        status=d.status,
        evidence_due_by=d.evidence_due_by,
        created_at=d.created_at,
        updated_at=d.updated_at,
    )


def core_return_read(core: CoreReturn) -> CoreReturnRead:
    return CoreReturnRead(
        id=core.id,
        order_id=core.order_id,
        order_line_id=core.order_line_id,
        supplier_id=core.supplier_id,
        hub=core_service.hub_by_code(core.hub_code),
        status=core.status,
        deposit=MoneyRead.of(core.deposit, core.currency),
        refunded=MoneyRead.of(core.refunded, core.currency),
        credited_supplier=MoneyRead.of(core.credited_supplier_fen, "CNY"),
        accepted_share_pct=core.accepted_share_pct,
        inspection_note=core.inspection_note,
        requested_at=core.requested_at,
        deadline=core.requested_at + core_service.CORE_ARRIVAL_DAYS,
        decided_at=core.decided_at,
    )


def part_return_read(r: PartReturn) -> PartReturnRead:
    return PartReturnRead(
        id=r.id,
        order_id=r.order_id,
        order_line_id=r.order_line_id,
        supplier_id=r.supplier_id,
        reason=r.reason,
        description=r.description,
        status=r.status,
        warranty_until=r.warranty_until,
        decision_note=r.decision_note,
        return_carrier=r.return_carrier,
        return_tracking_number=r.return_tracking_number,
        resolution=r.resolution,
        refunded=MoneyRead.of(r.refunded, r.currency),
        replacement_carrier=r.replacement_carrier,
        replacement_tracking_number=r.replacement_tracking_number,
        requested_at=r.requested_at,
        decided_at=r.decided_at,
        shipped_back_at=r.shipped_back_at,
        received_at=r.received_at,
        replacement_shipped_at=r.replacement_shipped_at,
    )


def _by_order(session: Session, model: Any, ids: Sequence[uuid.UUID], order_by: Any) -> dict[uuid.UUID, list[Any]]:
    out: dict[uuid.UUID, list[Any]] = {i: [] for i in ids}
    if ids:
        for row in session.scalars(select(model).where(model.order_id.in_(ids)).order_by(order_by)):
            out[row.order_id].append(row)
    return out


def order_reads(session: Session, orders: Sequence[Order], *, supplier_id: str | None = None) -> list[OrderRead]:
    """A supplier sees only its own part of an order: its lines, amounts summed over them, its
    core returns; not the other suppliers' prices, nor the buyer's refunds or payment intent."""
    ids = [o.id for o in orders]
    lines = _by_order(session, OrderLine, ids, OrderLine.line_no)
    history = _by_order(session, OrderStatusChange, ids, OrderStatusChange.at)
    refunds = _by_order(session, Refund, ids, Refund.created_at)
    cores = _by_order(session, CoreReturn, ids, CoreReturn.requested_at)
    part_returns = part_return_service.returns_of(session, ids)
    disputes = dispute_service.of_orders(session, ids) if supplier_id is None else {}
    out = []
    for o in orders:
        own_lines = [ln for ln in lines[o.id] if supplier_id is None or str(ln.supplier_id) == supplier_id]
        partial = supplier_id is not None
        amounts = _amounts(amounts_summed(own_lines) if partial else amounts_from(o), o.currency)
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
                refunded=MoneyRead.of(0 if partial else o.refunded, o.currency),
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
                        supplier_payable=MoneyRead.of(ln.supplier_payable_fen, "CNY"),
                        **_amounts(amounts_from(ln), o.currency),
                    )
                    for ln in own_lines
                ],
                history=[
                    StatusChangeRead(
                        from_status=h.from_status, to_status=h.to_status, actor_id=h.actor_id, reason=h.reason, at=h.at
                    )
                    for h in history[o.id]
                ],
                refunds=[] if partial else [refund_read(r) for r in refunds[o.id]],
                core_returns=[
                    core_return_read(c) for c in cores[o.id] if not partial or str(c.supplier_id) == supplier_id
                ],
                part_returns=[
                    part_return_read(r) for r in part_returns[o.id] if not partial or str(r.supplier_id) == supplier_id
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
