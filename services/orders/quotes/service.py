"""FX rates kept in the database, and quotes: catalog facts + markets + landed cost, locked.

A quote stores every amount it showed and the rate it used; it expires after
`quote_ttl_seconds` (15 min by default) and an order is placed only from an unexpired quote.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import pycountry
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.cards import CARD_UNIT_DIFFERS
from marketplace.compliance import markets as compliance
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.db import release_connection
from services.common.errors import BadInput, DomainError, Forbidden, NotFound
from services.orders.contract.quotes import QuoteCreate
from services.orders.deps import OrdersDeps
from services.orders.models import EVENTS, FxRateRow, Quote, QuoteLine, amounts_from
from services.orders.quotes import fx
from services.orders.quotes.landed_cost import (
    LandedCost,
    QuoteLineInput,
    QuoteRequest,
    RulesNotInForce,
    quote_landed_cost,
)
from services.orders.settings import OrdersSettings


class PartNotEligible(BadInput):
    code = "PART_NOT_ELIGIBLE"


class PartNotAvailable(BadInput):
    code = "PART_NOT_AVAILABLE"


class TaxRegistrationMissing(DomainError):
    """A point-of-sale regime applies and production was not given our number under it."""

    status, code, title = 503, "TAX_REGISTRATION_MISSING", "We cannot collect this market's tax at the sale yet"


# --- FX ------------------------------------------------------------------------------------


def fx_table(session: Session) -> fx.FxTable:
    """The rates as stored now. Read as plain rows every time; the table built from them is
    reused while they are the same (every quote, estimate and price conversion asks)."""
    R = FxRateRow
    rows = session.execute(
        sa_select(col(R.currency), col(R.per_cny), col(R.source), col(R.as_of), col(R.offline_fallback)).order_by(
            col(R.currency)
        )
    ).all()
    return _table_of(tuple(tuple(r) for r in rows))


@lru_cache(maxsize=16)
def _table_of(rows: tuple[tuple[Any, ...], ...]) -> fx.FxTable:
    # Rates stored before the pegged currencies were derived on import get them here as well; a
    # currency a card cannot be charged in as counted here is neither quoted nor listed.
    return fx.with_pegged(
        fx.FxTable.of(
            fx.FxRate(currency, Decimal(per_cny), source, as_of, offline_fallback)
            for currency, per_cny, source, as_of, offline_fallback in rows
            if currency not in CARD_UNIT_DIFFERS
        )
    )


def store_rates(session: Session, table: fx.FxTable) -> list[FxRateRow]:
    """Replace the rates `table` names and publish fx.rates_updated, in the caller's transaction."""
    now = utcnow()
    rows = []
    for rate in table.rates.values():
        if rate.currency == fx.BASE:
            continue
        row = session.get(FxRateRow, rate.currency) or FxRateRow(
            currency=rate.currency, per_cny="1", source="", as_of=rate.as_of
        )
        row.per_cny, row.source, row.as_of, row.imported_at = str(rate.per_cny), rate.source[:300], rate.as_of, now
        row.offline_fallback = rate.offline_fallback
        session.add(row)
        rows.append(row)
    session.flush()
    if rows:
        newest = max(row.as_of for row in rows)
        EVENTS.record(
            session,
            "fx.rates_updated",
            aggregate_id="fx-rates",
            data={
                "as_of": newest.isoformat(),
                "offline_fallback": any(row.offline_fallback for row in rows),
                "rates": {row.currency: row.per_cny for row in sorted(rows, key=lambda r: r.currency)},
                "sources": sorted({row.source for row in rows}),
            },
        )
    return rows


def import_rates(session: Session, actor: Actor, body: bytes, content_type: str) -> list[FxRateRow]:
    """Replace the rates named in an ECB XML or simple JSON document (see services.orders.quotes.fx)."""
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("only an admin or the scheduler imports exchange rates")
    try:
        table = fx.parse_ecb_xml(body) if "xml" in content_type else fx.parse_json_rates(body)
    except fx.RatesFormatError as exc:
        raise BadInput(str(exc), field="body") from None
    return store_rates(session, table)


# --- quotes ----------------------------------------------------------------------------------


def _country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha() or pycountry.countries.get(alpha_2=code) is None:
        raise BadInput(f"{value!r} is not an ISO 3166-1 alpha-2 country code", field="destination_country")
    return code


def create_quote(
    session: Session, actor: Actor, data: QuoteCreate, deps: OrdersDeps, *, now: datetime | None = None
) -> tuple[Quote, list[QuoteLine]]:
    """The quote, written with its lines (returned too, for the answer)."""
    actor.require(Role.BUYER)
    now = now or utcnow()
    settings = deps.settings
    country = _country(data.destination_country)
    if data.date is not None and data.date > now.date():
        # A buyer or broker reads the rules of today or of a past day; a later day's rules may still change.
        raise RulesNotInForce(
            f"the rules of {data.date} are not known yet; quote for today ({now.date()}) or a past date", field="date"
        )
    # Legality before price: a restricted destination or one outside every market is refused
    # before anything is fetched or priced (marketplace/compliance/markets.py).
    compliance.check_destination(country, data.date or now.date(), field="destinationCountry")
    table = fx_table(session)
    # A late rate feed never stops quoting: rates past `fx_stale_after_hours` are quoted and the
    # quote says so; only past the hard limit is the quote refused (FX_RATES_STALE).
    max_age = timedelta(hours=settings.fx_refuse_after_hours)
    # Cheap checks first: no upstream call for a request that cannot be quoted.
    rate = table.fresh_rate(data.currency, now=now, max_age=max_age, field="currency")
    stale = rate.is_stale(now=now, stale_after=timedelta(hours=settings.fx_stale_after_hours))

    # The rates are read: the connection goes back to the pool while the catalog is asked, and
    # the quote is written with a connection taken afresh.
    release_connection(session)
    wanted = list(dict.fromkeys(line.part_id for line in data.lines))
    # One call: the parts' facts, price and stock, and whether each may be sold in the country.
    offers = deps.catalog.offers(country, wanted, field="destinationCountry")
    parts = {part_id: facts for part_id, (facts, _) in offers.items()}
    for i, line in enumerate(data.lines):
        part = parts.get(line.part_id)
        if part is None:
            raise NotFound(f"no part {line.part_id}", field=f"lines.{i}.part_id")
        if not part.listed:
            raise PartNotAvailable(f"part {part.sku} is no longer listed", field=f"lines.{i}.part_id")
        asked = sum(other.quantity for other in data.lines if other.part_id == line.part_id)
        if asked > part.available:
            raise PartNotAvailable(
                f"only {part.available} of part {part.sku} available, {asked} asked",
                field=f"lines.{i}.quantity",
                available=part.available,
            )

    for i, line in enumerate(data.lines):
        _, verdict = offers[line.part_id]
        if not verdict.eligible:
            missing, reasons = verdict.missing_schemes, verdict.reasons
            # Every reason with its source: a restricted condition, then the missing schemes.
            why = "; ".join(r["message"] for r in reasons) or f"missing {', '.join(missing) or 'certification'}"
            raise PartNotEligible(
                f"part {parts[line.part_id].sku} may not be sold in {country}: {why}",
                field=f"lines.{i}.part_id",
                missing_schemes=missing,
                reasons=reasons,
            )

    landed = quote_landed_cost(
        QuoteRequest(
            lines=[
                QuoteLineInput(
                    part_id=str(line.part_id),
                    category=parts[line.part_id].category,
                    hs_code=parts[line.part_id].hs_code,
                    weight_grams=parts[line.part_id].weight_grams,
                    unit_price_fen=parts[line.part_id].price_fen,
                    core_charge_fen=parts[line.part_id].core_charge_fen,
                    quantity=line.quantity,
                    battery_chemistry=parts[line.part_id].battery_chemistry,
                    origin=parts[line.part_id].country_of_origin,
                    origin_schemes=parts[line.part_id].origin_schemes,
                )
                for line in data.lines
            ],
            destination_country=country,
            incoterm=data.incoterm,
            currency=data.currency,
            shipping_service=data.shipping_service,
            on=data.date,
            destination_region=data.destination_region,
        ),
        table,
        now=now,
        max_rate_age=max_age,
        margin_bps=settings.fx_margin_bps,
    )
    registration = tax_registration(landed, settings)
    quote = Quote(
        buyer_id=actor.id,
        destination_country=landed.destination_country,
        incoterm=landed.incoterm,
        currency=landed.currency,
        shipping_service=landed.shipping_service,
        fx_rate=landed.fx_rate,
        fx_source=landed.fx_source[:300],
        fx_as_of=landed.fx_as_of,
        **amounts_from(landed.totals),
        duty_status=landed.duty_status,
        core_deposit_in_duty_base=landed.core_deposit_in_duty_base,
        # A quote priced by another day's rules than today's can be read, not ordered.
        detail={
            **_with_rate_standing(landed.as_json(), rate, stale=stale),
            "dated": landed.on != now.date(),
            "taxRegistration": registration,
        },
        created_at=now,
        expires_at=now + timedelta(seconds=settings.quote_ttl_seconds),
    )
    lines = []
    for i, (line, lq) in enumerate(zip(data.lines, landed.lines, strict=True)):
        part = parts[line.part_id]
        lines.append(
            QuoteLine(
                quote_id=quote.id,
                line_no=i,
                part_id=part.id,
                supplier_id=part.supplier_id,
                sku=part.sku,
                title=part.title[:300],
                category=part.category,
                hs_code=lq.hs_code,
                quantity=line.quantity,
                unit_price_fen=part.price_fen,
                core_charge_fen=part.core_charge_fen,
                **amounts_from(lq.amounts),
            )
        )
    # One flush: the quote's row goes in before its lines' (their foreign key orders them).
    session.add(quote)
    session.add_all(lines)
    session.flush()
    if stale:
        fx.stale_rate_quotes.add()
    return quote, lines


def tax_registration(landed: LandedCost, settings: OrdersSettings) -> str | None:
    """Our number under the point-of-sale regime the quote collects its tax under (None: no regime).
    Production without it refuses the quote, naming the variable: we may not collect a tax we are
    not registered for, and the rest of the world keeps selling."""
    if landed.tax_registration_setting is None:
        return None
    registration = settings.tax_registration(landed.tax_registration_setting)
    if not registration:
        raise TaxRegistrationMissing(
            f"{landed.tax_scheme_name} applies to this order and TONGNAN_ORDERS_"
            f"{landed.tax_registration_setting} is not set",
            field="destinationCountry",
        )
    return registration


def _with_rate_standing(detail: dict[str, Any], rate: fx.FxRate, *, stale: bool) -> dict[str, Any]:
    """The quote's detail, saying whether its rate is stale or from the offline snapshot."""
    notes = list(detail.get("notes", []))
    if stale:
        notes.append(
            f"exchange rates of {rate.as_of.date().isoformat()} are out of date: the rate feed is late; "
            "the price uses the newest rates held"
        )
    if rate.offline_fallback:
        notes.append("exchange rates are the bundled offline snapshot: the ECB could not be reached")
    return {**detail, "notes": notes, "fxStale": stale, "fxOfflineFallback": rate.offline_fallback}


def quote_date(quote: Quote) -> date:
    """The day whose rules priced the quote (quotes made before dated quotes: their creation day)."""
    value = quote.detail.get("date")
    return date.fromisoformat(value) if isinstance(value, str) else quote.created_at.date()


def is_dated(quote: Quote) -> bool:
    """Priced by the rules of another day than the one it was made on: read-only, never ordered."""
    return bool(quote.detail.get("dated", False))


def get_quote(session: Session, actor: Actor, quote_id: uuid.UUID) -> Quote:
    quote = session.get(Quote, quote_id)
    # Another buyer's quote answers exactly like a missing one.
    if quote is None or (quote.buyer_id != actor.id and not actor.is_staff):
        raise NotFound("no such quote", field="quote_id")
    return quote


def get_quote_for_pricing(session: Session, actor: Actor, quote_id: uuid.UUID) -> Quote:
    """Any quote, for the gateway's public "how this price was made" page: the quote's id is its
    only key (a random UUID, like a receipt link); the view shows no one's identity."""
    if not actor.is_staff:
        raise Forbidden("the pricing of a quote is read through the gateway")
    quote = session.get(Quote, quote_id)
    if quote is None:
        raise NotFound("no such quote", field="quote_id")
    return quote


def quote_lines(session: Session, quote_id: uuid.UUID) -> list[QuoteLine]:
    return list(
        session.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(col(QuoteLine.line_no)))
    )
