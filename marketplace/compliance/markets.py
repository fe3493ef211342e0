"""Which certificates cover a part, and where a part may be sold: the one legality rule.

A part may be sold in a country on a day when, in this order (the first reasons that apply are
the ones reported):
1. the country is not a restricted destination (restricted_destinations.json:
   DESTINATION_RESTRICTED);
2. the country belongs to a market in force that day (market_rules.json; there is no default
   market: DESTINATION_NOT_SERVED);
3. the part's condition is not prohibited there and needs no import licence there
   (import_restrictions.json: CONDITION_PROHIBITED, CONDITION_LICENCE_REQUIRED; a licence we
   cannot verify is a refusal);
4. for every scheme the market requires for its category that day (plus the market's
   supplier-level schemes), its supplier holds a certificate that is VALID and within its dates
   on the day and, for a part-level scheme, whose scope covers the part: its id is listed, or its
   category is listed and either the certificate names no OEM numbers or one of them is the
   part's (MISSING_CERTIFICATION).

Markets group countries, while restrictions 1 and 3 are per country: the catalog's read model
keeps the certified markets per part (4, per market), and 1 to 3 are applied from the data when
a country is asked (`refusals`, `restricted_conditions`), so `shipsTo=BR` leaves out a
remanufactured part that another country of the same market still lists.

Plain data in, plain data out: certification calls it with its certificate rows, the catalog
with the copies the certificate events brought it.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from marketplace import classification
from marketplace.compliance import registry

VALID = "VALID"
_OEM_STRIP = re.compile(r"[^0-9A-Z]")


def normalise_oem(number: str) -> str:
    """OEM numbers compare without punctuation or spaces: '04465-33450' == '0446533450'."""
    return _OEM_STRIP.sub("", number.upper())


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What the decision needs of a certificate (`oem_numbers` already normalised)."""

    id: uuid.UUID
    holder_id: uuid.UUID
    scheme: str
    status: str
    valid_from: date
    valid_until: date
    part_ids: frozenset[uuid.UUID]
    categories: tuple[str, ...]
    oem_numbers: tuple[str, ...]

    def in_force(self, on: date) -> bool:
        return self.status == VALID and self.valid_from <= on <= self.valid_until


@dataclass(frozen=True, slots=True)
class PartFacts:
    id: uuid.UUID
    supplier_id: uuid.UUID
    category: str
    oem_numbers: tuple[str, ...] = ()
    condition: str | None = None  # the catalog's Condition; None: not known to the caller


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a part may not be sold in a country: a stable code, a message for people, the source."""

    code: str
    message: str
    source: str


DESTINATION_RESTRICTED = "DESTINATION_RESTRICTED"
DESTINATION_NOT_SERVED = "DESTINATION_NOT_SERVED"
CONDITION_PROHIBITED = "CONDITION_PROHIBITED"
CONDITION_LICENCE_REQUIRED = "CONDITION_LICENCE_REQUIRED"
MISSING_CERTIFICATION = "MISSING_CERTIFICATION"


def restricted_destination(country: str, on: date) -> registry.RestrictedDestination | None:
    return next((r for r in registry.restricted_destinations() if r.country == country and r.in_force(on)), None)


def destination_refusal(country: str, on: date) -> Refusal | None:
    """Why nothing may be sold to `country` (validated ISO alpha-2) on `on`, or None."""
    restricted = restricted_destination(country, on)
    if restricted is not None:
        return Refusal(
            DESTINATION_RESTRICTED,
            f"we do not serve {country} (since {restricted.valid_from}): {restricted.note}",
            restricted.source,
        )
    if registry.market_for(country, on) is None:
        return Refusal(
            DESTINATION_NOT_SERVED,
            f"we do not sell to {country} on {on}: it has no market rules then",
            "marketplace/compliance/data/market_rules.json",
        )
    return None


def check_destination(country: str, on: date, *, field: str) -> registry.Market:
    """The country's market on `on`; DestinationRestricted or DestinationNotServed naming `field`."""
    restricted = restricted_destination(country, on)
    if restricted is not None:
        raise registry.DestinationRestricted(
            f"we do not serve {country}: {restricted.note} ({restricted.source})",
            field=field,
            source=restricted.source,
            since=restricted.valid_from.isoformat(),
        )
    return registry.served_market(country, on, field=field)


def import_restrictions(country: str, on: date) -> list[registry.ImportRestriction]:
    """The condition restrictions of `country` in force on `on`, in the data's order."""
    return [r for r in registry.import_restrictions() if r.country == country and r.in_force(on)]


def restricted_conditions(country: str, on: date) -> tuple[str, ...]:
    """The conditions that may not be sold to `country` on `on` (prohibited or licensed)."""
    return tuple(r.condition for r in import_restrictions(country, on))


def condition_refusal(country: str, condition: str | None, on: date) -> Refusal | None:
    """Why a part in `condition` may not be imported into `country` on `on`, or None."""
    if condition is None:
        return None
    row = next((r for r in import_restrictions(country, on) if r.condition == condition.upper()), None)
    if row is None:
        return None
    if row.measure is registry.Measure.PROHIBITED:
        return Refusal(
            CONDITION_PROHIBITED,
            f"{condition.lower()} parts may not be imported into {country}: {row.note}",
            row.source,
        )
    return Refusal(
        CONDITION_LICENCE_REQUIRED,
        f"{condition.lower()} parts need an import licence in {country}, which we cannot verify: {row.note}",
        row.source,
    )


def refusals(part: PartFacts, certificates: Sequence[CertificateFacts], country: str, on: date) -> list[Refusal]:
    """Every reason the part may not be sold in `country` on `on`; empty when it may be. A
    destination refusal is the only reason given (nothing else matters there)."""
    destination = destination_refusal(country, on)
    if destination is not None:
        return [destination]
    found: list[Refusal] = []
    condition = condition_refusal(country, part.condition, on)
    if condition is not None:
        found.append(condition)
    market = registry.served_market(country, on)
    absent = missing(part, certificates, market.code, on)
    if absent:
        found.append(missing_refusal(market, absent))
    return found


def missing_refusal(market: registry.Market, absent: Sequence[str]) -> Refusal:
    return Refusal(
        MISSING_CERTIFICATION,
        f"missing certification for {market.name}: {', '.join(absent)}",
        market.source,
    )


def covers(certificate: CertificateFacts, part: PartFacts) -> bool:
    """Whether the certificate's scope covers the part (whatever its status or dates)."""
    if certificate.holder_id != part.supplier_id:
        return False
    if registry.scheme(certificate.scheme).level is registry.SchemeLevel.SUPPLIER:
        return True
    if part.id in certificate.part_ids:
        return True
    if part.category not in certificate.categories:
        return False
    if not certificate.oem_numbers:
        return True
    # A certificate limited to OEM numbers covers a part only if one of the part's matches.
    theirs = {normalise_oem(n) for n in part.oem_numbers}
    return bool(theirs.intersection(certificate.oem_numbers))


def meeting(
    certificates: Iterable[CertificateFacts], part: PartFacts, requirement: str, on: date
) -> list[CertificateFacts]:
    """The certificates in force on `on` that fulfil `requirement` for the part."""
    return [
        c for c in certificates if c.in_force(on) and registry.scheme(c.scheme).meets(requirement) and covers(c, part)
    ]


def best(candidates: Sequence[CertificateFacts]) -> CertificateFacts:
    """The requirement stays met as long as the longest-lived of these certificates."""
    return max(candidates, key=lambda c: (c.valid_until, str(c.id)))


def market_codes(on: date) -> list[str]:
    """The code of every market in force on `on`."""
    return [m.code for m in registry.rules().markets if m.in_force(on)]


def _market(code: str) -> registry.Market:
    found = next((m for m in registry.rules().markets if m.code == code), None)
    if found is None:
        raise ValueError(f"no market {code!r} in the market rules")
    return found


def markets_of(part: PartFacts, certificates: Sequence[CertificateFacts], on: date) -> dict[str, date]:
    """The markets in force on `on` whose certification the part meets, each with the last day
    it stays so (the earliest expiry among the certificates that meet its requirements, and no
    later than the market's own rules run). Per market: the per-country restrictions (restricted
    destinations, conditions) are applied from the data when a country is asked."""
    category = registry.category_slug(part.category)
    held = [c for c in certificates if c.holder_id == part.supplier_id]
    found: dict[str, date] = {}
    for code in market_codes(on):
        market = _market(code)
        until: date | None = market.valid_to
        for requirement in registry.market_requirements(market, category, on):
            candidates = meeting(held, part, requirement, on)
            if not candidates:
                break
            last = best(candidates).valid_until
            until = last if until is None else min(until, last)
        else:
            # A market that requires nothing at all is open until the rules change.
            found[code] = until if until is not None else date.max
    return found


def missing(part: PartFacts, certificates: Sequence[CertificateFacts], market: str, on: date) -> list[str]:
    """The schemes the market requires of the part on `on` that no certificate in force meets."""
    held = [c for c in certificates if c.holder_id == part.supplier_id]
    required = registry.market_requirements(_market(market), registry.category_slug(part.category), on)
    return [code for code in required if not meeting(held, part, code, on)]


def market_of_country(country: str, on: date) -> str | None:
    """The code of the market a country (validated ISO alpha-2) belongs to on `on`, or None."""
    market = registry.market_for(country, on)
    return market.code if market is not None else None


@cache
def fingerprint() -> str:
    """A digest of everything a decision here reads besides the certificates and the day: the
    bundled data (schemes, market rules, restrictions, categories) and the code that reads it,
    so a deploy that changes either is seen as a change of the rules."""
    sources = [
        *sorted(registry.DATA_DIR.glob("*.json")),
        classification.CATEGORIES_FILE,
        Path(registry.__file__),
        Path(__file__),
    ]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()
