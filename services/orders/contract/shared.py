"""Shapes every part of the orders API shares: money, the landed-cost amounts, paging and strict
input.

Money is `{amount, currency, formatted}` with `amount` in minor units of `currency`.
Field names are snake_case like the other services; the gateway maps them to the public schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

IdempotencyKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoneyRead(BaseModel):
    amount: int = Field(description="minor units of `currency`")
    currency: str
    formatted: str


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
