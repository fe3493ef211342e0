"""Landed cost of a cart from Tongnan (origin CN) to a buyer's door, in the buyer's currency.

Pure domain code: no database, no HTTP. `quote_landed_cost(request, fx, ...)` takes the
cart lines (catalog data the caller already fetched), the destination, the Incoterm, the
currency and the shipping service, and returns every money component per line and in
total, with the flags and sources that explain them. The rules are the dated rows of
services/orders/data/ in force on the quote date.

Rounding rule (written down, as the design requires):

1. Amounts set in CNY (prices, core charges, shipping and handling, insurance) are
   computed exactly in Decimal from integer fen and converted once with the locked
   rate (mid rate plus the platform margin, see services.orders.quotes.fx), then rounded
   half-even to the buyer currency's minor unit: per line for goods, core deposit and
   insurance (insurance = goods CNY x insured share x premium rate, converted); per
   consignment for each shipping leg (origin handling with any dangerous-goods surcharge,
   main carriage, delivery), each then allocated to the lines by weight with the
   largest-remainder method, so the lines' shipping adds up to the quote's exactly.
2. Duty and import tax are computed per line from the already rounded buyer-currency
   components (customs value = the rounded parts that make it up), multiplied in
   Decimal by the stacked duty rate or the tax rate, and rounded half-even once per line.
3. A line's total is the sum of its rounded components that the Incoterm puts in the
   buyer's total; the quote's components are the sums of the lines' components and its
   total is the sum of the lines' totals. Nothing is rounded twice, so lines always add
   up to the quote exactly.
4. Thresholds are tested on the value each rule names (de_minimis.json, point_of_sale.json:
   the goods as charged, or the customs value), as the buyer is charged it (the locked rate, in
   the quote currency), converted into the threshold's currency at the mid rate of our FX table,
   which stands in for the customs authority's official rate. Flat charges set in another
   currency (the EU's EUR 3 flat duty, the US fees' minimum and maximum) are converted at the
   mid rate too, without margin.
5. Customs fees per entry (US merchandise processing and harbor maintenance fees, Mexico's DTA,
   customs_fees.json) are computed once per consignment and allocated to the lines by customs
   value; they are in the `duty` amount ("duty and customs fees": one more amount in every table
   and API would buy nothing a broker needs that the line's measures and the rules list do not
   show) and follow the duty's status. Japan's rounding (customs_fees.json) applies when the
   quote is in yen; in another currency the amounts are an estimate, and the notes say so.
6. The core deposit is part of the price actually paid or payable (WTO Customs Valuation
   Agreement art. 1 and 8): in the customs value and the tax base, unless a destination's row
   says otherwise with a source.
7. A point-of-sale regime (point_of_sale.json) makes us collect the VAT/GST at the sale under
   every Incoterm, on the price charged including delivery (and the duty where we charge it);
   no import VAT is shown as payable on import.

Incoterms 2020 (what the buyer's total holds; the core deposit is always charged, refundable).
Shipping has three legs (services/orders/data/shipping.json): origin handling (export
clearance in China, delivery to the carrier at Chongqing), main carriage (to the airport,
port or rail terminal of destination) and delivery (on-carriage to the door).
  EXW  not offered: the buyer would have to clear export in China (INCOTERM_NOT_OFFERED).
  FCA  goods + origin handling: we clear export and hand the goods to the carrier. Any mode.
  FOB  as FCA, on board at Chongqing Guoyuan port: sea and inland waterway only.
  CIF  goods + origin handling + main carriage to the port of destination + insurance on
       at least ICC (C) for 110 % of the price: sea and inland waterway only.
  CIP  as CIF with insurance on ICC (A) for 110 % of the price: any mode (air, rail).
  DAP  CIP's legs + delivery to the door; we insure our own risk (ICC (A), goods value).
  DDP  as DAP, with duty and import tax collected at checkout and paid by us on import.
Under CIF, CIP and DAP duty and import tax are estimates payable by the buyer on import, not
in the total; under FCA and FOB they are not quoted. FOB and CIF with an air or rail shipment
are refused (INCOTERM_NOT_FOR_MODE), naming FCA and CIP instead.

Customs value on a CIF basis: goods + origin handling + main carriage + insurance, never the
delivery after the place of entry (Reg. (EU) 952/2013 art. 71(1)(e) and the like). Import
VAT on a "cif_plus_duty" base adds the delivery to the door only where the territory's law
puts transport to a known place of destination in the base (incoterms.json
onCarriageInImportTaxBase: the EU, Directive 2006/112/EC art. 86(1)(b) and (2); the UK) and
the Incoterm has us deliver to the door (DAP, DDP).

Dangerous goods (services/orders/data/dangerous_goods.json): a line is classified UN3480 or
UN3481; the transport mode of the service (air, sea, rail) must allow it under the regime in
force (IATA DGR, IMDG Code, RID), or the quote is refused (DANGEROUS_GOODS_REFUSED).

Duty rows are read at the destination's national aftermarket line, for the part's own origin,
with a free-trade agreement's rate where the supplier holds its certificate of origin (see
`tariff`).

Simplified on purpose and saying so: ad valorem rates only (MFN, the dated additional duties
and the preferences of duty_rates.json, with the simplifications its _about names), no
volumetric weight, no US state or Canadian provincial sales taxes (PST, QST; the HST is
modelled, by `destination_region`, which a quote needs only where it quotes the import tax: not
under FCA and FOB unless a point-of-sale regime collects it). See each data file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar, cast

import pycountry

from marketplace import classification
from marketplace.cards import charge_step
from marketplace.compliance.markets import restricted_destination
from marketplace.compliance.registry import DestinationRestricted, market_for
from services.common.errors import BadInput, DomainError
from services.common.money import Money
from services.orders.quotes.fx import FxTable, format_rate
from services.orders.quotes.landed_cost import tariff
from services.orders.quotes.landed_cost.allocation import allocate
from services.orders.quotes.landed_cost.tables import (
    CustomsFee,
    Dated,
    DeMinimisRow,
    Destination,
    DgClassification,
    DgTransport,
    DutyRow,
    IncotermRule,
    PointOfSaleRow,
    Rounding,
    Tables,
    TaxRow,
    TransportMode,
    ValueTested,
    in_force,
)

ORIGIN = "CN"
INCOTERMS = ("FCA", "FOB", "CIF", "CIP", "DAP", "DDP")
MAX_LINES = 50
MAX_QUANTITY = 9_999
MAX_UNIT_WEIGHT_GRAMS = 2_000_000  # 2 t: an engine block is well under
MAX_UNIT_PRICE_FEN = 1_000_000_000  # CNY 10 million

Incoterm = Literal["FCA", "FOB", "CIF", "CIP", "DAP", "DDP"]
TaxStatus = Literal["collected", "estimated", "not_quoted"]
DutyTreatment = Literal["ad_valorem", "de_minimis_exempt", "flat_per_tariff_line"]
T = TypeVar("T")

# Duty and import tax: collected at checkout (DDP), shown as estimates outside the total
# (CIF, CIP, DAP), or not quoted at all because the buyer's own forwarder takes over (FCA, FOB).
_TAX_STATUS: dict[Incoterm, TaxStatus] = {
    "FCA": "not_quoted",
    "FOB": "not_quoted",
    "CIF": "estimated",
    "CIP": "estimated",
    "DAP": "estimated",
    "DDP": "collected",
}
# Which Incoterm takes the place of one that is not for the shipment's transport mode.
_FOR_ANY_MODE = {"FOB": "FCA", "CIF": "CIP"}


class DestinationNotServed(BadInput):
    code = "DESTINATION_NOT_SERVED"


class DangerousGoodsRefused(BadInput):
    code = "DANGEROUS_GOODS_REFUSED"


class IncotermNotOffered(BadInput):
    code = "INCOTERM_NOT_OFFERED"


class IncotermNotForMode(BadInput):
    code = "INCOTERM_NOT_FOR_MODE"


class NoTariffRule(BadInput):
    code = "NO_TARIFF_RULE"


class RulesNotInForce(BadInput):
    """The quote's date is outside every rule's range: before the destination's first row, or a day
    without a row that a quote needs (the API also refuses a day after today)."""

    code = "RULES_NOT_IN_FORCE"


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
    battery_chemistry: str | None = None  # the catalog's battery fact: set when the part is or carries a battery
    origin: str = ORIGIN  # the part's country of origin (ISO 3166-1 alpha-2)
    # Certificate-of-origin schemes (CO_RCEP ...) whose valid certificates cover the part today.
    origin_schemes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    lines: Sequence[QuoteLineInput]
    destination_country: str
    incoterm: str
    currency: str
    shipping_service: str | None = None  # None: express, or economy when a line is dangerous goods
    on: date | None = None  # the rules' date; None = today (UTC) at `now`
    # ISO 3166-2 subdivision of the delivery address (e.g. "CA-ON"): required where a regional tax
    # row exists for the country (Canada's HST), unless `region_optional` (an estimate without an
    # address: the country's own tax, with a note).
    destination_region: str | None = None
    region_optional: bool = False


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
    scheme: str | None = None  # the certificate of origin a preferential rate rests on


@dataclass(frozen=True, slots=True)
class DangerousGoodsLine:
    """A line's dangerous-goods classification and what its transport mode requires: the
    facts a dangerous-goods declaration is made of (one unit per package)."""

    un_number: str
    proper_shipping_name: str
    hazard_class: str
    packing_group: str | None
    mode: str
    packing_instruction: str
    regime: str
    net_quantity_per_package_kg: Decimal
    packages: int
    state_of_charge: str | None
    source: str

    def as_json(self) -> dict[str, Any]:
        return {
            "unNumber": self.un_number,
            "properShippingName": self.proper_shipping_name,
            "hazardClass": self.hazard_class,
            "packingGroup": self.packing_group,
            "mode": self.mode,
            "packingInstruction": self.packing_instruction,
            "regime": self.regime,
            "netQuantityPerPackageKg": str(self.net_quantity_per_package_kg),
            "packages": self.packages,
            "stateOfCharge": self.state_of_charge,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class LineQuote:
    part_id: str
    category: str
    hs_code: str
    quantity: int
    weight_grams: int  # line total
    dangerous_goods: bool
    origin: str
    national_line: str  # the destination's tariff line the duty was read at (6 digits where none is mapped)
    duty_measures: tuple[DutyMeasure, ...]  # the duty measures, then the customs fees on the line
    duty_rate: Decimal  # sum of the duty measures (customs fees are amounts, in `customs_fees`)
    vat_rate: Decimal
    customs_value: Money
    amounts: Amounts
    goods_cny: Money  # the supplier's price for the line, for the CNY payable
    core_deposit_cny: Money
    dg: DangerousGoodsLine | None = None
    customs_fees: tuple[tuple[str, Money], ...] = ()  # (fee, this line's share), in the duty amount


@dataclass(frozen=True)
class LandedCost:
    destination_country: str
    customs_territory: str
    incoterm: Incoterm
    currency: str
    shipping_service: str
    zone: str
    transport_mode: str  # air, sea or rail (Incoterms 2020 terms)
    on: date
    fx_rate: str  # CNY -> currency, margin included, as a decimal string
    fx_source: str
    fx_as_of: datetime
    fx_mid_rate: str  # the same without the margin
    margin_bps: int
    shipping_cny: Money  # the legs the Incoterm puts on us (+ dangerous-goods surcharge), paid to the forwarder
    shipping_legs: dict[str, Money]  # originHandling / mainCarriage / delivery in the buyer's total
    insurance_cover: str | None  # e.g. "ICC (C), 110 % of the price"; None when the buyer insures
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
    destination_region: str | None = None
    # A point-of-sale regime (point_of_sale.json): the tax is collected at the sale, whatever the
    # Incoterm; our registration number under it comes from the settings `tax_registration_setting`.
    tax_scheme: str | None = None
    tax_scheme_name: str | None = None
    tax_registration_setting: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct sources of the rules used, in order."""
        return tuple(dict.fromkeys(rule.source for rule in self.rules))

    def as_json(self) -> dict[str, Any]:
        """camelCase, JSON-ready (Money as {amount, currency}), for the API layer."""
        return {
            "destinationCountry": self.destination_country,
            "destinationRegion": self.destination_region,
            "customsTerritory": self.customs_territory,
            "incoterm": self.incoterm,
            "currency": self.currency,
            "shippingService": self.shipping_service,
            "zone": self.zone,
            "transportMode": self.transport_mode,
            "date": self.on.isoformat(),
            "fxRate": self.fx_rate,
            "fxSource": self.fx_source,
            "fxAsOf": self.fx_as_of.isoformat(),
            "fxMidRate": self.fx_mid_rate,
            "marginBps": self.margin_bps,
            "shippingCny": _money_json(self.shipping_cny),
            "shippingLegs": {leg: _money_json(m) for leg, m in self.shipping_legs.items()},
            "insuranceCover": self.insurance_cover,
            **self.totals.as_json(),
            "dutyStatus": self.duty_status,
            "vatStatus": self.vat_status,
            "taxName": self.tax_name,
            "taxScheme": self.tax_scheme,
            "taxSchemeName": self.tax_scheme_name,
            "taxRegistrationSetting": self.tax_registration_setting,
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
                    "dangerousGoodsClass": None if line.dg is None else line.dg.as_json(),
                    "origin": line.origin,
                    "nationalLine": line.national_line,
                    "dutyRate": format_rate(line.duty_rate),
                    "dutyMeasures": [
                        {
                            "measure": m.measure,
                            "hsPrefix": m.hs_prefix,
                            "rate": format_rate(m.rate),
                            "scheme": m.scheme,
                        }
                        for m in line.duty_measures
                    ],
                    "vatRate": format_rate(line.vat_rate),
                    "customsValue": _money_json(line.customs_value),
                    "goodsCny": _money_json(line.goods_cny),
                    "coreDepositCny": _money_json(line.core_deposit_cny),
                    "customsFees": [{"fee": fee, "amount": _money_json(m)} for fee, m in line.customs_fees],
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
        hs_code = _hs_code(line.hs_code, f"{prefix}.hsCode")
        classification.check(line.category.strip(), hs_code, field=f"{prefix}.hsCode")
        origin = line.origin.strip().upper() if isinstance(line.origin, str) else ""
        if len(origin) != 2 or pycountry.countries.get(alpha_2=origin) is None:
            raise BadInput(
                f"origin {line.origin!r} is not an ISO 3166-1 alpha-2 country code", field=f"{prefix}.origin"
            )
        out.append(
            QuoteLineInput(
                part_id=line.part_id,
                category=line.category.strip(),
                hs_code=hs_code,
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
                battery_chemistry=line.battery_chemistry or None,
                origin=origin,
                origin_schemes=tuple(sorted({str(s).strip().upper() for s in line.origin_schemes})),
            )
        )
    return out


def _incoterm(value: object, tables: Tables, on: date) -> tuple[Incoterm, IncotermRule]:
    code = value.strip().upper() if isinstance(value, str) else ""
    rows = [r for r in in_force(tables.incoterms, on) if r.incoterm == code]
    if rows and not rows[0].offered:
        raise IncotermNotOffered(
            f"{code} is not offered to buyers abroad: under {code} the buyer would have to clear export in "
            "China; use FCA, under which the seller clears export in China and hands the goods to the carrier "
            "at Chongqing",
            field="incoterm",
        )
    if code not in INCOTERMS or not rows:
        raise BadInput(f"Incoterm {value!r} is not supported; use one of {', '.join(INCOTERMS)}", field="incoterm")
    return cast(Incoterm, code), rows[0]


def _destination(value: object, tables: Tables, on: date) -> Destination:
    code = value.strip().upper() if isinstance(value, str) else ""
    if len(code) != 2 or not code.isalpha() or pycountry.countries.get(alpha_2=code) is None:
        raise BadInput(f"{value!r} is not an ISO 3166-1 alpha-2 country code", field="destinationCountry")
    restricted = restricted_destination(code, on)
    if restricted is not None:  # legality first (marketplace/compliance): no price at all
        raise DestinationRestricted(f"we do not serve {code}: {restricted.note}", field="destinationCountry")
    rows = [d for d in in_force(tables.destinations, on) if d.country == code]
    if not rows:
        raise DestinationNotServed(
            f"we do not ship to {code} (on {on}); destinations: {', '.join(tables.countries())}",
            field="destinationCountry",
        )
    return rows[0]


def _rules_date(country: object, on: date, tables: Tables) -> None:
    """A quote may read the rules of another day, not of a day before its destination's first row:
    we hold no rules of it. (The API refuses days after today: services.orders.quotes.service.)"""
    code = country.strip().upper() if isinstance(country, str) else ""
    firsts = [d.dated.valid_from for d in tables.destinations if d.country == code]
    if firsts and on < min(firsts):
        raise RulesNotInForce(
            f"we hold {code} rules from {min(firsts)} on; {on} is before every rule's range", field="date"
        )


def _one(rows: list[T], what: str, field_name: str, on: date | None = None) -> T:
    """The one row in force; none: on a past date (`on`) no rule of that day, else not served."""
    if not rows:
        if on is not None:
            raise RulesNotInForce(f"we hold no {what} rule in force on {on}", field="date")
        raise DestinationNotServed(f"no {what} rule in force", field=field_name)
    return rows[0]


# --- rules --------------------------------------------------------------------------------------


def de_minimis_rule(tables: Tables, dest: Destination, on: date, origin: str = ORIGIN) -> DeMinimisRow | None:
    rows = [
        r
        for r in in_force(tables.de_minimis, on)
        if r.where in (dest.country, dest.territory) and r.origin in (origin, "*")
    ]
    if not rows:
        return None
    return max(rows, key=lambda r: (r.where == dest.country, r.origin == origin))


def point_of_sale_regime(tables: Tables, country: str, on: date) -> PointOfSaleRow | None:
    """The regime under which the seller collects the tax at the sale in `country` on `on`, if any."""
    rows = [r for r in in_force(tables.point_of_sale, on) if r.country == country]
    return rows[0] if rows else None


def customs_fees(tables: Tables, country: str, service: str, on: date) -> list[CustomsFee]:
    return [
        f
        for f in in_force(tables.customs_fees, on)
        if f.country == country and (f.services is None or service in f.services)
    ]


def _fee_charge(fee: CustomsFee, value: Decimal) -> tuple[Decimal, str]:
    """The fee (in its currency) on an entry of `value` (in its currency), and what the rule said."""
    if fee.informal_up_to is not None and fee.informal_fee is not None and value <= fee.informal_up_to:
        return fee.informal_fee, (
            f"informal entry (value {value:.2f} {fee.currency} <= {fee.informal_up_to}): "
            f"{fee.informal_fee} {fee.currency}"
        )
    charge = value * fee.rate
    says = f"{format_rate(fee.rate * 100)} % of {value:.2f} {fee.currency} = {charge:.2f}"
    if fee.minimum is not None and charge < fee.minimum:
        charge, says = fee.minimum, f"{says}, raised to the minimum {fee.minimum} {fee.currency}"
    elif fee.maximum is not None and charge > fee.maximum:
        charge, says = fee.maximum, f"{says}, limited to the maximum {fee.maximum} {fee.currency}"
    else:
        says = f"{says} {fee.currency}"
    return charge, says


def _rounding(tables: Tables, country: str, currency: str, on: date) -> Rounding | None:
    """The territory's rounding rules, where the quote is in the currency they are set in."""
    rows = [r for r in in_force(tables.rounding, on) if r.country == country and r.currency == currency]
    return rows[0] if rows else None


def _rounding_says(r: Rounding) -> str:
    top, bottom = r.local_tax_of_national
    return (
        f"customs value down to {r.customs_value_down_to}, duty down to {r.duty_down_to}, tax base down to "
        f"{r.tax_base_down_to}, national tax {format_rate(r.national_tax_rate)} and local {top}/{bottom} of it, "
        f"each down to {r.tax_down_to} {r.currency}"
    )


def _down(value: Decimal, unit: int, currency: str) -> Money:
    """`value` (major units of a currency without minor units, e.g. yen) rounded down to `unit`."""
    return Money(int(value // unit) * unit, currency)


def _jp_consumption_tax(base: Money, r: Rounding) -> Money:
    """National and local consumption tax, each rounded down, on the base rounded down."""
    taxable = _down(base.to_decimal(), r.tax_base_down_to, base.currency)
    national = _down(taxable.to_decimal() * r.national_tax_rate, r.tax_down_to, base.currency)
    top, bottom = r.local_tax_of_national
    local = _down(national.to_decimal() * top / bottom, r.tax_down_to, base.currency)
    return national + local


def _threshold_note(what: str, kind: ValueTested, value: Decimal, threshold: Any, within: bool, currency: str) -> str:
    tested = "the goods as charged (intrinsic value)" if kind == "goods" else "the customs value"
    relation = "at or under" if within else "over"
    converted = (
        ""
        if currency == threshold.currency
        else f" (charged in {currency}, converted at our mid rate, standing in for the customs authority's rate)"
    )
    return (
        f"{what}: {tested} is {value:.2f} {threshold.currency}{converted}, "
        f"{relation} {threshold.value} {threshold.currency}"
    )


def _region(value: object, dest: Destination, tables: Tables, *, optional: bool) -> str | None:
    """The ISO 3166-2 subdivision of the delivery; required where the country taxes by region."""
    needed = any(t.region for t in tables.taxes if t.country == dest.country)
    if value is None or (isinstance(value, str) and not value.strip()):
        if needed and not optional:
            raise BadInput(
                f"a delivery to {dest.country} needs its province or territory (ISO 3166-2, e.g. "
                f"{dest.country}-ON): the import tax depends on it",
                field="destinationRegion",
            )
        return None
    code = value.strip().upper() if isinstance(value, str) else ""
    sub = pycountry.subdivisions.get(code=code) if code else None
    if sub is None or sub.country_code != dest.country:
        raise BadInput(f"{value!r} is not an ISO 3166-2 subdivision of {dest.country}", field="destinationRegion")
    return code


def _mid(fx: FxTable, amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
    if from_currency == to_currency:
        return amount
    for code in (from_currency, to_currency):
        if code not in fx.rates:
            raise RateUnavailable(f"no {code} rate in the FX table, needed to apply a threshold or charge")
    return fx.mid_convert_decimal(amount, from_currency, to_currency)


def _classify(line: QuoteLineInput, tables: Tables, on: date) -> DgClassification | None:
    """The line's UN entry: a battery itself (UN3480) before a part that carries one (UN3481)."""
    facts = (line.category, line.hs_code, line.battery_chemistry)
    rows = [r for r in in_force(tables.dg_classifications, on) if r.applies(*facts)]
    return min(rows, key=lambda r: r.battery_fitted) if rows else None


def _service(
    requested: str | None,
    lines: list[QuoteLineInput],
    incoterm: IncotermRule,
    zone: str,
    tables: Tables,
    on: date,
) -> tuple[str, TransportMode, list[DgClassification | None]]:
    """The shipping service, its transport mode to `zone`, and each line's classification.

    No service asked: economy when a line is dangerous goods or the Incoterm is for sea only,
    else express. A sea-only Incoterm (FOB, CIF) with an air or rail shipment is refused."""
    classes = [_classify(line, tables, on) for line in lines]
    if requested is None:
        code = "economy" if any(classes) or "air" not in incoterm.modes else "express"
    else:
        code = requested.strip().lower() if isinstance(requested, str) else ""
        if code not in tables.services:
            raise BadInput(
                f"shipping service {requested!r} is unknown; use one of {', '.join(sorted(tables.services))}",
                field="shippingService",
            )
    mode = tables.services[code].mode_to(zone)
    if mode not in incoterm.modes:
        instead = _FOR_ANY_MODE.get(incoterm.incoterm, "FCA")
        raise IncotermNotForMode(
            f"{incoterm.incoterm} is for sea and inland waterway transport only (Incoterms 2020); {code} shipping "
            f"to zone {zone} travels by {mode}: use {instead} (or FCA, CIP, DAP, DDP, which fit every mode)",
            field="incoterm",
        )
    return code, mode, classes


def _dg_rule(tables: Tables, un_number: str, mode: str, on: date) -> DgTransport | None:
    rows = [r for r in in_force(tables.dg_transport, on) if r.un_number == un_number and r.mode == mode]
    return rows[0] if rows else None


def _dangerous_goods(
    lines: list[QuoteLineInput],
    classes: list[DgClassification | None],
    service: str,
    mode: TransportMode,
    zone: str,
    tables: Tables,
    on: date,
) -> list[tuple[DgClassification, DgTransport] | None]:
    """What the mode allows for each dangerous line; refuses the service with the reason."""

    def refuse(reason: str) -> DangerousGoodsRefused:
        others = sorted(
            code
            for code, other in tables.services.items()
            if code != service
            and all(
                (rule := _dg_rule(tables, c.un_number, other.mode_to(zone), on)) is not None and rule.allowed
                for c in classes
                if c is not None
            )
        )
        hint = f"; choose {', '.join(others)}" if others else ""
        return DangerousGoodsRefused(f"{reason}{hint}", field="shippingService")

    out: list[tuple[DgClassification, DgTransport] | None] = []
    for line, cls in zip(lines, classes, strict=True):
        if cls is None:
            out.append(None)
            continue
        rule = _dg_rule(tables, cls.un_number, mode, on)
        what = f"part {line.part_id} ({cls.un_number} {cls.proper_shipping_name}, class {cls.hazard_class})"
        if rule is None:
            raise refuse(f"{what}: no rule for carriage by {mode} on {on}, so {service} cannot carry it")
        if not rule.allowed:
            raise refuse(f"{what} cannot travel by {service} ({mode}) under {rule.regime}: {rule.reason}")
        net_kg = Decimal(line.weight_grams) / 1000
        if rule.net_limit_kg is not None and net_kg > rule.net_limit_kg:
            raise refuse(
                f"{what}: {net_kg} kg per package exceeds the {rule.net_limit_kg} kg net limit of "
                f"{rule.packing_instruction} ({rule.regime}) for {service} ({mode})"
            )
        out.append((cls, rule))
    return out


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
    today = now.astimezone(UTC).date()
    on = request.on or today
    lines = _lines(request.lines)
    _rules_date(request.destination_country, on, tables)
    dest = _destination(request.destination_country, tables, on)
    incoterm, term = _incoterm(request.incoterm, tables, on)
    # The province decides only the import tax: under FCA and FOB none is quoted (unless a
    # point-of-sale regime collects it at the sale), so the quote does not need it.
    tax_not_quoted = _TAX_STATUS[incoterm] == "not_quoted" and point_of_sale_regime(tables, dest.country, on) is None
    region = _region(request.destination_region, dest, tables, optional=request.region_optional or tax_not_quoted)
    fx_rate = fx.fresh_rate(request.currency, now=now, max_age=max_rate_age, field="currency")
    currency = fx_rate.currency
    rate = fx.locked_rate(currency, now=now, max_age=max_rate_age, margin_bps=margin_bps)
    service, mode, classes = _service(request.shipping_service, lines, term, dest.zone, tables, on)
    dg_rules = _dangerous_goods(lines, classes, service, mode, dest.zone, tables, on)
    dg = [c is not None for c in classes]
    past = on if on != today else None  # another day without a row: the date is out of range, not the input
    priced_by = PricedBy()
    priced_by.add(
        "destinations",
        dest.country,
        f"customs territory {dest.territory}, {dest.customs_value_basis} basis, zone {dest.zone}",
        dest.dated,
    )
    priced_by.add(
        "incoterms",
        incoterm,
        f"seller covers {', '.join(sorted(term.covers))}; modes {', '.join(sorted(term.modes))}",
        term.dated,
    )
    for pair in dg_rules:
        if pair is not None:
            cls, rule = pair
            priced_by.add(
                "dangerous_goods",
                cls.un_number,
                f"{cls.un_number} {cls.proper_shipping_name}, class {cls.hazard_class}",
                cls.dated,
            )
            priced_by.add(
                "dangerous_goods_transport",
                f"{cls.un_number} {rule.mode}",
                f"{rule.regime}: {rule.packing_instruction}",
                rule.dated,
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
    # Insurance: the cover the Incoterm names on its share of the goods value. Under FCA and FOB
    # the buyer insures; the customs value on a CIF basis is then estimated with the cover we
    # would buy for DAP (ICC (A) on the goods value).
    insured_as = incoterm if "main" in term.covers else "DAP"
    cover = _one(
        [t for t in in_force(tables.insurance_terms, on) if t.incoterm == insured_as],
        f"insurance terms for {incoterm}",
        "incoterm",
        past,
    )
    insurance_row = _one(
        [r for r in in_force(tables.insurance, on) if r.service == service and r.clauses == cover.clauses],
        f"ICC ({cover.clauses}) insurance for {service}",
        "shippingService",
        past,
    )
    insurance = [cny(line.unit_price_fen * line.quantity * cover.insured_share * insurance_row.rate) for line in lines]
    if "main" in term.covers:
        priced_by.add(
            "insurance_terms",
            incoterm,
            f"ICC ({cover.clauses}) on {format_rate(cover.insured_share)} of the goods value",
            cover.dated,
        )
        priced_by.add(
            "insurance",
            f"{service} ICC ({cover.clauses})",
            f"{format_rate(insurance_row.rate)} of the insured value",
            insurance_row.dated,
        )

    # Shipping and origin handling: per consignment, allocated by weight.
    weights = [line.weight_grams * line.quantity for line in lines]
    total_grams = sum(weights)
    rate_row = _one(
        [r for r in in_force(tables.shipping_rates, on) if r.service == service and r.zone == dest.zone],
        f"{service} main carriage to zone {dest.zone}",
        "shippingService",
        past,
    )
    freight_fen = rate_row.price_fen(total_grams)
    delivery_row = _one(
        [r for r in in_force(tables.delivery_rates, on) if r.service == service and r.zone == dest.zone],
        f"{service} delivery in zone {dest.zone}",
        "shippingService",
        past,
    )
    delivery_fen = delivery_row.price_fen(total_grams)
    # Under FCA and FOB the legs after origin are only an estimate for the customs value.
    if "main" in term.covers:
        priced_by.add(
            "shipping",
            f"{service} {dest.zone} main carriage",
            f"CNY {Decimal(freight_fen) / 100} for {total_grams} g to the {mode} terminal of destination",
            rate_row.dated,
        )
    if "door" in term.covers:
        priced_by.add(
            "shipping",
            f"{service} {dest.zone} delivery",
            f"CNY {Decimal(delivery_fen) / 100} for {total_grams} g to the door",
            delivery_row.dated,
        )
    # Dangerous goods: the declaration, UN packaging and marks are the seller's under every term
    # (Incoterms 2020 A8, packaging and marking), so the surcharge goes with the origin handling.
    dg_fen = 0
    if any(dg):
        surcharge = [r for r in in_force(tables.dangerous_goods_surcharge, on) if r.service == service]
        dg_fen = sum(r.fen for r in surcharge)
        for r in surcharge:
            priced_by.add("dangerous_goods_surcharge", service, f"CNY {Decimal(r.fen) / 100} per consignment", r.dated)
    handling_row = _one(list(in_force(tables.origin_handling, on)), "origin handling", "shippingService", past)
    priced_by.add("origin_handling", "CN", f"CNY {Decimal(handling_row.fen) / 100} per consignment", handling_row.dated)
    freight = split(cny(freight_fen), weights)
    door = split(cny(delivery_fen), weights)
    handling = split(cny(handling_row.fen + dg_fen), weights)

    # Customs value per line, on the destination's basis: on a CIF basis transport and insurance
    # up to the place of entry (the main carriage), never the delivery after it.
    core_in_base = not dest.core_deposit_excluded
    dutiable_goods = [g + c if core_in_base else g for g, c in zip(goods, cores, strict=True)]
    cif = [d + h + f + i for d, h, f, i in zip(dutiable_goods, handling, freight, insurance, strict=True)]
    customs_value = (
        cif if dest.customs_value_basis == "CIF" else [d + h for d, h in zip(dutiable_goods, handling, strict=True)]
    )

    # Low-value rules: each is tested on the value it names (the goods as charged, or the customs
    # value), as the buyer is charged it (locked rate, quote currency), converted into the
    # threshold's currency at the mid rate (standing in for the customs authority's rate).
    def value_in(kind: ValueTested, to_currency: str) -> Decimal:
        base = dutiable_goods if kind == "goods" else customs_value
        return _mid(fx, sum((m.to_decimal() for m in base), Decimal(0)), currency, to_currency)

    def unit_values_in(kind: ValueTested, to_currency: str) -> list[Decimal]:
        base = dutiable_goods if kind == "goods" else customs_value
        return [
            _mid(fx, m.to_decimal() / line.quantity, currency, to_currency) for m, line in zip(base, lines, strict=True)
        ]

    dm = de_minimis_rule(tables, dest, on)
    treatment: DutyTreatment = "ad_valorem"
    vat_low_value_exempt = False
    notes: list[str] = []
    if dm is not None:
        priced_by.add("de_minimis", f"{dm.where} {dm.origin}", _de_minimis_says(dm), dm.dated)
        if dm.duty_threshold is not None and dm.duty_mode != "none":
            value = value_in(dm.value_tested, dm.duty_threshold.currency)
            within = value <= dm.duty_threshold.value
            if within:
                treatment = "de_minimis_exempt" if dm.duty_mode == "exempt" else "flat_per_tariff_line"
            notes.append(
                _threshold_note("duty low-value threshold", dm.value_tested, value, dm.duty_threshold, within, currency)
            )
        if dm.tax_threshold is not None:
            value = value_in(dm.value_tested, dm.tax_threshold.currency)
            vat_low_value_exempt = value <= dm.tax_threshold.value

    # A point-of-sale regime: the tax is collected at the sale instead of at import.
    pos = point_of_sale_regime(tables, dest.country, on)
    if pos is not None and pos.services is not None and service not in pos.services:
        pos = None
    if pos is not None and pos.threshold is not None:
        if pos.per == "consignment":
            tested = [value_in(pos.value_tested, pos.threshold.currency)]
        else:
            tested = unit_values_in(pos.value_tested, pos.threshold.currency)
        if not all(pos.within(v) for v in tested):
            notes.append(
                f"{pos.name}: not applicable, {max(tested):.2f} {pos.threshold.currency} "
                f"{'per item' if pos.per == 'item' else 'for the consignment'} is beyond its limit of "
                f"{pos.threshold.value} {pos.threshold.currency}; "
                "import tax is due on import"
            )
            pos = None
    if pos is not None:
        vat_low_value_exempt = False
        priced_by.add("point_of_sale", f"{pos.country} {pos.scheme}", pos.name, pos.dated)

    # Japan's rounding, where the quote is in yen.
    jp = _rounding(tables, dest.country, currency, on)
    if jp is not None:
        step_jp = jp.customs_value_down_to
        customs_value = [Money(cv.amount // step_jp * step_jp, currency) for cv in customs_value]
        priced_by.add("rounding", jp.country, _rounding_says(jp), jp.dated)

    # Duty per line: the destination's national line, its measures, the best preference.
    measures_per_line: list[list[DutyRow]] = []
    national_lines: list[str] = []
    for i, line in enumerate(lines):
        chosen = tariff.select(
            tables, dest.territory, line.hs_code, line.category, on, origin=line.origin, schemes=line.origin_schemes
        )
        if not chosen.has_rule:
            raise NoTariffRule(
                f"no {dest.territory} tariff rule for HS code {line.hs_code} on {on}", field=f"lines.{i}.hsCode"
            )
        measures = chosen.measures
        measures_per_line.append(measures)
        national_lines.append(chosen.line)
        if chosen.national is not None:
            nl = chosen.national
            priced_by.add(
                "national_lines",
                f"{nl.territory} {nl.subheading}{'' if nl.category is None else ' ' + nl.category}",
                f"{nl.line}: {nl.description}",
                nl.dated,
            )
        if chosen.preference is not None and chosen.mfn is not None:
            notes.append(
                f"duty: line {i + 1} at the {chosen.preference.measure} rate "
                f"{format_rate(chosen.preference.rate)} instead of MFN {format_rate(chosen.mfn.rate)} "
                f"(certificate of origin {chosen.preference.scheme})"
            )
        for m in measures:
            says = format_rate(m.rate) if m.scheme is None else f"{format_rate(m.rate)} with {m.scheme}"
            priced_by.add(
                "duty_rates",
                f"{m.territory} {m.origin} {m.measure} {m.hs_prefix}",
                says,
                m.dated,
            )
    duty_rates = [sum((m.rate for m in ms), Decimal(0)) for ms in measures_per_line]
    if treatment == "ad_valorem":
        if jp is not None:
            duty = [
                _down(cv.to_decimal() * r, jp.duty_down_to, currency)
                for cv, r in zip(customs_value, duty_rates, strict=True)
            ]
        else:
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

    # Customs fees per entry (US MPF and HMF, Mexico's DTA): in the duty amount, allocated to the
    # lines by customs value; none on a consignment released under a de minimis rule.
    fees_per_line: list[list[tuple[CustomsFee, Money]]] = [[] for _ in lines]
    if treatment != "de_minimis_exempt":
        for fee in customs_fees(tables, dest.country, service, on):
            value = _mid(fx, sum((cv.to_decimal() for cv in customs_value), Decimal(0)), currency, fee.currency)
            charge, says = _fee_charge(fee, value)
            shares = split(amount(_mid(fx, charge, fee.currency, currency)), [cv.amount for cv in customs_value])
            for i, share in enumerate(shares):
                fees_per_line[i].append((fee, share))
            priced_by.add("customs_fees", fee.fee, says, fee.dated)
            notes.append(f"duty includes the {fee.name} ({fee.fee}): {says}")
    duty = [d + sum((m for _, m in fees), zero) for d, fees in zip(duty, fees_per_line, strict=True)]
    # `duty` now holds the fees: those the import-tax base leaves out are taken off it again.
    fees_out_of_vat_base = [sum((m for f, m in fees if not f.in_vat_base), zero) for fees in fees_per_line]

    # Import VAT / GST per line (the province's HST where the consignee is in one).
    taxes_now = [t for t in in_force(tables.taxes, on) if t.country == dest.country]
    regional = [t for t in taxes_now if region is not None and t.region == region]
    tax: TaxRow = _one(regional or [t for t in taxes_now if t.region is None], "import tax", "destinationCountry", past)
    priced_by.add(
        "import_taxes", f"{tax.country} {tax.region}" if tax.region else tax.country,
        f"{tax.name} {format_rate(tax.rate)}", tax.dated,
    )  # fmt: skip
    if region is None and any(t.region for t in tables.taxes if t.country == dest.country):
        notes.append(
            f"{tax.name} only: the HST of the participating provinces depends on the province of delivery, "
            "which this estimate does not know"
        )
    # Delivery to the door is in the import-tax base where the law adds transport to a place of
    # destination known at import and we deliver there (DAP, DDP).
    on_carriage = [r for r in in_force(tables.on_carriage_in_tax_base, on) if r.territory == dest.territory]
    door_in_base = bool(on_carriage) and "door" in term.covers and tax.base == "cif_plus_duty"
    if door_in_base:
        priced_by.add(
            "on_carriage_in_tax_base",
            dest.territory,
            "delivery to the door in the import-tax base",
            on_carriage[0].dated,
        )
    vat: list[Money] = []
    for i in range(len(lines)):
        if tax.base == "cif_plus_duty":
            base = (cif[i] + duty[i] + (door[i] if door_in_base else zero)).to_decimal()
        else:
            base = customs_value[i].to_decimal() * (1 + tax.customs_value_uplift) + duty[i].to_decimal()
        base -= fees_out_of_vat_base[i].to_decimal()
        if jp is not None:
            vat.append(
                zero
                if vat_low_value_exempt
                else _jp_consumption_tax(customs_value[i] + duty[i] - fees_out_of_vat_base[i], jp)
            )
        else:
            vat.append(zero if vat_low_value_exempt else amount(base * tax.rate))
    if vat_low_value_exempt:
        notes.append(f"{tax.name}: consignment under the low-value threshold, no import tax")
    if jp is not None and not vat_low_value_exempt:
        notes.append(
            "Japan: customs value rounded down to JPY 1,000, duty to JPY 100, consumption tax base to JPY 1,000, "
            "national (7.8 %) and local (22/78 of it) consumption tax each to JPY 100"
        )
    elif dest.country in {r.country for r in tables.rounding} and jp is None:
        notes.append(
            "estimate in a currency other than yen: Japan Customs computes in yen at its own rate and rounds the "
            "value and the taxes down (to JPY 1,000 and JPY 100), so the amount due may be slightly lower"
        )

    # What the Incoterm puts in the buyer's total; a point-of-sale tax is in it under every Incoterm.
    duty_status = _TAX_STATUS[incoterm]
    vat_status: TaxStatus = "collected" if pos is not None else duty_status
    if duty_status == "not_quoted":
        notes = []  # duty and tax are the buyer's own affair under FCA and FOB
    notes.insert(0, _INCOTERM_NOTES[incoterm])
    if door_in_base:
        notes.append(f"{tax.name}: the base includes the delivery to the door ({on_carriage[0].dated.source})")
    legs = {
        "originHandling": handling if "origin" in term.covers else None,
        "mainCarriage": freight if "main" in term.covers else None,
        "delivery": door if "door" in term.covers else None,
    }
    if pos is not None:
        notes.append(
            f"{tax.name} {format_rate(tax.rate * 100)} % collected at the sale under {pos.name} ({pos.scheme}), "
            "on the price charged including delivery; no import VAT is payable on arrival"
        )
    line_quotes = []
    for i, line in enumerate(lines):
        shipping_i = zero
        for leg in legs.values():
            if leg is not None:
                shipping_i = shipping_i + leg[i]
        insurance_i = insurance[i] if "main" in term.covers else zero
        duty_i = duty[i] if duty_status != "not_quoted" else zero
        vat_i = vat[i] if duty_status != "not_quoted" else zero
        if pos is not None:
            # The price charged: goods, core deposit, delivery, and the duty where we charge it too.
            charged = goods[i] + cores[i] + shipping_i + insurance_i
            if duty_status == "collected":
                charged = charged + duty_i
            vat_i = amount(charged.to_decimal() * tax.rate)
        total_i = goods[i] + cores[i] + shipping_i + insurance_i
        if duty_status == "collected":
            total_i = total_i + duty_i
        if vat_status == "collected":
            total_i = total_i + vat_i
        line_quotes.append(
            LineQuote(
                part_id=line.part_id,
                category=line.category,
                hs_code=line.hs_code,
                quantity=line.quantity,
                weight_grams=weights[i],
                dangerous_goods=dg[i],
                origin=line.origin,
                national_line=national_lines[i],
                duty_measures=tuple(
                    DutyMeasure(m.measure, m.hs_prefix, m.rate, m.dated.source, m.scheme) for m in measures_per_line[i]
                )
                + tuple(DutyMeasure(f.fee, "*", f.rate, f.dated.source) for f, _ in fees_per_line[i]),
                duty_rate=duty_rates[i],
                vat_rate=tax.rate,
                customs_value=customs_value[i],
                goods_cny=Money(line.unit_price_fen * line.quantity, "CNY"),
                core_deposit_cny=Money(line.core_charge_fen * line.quantity, "CNY"),
                dg=_dg_line(line, dg_rules[i]),
                amounts=Amounts(goods[i], cores[i], shipping_i, insurance_i, duty_i, vat_i, total_i),
                customs_fees=tuple((f.fee, m if duty_status != "not_quoted" else zero) for f, m in fees_per_line[i]),
            )
        )

    totals = Amounts(*(sum((getattr(lq.amounts, a) for lq in line_quotes), zero) for a in Amounts.__slots__))
    estimated = (
        totals.total
        + (totals.duty if duty_status == "estimated" else zero)
        + (totals.vat if vat_status == "estimated" else zero)
        if "estimated" in (duty_status, vat_status)
        else None
    )
    if core_in_base:
        notes.append(
            "core deposit: part of the price actually paid or payable for the goods (WTO Customs Valuation "
            "Agreement art. 1 and 8), so in the customs value and the import-tax base, although refundable"
        )
    else:
        notes.append("core deposit: kept out of the duty and import-tax base, as the destination's rule says")
    if on != today:
        notes.append(
            f"dated {on}: the rules in force that day price this quote, but the exchange rate is today's "
            f"({fx_rate.as_of.date().isoformat()}): we hold no history of rates. A dated quote can be read, "
            "not ordered"
        )
    return LandedCost(
        destination_country=dest.country,
        customs_territory=dest.territory,
        incoterm=incoterm,
        currency=currency,
        shipping_service=service,
        zone=dest.zone,
        transport_mode=mode,
        on=on,
        fx_rate=format_rate(rate),
        fx_source=fx_rate.source,
        fx_as_of=fx_rate.as_of,
        fx_mid_rate=format_rate(fx_rate.per_cny),
        margin_bps=margin_bps,
        shipping_cny=Money(
            handling_row.fen
            + dg_fen
            + (freight_fen if "main" in term.covers else 0)
            + (delivery_fen if "door" in term.covers else 0),
            "CNY",
        ),
        shipping_legs={name: sum(leg, zero) for name, leg in legs.items() if leg is not None},
        insurance_cover=(
            f"ICC ({cover.clauses}), {format_rate(cover.insured_share * 100)} % of the goods value"
            if "main" in term.covers
            else None
        ),
        lines=tuple(line_quotes),
        totals=totals,
        duty_status=duty_status,
        vat_status=vat_status,
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
        destination_region=region,
        tax_scheme=None if pos is None else pos.scheme,
        tax_scheme_name=None if pos is None else pos.name,
        tax_registration_setting=None if pos is None else pos.registration_setting,
    )


def _de_minimis_says(row: DeMinimisRow) -> str:
    parts = [f"duty {row.duty_mode}"]
    if row.duty_threshold is not None:
        parts.append(f"up to {row.duty_threshold.value} {row.duty_threshold.currency}")
    if row.tax_threshold is not None:
        parts.append(f"import tax relief up to {row.tax_threshold.value} {row.tax_threshold.currency}")
    return ", ".join(parts)


def _dg_line(line: QuoteLineInput, pair: tuple[DgClassification, DgTransport] | None) -> DangerousGoodsLine | None:
    if pair is None:
        return None
    cls, rule = pair
    return DangerousGoodsLine(
        un_number=cls.un_number,
        proper_shipping_name=cls.proper_shipping_name,
        hazard_class=cls.hazard_class,
        packing_group=cls.packing_group,
        mode=rule.mode,
        packing_instruction=rule.packing_instruction,
        regime=rule.regime,
        net_quantity_per_package_kg=Decimal(line.weight_grams) / 1000,
        packages=line.quantity,  # one unit per package
        state_of_charge=rule.state_of_charge if rule.mode == "air" else None,
        source=f"{cls.dated.source}; {rule.dated.source}",
    )


_INCOTERM_NOTES: dict[str, str] = {
    "FCA": "FCA Chongqing: goods, core deposit and origin handling; we clear export in China and hand the goods "
    "to the carrier; the buyer arranges main carriage, insurance, import clearance, duty and tax",
    "FOB": "FOB Chongqing (Guoyuan port): goods, core deposit and origin handling, on board the vessel; the buyer "
    "arranges main carriage, insurance, import clearance, duty and tax",
    "CIF": "CIF: goods, core deposit, origin handling, sea carriage to the port of destination and insurance "
    "(ICC (C), 110 %); on-carriage to the door, duty and import tax are the buyer's, the latter shown as estimates",
    "CIP": "CIP: goods, core deposit, origin handling, carriage to the airport, port or terminal of destination "
    "and insurance (ICC (A), 110 %); on-carriage to the door, duty and import tax are the buyer's, the latter "
    "shown as estimates",
    "DAP": "DAP: delivered to the door; duty and import tax are estimates payable by the buyer on "
    "arrival, not in the total",
    "DDP": "DDP: delivered duty paid; duty and import tax are collected at checkout and in the total",
}
