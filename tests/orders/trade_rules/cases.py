"""What every trade-rule case carries, and a pure quote at fixed exchange rates to run it on.

A case is one line of a table: a destination, the date the rules are read for, the instrument
(with its date) that decides the expected answer, and the expectation itself. The tables live
in `tables/`, one module per topic; `test_coverage.py` holds them together to the promise of
at least 60 cases over at least 20 countries, past dates included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from services.orders.quotes.fx import FxTable, parse_json_rates
from services.orders.quotes.landed_cost import LandedCost, QuoteLineInput, QuoteRequest, quote_landed_cost

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)

# Mid rates per CNY of about the end of 2026: the tables' expected figures are worked out
# from these, so they never change with a feed.
RATES = {
    "EUR": "0.121",
    "USD": "0.14",
    "GBP": "0.106",
    "JPY": "21.5",
    "AUD": "0.213",
    "NZD": "0.24",
    "CAD": "0.195",
    "CHF": "0.112",
    "NOK": "1.55",
    "SEK": "1.33",
    "SGD": "0.182",
    "MXN": "2.55",
    "BRL": "0.76",
    "ZAR": "2.5",
    "INR": "12.0",
    "IDR": "2300",
    "AED": "0.514",
    "SAR": "0.525",
    "KRW": "200",
    "MYR": "0.6",
    "THB": "4.6",
    "KWD": "0.0431",
    "QAR": "0.51",
    "PLN": "0.515",
}


@dataclass(frozen=True, kw_only=True)
class TradeCase:
    """One line of a table. `source` names the instrument and its date that decide `expect`."""

    id: str
    country: str
    on: date
    source: str
    topic: str

    def __str__(self) -> str:
        return self.id


def fx_table(as_of: datetime = NOW, extra_rates: dict[str, str] | None = None) -> FxTable:
    rates = ", ".join(f'"{code}": "{rate}"' for code, rate in {**RATES, **(extra_rates or {})}.items())
    return parse_json_rates(f'{{"source": "trade-rule tables", "asOf": "{as_of.isoformat()}", "rates": {{{rates}}}}}')


def line(
    category: str = "alternator",
    hs_code: str = "8511.50",
    *,
    price_fen: int = 240_000,
    core_fen: int = 0,
    weight_grams: int = 6_500,
    quantity: int = 1,
    part_id: str = "p-1",
) -> QuoteLineInput:
    return QuoteLineInput(
        part_id=part_id,
        category=category,
        hs_code=hs_code,
        weight_grams=weight_grams,
        unit_price_fen=price_fen,
        core_charge_fen=core_fen,
        quantity=quantity,
    )


def price(
    *lines: QuoteLineInput,
    country: str,
    on: date,
    currency: str,
    incoterm: str = "DAP",
    service: str | None = None,
    region: str | None = None,
    extra_rates: dict[str, str] | None = None,
) -> LandedCost:
    """The landed cost of `lines` as the rules stood on `on`, at the fixed rates (margin 0).

    `region`: the delivery address's ISO 3166-2 subdivision (Canada's provinces);
    `extra_rates`: more mid rates per CNY (a threshold set in a currency not quoted, such as
    Viet Nam's VND)."""
    now = datetime(on.year, on.month, on.day, 9, 0, tzinfo=UTC)
    request = QuoteRequest(
        lines=list(lines) or [line()],
        destination_country=country,
        incoterm=incoterm,
        currency=currency,
        shipping_service=service,
        on=on,
        destination_region=region,
    )
    return quote_landed_cost(request, fx_table(now, extra_rates), now=now, max_rate_age=DAY)
