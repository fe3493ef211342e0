"""The scheme registry, the market rules, the import restrictions by condition and the
restricted destinations, read from the JSON files in `data/`.

All are data with a source note per entry, not code: a compliance reviewer edits
`data/schemes.json`, `data/market_rules.json`, `data/import_restrictions.json` or
`data/restricted_destinations.json` and the tests check their shape. Market rules, their
category rows, restrictions and restricted destinations are dated: each is read on a day.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import pycountry

from services.common.errors import BadInput

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Printable, no control characters; used where a scheme defines no number format.
FREE_NUMBER_PATTERN = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


class SchemeLevel(StrEnum):
    PART = "part"  # covers parts, by part id or by category plus OEM numbers
    SUPPLIER = "supplier"  # covers the holder's management system, so all its parts


@dataclass(frozen=True, slots=True)
class NumberFormat:
    pattern: re.Pattern[str]
    example: str
    description: str


@dataclass(frozen=True, slots=True)
class Scheme:
    code: str
    name: str
    authority_type: str
    level: SchemeLevel
    covers: tuple[str, ...]
    number_format: NumberFormat | None
    typical_validity_months: int | None
    satisfies: tuple[str, ...]
    source: str
    # A certificate of origin: the free-trade agreement whose preferential duty it proves.
    origin_agreement: str | None = None

    def meets(self, requirement: str) -> bool:
        """Whether a certificate of this scheme fulfils a requirement for `requirement`."""
        return requirement == self.code or requirement in self.satisfies


class DestinationNotServed(BadInput):
    """A country outside every market on the day: nothing may be sold or quoted there."""

    code = "DESTINATION_NOT_SERVED"


class DestinationRestricted(BadInput):
    """A destination the platform does not serve at all (restricted_destinations.json)."""

    code = "DESTINATION_RESTRICTED"


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _in_range(valid_from: date, valid_to: date | None, on: date) -> bool:
    return valid_from <= on and (valid_to is None or on <= valid_to)


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """The schemes a market requires of a category over a range of days."""

    schemes: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    source: str | None

    def in_force(self, on: date) -> bool:
        return _in_range(self.valid_from, self.valid_to, on)


@dataclass(frozen=True, slots=True)
class Market:
    code: str
    name: str
    countries: tuple[str, ...]
    supplier_level: tuple[str, ...]
    category_rules: dict[str, tuple[CategoryRule, ...]]
    notes: dict[str, str]
    source: str
    valid_from: date
    valid_to: date | None

    def in_force(self, on: date) -> bool:
        return _in_range(self.valid_from, self.valid_to, on)

    def categories_on(self, on: date) -> dict[str, tuple[str, ...]]:
        """The schemes required per category on `on` (categories with no row in force left out)."""
        found: dict[str, tuple[str, ...]] = {}
        for category, rows in self.category_rules.items():
            row = next((r for r in rows if r.in_force(on)), None)
            if row is not None:
                found[category] = row.schemes
        return found

    def rule_for(self, category: str, on: date) -> CategoryRule | None:
        return next((r for r in self.category_rules.get(category, ()) if r.in_force(on)), None)


@dataclass(frozen=True, slots=True)
class Requirements:
    country: str
    category: str
    market: Market
    as_of: date
    on: date
    schemes: tuple[str, ...]  # every scheme required, supplier-level ones first

    @property
    def supplier_schemes(self) -> tuple[str, ...]:
        return tuple(s for s in self.schemes if scheme(s).level is SchemeLevel.SUPPLIER)

    @property
    def part_schemes(self) -> tuple[str, ...]:
        return tuple(s for s in self.schemes if scheme(s).level is SchemeLevel.PART)


@dataclass(frozen=True, slots=True)
class Rules:
    as_of: date
    markets: tuple[Market, ...]
    by_country: dict[str, Market]

    def countries(self) -> frozenset[str]:
        return frozenset(self.by_country)


def _load_json(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@cache
def schemes() -> dict[str, Scheme]:
    loaded: dict[str, Scheme] = {}
    for entry in _load_json("schemes.json")["schemes"]:
        fmt = entry.get("number_format")
        loaded[entry["code"]] = Scheme(
            code=entry["code"],
            name=entry["name"],
            authority_type=entry["authority_type"],
            level=SchemeLevel(entry["level"]),
            covers=tuple(entry.get("covers", ())),
            number_format=None
            if fmt is None
            else NumberFormat(re.compile(fmt["pattern"]), fmt["example"], fmt["description"]),
            typical_validity_months=entry.get("typical_validity_months"),
            satisfies=tuple(entry.get("satisfies", ())),
            source=entry["source"],
            origin_agreement=entry.get("origin_agreement"),
        )
    return loaded


def scheme(code: str) -> Scheme:
    """The scheme with this code (case-insensitive), or BadInput naming `scheme`."""
    found = schemes().get(code.strip().upper())
    if found is None:
        raise BadInput(f"unknown certification scheme {code!r}", field="scheme")
    return found


def normalise_number(number: str) -> str:
    """Upper case, runs of blanks as one space, trimmed: the form numbers are stored and looked up in."""
    return " ".join(number.split()).upper()


def validate_number(scheme_code: str, number: str) -> str:
    """The normalised number, or BadInput naming `number` when it breaks the scheme's format."""
    found = scheme(scheme_code)
    normalised = normalise_number(number)
    fmt = found.number_format
    if fmt is None:
        if not FREE_NUMBER_PATTERN.fullmatch(normalised):
            raise BadInput("a certificate number has 1 to 64 printable characters", field="number")
        return normalised
    if not fmt.pattern.fullmatch(normalised):
        raise BadInput(
            f"{normalised!r} is not a {found.code} number: expected {fmt.description}, e.g. {fmt.example!r}",
            field="number",
        )
    return normalised


def _category_rule(row: dict[str, Any]) -> CategoryRule:
    return CategoryRule(
        schemes=tuple(row["schemes"]),
        valid_from=date.fromisoformat(row["validFrom"]),
        valid_to=_date(row["validTo"]),
        source=row.get("source"),
    )


def _market(entry: dict[str, Any]) -> Market:
    category_rules: dict[str, tuple[CategoryRule, ...]] = {}
    for category, rows in entry.get("categories", {}).items():
        dated = tuple(sorted((_category_rule(r) for r in rows), key=lambda r: r.valid_from))
        for before, after in itertools.pairwise(dated):
            if before.valid_to is None or before.valid_to >= after.valid_from:
                raise ValueError(f"{entry['code']} {category}: rows overlap on {after.valid_from}")
        category_rules[category] = dated
    return Market(
        code=entry["code"],
        name=entry["name"],
        countries=tuple(entry["countries"]),
        supplier_level=tuple(entry.get("supplier_level", ())),
        category_rules=category_rules,
        notes=dict(entry.get("notes", {})),
        source=entry["source"],
        valid_from=date.fromisoformat(entry["validFrom"]),
        valid_to=_date(entry["validTo"]),
    )


@cache
def rules() -> Rules:
    raw = _load_json("market_rules.json")
    markets = tuple(_market(m) for m in raw["markets"])
    by_country: dict[str, Market] = {}
    for market in markets:
        for country in market.countries:
            if country in by_country:
                raise ValueError(f"{country} is in both {by_country[country].code} and {market.code}")
            by_country[country] = market
    return Rules(as_of=date.fromisoformat(raw["as_of"]), markets=markets, by_country=by_country)


def country_code(value: str, *, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code, upper-cased, or BadInput naming the field."""
    normalised = value.strip().upper()
    if len(normalised) != 2 or pycountry.countries.get(alpha_2=normalised) is None:
        raise BadInput(f"{value!r} is not an ISO 3166-1 alpha-2 country code", field=field)
    return normalised


def category_slug(value: str, *, field: str = "category") -> str:
    normalised = value.strip().lower()
    if not CATEGORY_PATTERN.fullmatch(normalised):
        raise BadInput(f"{value!r} is not a part category (lower-case letters, digits, _)", field=field)
    return normalised


def market_for(country: str, on: date) -> Market | None:
    """The market of a (validated) country on `on`, or None: a country in no market in force is
    not served (there is no default market)."""
    market = rules().by_country.get(country)
    return market if market is not None and market.in_force(on) else None


def served_market(country: str, on: date, *, field: str = "country") -> Market:
    """The country's market on `on`, or DestinationNotServed naming `field`."""
    market = market_for(country, on)
    if market is None:
        raise DestinationNotServed(
            f"we do not sell to {country} on {on}: it has no market rules then "
            f"(served: {', '.join(sorted(rules().countries()))})",
            field=field,
        )
    return market


def requirements(country: str, category: str, on: date, *, field: str = "country") -> Requirements:
    """Schemes required to offer a part of `category` in `country` on `on` (both already
    validated); DestinationNotServed naming `field` for a country in no market then."""
    market = served_market(country, on, field=field)
    schemes = market_requirements(market, category, on)
    return Requirements(country=country, category=category, market=market, as_of=rules().as_of, on=on, schemes=schemes)


def market_requirements(market: Market, category: str, on: date) -> tuple[str, ...]:
    """Every scheme `market` requires of a part of `category` on `on`, supplier-level ones first."""
    required = list(market.supplier_level)
    rule = market.rule_for(category, on)
    for code in rule.schemes if rule is not None else ():
        if code not in required:
            required.append(code)
    return tuple(required)


# --- import restrictions by condition, restricted destinations ----------------------------------


class Measure(StrEnum):
    PROHIBITED = "prohibited"  # the import is banned
    LICENCE = "licence"  # it needs an import licence or permit, which the platform cannot verify


RESTRICTABLE_CONDITIONS = ("USED", "REMANUFACTURED", "REFURBISHED")  # NEW is never restricted here


@dataclass(frozen=True, slots=True)
class ImportRestriction:
    country: str
    condition: str
    measure: Measure
    valid_from: date
    valid_to: date | None
    source: str
    note: str

    def in_force(self, on: date) -> bool:
        return _in_range(self.valid_from, self.valid_to, on)


@dataclass(frozen=True, slots=True)
class RestrictedDestination:
    country: str
    reason: str  # UN_EMBARGO or PAYMENTS
    valid_from: date
    valid_to: date | None
    source: str
    note: str

    def in_force(self, on: date) -> bool:
        return _in_range(self.valid_from, self.valid_to, on)


@cache
def import_restrictions() -> tuple[ImportRestriction, ...]:
    loaded = tuple(
        ImportRestriction(
            country=r["country"],
            condition=r["condition"],
            measure=Measure(r["measure"]),
            valid_from=date.fromisoformat(r["validFrom"]),
            valid_to=_date(r["validTo"]),
            source=r["source"],
            note=r["note"],
        )
        for r in _load_json("import_restrictions.json")["rows"]
    )
    for row in loaded:
        if row.condition not in RESTRICTABLE_CONDITIONS:
            raise ValueError(f"import_restrictions.json: {row.country} restricts unknown condition {row.condition}")
    _no_overlap(loaded, lambda r: (r.country, r.condition), "import_restrictions.json")
    return loaded


@cache
def restricted_destinations() -> tuple[RestrictedDestination, ...]:
    loaded = tuple(
        RestrictedDestination(
            country=r["country"],
            reason=r["reason"],
            valid_from=date.fromisoformat(r["validFrom"]),
            valid_to=_date(r["validTo"]),
            source=r["source"],
            note=r["note"],
        )
        for r in _load_json("restricted_destinations.json")["rows"]
    )
    _no_overlap(loaded, lambda r: r.country, "restricted_destinations.json")
    return loaded


def _no_overlap(rows: Any, key: Any, name: str) -> None:
    """Rows with the same key may not be in force on the same day."""
    by_key: dict[Any, list[Any]] = {}
    for row in rows:
        by_key.setdefault(key(row), []).append(row)
    for k, group in by_key.items():
        group.sort(key=lambda r: r.valid_from)
        for before, after in itertools.pairwise(group):
            if before.valid_to is None or before.valid_to >= after.valid_from:
                raise ValueError(f"{name}: rows for {k} overlap on {after.valid_from}")
