"""Thin HTTP routes of FX rates and quotes: parse, call one service function, map the result."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status
from sqlmodel import Session

from marketplace.actors import ActorDep
from services.common.app import SessionDep, in_session
from services.common.errors import BadInput
from services.common.memo import Kept
from services.orders.contract.quotes import (
    CartEstimateRead,
    ConversionsIn,
    ConversionsRead,
    FxImportResult,
    FxRateRead,
    PartEstimatesIn,
    PartEstimatesRead,
    QuoteCreate,
    QuotePricingRead,
    QuoteRead,
    QuotingCurrencyRead,
)
from services.orders.deps import DepsDep
from services.orders.quotes import conversions as price_conversions
from services.orders.quotes import estimates
from services.orders.quotes import service as quotes
from services.orders.quotes.views import fx_rate_read, quote_pricing_read, quote_read
from services.orders.schemas import PROBLEMS, money_read
from services.orders.settings import OrdersSettings

router = APIRouter(responses=PROBLEMS)


MAX_RATES_BYTES = 1024 * 1024


@router.get("/fx/rates", tags=["fx"], summary="The rates held, against CNY")
def list_rates(session: SessionDep, actor: ActorDep) -> list[FxRateRead]:
    table = quotes.fx_table(session)
    return [fx_rate_read(r) for r in table.rates.values() if r.currency != "CNY"]


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
                rates=[fx_rate_read(r) for r in rows],
            )

    return await run_in_threadpool(work)


@router.post("/quotes", tags=["quotes"], status_code=status.HTTP_201_CREATED, summary="Quote a cart, locked 15 min")
async def create_quote(data: QuoteCreate, request: Request, actor: ActorDep, deps: DepsDep) -> QuoteRead:
    def work(session: Session) -> QuoteRead:
        quote, lines = quotes.create_quote(session, actor, data, deps)
        return quote_read(session, quote, lines)

    return await in_session(request, work)


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


@router.post("/fx/conversions", tags=["fx"], summary="CNY amounts in other currencies at today's rate with margin")
async def conversions(data: ConversionsIn, request: Request, _actor: ActorDep) -> ConversionsRead:
    settings: OrdersSettings = request.app.state.settings
    converted = await in_session(request, lambda session: price_conversions.convert_many(session, settings, data.items))
    return ConversionsRead(items=[money_read(m.amount, m.currency) for m in converted])


@router.get("/fx/currencies", tags=["fx"], summary="The currencies quotes are made in, with their minor units")
def currencies(session: SessionDep, _actor: ActorDep) -> list[QuotingCurrencyRead]:
    return price_conversions.quoting_currencies(session)


@router.post(
    "/estimates/parts", tags=["estimates"], summary="Estimated landed price of each part (DDP, cheapest shipping)"
)
async def part_estimates(data: PartEstimatesIn, request: Request, _actor: ActorDep) -> PartEstimatesRead:
    settings: OrdersSettings = request.app.state.settings
    kept: Kept[estimates.Estimate] = request.app.state.estimates
    return await in_session(request, lambda session: estimates.estimate_parts(session, settings, data, kept))


@router.post(
    "/estimates/cart",
    tags=["estimates"],
    summary="A cart's subtotal and its landed price with each shipping service",
)
async def cart_estimate(data: PartEstimatesIn, request: Request, _actor: ActorDep) -> CartEstimateRead:
    settings: OrdersSettings = request.app.state.settings
    return await in_session(request, lambda session: estimates.estimate_cart(session, settings, data))
