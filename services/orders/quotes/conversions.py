"""Display prices in the buyer's currency: CNY amounts converted at the rate a quote would
lock now (mid rate plus the platform margin), so a listing never shows a price the quote
then beats or undercuts. One call converts a whole page (the gateway's DataLoader)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from services.common.clock import utcnow
from services.common.money import Money, minor_unit_digits
from services.orders.contract.quotes import ConversionIn, QuotingCurrencyRead
from services.orders.quotes import fx
from services.orders.quotes.service import fx_table
from services.orders.settings import OrdersSettings


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
