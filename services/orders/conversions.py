"""Display prices in the buyer's currency: CNY amounts converted at the rate a quote would
lock now (mid rate plus the platform margin), so a listing never shows a price the quote
then beats or undercuts. One call converts a whole page (the gateway's DataLoader)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from marketplace.actors import ActorDep
from services.common.app import SessionDep
from services.common.clock import utcnow
from services.common.money import Money, minor_unit_digits
from services.orders import fx
from services.orders.api import PROBLEMS
from services.orders.quotes import fx_table
from services.orders.schemas import MoneyRead
from services.orders.settings import OrdersSettings

MAX_ITEMS = 500


class ConversionIn(BaseModel):
    amount_cny: Annotated[int, Field(ge=0, le=10**13, description="CNY fen")]
    currency: Annotated[str, Field(min_length=3, max_length=3)]


class ConversionsIn(BaseModel):
    items: Annotated[list[ConversionIn], Field(min_length=1, max_length=MAX_ITEMS)]


class ConversionsRead(BaseModel):
    items: list[MoneyRead]


def convert_many(session: Session, settings: OrdersSettings, items: list[ConversionIn]) -> list[Money]:
    table = fx_table(session)
    now = utcnow()
    max_age = timedelta(hours=settings.fx_refuse_after_hours)
    return [
        Money(item.amount_cny, "CNY")
        if item.currency.upper() == "CNY"
        else fx.convert(
            Money(item.amount_cny, "CNY"),
            item.currency.upper(),
            table,
            now=now,
            max_age=max_age,
            margin_bps=settings.fx_margin_bps,
            field=f"items.{index}.currency",
        )
        for index, item in enumerate(items)
    ]


router = APIRouter(tags=["fx"], responses=PROBLEMS)


@router.post("/fx/conversions", summary="CNY amounts in other currencies at today's rate with margin")
def conversions(data: ConversionsIn, request: Request, session: SessionDep, _actor: ActorDep) -> ConversionsRead:
    settings: OrdersSettings = request.app.state.settings
    return ConversionsRead(
        items=[MoneyRead.of(m.amount, m.currency) for m in convert_many(session, settings, data.items)]
    )


class QuotingCurrencyRead(BaseModel):
    code: str = Field(description="ISO 4217")
    minor_unit_digits: int = Field(description="0 for JPY and KRW, 2 for EUR, 3 for KWD (amounts are in these units)")
    rate_source: str = Field(description="where the rate against CNY comes from (CNY itself: identity)")


def quoting_currencies(session: Session) -> list[QuotingCurrencyRead]:
    """Every currency a quote is made in: CNY and each currency a rate is held for (the ECB's,
    the USD-pegged ones derived from it, and any imported). The storefront offers exactly these,
    so nothing it offers can be refused by a quote."""
    table = fx_table(session)
    return [
        QuotingCurrencyRead(
            code=code,
            minor_unit_digits=minor_unit_digits(code),
            rate_source="identity" if code == fx.BASE else table.rates[code].source,
        )
        for code in table.currencies
    ]


@router.get("/fx/currencies", summary="The currencies quotes are made in, with their minor units")
def currencies(session: SessionDep, _actor: ActorDep) -> list[QuotingCurrencyRead]:
    return quoting_currencies(session)
