"""The scheme registry and the market rules, read from the JSON files in `data/`.

Both are data with a source note per entry, not code: a compliance reviewer edits
`data/schemes.json` or `data/market_rules.json` and the tests check their shape.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Market:
    code: str
    name: str
    countries: tuple[str, ...]
    supplier_level: tuple[str, ...]
    categories: dict[str, tuple[str, ...]]
    notes: dict[str, str]
    source: str


@dataclass(frozen=True, slots=True)
class Requirements:
    country: str
    category: str
    market: Market
    as_of: date
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
    default: Market
    by_country: dict[str, Market]


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


def _market(entry: dict[str, Any], countries: tuple[str, ...]) -> Market:
    return Market(
        code=entry["code"],
        name=entry["name"],
        countries=countries,
        supplier_level=tuple(entry.get("supplier_level", ())),
        categories={k: tuple(v) for k, v in entry.get("categories", {}).items()},
        notes=dict(entry.get("notes", {})),
        source=entry["source"],
    )


@cache
def rules() -> Rules:
    raw = _load_json("market_rules.json")
    markets = tuple(_market(m, tuple(m["countries"])) for m in raw["markets"])
    by_country: dict[str, Market] = {}
    for market in markets:
        for country in market.countries:
            if country in by_country:
                raise ValueError(f"{country} is in both {by_country[country].code} and {market.code}")
            by_country[country] = market
    return Rules(
        as_of=date.fromisoformat(raw["as_of"]),
        markets=markets,
        default=_market(raw["default"], ()),
        by_country=by_country,
    )


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


def market_for(country: str) -> Market:
    loaded = rules()
    return loaded.by_country.get(country, loaded.default)


def requirements(country: str, category: str) -> Requirements:
    """Schemes required to offer a part of `category` in `country` (both already validated)."""
    market = market_for(country)
    schemes = market_requirements(market, category)
    return Requirements(country=country, category=category, market=market, as_of=rules().as_of, schemes=schemes)


def market_requirements(market: Market, category: str) -> tuple[str, ...]:
    """Every scheme `market` requires of a part of `category`, supplier-level ones first."""
    required = list(market.supplier_level)
    for code in market.categories.get(category, ()):
        if code not in required:
            required.append(code)
    return tuple(required)
