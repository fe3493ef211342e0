"""Estimated landed prices, before any quote: what a part or a cart would cost delivered to a
country, duty and import tax included (DDP), with each shipping service.

The same landed-cost rules and rate as a quote (services/orders/landed_cost), so the estimate
a listing shows is the price the quote then locks, as long as the rate, the rules and the
part's price have not moved in between. Nothing is stored: an estimate is a read, safe to
repeat. One call answers a whole page of parts (the gateway batches them), and the caller
sends the part facts it already holds; a quote reads them from the catalog again, so an
estimate from stale or wrong facts can never become a charge.

A part that cannot be quoted to the country (no tariff rule, a destination not served, no
rate for the currency) gets no estimate and the reason's code, not an error for the page.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlmodel import Session

from marketplace.compliance.markets import restricted_destination
from marketplace.compliance.registry import DestinationRestricted
from services.common.clock import utcnow
from services.common.errors import DomainError
from services.common.memo import Kept
from services.common.money import Money
from services.orders.contract.quotes import (
    CartEstimateRead,
    OptionRead,
    PartEstimateRead,
    PartEstimatesIn,
    PartEstimatesRead,
    PartFactsIn,
)
from services.orders.contract.shared import MoneyRead
from services.orders.quotes.fx import FxTable
from services.orders.quotes.landed_cost.quote import (
    DangerousGoodsRefused,
    LandedCost,
    QuoteLineInput,
    QuoteRequest,
    quote_landed_cost,
)
from services.orders.quotes.landed_cost.tables import Tables
from services.orders.quotes.service import fx_table
from services.orders.schemas import money_read
from services.orders.settings import OrdersSettings

# Duty and import tax collected with the price: what lands at the buyer's door, nothing to pay on arrival.
INCOTERM = "DDP"


@dataclass(frozen=True, slots=True)
class ShippingOption:
    service: str
    transit_days: str
    landed: LandedCost

    @property
    def total(self) -> Money:
        return self.landed.totals.total


def shipping_options(
    lines: Sequence[QuoteLineInput],
    country: str,
    currency: str,
    fx: FxTable,
    settings: OrdersSettings,
    *,
    now: datetime,
    tables: Tables | None = None,
) -> list[ShippingOption]:
    """The cart delivered DDP with every shipping service that may carry it, cheapest first
    (ties: the faster service's code first, alphabetically). Errors that no service changes
    (no tariff rule, no rate, a destination not served) are raised."""
    tables = tables or Tables.load()
    options = []
    for code in sorted(tables.services):
        request = QuoteRequest(
            lines=lines,
            destination_country=country,
            incoterm=INCOTERM,
            currency=currency,
            shipping_service=code,
            # No address yet: the country's own tax (GST only in Canada), and the quote notes that
            # the province's HST is added once the address is known.
            region_optional=True,
        )
        try:
            landed = quote_landed_cost(
                request,
                fx,
                now=now,
                max_rate_age=timedelta(hours=settings.fx_refuse_after_hours),
                margin_bps=settings.fx_margin_bps,
                tables=tables,
            )
        except DangerousGoodsRefused:
            continue  # this service may not carry one of the lines; another may
        options.append(ShippingOption(code, tables.services[code].transit_days, landed))
    return sorted(options, key=lambda o: (o.total.amount, o.service))


def option_read(option: ShippingOption) -> OptionRead:
    t = option.landed.totals

    def money(m: Money) -> MoneyRead:
        return money_read(m.amount, m.currency)

    return OptionRead(
        service=option.service,
        transit_days=option.transit_days,
        goods=money(t.goods),
        shipping=money(Money(t.shipping.amount + t.insurance.amount, t.shipping.currency)),
        duty=money(t.duty),
        vat=money(t.vat),
        # DDP's total holds the refundable core deposit; the landed price of the part does not.
        total=money(Money(t.total.amount - t.core_deposit.amount, t.total.currency)),
    )


def _line(part: PartFactsIn) -> QuoteLineInput:
    return QuoteLineInput(
        part_id=part.part_id,
        category=part.category,
        hs_code=part.hs_code,
        weight_grams=part.weight_grams,
        unit_price_fen=part.price_cny,
        core_charge_fen=part.core_charge_cny,
        quantity=part.quantity,
        origin=part.country_of_origin,
        origin_schemes=tuple(part.origin_schemes),
    )


def refuse_restricted(country: str, now: datetime) -> None:
    """A destination we do not serve at all refuses the whole request (DESTINATION_RESTRICTED),
    not part by part: nothing is priced for it."""
    restricted = restricted_destination(country, now.date())
    if restricted is not None:
        raise DestinationRestricted(f"we do not serve {country}: {restricted.note}", field="destinationCountry")


# A part's estimate: its cheapest option, or the code of why it has none.
Estimate = tuple[OptionRead | None, str | None]


def estimate_parts(
    session: Session, settings: OrdersSettings, data: PartEstimatesIn, kept: Kept[Estimate]
) -> PartEstimatesRead:
    """Each part alone, one unit, with its cheapest shipping. A part priced within `kept`'s time
    from the same facts to the same country, currency, rate, day and rules is not priced again:
    the parts of popular pages are estimated on every page view."""
    fx, now, tables = fx_table(session), utcnow(), Tables.load()
    country, currency = data.destination_country.upper(), data.currency.upper()
    refuse_restricted(country, now)
    # Everything but the part's facts that the estimate is computed from (an unknown currency
    # has no rate: its estimates are refused, and kept as such).
    context = (country, currency, fx.rates.get(currency), now.date(), id(tables))
    estimates = []
    for part in data.parts:
        cheapest, unavailable = kept.get_or_put(
            (*context, *_facts_key(part)), partial(_estimate, part, country, currency, fx, settings, now, tables)
        )
        estimates.append(PartEstimateRead(part_id=part.part_id, cheapest=cheapest, unavailable=unavailable))
    return PartEstimatesRead(destination_country=country, currency=currency, estimates=estimates)


def _facts_key(part: PartFactsIn) -> tuple[Hashable, ...]:
    """What of a part its estimate depends on: all of its facts but its id, read from the model,
    so that a fact PartFactsIn gains is in the key too."""
    return tuple(
        (name, tuple(value) if isinstance(value, list) else value) for name, value in part if name != "part_id"
    )


def _estimate(
    part: PartFactsIn,
    country: str,
    currency: str,
    fx: FxTable,
    settings: OrdersSettings,
    now: datetime,
    tables: Tables,
) -> Estimate:
    try:
        options = shipping_options([_line(part)], country, currency, fx, settings, now=now, tables=tables)
    except DomainError as refused:
        return None, refused.code
    if not options:
        return None, DangerousGoodsRefused.code
    return option_read(options[0]), None


def estimate_cart(session: Session, settings: OrdersSettings, data: PartEstimatesIn) -> CartEstimateRead:
    """The whole cart as one consignment, with every shipping service that may carry it."""
    country, currency = data.destination_country.upper(), data.currency.upper()
    lines = [_line(p) for p in data.parts]
    options = shipping_options(lines, country, currency, fx_table(session), settings, now=utcnow())
    if not options:
        raise DangerousGoodsRefused("no shipping service may carry every part of this cart", field="parts")
    totals = options[0].landed.totals
    return CartEstimateRead(
        destination_country=country,
        currency=currency,
        subtotal=money_read(totals.goods.amount, totals.goods.currency),
        core_deposit=money_read(totals.core_deposit.amount, totals.core_deposit.currency),
        options=[option_read(o) for o in options],
    )
