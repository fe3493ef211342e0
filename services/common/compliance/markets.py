"""Which certificates cover a part, and in which markets a part may be sold.

A part may be sold in a market when, for every scheme the market requires for its category
(plus the market's supplier-level schemes), its supplier holds a certificate that is VALID and
within its dates on the day and, for a part-level scheme, whose scope covers the part: its id
is listed, or its category is listed and either the certificate names no OEM numbers or one of
them is the part's.

Plain data in, plain data out: certification calls it with its certificate rows, the catalog
with the copies the certificate events brought it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from services.common.compliance import registry

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


def market_codes() -> list[str]:
    """Every market's code, the default's last."""
    rules = registry.rules()
    return [m.code for m in rules.markets] + [rules.default.code]


def _market(code: str) -> registry.Market:
    rules = registry.rules()
    return next((m for m in rules.markets if m.code == code), rules.default)


def markets_of(part: PartFacts, certificates: Sequence[CertificateFacts], on: date) -> dict[str, date]:
    """The markets the part may be sold in on `on`, each with the last day it stays so (the
    earliest expiry among the certificates that meet its requirements)."""
    category = registry.category_slug(part.category)
    held = [c for c in certificates if c.holder_id == part.supplier_id]
    found: dict[str, date] = {}
    for code in market_codes():
        until: date | None = None
        for requirement in registry.market_requirements(_market(code), category):
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
    """The schemes the market requires of the part that no certificate in force meets."""
    held = [c for c in certificates if c.holder_id == part.supplier_id]
    required = registry.market_requirements(_market(market), registry.category_slug(part.category))
    return [code for code in required if not meeting(held, part, code, on)]


def market_of_country(country: str) -> str:
    """The code of the market a country (validated ISO alpha-2) belongs to."""
    return registry.market_for(country).code
