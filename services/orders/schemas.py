"""What every route of the orders API shares beyond its contract (services/orders/contract): the
problem responses each route declares, and the money of a row as the contract's MoneyRead."""

from __future__ import annotations

from typing import Any, cast

from services.common.money import Money
from services.orders.contract.shared import MoneyRead
from services.orders.models import LandedAmountValues

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


def money_read(amount: int, currency: str) -> MoneyRead:
    return MoneyRead(amount=amount, currency=currency, formatted=Money(amount, currency).format())


def money_amounts(values: LandedAmountValues, currency: str) -> dict[str, MoneyRead]:
    # Every value of LandedAmountValues is an int; TypedDict.items() cannot say so.
    return {name: money_read(cast(int, amount), currency) for name, amount in values.items()}
