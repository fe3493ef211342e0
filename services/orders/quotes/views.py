"""Quote rows -> response schemas (reads only)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from services.common.clock import utcnow
from services.orders.contract.quotes import (
    FxRateRead,
    PricingRuleRead,
    QuoteLineRead,
    QuotePricingLineRead,
    QuotePricingRead,
    QuoteRead,
)
from services.orders.models import FxRateRow, Quote, QuoteLine, amounts_from
from services.orders.quotes import service as quote_service
from services.orders.quotes.fx import FxRate
from services.orders.schemas import money_amounts


def fx_rate_read(rate: FxRate | FxRateRow) -> FxRateRead:
    """A rate as held (the FX table's) or as imported (its row)."""
    return FxRateRead(
        currency=rate.currency,
        per_cny=str(rate.per_cny),
        source=rate.source,
        as_of=rate.as_of,
        offline_fallback=rate.offline_fallback,
    )


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


def quote_read(session: Session, quote: Quote, lines: Sequence[QuoteLine] | None = None) -> QuoteRead:
    """`lines`: the quote's lines when the caller has just written them, else they are read."""
    if lines is None:
        lines = quote_service.quote_lines(session, quote.id)
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
                **money_amounts(amounts_from(line), quote.currency),
            )
            for line in lines
        ],
        **money_amounts(amounts_from(quote), quote.currency),
    )
