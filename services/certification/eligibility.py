"""May these parts be offered in this country on this day?

The rule itself (restricted destinations, markets, import restrictions by condition, which
certificates cover a part, what a market requires) is marketplace/compliance/markets.py,
shared with the catalog's markets per part; this module reads the certificates and reports
every reason a part is refused, what is missing and what expires soon. A restricted destination
or a country outside every market is refused as a whole (DESTINATION_RESTRICTED,
DESTINATION_NOT_SERVED, naming `country`).

A whole page of parts costs two queries: the certificates of all the page's suppliers
in the schemes that matter, then the part ids in their scopes that matter (the page's, and the
whole scope of a certificate expiring soon, which is shown).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.compliance import markets, registry
from services.certification import service as certificate_service
from services.certification.contract import EligibilityRequest, PartRef
from services.certification.models import Certificate, CertificatePart, CertificateStatus
from services.certification.service import CertificateView
from services.common.errors import BadInput

# The catalog's conditions (services/catalog/domain.py Condition); NEW is never restricted.
CONDITIONS = ("NEW", *registry.RESTRICTABLE_CONDITIONS)


@dataclass(frozen=True, slots=True)
class PartResult:
    part_id: uuid.UUID
    required: tuple[str, ...]
    missing: list[str]
    expiring_soon: list[CertificateView]
    used: list[uuid.UUID]
    refusals: list[markets.Refusal]

    @property
    def eligible(self) -> bool:
        return not self.missing and not self.refusals


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    country: str
    market: registry.Market
    on: date
    rules_as_of: date
    parts: list[PartResult]


def _part(part: PartRef, category: str) -> markets.PartFacts:
    return markets.PartFacts(part.part_id, part.supplier_id, category, tuple(part.oem_numbers or ()), part.condition)


def check(
    session: Session, actor: Actor, request: EligibilityRequest, *, today: date, expiring_days: int
) -> EligibilityResult:
    country = registry.country_code(request.country)
    on = request.on or today
    market = markets.check_destination(country, on, field="country")
    categories = [registry.category_slug(p.category, field=f"parts.{i}.category") for i, p in enumerate(request.parts)]
    for i, p in enumerate(request.parts):
        if p.condition is not None and p.condition.upper() not in CONDITIONS:
            raise BadInput(f"condition must be one of {', '.join(CONDITIONS)}", field=f"parts.{i}.condition")
    needs = {c: registry.requirements(country, c, on) for c in set(categories)}
    required_codes = {code for r in needs.values() for code in r.schemes}
    candidates = [s.code for s in registry.schemes().values() if any(s.meets(r) for r in required_codes)]
    suppliers = {p.supplier_id for p in request.parts}

    horizon = on + timedelta(days=expiring_days)
    certificates: list[Certificate] = []
    scopes: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if candidates:
        in_force = (
            col(Certificate.holder_id).in_(list(suppliers)),
            col(Certificate.scheme).in_(candidates),
            Certificate.status == CertificateStatus.VALID.value,
            col(Certificate.valid_from) <= on,
            col(Certificate.valid_until) >= on,
        )
        certificates = list(session.exec(select(Certificate).where(*in_force)))
        # Of a scope, only the parts asked about decide anything; a certificate expiring soon is
        # shown whole. A supplier's scopes can name thousands of parts, which are not all read for
        # every page of twenty.
        scopes = certificate_service.part_ids_where(
            session,
            *in_force,
            or_(
                col(CertificatePart.part_id).in_(list({p.part_id for p in request.parts})),
                col(Certificate.valid_until) <= horizon,
            ),
        )
    rows = {c.id: c for c in certificates}
    by_holder: dict[uuid.UUID, list[markets.CertificateFacts]] = {}
    for certificate in certificates:
        facts = certificate_service.facts(certificate, scopes[certificate.id])
        by_holder.setdefault(certificate.holder_id, []).append(facts)

    results: list[PartResult] = []
    for part, category in zip(request.parts, categories, strict=True):
        required = needs[category].schemes
        missing: list[str] = []
        expiring: dict[uuid.UUID, CertificateView] = {}
        used: list[uuid.UUID] = []
        held = by_holder.get(part.supplier_id, [])
        for code in required:
            meeting = markets.meeting(held, _part(part, category), code, on)
            if not meeting:
                missing.append(code)
                continue
            best = rows[markets.best(meeting).id]
            if best.id not in used:
                used.append(best.id)
            if best.valid_until <= horizon and best.id not in expiring:
                expiring[best.id] = certificate_service.view(best, scopes[best.id], actor, on)
        refusals: list[markets.Refusal] = []
        condition = markets.condition_refusal(country, part.condition, on)
        if condition is not None:
            refusals.append(condition)
        if missing:
            refusals.append(markets.missing_refusal(market, missing))
        results.append(
            PartResult(
                part_id=part.part_id,
                required=required,
                missing=missing,
                expiring_soon=list(expiring.values()),
                used=used,
                refusals=refusals,
            )
        )
    return EligibilityResult(country=country, market=market, on=on, rules_as_of=registry.rules().as_of, parts=results)


def applicable(
    session: Session, actor: Actor, parts: list[PartRef], *, today: date, include_revoked: bool = False
) -> list[tuple[uuid.UUID, list[CertificateView]]]:
    """For each part, the certificates that cover it (its supplier's supplier-level ones and the
    part-level ones whose scope covers it), in any reviewed status: what a part page lists.
    Two queries for the whole batch, like `check`."""
    categories = [registry.category_slug(p.category, field=f"parts.{i}.category") for i, p in enumerate(parts)]
    hidden = [CertificateStatus.PENDING_REVIEW.value]
    if not include_revoked:
        hidden.append(CertificateStatus.REVOKED.value)
    shown = (
        col(Certificate.holder_id).in_(list({p.supplier_id for p in parts})),
        col(Certificate.status).not_in(hidden),
    )
    certificates = list(
        session.exec(
            select(Certificate)
            .where(*shown)
            .order_by(col(Certificate.scheme), col(Certificate.valid_until).desc(), col(Certificate.id))
        )
    )
    scopes = certificate_service.part_ids_where(session, *shown)
    # Each certificate's facts and view once, not once for every part of the page it is tried on.
    tried = [
        (certificate_service.facts(c, scopes[c.id]), certificate_service.view(c, scopes[c.id], actor, today))
        for c in certificates
    ]
    results: list[tuple[uuid.UUID, list[CertificateView]]] = []
    for part, category in zip(parts, categories, strict=True):
        facts = _part(part, category)
        results.append((part.part_id, [view for scope, view in tried if markets.covers(scope, facts)]))
    return results
