"""Shapes every part of the orders API shares: money, the landed-cost amounts, paging, strict
input, and the problem responses every route declares. Each subpackage has its own schemas.py.

Money is `{amount, currency, formatted}` with `amount` in minor units of `currency`.
Field names are snake_case like the other services; the gateway maps them to the contract."""

from __future__ import annotations

from typing import Annotated, Any, cast

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.common.money import Money
from services.orders.models import LandedAmountValues

IdempotencyKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoneyRead(BaseModel):
    amount: int = Field(description="minor units of `currency`")
    currency: str
    formatted: str

    @classmethod
    def of(cls, amount: int, currency: str) -> MoneyRead:
        return cls(amount=amount, currency=currency, formatted=Money(amount, currency).format())


class Amounts(BaseModel):
    goods: MoneyRead
    core_deposit: MoneyRead
    shipping: MoneyRead
    insurance: MoneyRead
    duty: MoneyRead
    vat: MoneyRead
    total: MoneyRead


class PageInfo(BaseModel):
    has_next_page: bool
    end_cursor: str | None


PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {
        400: "bad webhook signature",
        401: "no or bad internal token",
        402: "card declined",
        403: "the caller may not do this",
        404: "not found (or not yours)",
        409: "conflict: wrong status (INVALID_TRANSITION), OUT_OF_STOCK, QUOTE_EXPIRED, QUOTE_ALREADY_ORDERED",
        422: "invalid input; `field` names it (PART_NOT_ELIGIBLE names the missing schemes)",
        503: "an upstream (catalog, certification, Stripe) is unavailable, or FX_RATES_STALE",
    }.items()
}


def money_amounts(values: LandedAmountValues, currency: str) -> dict[str, MoneyRead]:
    # Every value of LandedAmountValues is an int; TypedDict.items() cannot say so.
    return {name: MoneyRead.of(cast(int, amount), currency) for name, amount in values.items()}
