"""Thin HTTP routes of FX rates and quotes: parse, call one service function, map the result."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from services.common.app import SessionDep
from services.common.errors import BadInput
from services.common.internal_auth import ActorDep
from services.orders.deps import DepsDep
from services.orders.quotes import service as quotes
from services.orders.quotes.schemas import FxImportResult, FxRateRead, QuoteCreate, QuotePricingRead, QuoteRead
from services.orders.quotes.views import quote_pricing_read, quote_read
from services.orders.schemas import PROBLEMS

router = APIRouter(responses=PROBLEMS)


MAX_RATES_BYTES = 1024 * 1024


@router.get("/fx/rates", tags=["fx"], summary="The rates held, against CNY")
def list_rates(session: SessionDep, actor: ActorDep) -> list[FxRateRead]:
    table = quotes.fx_table(session)
    return [
        FxRateRead(
            currency=r.currency,
            per_cny=str(r.per_cny),
            source=r.source,
            as_of=r.as_of,
            offline_fallback=r.offline_fallback,
        )
        for r in table.rates.values()
        if r.currency != "CNY"
    ]


@router.put(
    "/fx/rates",
    tags=["fx"],
    summary="Import rates: ECB eurofxref XML (Content-Type application/xml) or the simple JSON format",
)
async def import_rates(request: Request, actor: ActorDep) -> FxImportResult:
    body = await request.body()
    if len(body) > MAX_RATES_BYTES:
        raise BadInput("rate document too large", field="body")
    from starlette.concurrency import run_in_threadpool

    from services.common.db import session_scope

    def work() -> FxImportResult:
        with session_scope(request.app.state.engine) as session:
            rows = quotes.import_rates(session, actor, body, request.headers.get("content-type", ""))
            return FxImportResult(
                imported=len(rows),
                rates=[
                    FxRateRead(
                        currency=r.currency,
                        per_cny=r.per_cny,
                        source=r.source,
                        as_of=r.as_of,
                        offline_fallback=r.offline_fallback,
                    )
                    for r in rows
                ],
            )

    return await run_in_threadpool(work)


@router.post("/quotes", tags=["quotes"], status_code=status.HTTP_201_CREATED, summary="Quote a cart, locked 15 min")
def create_quote(data: QuoteCreate, session: SessionDep, actor: ActorDep, deps: DepsDep) -> QuoteRead:
    return quote_read(session, quotes.create_quote(session, actor, data, deps))


@router.get("/quotes/{quote_id}", tags=["quotes"], summary="One of the caller's quotes")
def get_quote(quote_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> QuoteRead:
    return quote_read(session, quotes.get_quote(session, actor, quote_id))


@router.get(
    "/quotes/{quote_id}/pricing",
    tags=["quotes"],
    summary="How any quote's price was made (rules, sources, HS codes), without the buyer; staff and the gateway",
)
def get_quote_pricing(quote_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> QuotePricingRead:
    return quote_pricing_read(quotes.get_quote_for_pricing(session, actor, quote_id))
