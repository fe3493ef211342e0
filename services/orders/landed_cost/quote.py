"""Landed cost of a cart from Tongnan (origin CN) to a buyer's door, in the buyer's currency.

Pure domain code: no database, no HTTP. `quote_landed_cost(request, fx, ...)` takes the
cart lines (catalog data the caller already fetched), the destination, the Incoterm, the
currency and the shipping service, and returns every money component per line and in
total, with the flags and sources that explain them. The rules are the dated rows of
services/orders/data/ in force on the quote date.

Rounding rule (written down, as the design requires):

1. Amounts set in CNY (prices, core charges, shipping and handling, insurance) are
   computed exactly in Decimal from integer fen and converted once with the locked
   rate (mid rate plus the platform margin, see services.orders.fx), then rounded
   half-even to the buyer currency's minor unit: per line for goods, core deposit and
   insurance (insurance = goods CNY x premium rate, converted); per consignment for
   shipping and origin handling, which are then allocated to the lines by weight with
   the largest-remainder method, so the lines' shipping adds up to the quote's exactly.
2. Duty and import tax are computed per line from the already rounded buyer-currency
   components (customs value = the rounded parts that make it up), multiplied in
   Decimal by the stacked duty rate or the tax rate, and rounded half-even once per line.
3. A line's total is the sum of its rounded components that the Incoterm puts in the
   buyer's total; the quote's components are the sums of the lines' components and its
   total is the sum of the lines' totals. Nothing is rounded twice, so lines always add
   up to the quote exactly.
4. Thresholds and flat charges set in another currency (de minimis in USD, the EU's
   EUR 3 flat duty) are converted at the mid rate, without margin.

Incoterms (what the buyer's total holds; the core deposit is always charged, refundable):
  EXW  goods only: the buyer arranges export clearance, carriage, insurance and import.
  FOB  goods + origin handling (export clearance, delivery to the port/airport of loading).
  CIF  goods + shipping + insurance; duty and import tax are shown as estimates, payable
       by the buyer on import, not in the total. (We apply CIF to every service, also air
       express, where Incoterms 2020 would say CIP.)
  DAP  as CIF, delivered to the door; duty and import tax shown as estimates, not in total.
  DDP  everything: duty and import tax are collected at checkout and paid by us on import.

Simplified on purpose and saying so: MFN rates only (no FTA preferences), one ad valorem
rate per heading, no volumetric weight, no state/provincial taxes. See each data file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar, cast

import pycountry

from services.common.compliance.markets import restricted_destination
from services.common.compliance.registry import DestinationRestricted, market_for
from services.common.errors import BadInput, DomainError
from services.common.money import Money, charge_step
from services.orders.fx import FxTable, format_rate
from services.orders.landed_cost.allocation import allocate
from services.orders.landed_cost.tables import (
    Dated,
    DeMinimisRow,
    Destination,
    DutyRow,
    Tables,
    TaxRow,
    in_force,
)

ORIGIN = "CN"
INCOTERMS = ("EXW", "FOB", "CIF", "DAP", "DDP")
MAX_LINES = 50
MAX_QUANTITY = 9_999
MAX_UNIT_WEIGHT_GRAMS = 2_000_000  # 2 t: an engine block is well under
MAX_UNIT_PRICE_FEN = 1_000_000_000  # CNY 10 million

Incoterm = Literal["EXW", "FOB", "CIF", "DAP", "DDP"]
TaxStatus = Literal["collected", "estimated", "not_quoted"]
DutyTreatment = Literal["ad_valorem", "de_minimis_exempt", "flat_per_tariff_line"]
T = TypeVar("T")

# Duty and import tax: collected at checkout (DDP), shown as estimates outside the total
# (CIF, DAP), or not quoted at all because the buyer's own forwarder takes over (EXW, FOB).
_TAX_STATUS: dict[Incoterm, TaxStatus] = {
    "EXW": "not_quoted",
    "FOB": "not_quoted",
    "CIF": "estimated",
    "DAP": "estimated",
    "DDP": "collected",
}


class DestinationNotServed(BadInput):
    code = "DESTINATION_NOT_SERVED"


class DangerousGoodsRefused(BadInput):
    code = "DANGEROUS_GOODS_REFUSED"


class NoTariffRule(BadInput):
    code = "NO_TARIFF_RULE"


class RateUnavailable(DomainError):
    """A rate needed to value a threshold is missing from the FX table (operator problem)."""

    status, code, title = 503, "FX_RATE_UNAVAILABLE", "An exchange rate needed for the quote is missing"


# --- input --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuoteLineInput:
    part_id: str
    category: str
    hs_code: str
    weight_grams: int  # per unit
    unit_price_fen: int  # CNY minor units
    core_charge_fen: int  # refundable core deposit per unit, CNY minor units
    quantity: int


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    lines: Sequence[QuoteLineInput]
    destination_country: str
    incoterm: str
    currency: str
    shipping_service: str | None = None  # None: express, or economy when a line is dangerous goods
    on: date | None = None  # the rules' date; None = today (UTC) at `now`


# --- output -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Amounts:
    goods: Money
    core_deposit: Money
    shipping: Money
    insurance: Money
    duty: Money
    vat: Money
    total: Money

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {
            "goods": _money_json(self.goods),
            "coreDeposit": _money_json(self.core_deposit),
            "shipping": _money_json(self.shipping),
            "insurance": _money_json(self.insurance),
            "duty": _money_json(self.duty),
            "vat": _money_json(self.vat),
            "total": _money_json(self.total),
        }


@dataclass(frozen=True, slots=True)
class RuleUse:
    """One rule row that priced a quote: its table, which row, what it says, its source and dates.

    The quote lists every one it used, so a buyer or a broker can check each figure against
    the instrument it comes from.
    """

    table: str  # the data file's table, e.g. "duty_rates"
    key: str  # which row, e.g. "US CN US Section 301 8708"
    says: str  # what it contributed, e.g. "25 %"
    source: str
    valid_from: date
    valid_to: date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key": self.key,
            "says": self.says,
            "source": self.source,
            "validFrom": self.valid_from.isoformat(),
            "validTo": None if self.valid_to is None else self.valid_to.isoformat(),
        }


class PricedBy:
    """Collects the rules a quote used, once each, in the order they were applied."""

    def __init__(self) -> None:
        self._uses: dict[tuple[str, str, date], RuleUse] = {}

    def add(self, table: str, key: str, says: str, dated: Dated) -> None:
        use = RuleUse(table, key, says, dated.source, dated.valid_from, dated.valid_to)
        self._uses.setdefault((table, key, dated.valid_from), use)

    def rules(self) -> tuple[RuleUse, ...]:
        return tuple(self._uses.values())


@dataclass(frozen=True, slots=True)
class DutyMeasure:
    measure: str
    hs_prefix: str
    rate: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class LineQuote:
    part_id: str
    category: str
    hs_code: str
    quantity: int
    weight_grams: int  # line total
    dangerous_goods: bool
    duty_measures: tuple[DutyMeasure, ...]
    duty_rate: Decimal  # sum of the measures
    vat_rate: Decimal
    customs_value: Money
    amounts: Amounts
    goods_cny: Money  # the supplier's price for the line, for the CNY payable
    core_deposit_cny: Money


@dataclass(frozen=True)
class LandedCost:
    destination_country: str
    customs_territory: str
    incoterm: Incoterm
    currency: str
    shipping_service: str
    zone: str
    on: date
    fx_rate: str  # CNY -> currency, margin included, as a decimal string
    fx_source: str
    fx_as_of: datetime
    fx_mid_rate: str  # the same without the margin
    margin_bps: int
    shipping_cny: Money  # freight + origin handling (+ dangerous-goods surcharge) we pay the forwarder
    lines: tuple[LineQuote, ...]
    totals: Amounts
    duty_status: TaxStatus
    vat_status: TaxStatus
    tax_name: str
    duty_treatment: DutyTreatment
    vat_low_value_exempt: bool
    customs_value_basis: str
    core_deposit_in_duty_base: bool
    core_deposit_in_vat_base: bool
    chargeable_weight_grams: int
    dangerous_goods: bool
    estimated_landed_total: Money | None  # CIF/DAP: total + estimated duty and tax
    notes: tuple[str, ...] = ()
    rules: tuple[RuleUse, ...] = field(default=())

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct sources of the rules used, in order."""
        return tuple(dict.fromkeys(rule.source for rule in self.rules))

    def as_json(self) -> dict[str, Any]:
        """camelCase, JSON-ready (Money as {amount, currency}), for the API layer."""
        return {
            "destinationCountry": self.destination_country,
            "customsTerritory": self.customs_territory,
            "incoterm": self.incoterm,
            "currency": self.currency,
            "shippingService": self.shipping_service,
            "zone": self.zone,
            "date": self.on.isoformat(),
            "fxRate": self.fx_rate,
            "fxSource": self.fx_source,
            "fxAsOf": self.fx_as_of.isoformat(),
            "fxMidRate": self.fx_mid_rate,
            "marginBps": self.margin_bps,
            "shippingCny": _money_json(self.shipping_cny),
            **self.totals.as_json(),
            "dutyStatus": self.duty_status,
            "vatStatus": self.vat_status,
            "taxName": self.tax_name,
            "dutyTreatment": self.duty_treatment,
            "vatLowValueExempt": self.vat_low_value_exempt,
            "customsValueBasis": self.customs_value_basis,
            "coreDepositInDutyBase": self.core_deposit_in_duty_base,
            "coreDepositInVatBase": self.core_deposit_in_vat_base,
            "chargeableWeightGrams": self.chargeable_weight_grams,
            "dangerousGoods": self.dangerous_goods,
            "estimatedLandedTotal": (
                None if self.estimated_landed_total is None else _money_json(self.estimated_landed_total)
            ),
            "notes": list(self.notes),
            "sources": list(self.sources),
            "rules": [rule.as_json() for rule in self.rules],
            "lines": [
                {
                    "partId": line.part_id,
                    "category": line.category,
                    "hsCode": line.hs_code,
                    "quantity": line.quantity,
                    "weightGrams": line.weight_grams,
                    "dangerousGoods": line.dangerous_goods,
                    "dutyRate": format_rate(line.duty_rate),
                    "dutyMeasures": [
                        {"measure": m.measure, "hsPrefix": m.hs_prefix, "rate": format_rate(m.rate)}
                        for m in line.duty_measures
                    ],
                    "vatRate": format_rate(line.vat_rate),
                    "customsValue": _money_json(line.customs_value),
                    "goodsCny": _money_json(line.goods_cny),
                    "coreDepositCny": _money_json(line.core_deposit_cny),
                    **line.amounts.as_json(),
                }
                for line in self.lines
            ],
        }


def _money_json(m: Money) -> dict[str, Any]:
    return {"amount": m.amount, "currency": m.currency}


# --- validation ---------------------------------------------------------------------------------


def _int_in(value: object, low: int, high: int, field_name: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{what} must be a whole number", field=field_name)
    if not low <= value <= high:
        raise BadInput(f"{what} must be between {low} and {high}, got {value}", field=field_name)
    return value


def _hs_code(value: object, field_name: str) -> str:
    code = str(value).replace(".", "").replace(" ", "").strip() if isinstance(value, str) else ""
    if not code.isdigit() or not 6 <= len(code) <= 10 or not code.isascii():
        raise BadInput(f"HS code {value!r} must be 6 to 10 digits", field=field_name)
    return code


def _lines(lines: Sequence[QuoteLineInput]) -> list[QuoteLineInput]:
    if not lines:
        raise BadInput("a quote needs at least one line", field="lines")
    if len(lines) > MAX_LINES:
        raise BadInput(f"a quote holds at most {MAX_LINES} lines", field="lines")
    out = []
    for i, line in enumerate(lines):
        prefix = f"lines.{i}"
        if not isinstance(line.category, str) or not line.category.strip():
            raise BadInput("category is required", field=f"{prefix}.category")
        out.append(
            QuoteLineInput(
                part_id=line.part_id,
                category=line.category.strip(),
                hs_code=_hs_code(line.hs_code, f"{prefix}.hsCode"),
                weight_grams=_int_in(
                    line.weight_grams, 1, MAX_UNIT_WEIGHT_GRAMS, f"{prefix}.weightGrams", "weight in grams"
                ),
                unit_price_fen=_int_in(
                    line.unit_price_fen, 0, MAX_UNIT_PRICE_FEN, f"{prefix}.unitPrice", "unit price in fen"
                ),
                core_charge_fen=_int_in(
                    line.core_charge_fen, 0, MAX_UNIT_PRICE_FEN, f"{prefix}.coreCharge", "core charge in fen"
                ),
                quantity=_int_in(line.quantity, 1, MAX_QUANTITY, f"{prefix}.quantity", "quantity"),
            )
        )
    return out


def _incoterm(value: object) -> Incoterm:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in INCOTERMS:
        raise BadInput(f"Incoterm {value!r} is not supported; use one of {', '.join(INCOTERMS)}", field="incoterm")
    return cast(Incoterm, code)


def _destination(value: object, tables: Tables, on: date) -> Destination:
    code = value.strip().upper() if isinstance(value, str) else ""
    if len(code) != 2 or not code.isalpha() or pycountry.countries.get(alpha_2=code) is None:
        raise BadInput(f"{value!r} is not an ISO 3166-1 alpha-2 country code", field="destinationCountry")
    restricted = restricted_destination(code, on)
    if restricted is not None:  # legality first (services/common/compliance): no price at all
        raise DestinationRestricted(f"we do not serve {code}: {restricted.note}", field="destinationCountry")
    rows = [d for d in in_force(tables.destinations, on) if d.country == code]
    if not rows:
        raise DestinationNotServed(
            f"we do not ship to {code} (on {on}); destinations: {', '.join(tables.countries())}",
            field="destinationCountry",
        )
    return rows[0]


def _one(rows: list[T], what: str, field_name: str) -> T:
    if not rows:
        raise DestinationNotServed(f"no {what} rule in force", field=field_name)
    return rows[0]


# --- rules --------------------------------------------------------------------------------------


def duty_measures(tables: Tables, territory: str, hs_code: str, on: date, origin: str = ORIGIN) -> list[DutyRow]:
    """For each measure, the row of the exact origin (else '*') with the longest matching prefix."""
    rows = [
        r
        for r in in_force(tables.duty_rates, on)
        if r.territory == territory and r.origin in (origin, "*") and hs_code.startswith(r.hs_prefix)
    ]
    chosen: dict[str, DutyRow] = {}
    for row in rows:
        best = chosen.get(row.measure)
        key = (row.origin == origin, len(row.hs_prefix))
        if best is None or key > (best.origin == origin, len(best.hs_prefix)):
            chosen[row.measure] = row
    return sorted(chosen.values(), key=lambda r: (r.measure != "MFN", r.measure))


def de_minimis_rule(tables: Tables, dest: Destination, on: date, origin: str = ORIGIN) -> DeMinimisRow | None:
    rows = [
        r
        for r in in_force(tables.de_minimis, on)
        if r.where in (dest.country, dest.territory) and r.origin in (origin, "*")
    ]
    if not rows:
        return None
    return max(rows, key=lambda r: (r.where == dest.country, r.origin == origin))


def _mid(fx: FxTable, amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
    if from_currency == to_currency:
        return amount
    for code in (from_currency, to_currency):
        if code not in fx.rates:
            raise RateUnavailable(f"no {code} rate in the FX table, needed to apply a threshold or charge")
    return fx.mid_convert_decimal(amount, from_currency, to_currency)


def _service(requested: str | None, lines: list[QuoteLineInput], tables: Tables) -> tuple[str, list[bool]]:
    dg = [tables.dangerous_goods.applies(line.category, line.hs_code) for line in lines]
    if requested is None:
        code = "economy" if any(dg) else "express"
    else:
        code = requested.strip().lower() if isinstance(requested, str) else ""
        if code not in tables.services:
            raise BadInput(
                f"shipping service {requested!r} is unknown; use one of {', '.join(sorted(tables.services))}",
                field="shippingService",
            )
    service = tables.services[code]
    if any(dg) and not service.dangerous_goods_allowed:
        bad = [line.part_id for line, flag in zip(lines, dg, strict=True) if flag]
        allowed = sorted(c for c, s in tables.services.items() if s.dangerous_goods_allowed)
        raise DangerousGoodsRefused(
            f"{tables.dangerous_goods.un_number} lithium batteries (parts {', '.join(bad)}) are dangerous "
            f"goods and cannot travel by {code} ({service.mode}); choose {', '.join(allowed)}",
            field="shippingService",
        )
    return code, dg


# --- the quote ----------------------------------------------------------------------------------


def quote_landed_cost(
    request: QuoteRequest,
    fx: FxTable,
    *,
    now: datetime,
    max_rate_age: timedelta,
    margin_bps: int = 0,
    tables: Tables | None = None,
) -> LandedCost:
    """The landed cost of `request` (see the module docstring for the rules and rounding).

    Raises BadInput (naming the field), DestinationNotServed, DangerousGoodsRefused,
    NoTariffRule, UnsupportedCurrency, RatesStale, RateUnavailable.
    """
    tables = tables or Tables.load()
    on = request.on or now.astimezone(UTC).date()
    lines = _lines(request.lines)
    dest = _destination(request.destination_country, tables, on)
    incoterm = _incoterm(request.incoterm)
    fx_rate = fx.fresh_rate(request.currency, now=now, max_age=max_rate_age, field="currency")
    currency = fx_rate.currency
    rate = fx.locked_rate(currency, now=now, max_age=max_rate_age, margin_bps=margin_bps)
    service, dg = _service(request.shipping_service, lines, tables)
    priced_by = PricedBy()
    priced_by.add(
        "destinations",
        dest.country,
        f"customs territory {dest.territory}, {dest.customs_value_basis} basis, zone {dest.zone}",
        dest.dated,
    )
    market = market_for(dest.country, on)
    if market is not None:  # legality first: the market rules that make the country quotable that day
        priced_by.add(
            "market_rules",
            market.code,
            f"{dest.country} is served in market {market.name}; not a restricted destination",
            Dated(market.valid_from, market.valid_to, market.source),
        )

    # Every amount is rounded to what a card can be charged in the currency, so the parts
    # and the total that is charged always agree.
    step = charge_step(currency)

    def amount(value: Decimal) -> Money:
        return Money.from_decimal(value, currency, step=step)

    def cny(fen: int | Decimal) -> Money:
        return amount(Decimal(fen) / 100 * rate)

    def split(total: Money, weights: Sequence[int]) -> list[Money]:
        return [Money(a * step, currency) for a in allocate(total.amount // step, weights)]

    zero = Money.zero(currency)

    # Goods, core deposit, insurance: per line from exact CNY.
    goods = [cny(line.unit_price_fen * line.quantity) for line in lines]
    cores = [cny(line.core_charge_fen * line.quantity) for line in lines]
    insurance_row = _one(
        [r for r in in_force(tables.insurance, on) if r.service == service], "insurance", "shippingService"
    )
    insurance = [cny(line.unit_price_fen * line.quantity * insurance_row.rate) for line in lines]
    priced_by.add("insurance", service, f"{format_rate(insurance_row.rate)} of the goods value", insurance_row.dated)

    # Shipping and origin handling: per consignment, allocated by weight.
    weights = [line.weight_grams * line.quantity for line in lines]
    total_grams = sum(weights)
    rate_row = _one(
        [r for r in in_force(tables.shipping_rates, on) if r.service == service and r.zone == dest.zone],
        f"{service} shipping to zone {dest.zone}",
        "shippingService",
    )
    freight_fen = rate_row.price_fen(total_grams)
    priced_by.add(
        "shipping", f"{service} {dest.zone}", f"CNY {Decimal(freight_fen) / 100} for {total_grams} g", rate_row.dated
    )
    if any(dg):
        surcharge = [r for r in in_force(tables.dangerous_goods_surcharge, on) if r.service == service]
        freight_fen += sum(r.fen for r in surcharge)
        for r in surcharge:
            priced_by.add("dangerous_goods_surcharge", service, f"CNY {Decimal(r.fen) / 100} per consignment", r.dated)
        dg_rule = tables.dangerous_goods
        priced_by.add(
            "dangerous_goods",
            dg_rule.un_number,
            f"{dg_rule.un_number} class {dg_rule.hazard_class}",
            Dated(date.min, None, dg_rule.source),
        )
    handling_row = _one(list(in_force(tables.origin_handling, on)), "origin handling", "shippingService")
    priced_by.add("origin_handling", "CN", f"CNY {Decimal(handling_row.fen) / 100} per consignment", handling_row.dated)
    freight = split(cny(freight_fen), weights)
    handling = split(cny(handling_row.fen), weights)

    # Customs value per line, on the destination's basis.
    core_in_base = not dest.core_deposit_excluded
    dutiable_goods = [g + c if core_in_base else g for g, c in zip(goods, cores, strict=True)]
    cif = [d + h + f + i for d, h, f, i in zip(dutiable_goods, handling, freight, insurance, strict=True)]
    customs_value = (
        cif if dest.customs_value_basis == "CIF" else [d + h for d, h in zip(dutiable_goods, handling, strict=True)]
    )

    # Low-value rules: the consignment's goods value (+ core where it is in the base), at mid rate.
    consignment_fen = sum(
        (line.unit_price_fen + (line.core_charge_fen if core_in_base else 0)) * line.quantity for line in lines
    )
    consignment_cny = Decimal(consignment_fen) / 100
    dm = de_minimis_rule(tables, dest, on)
    treatment: DutyTreatment = "ad_valorem"
    vat_low_value_exempt = False
    notes: list[str] = []
    if dm is not None:
        priced_by.add("de_minimis", f"{dm.where} {dm.origin}", _de_minimis_says(dm), dm.dated)
        if dm.duty_threshold is not None and dm.duty_mode != "none":
            value = _mid(fx, consignment_cny, "CNY", dm.duty_threshold.currency)
            if value <= dm.duty_threshold.value:
                treatment = "de_minimis_exempt" if dm.duty_mode == "exempt" else "flat_per_tariff_line"
        if dm.tax_threshold is not None:
            value = _mid(fx, consignment_cny, "CNY", dm.tax_threshold.currency)
            vat_low_value_exempt = value <= dm.tax_threshold.value

    # Duty per line.
    measures_per_line: list[list[DutyRow]] = []
    for i, line in enumerate(lines):
        measures = duty_measures(tables, dest.territory, line.hs_code, on)
        if not any(m.measure == "MFN" for m in measures):
            raise NoTariffRule(
                f"no {dest.territory} tariff rule for HS code {line.hs_code} on {on}", field=f"lines.{i}.hsCode"
            )
        measures_per_line.append(measures)
        for m in measures:
            priced_by.add(
                "duty_rates",
                f"{m.territory} {m.origin} {m.measure} {m.hs_prefix}",
                format_rate(m.rate),
                m.dated,
            )
    duty_rates = [sum((m.rate for m in ms), Decimal(0)) for ms in measures_per_line]
    if treatment == "ad_valorem":
        duty = [amount(cv.to_decimal() * r) for cv, r in zip(customs_value, duty_rates, strict=True)]
    elif treatment == "de_minimis_exempt":
        duty = [zero for _ in lines]
        notes.append("duty: consignment under the de minimis threshold, no duty")
    else:
        assert dm is not None and dm.flat_charge is not None
        flat = amount(_mid(fx, dm.flat_charge.value, dm.flat_charge.currency, currency))
        seen: set[str] = set()
        duty = []
        for line in lines:
            subheading = line.hs_code[:6]
            duty.append(zero if subheading in seen else flat)
            seen.add(subheading)
        notes.append(
            f"duty: low-value consignment, flat {dm.flat_charge.value} {dm.flat_charge.currency} "
            "per tariff subheading instead of ad valorem duty"
        )

    # Import VAT / GST per line.
    tax: TaxRow = _one(
        [t for t in in_force(tables.taxes, on) if t.country == dest.country], "import tax", "destinationCountry"
    )
    priced_by.add("import_taxes", tax.country, f"{tax.name} {format_rate(tax.rate)}", tax.dated)
    vat: list[Money] = []
    for i in range(len(lines)):
        if tax.base == "cif_plus_duty":
            base = (cif[i] + duty[i]).to_decimal()
        else:
            base = customs_value[i].to_decimal() * (1 + tax.customs_value_uplift) + duty[i].to_decimal()
        vat.append(zero if vat_low_value_exempt else amount(base * tax.rate))
    if vat_low_value_exempt:
        notes.append(f"{tax.name}: consignment under the low-value threshold, no import tax")

    # What the Incoterm puts in the buyer's total.
    carries = incoterm in ("CIF", "DAP", "DDP")
    duty_status = _TAX_STATUS[incoterm]
    if duty_status == "not_quoted":
        notes = []  # duty and tax are the buyer's own affair under EXW and FOB
    notes.insert(0, _INCOTERM_NOTES[incoterm])
    line_quotes = []
    for i, line in enumerate(lines):
        shipping_i = handling[i] + freight[i] if carries else handling[i] if incoterm == "FOB" else zero
        insurance_i = insurance[i] if carries else zero
        duty_i = duty[i] if duty_status != "not_quoted" else zero
        vat_i = vat[i] if duty_status != "not_quoted" else zero
        total_i = goods[i] + cores[i] + shipping_i + insurance_i
        if duty_status == "collected":
            total_i = total_i + duty_i + vat_i
        line_quotes.append(
            LineQuote(
                part_id=line.part_id,
                category=line.category,
                hs_code=line.hs_code,
                quantity=line.quantity,
                weight_grams=weights[i],
                dangerous_goods=dg[i],
                duty_measures=tuple(
                    DutyMeasure(m.measure, m.hs_prefix, m.rate, m.dated.source) for m in measures_per_line[i]
                ),
                duty_rate=duty_rates[i],
                vat_rate=tax.rate,
                customs_value=customs_value[i],
                goods_cny=Money(line.unit_price_fen * line.quantity, "CNY"),
                core_deposit_cny=Money(line.core_charge_fen * line.quantity, "CNY"),
                amounts=Amounts(goods[i], cores[i], shipping_i, insurance_i, duty_i, vat_i, total_i),
            )
        )

    def total_of(attr: str) -> Money:
        out = zero
        for lq in line_quotes:
            out = out + getattr(lq.amounts, attr)
        return out

    totals = Amounts(*(total_of(a) for a in Amounts.__slots__))
    estimated = totals.total + totals.duty + totals.vat if duty_status == "estimated" else None
    if core_in_base:
        notes.append("core deposit: part of the customs value and the import-tax base in this market")
    else:
        notes.append("core deposit: kept out of the duty and import-tax base (refundable deposit)")
    return LandedCost(
        destination_country=dest.country,
        customs_territory=dest.territory,
        incoterm=incoterm,
        currency=currency,
        shipping_service=service,
        zone=dest.zone,
        on=on,
        fx_rate=format_rate(rate),
        fx_source=fx_rate.source,
        fx_as_of=fx_rate.as_of,
        fx_mid_rate=format_rate(fx_rate.per_cny),
        margin_bps=margin_bps,
        shipping_cny=Money(freight_fen + handling_row.fen, "CNY"),
        lines=tuple(line_quotes),
        totals=totals,
        duty_status=duty_status,
        vat_status=duty_status,
        tax_name=tax.name,
        duty_treatment=treatment,
        vat_low_value_exempt=vat_low_value_exempt,
        customs_value_basis=dest.customs_value_basis,
        core_deposit_in_duty_base=core_in_base,
        core_deposit_in_vat_base=core_in_base,
        chargeable_weight_grams=total_grams,
        dangerous_goods=any(dg),
        estimated_landed_total=estimated,
        notes=tuple(notes),
        rules=priced_by.rules(),
    )


def _de_minimis_says(row: DeMinimisRow) -> str:
    parts = [f"duty {row.duty_mode}"]
    if row.duty_threshold is not None:
        parts.append(f"up to {row.duty_threshold.value} {row.duty_threshold.currency}")
    if row.tax_threshold is not None:
        parts.append(f"import tax relief up to {row.tax_threshold.value} {row.tax_threshold.currency}")
    return ", ".join(parts)


_INCOTERM_NOTES: dict[str, str] = {
    "EXW": "EXW: goods and refundable core deposit only; the buyer arranges export clearance, carriage, "
    "insurance, import clearance, duty and tax",
    "FOB": "FOB: goods, core deposit and origin handling to the port or airport of loading; the buyer "
    "arranges main carriage, insurance, import clearance, duty and tax",
    "CIF": "CIF: goods, core deposit, shipping and insurance; duty and import tax are estimates payable "
    "by the buyer on import, not in the total",
    "DAP": "DAP: delivered to the door; duty and import tax are estimates payable by the buyer on "
    "arrival, not in the total",
    "DDP": "DDP: delivered duty paid; duty and import tax are collected at checkout and in the total",
}
