"""Parts as a quote prices them in one country (POST /parts/offers): the facts duty, tax and
shipping are computed from, price and stock, and the markets verdict, in one answer, so a quote
asks the catalog once."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from services.catalog import markets
from services.catalog.contract import MarketsRequest, OffersRead, PartOfferRead
from services.catalog.models import Part, Stock, table

P = table(Part)
S = table(Stock)

_FACTS = (
    P.c.id,
    P.c.supplier_id,
    P.c.sku,
    P.c.title_en,
    P.c.category,
    P.c.oem_numbers,
    P.c.hs_code,
    P.c.weight_grams,
    P.c.price_cny,
    P.c.core_charge_cny,
    P.c.listed,
    P.c.country_of_origin,
    P.c.warranty_months,
    P.c.battery_chemistry,
    P.c.battery_capacity_wh,
    (S.c.on_hand - S.c.reserved).label("available"),
)


def offers_read(session: Session, request: MarketsRequest) -> OffersRead:
    verdicts = markets.markets_read(session, request)
    rows = session.execute(
        select(*_FACTS).outerjoin(S, S.c.part_id == P.c.id).where(P.c.id.in_(request.part_ids))
    ).all()
    origins = markets.origin_schemes(session, rows, verdicts.on)
    found = {row.id: row for row in rows}
    verdict_of = {v.part_id: v for v in verdicts.parts}
    return OffersRead(
        country=verdicts.country,
        market=verdicts.market,
        on=verdicts.on,
        parts=[
            PartOfferRead.model_validate(
                {
                    **row._mapping,
                    "available": row.available or 0,  # a part without a stock row has none
                    "origin_schemes": origins[row.id],
                    "market": verdict_of[row.id],
                }
            )
            for row in (found[i] for i in dict.fromkeys(request.part_ids) if i in found)
        ],
    )
