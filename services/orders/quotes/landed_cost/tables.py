"""The dated rule tables under services/orders/data/, loaded into typed rows.

Every row has `valid_from` and `valid_to` (both inclusive; `valid_to` None = open) and
a `source`. `Tables.load()` reads and checks the files once; lookups take the quote's
date and return only rows in force on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

CustomsBasis = Literal["CIF", "FOB"]
TaxBase = Literal["cif_plus_duty", "customs_value_plus_duty"]
DutyMode = Literal["exempt", "flat_per_tariff_line", "none"]
TransportMode = Literal["air", "sea", "rail"]
TRANSPORT_MODES = ("air", "sea", "rail")
ValueTested = Literal["goods", "customs_value"]
VALUES_TESTED = ("goods", "customs_value")


class TableError(ValueError):
    """A data file is malformed (a deployment error, caught by the data tests)."""


@dataclass(frozen=True, slots=True)
class Dated:
    valid_from: date
    valid_to: date | None
    source: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True, slots=True)
class Amount:
    """A threshold or flat charge in a currency, in major units."""

    value: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Destination:
    country: str
    territory: str
    customs_value_basis: CustomsBasis
    zone: str
    core_deposit_excluded: bool
    dated: Dated


@dataclass(frozen=True, slots=True)
class DutyRow:
    territory: str
    origin: str
    measure: str
    hs_prefix: str  # 2 to 10 digits: a chapter, heading, subheading or the destination's national line
    rate: Decimal
    dated: Dated
    # A preferential rate: given only when the part's supplier holds a valid certificate of
    # origin of this scheme (e.g. CO_RCEP); it replaces MFN where it is lower.
    scheme: str | None = None
    # Measures whose presence on the line lifts this one (the reciprocal IEEPA duty does not
    # apply to goods under the Section 232 auto-parts duty).
    not_with: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NationalLine:
    """The destination's national tariff line for a subheading (and, where the line depends on
    what the part is, a catalog category): the aftermarket line, never the industrial-assembly one."""

    territory: str
    subheading: str  # 6 digits
    category: str | None
    line: str  # 8 or 10 digits
    description: str
    dated: Dated


@dataclass(frozen=True, slots=True)
class TaxRow:
    country: str
    region: str | None  # ISO 3166-2, e.g. "CA-ON"; None = the whole country
    name: str
    rate: Decimal
    base: TaxBase
    customs_value_uplift: Decimal
    dated: Dated


@dataclass(frozen=True, slots=True)
class DeMinimisRow:
    where: str
    origin: str
    value_tested: ValueTested
    duty_mode: DutyMode
    duty_threshold: Amount | None
    flat_charge: Amount | None
    tax_threshold: Amount | None
    dated: Dated


@dataclass(frozen=True, slots=True)
class PointOfSaleRow:
    """A regime under which the seller collects VAT/GST at the sale (point_of_sale.json)."""

    scheme: str
    country: str
    name: str
    threshold: Amount | None  # None: every consignment
    inclusive: bool  # value <= threshold (True) or value < threshold (False)
    per: Literal["consignment", "item"]
    value_tested: ValueTested
    services: frozenset[str] | None  # None: every shipping service
    registration_setting: str
    document_label: str
    dated: Dated

    def within(self, value: Decimal) -> bool:
        if self.threshold is None:
            return True
        return value <= self.threshold.value if self.inclusive else value < self.threshold.value


@dataclass(frozen=True, slots=True)
class CustomsFee:
    """A fee customs charges on an entry besides duty (customs_fees.json)."""

    fee: str
    country: str
    name: str
    rate: Decimal
    minimum: Decimal | None
    maximum: Decimal | None
    informal_up_to: Decimal | None
    informal_fee: Decimal | None
    currency: str
    services: frozenset[str] | None
    in_vat_base: bool
    dated: Dated


@dataclass(frozen=True, slots=True)
class Rounding:
    """A territory's rounding of the customs value, the duty and the consumption tax (customs_fees.json)."""

    country: str
    currency: str
    customs_value_down_to: int
    duty_down_to: int
    tax_base_down_to: int
    tax_down_to: int
    national_tax_rate: Decimal
    local_tax_of_national: tuple[int, int]  # (numerator, denominator), kept exact: 22/78
    dated: Dated


@dataclass(frozen=True, slots=True)
class ShippingService:
    code: str
    mode: TransportMode  # in Incoterms terms; `mode_by_zone` overrides it for a zone
    label: str
    transit_days: str
    mode_by_zone: dict[str, TransportMode]

    def mode_to(self, zone: str) -> TransportMode:
        return self.mode_by_zone.get(zone, self.mode)


@dataclass(frozen=True, slots=True)
class ShippingRate:
    service: str
    zone: str
    bands: tuple[tuple[int, int], ...]  # (up to grams, fen), ascending
    per_kg_above_fen: int
    dated: Dated

    def price_fen(self, grams: int) -> int:
        for up_to, fen in self.bands:
            if grams <= up_to:
                return fen
        last_up_to, last_fen = self.bands[-1]
        extra_kg = -(-(grams - last_up_to) // 1000)  # every started kilogram
        return last_fen + extra_kg * self.per_kg_above_fen


@dataclass(frozen=True, slots=True)
class FlatFee:
    service: str | None
    fen: int
    dated: Dated


@dataclass(frozen=True, slots=True)
class InsuranceRow:
    service: str
    clauses: str  # Institute Cargo Clauses: "A" or "C"
    rate: Decimal
    dated: Dated


@dataclass(frozen=True, slots=True)
class InsuranceTerm:
    """What an Incoterm makes us insure: which clauses, on what share of the goods value."""

    incoterm: str
    clauses: str
    insured_share: Decimal
    dated: Dated


@dataclass(frozen=True, slots=True)
class IncotermRule:
    incoterm: str
    offered: bool
    covers: frozenset[str]  # "origin", "main", "door"
    modes: frozenset[TransportMode]
    dated: Dated


@dataclass(frozen=True, slots=True)
class OnCarriageInTaxBase:
    territory: str
    dated: Dated


@dataclass(frozen=True, slots=True)
class DgClassification:
    """A UN entry and the parts it applies to (by category, HS prefix, or a fitted battery)."""

    un_number: str
    proper_shipping_name: str
    hazard_class: str
    packing_group: str | None
    categories: frozenset[str]
    hs_prefixes: tuple[str, ...]
    battery_fitted: bool
    dated: Dated

    def applies(self, category: str, hs_code: str, battery_chemistry: str | None) -> bool:
        if self.battery_fitted:
            return battery_chemistry is not None
        return category in self.categories or any(hs_code.startswith(p) for p in self.hs_prefixes)


@dataclass(frozen=True, slots=True)
class DgTransport:
    """What one transport mode allows for one UN number, under the regime in force."""

    un_number: str
    mode: TransportMode
    allowed: bool
    packing_instruction: str
    regime: str
    net_limit_kg: Decimal | None
    state_of_charge: str | None
    reason: str | None
    dated: Dated


class _HasDates(Protocol):
    @property
    def dated(self) -> Dated: ...


R = TypeVar("R", bound=_HasDates)


# The rows of each loaded table in force on a day, kept: a search page's estimates ask the same
# tables for the same day twenty parts times each shipping service over.
_IN_FORCE: dict[tuple[int, date], tuple[object, tuple[Any, ...]]] = {}


def in_force(rows: Iterable[R], on: date) -> tuple[R, ...]:
    """The rows in force on `on` (both ends inclusive)."""
    key = (id(rows), on)
    kept = _IN_FORCE.get(key)
    if kept is not None and kept[0] is rows:
        return kept[1]
    found = tuple(r for r in rows if r.dated.in_force(on))
    if isinstance(rows, tuple):  # a loaded table (immutable), not a list made for one call
        if len(_IN_FORCE) >= 4_096:
            _IN_FORCE.clear()
        _IN_FORCE[key] = (rows, found)
    return found


@dataclass(frozen=True)
class Tables:
    destinations: tuple[Destination, ...]
    duty_rates: tuple[DutyRow, ...]
    national_lines: tuple[NationalLine, ...]
    taxes: tuple[TaxRow, ...]
    de_minimis: tuple[DeMinimisRow, ...]
    services: dict[str, ShippingService]
    zones: dict[str, str]
    shipping_rates: tuple[ShippingRate, ...]
    origin_handling: tuple[FlatFee, ...]
    dangerous_goods_surcharge: tuple[FlatFee, ...]
    insurance: tuple[InsuranceRow, ...]
    delivery_rates: tuple[ShippingRate, ...] = ()  # on-carriage to the door; shipping_rates: main carriage
    insurance_terms: tuple[InsuranceTerm, ...] = ()
    incoterms: tuple[IncotermRule, ...] = ()
    on_carriage_in_tax_base: tuple[OnCarriageInTaxBase, ...] = ()
    dg_classifications: tuple[DgClassification, ...] = ()
    dg_transport: tuple[DgTransport, ...] = ()
    point_of_sale: tuple[PointOfSaleRow, ...] = ()
    customs_fees: tuple[CustomsFee, ...] = ()
    rounding: tuple[Rounding, ...] = ()

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR) -> Tables:
        return _load(data_dir)

    def countries(self) -> list[str]:
        return sorted({d.country for d in self.destinations})

    def all_dated(self) -> list[tuple[str, tuple[Any, ...], Dated]]:
        """(table, key, dates) of every dated row, for the overlap check."""
        out: list[tuple[str, tuple[Any, ...], Dated]] = []
        out += [("destinations", (d.country,), d.dated) for d in self.destinations]
        out += [("duty_rates", (r.territory, r.origin, r.measure, r.hs_prefix), r.dated) for r in self.duty_rates]
        out += [("national_lines", (r.territory, r.subheading, r.category), r.dated) for r in self.national_lines]
        out += [("import_taxes", (r.country, r.region), r.dated) for r in self.taxes]
        out += [("de_minimis", (r.where, r.origin), r.dated) for r in self.de_minimis]
        out += [("point_of_sale", (r.country,), r.dated) for r in self.point_of_sale]
        out += [("customs_fees", (r.fee,), r.dated) for r in self.customs_fees]
        out += [("rounding", (r.country,), r.dated) for r in self.rounding]
        out += [("shipping", (r.service, r.zone), r.dated) for r in self.shipping_rates]
        out += [("origin_handling", (), r.dated) for r in self.origin_handling]
        out += [("dg_surcharge", (r.service,), r.dated) for r in self.dangerous_goods_surcharge]
        out += [("insurance", (r.service, r.clauses), r.dated) for r in self.insurance]
        out += [("delivery", (r.service, r.zone), r.dated) for r in self.delivery_rates]
        out += [("insurance_terms", (r.incoterm,), r.dated) for r in self.insurance_terms]
        out += [("incoterms", (r.incoterm,), r.dated) for r in self.incoterms]
        out += [("on_carriage_in_tax_base", (r.territory,), r.dated) for r in self.on_carriage_in_tax_base]
        out += [("dangerous_goods", (r.un_number,), r.dated) for r in self.dg_classifications]
        out += [("dangerous_goods_transport", (r.un_number, r.mode), r.dated) for r in self.dg_transport]
        return out


# --- parsing ----------------------------------------------------------------------------------


def _read(data_dir: Path, name: str) -> dict[str, Any]:
    path = data_dir / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, json.JSONDecodeError) as exc:
        raise TableError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise TableError(f"{path}: expected an object")
    return data


def _date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise TableError(f"{where}: {value!r} is not an ISO date") from None


def _dated(row: dict[str, Any], where: str) -> Dated:
    source = row.get("source")
    if not isinstance(source, str) or not source.strip():
        raise TableError(f"{where}: every row needs a source")
    valid_from = _date(row.get("validFrom"), where)
    valid_to = None if row.get("validTo") is None else _date(row["validTo"], where)
    if valid_to is not None and valid_to < valid_from:
        raise TableError(f"{where}: validTo before validFrom")
    return Dated(valid_from, valid_to, source)


def _rate(value: Any, where: str) -> Decimal:
    if not isinstance(value, str):
        raise TableError(f"{where}: rates are decimal strings")
    rate = Decimal(value)
    if not (0 <= rate <= 5):
        raise TableError(f"{where}: rate {value} out of range")
    return rate


def _digits(value: Any, shortest: int, longest: int, where: str) -> str:
    text = str(value)
    if not text.isascii() or not text.isdigit() or not shortest <= len(text) <= longest:
        raise TableError(f"{where}: expected {shortest} to {longest} digits")
    return text


def _scheme(row: dict[str, Any], where: str) -> str | None:
    scheme = row.get("scheme")
    if scheme is None:
        return None
    if not isinstance(scheme, str) or row.get("origin") == "*":
        raise TableError(f"{where}: a preferential row names its scheme and one origin")
    return scheme


def _amount(value: Any, where: str) -> Amount | None:
    if value is None:
        return None
    return Amount(Decimal(str(value["amount"])), str(value["currency"]))


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _fraction(value: Any) -> tuple[int, int]:
    """'22/78' as (22, 78): a fraction is kept exact, never a rounded decimal."""
    top, _, bottom = str(value).partition("/")
    return int(top), int(bottom or "1")


def _value_tested(value: Any, where: str) -> ValueTested:
    if value not in VALUES_TESTED:
        raise TableError(f"{where}: valueTested must be one of {', '.join(VALUES_TESTED)}, got {value!r}")
    return value


def _per(value: Any, where: str) -> Literal["consignment", "item"]:
    if value not in ("consignment", "item"):
        raise TableError(f"{where}: per must be 'consignment' or 'item', got {value!r}")
    return value


def _rows(data: dict[str, Any], name: str, key: str = "rows") -> Sequence[dict[str, Any]]:
    rows = data.get(key)
    if not isinstance(rows, list):
        raise TableError(f"{name}: expected a list under {key!r}")
    return rows


@cache
def _load(data_dir: Path) -> Tables:
    dest_data = _read(data_dir, "destinations.json")
    destinations = tuple(
        Destination(
            country=r["country"],
            territory=r["territory"],
            customs_value_basis=r["customsValueBasis"],
            zone=r["zone"],
            core_deposit_excluded=bool(r["coreDepositExcluded"]),
            dated=_dated(r, f"destinations.json {r.get('country')}"),
        )
        for r in _rows(dest_data, "destinations.json")
    )
    duty_data = _read(data_dir, "duty_rates.json")
    duty_rates = tuple(
        DutyRow(
            territory=r["territory"],
            origin=r["origin"],
            measure=r["measure"],
            hs_prefix=r["hsPrefix"],
            rate=_rate(r["rate"], f"duty_rates.json {r.get('territory')} {r.get('hsPrefix')}"),
            dated=_dated(r, f"duty_rates.json {r.get('territory')} {r.get('hsPrefix')}"),
            scheme=_scheme(r, f"duty_rates.json {r.get('territory')} {r.get('hsPrefix')}"),
            not_with=tuple(r.get("notWith", ())),
        )
        for r in _rows(duty_data, "duty_rates.json")
    )
    national_lines = tuple(
        NationalLine(
            territory=r["territory"],
            subheading=_digits(r["subheading"], 6, 6, f"duty_rates.json nationalLines {r.get('subheading')}"),
            category=r.get("category"),
            line=_digits(r["line"], 8, 10, f"duty_rates.json nationalLines {r.get('line')}"),
            description=r["description"],
            dated=_dated(r, f"duty_rates.json nationalLines {r.get('territory')} {r.get('line')}"),
        )
        for r in _rows(duty_data, "duty_rates.json", "nationalLines")
    )
    for nl in national_lines:
        if not nl.line.startswith(nl.subheading):
            raise TableError(f"duty_rates.json nationalLines: {nl.line} is not a line of {nl.subheading}")
    tax_data = _read(data_dir, "import_taxes.json")
    taxes = tuple(
        TaxRow(
            country=r["country"],
            region=r.get("region"),
            name=r["name"],
            rate=_rate(r["rate"], f"import_taxes.json {r.get('country')}"),
            base=r["base"],
            customs_value_uplift=Decimal(r.get("customsValueUplift", "0")),
            dated=_dated(r, f"import_taxes.json {r.get('country')}"),
        )
        for r in _rows(tax_data, "import_taxes.json")
    )
    dm_data = _read(data_dir, "de_minimis.json")
    de_minimis = tuple(
        DeMinimisRow(
            where=r["where"],
            origin=r["origin"],
            value_tested=_value_tested(r.get("valueTested"), f"de_minimis.json {r.get('where')}"),
            duty_mode=r["dutyMode"],
            duty_threshold=_amount(r.get("dutyThreshold"), "de_minimis.json"),
            flat_charge=_amount(r.get("flatCharge"), "de_minimis.json"),
            tax_threshold=_amount(r.get("taxThreshold"), "de_minimis.json"),
            dated=_dated(r, f"de_minimis.json {r.get('where')}"),
        )
        for r in _rows(dm_data, "de_minimis.json")
    )
    ship = _read(data_dir, "shipping.json")
    services = {
        code: ShippingService(
            code,
            _mode(s["mode"], f"shipping.json {code}"),
            s["label"],
            s["transitDays"],
            {zone: _mode(m, f"shipping.json {code}") for zone, m in s.get("modeByZone", {}).items()},
        )
        for code, s in ship["services"].items()
    }
    shipping_rates = _shipping_rates(ship, "mainCarriage")
    delivery_rates = _shipping_rates(ship, "delivery")
    origin_handling = tuple(
        FlatFee(None, int(r["perConsignmentFen"]), _dated(r, "shipping.json originHandling"))
        for r in _rows(ship, "shipping.json", "originHandling")
    )
    dg_surcharge = tuple(
        FlatFee(r["service"], int(r["perConsignmentFen"]), _dated(r, "shipping.json dangerousGoodsSurcharge"))
        for r in _rows(ship, "shipping.json", "dangerousGoodsSurcharge")
    )
    ins = _read(data_dir, "insurance.json")
    insurance = tuple(
        InsuranceRow(r["service"], r["clauses"], _rate(r["rate"], "insurance.json"), _dated(r, "insurance.json"))
        for r in _rows(ins, "insurance.json")
    )
    insurance_terms = tuple(
        InsuranceTerm(
            r["incoterm"],
            r["clauses"],
            _rate(r["insuredShare"], "insurance.json terms"),
            _dated(r, f"insurance.json terms {r.get('incoterm')}"),
        )
        for r in _rows(ins, "insurance.json", "terms")
    )
    terms = _read(data_dir, "incoterms.json")
    incoterms = tuple(
        IncotermRule(
            r["incoterm"],
            bool(r["offered"]),
            frozenset(r["covers"]),
            frozenset(_mode(m, f"incoterms.json {r.get('incoterm')}") for m in r["modes"]),
            _dated(r, f"incoterms.json {r.get('incoterm')}"),
        )
        for r in _rows(terms, "incoterms.json")
    )
    on_carriage = tuple(
        OnCarriageInTaxBase(r["territory"], _dated(r, f"incoterms.json onCarriageInImportTaxBase {r.get('territory')}"))
        for r in _rows(terms, "incoterms.json", "onCarriageInImportTaxBase")
    )
    dg = _read(data_dir, "dangerous_goods.json")
    dg_classifications = tuple(
        DgClassification(
            un_number=r["unNumber"],
            proper_shipping_name=r["properShippingName"],
            hazard_class=r["hazardClass"],
            packing_group=r.get("packingGroup"),
            categories=frozenset(r["categories"]),
            hs_prefixes=tuple(r["hsPrefixes"]),
            battery_fitted=bool(r["batteryFitted"]),
            dated=_dated(r, f"dangerous_goods.json {r.get('unNumber')}"),
        )
        for r in _rows(dg, "dangerous_goods.json", "classifications")
    )
    dg_transport = tuple(
        DgTransport(
            un_number=r["unNumber"],
            mode=_mode(r["mode"], f"dangerous_goods.json {r.get('unNumber')}"),
            allowed=bool(r["allowed"]),
            packing_instruction=r["packingInstruction"],
            regime=r["regime"],
            net_limit_kg=None if r.get("netLimitKg") is None else Decimal(str(r["netLimitKg"])),
            state_of_charge=r.get("stateOfCharge"),
            reason=r.get("reason"),
            dated=_dated(r, f"dangerous_goods.json {r.get('unNumber')} {r.get('mode')}"),
        )
        for r in _rows(dg, "dangerous_goods.json", "transport")
    )
    for row in dg_transport:
        if not row.allowed and not (row.reason or "").strip():
            raise TableError(f"dangerous_goods.json {row.un_number} {row.mode}: a refused mode needs its reason")
    pos_data = _read(data_dir, "point_of_sale.json")
    point_of_sale = tuple(
        PointOfSaleRow(
            scheme=r["scheme"],
            country=r["country"],
            name=r["name"],
            threshold=_amount(r.get("threshold"), "point_of_sale.json"),
            inclusive=bool(r["inclusive"]),
            per=_per(r.get("per"), f"point_of_sale.json {r.get('country')}"),
            value_tested=_value_tested(r.get("valueTested"), f"point_of_sale.json {r.get('country')}"),
            services=None if r.get("services") is None else frozenset(r["services"]),
            registration_setting=r["registrationSetting"],
            document_label=r["documentLabel"],
            dated=_dated(r, f"point_of_sale.json {r.get('country')}"),
        )
        for r in _rows(pos_data, "point_of_sale.json")
    )
    fee_data = _read(data_dir, "customs_fees.json")
    customs_fees = tuple(
        CustomsFee(
            fee=r["fee"],
            country=r["country"],
            name=r["name"],
            rate=_rate(r["rate"], f"customs_fees.json {r.get('fee')}"),
            minimum=_decimal(r.get("min")),
            maximum=_decimal(r.get("max")),
            informal_up_to=_decimal(r.get("informalUpTo")),
            informal_fee=_decimal(r.get("informalFee")),
            currency=r["currency"],
            services=None if r.get("services") is None else frozenset(r["services"]),
            in_vat_base=bool(r["inVatBase"]),
            dated=_dated(r, f"customs_fees.json {r.get('fee')}"),
        )
        for r in _rows(fee_data, "customs_fees.json", "fees")
    )
    rounding = tuple(
        Rounding(
            country=r["country"],
            currency=r["currency"],
            customs_value_down_to=int(r["customsValueDownTo"]),
            duty_down_to=int(r["dutyDownTo"]),
            tax_base_down_to=int(r["taxBaseDownTo"]),
            tax_down_to=int(r["taxDownTo"]),
            national_tax_rate=_rate(r["nationalTaxRate"], f"customs_fees.json rounding {r.get('country')}"),
            local_tax_of_national=_fraction(r["localTaxOfNational"]),
            dated=_dated(r, f"customs_fees.json rounding {r.get('country')}"),
        )
        for r in _rows(fee_data, "customs_fees.json", "rounding")
    )
    return Tables(
        destinations=destinations,
        duty_rates=duty_rates,
        national_lines=national_lines,
        taxes=taxes,
        de_minimis=de_minimis,
        services=services,
        zones=dict(ship["zones"]),
        shipping_rates=shipping_rates,
        origin_handling=origin_handling,
        dangerous_goods_surcharge=dg_surcharge,
        insurance=insurance,
        delivery_rates=delivery_rates,
        insurance_terms=insurance_terms,
        incoterms=incoterms,
        on_carriage_in_tax_base=on_carriage,
        dg_classifications=dg_classifications,
        dg_transport=dg_transport,
        point_of_sale=point_of_sale,
        customs_fees=customs_fees,
        rounding=rounding,
    )


def _mode(value: Any, where: str) -> TransportMode:
    if value not in TRANSPORT_MODES:
        raise TableError(f"{where}: transport mode {value!r} is not one of {', '.join(TRANSPORT_MODES)}")
    mode: TransportMode = value
    return mode


def _shipping_rates(ship: dict[str, Any], key: str) -> tuple[ShippingRate, ...]:
    return tuple(
        ShippingRate(
            service=r["service"],
            zone=r["zone"],
            bands=tuple((int(up), int(fen)) for up, fen in r["bands"]),
            per_kg_above_fen=int(r["perKgAboveFen"]),
            dated=_dated(r, f"shipping.json {key} {r.get('service')} {r.get('zone')}"),
        )
        for r in _rows(ship, "shipping.json", key)
    )
