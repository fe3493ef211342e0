"""Markets per part: the catalog's read model of where each part may be sold.

Fed by the certificate events (the worker's `catalog-markets` consumer): each one carries the
whole certificate, which the catalog keeps as a copy (`market_certificate`), then the markets
of every part of that supplier are decided again by the shared market rules
(marketplace/compliance/markets.py) and written to `part_market`, one row per market with
the last day the part stays sellable there. A part whose markets change is announced as
`part.markets_changed` (orders holds unpaid orders with it). New parts get their rows when
they are written; `tongnan markets-rebuild` recomputes everything after the bundled rules
change with a deploy.

The read model is per market (a market groups countries); what is per country is applied from
the bundled data when a country is asked: a restricted destination or a country outside every
market refuses everything, and the conditions a country restricts (import_restrictions.json)
are left out of `shipsTo` and refused by POST /parts/markets with their reason and source.
So `shipsTo=BR` leaves out remanufactured parts while another country of the market lists them.

Why the catalog decides, and not certification: a certificate scoped by category and OEM
numbers covers parts certification has never heard of (a part listed after the approval),
so only the catalog can tell which parts it covers. The rule is one shared module, read by
both, so `/eligibility` and the read model cannot disagree.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, delete, insert, select
from sqlmodel import Session

from marketplace.compliance import markets as rules
from marketplace.compliance import registry
from services.catalog.contract import ConditionRestrictionRead, MarketsRead, MarketsRequest, PartMarketRead, RefusalRead
from services.catalog.models import EVENTS, MarketCertificate, MarketsDecided, Part, PartMarket, Supplier, table
from services.common.clock import utcnow
from services.common.events import Event, Subscription
from services.common.events.tables import PendingEvent

PART_MARKETS_CHANGED = "part.markets_changed"
BATCH = 1_000

P = table(Part)
PM = table(PartMarket)
MC = table(MarketCertificate)
SUP = table(Supplier)
DECIDED = table(MarketsDecided)


def today() -> date:
    return utcnow().date()


def _facts(row: Any) -> rules.CertificateFacts:
    return rules.CertificateFacts(
        id=row.id,
        holder_id=row.supplier_id,
        scheme=row.scheme,
        status=row.status,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        part_ids=frozenset(uuid.UUID(p) for p in row.scope_part_ids),
        categories=tuple(row.scope_categories),
        oem_numbers=tuple(row.scope_oem_numbers),
    )


def _certificates_of(
    session: Session, supplier_ids: Iterable[uuid.UUID], schemes: Collection[str] | None = None
) -> list[rules.CertificateFacts]:
    """The suppliers' VALID certificate copies (of `schemes` only, when given)."""
    wanted = list(set(supplier_ids))
    if not wanted:
        return []
    # Only VALID copies can meet a requirement; the others are kept for their latest state.
    query = select(MC).where(MC.c.supplier_id.in_(wanted), MC.c.status == rules.VALID)
    if schemes is not None:
        query = query.where(MC.c.scheme.in_(list(schemes)))
    return [_facts(r) for r in session.execute(query).all()]


class Covered(Protocol):
    """What a certificate's scope is matched on: a Part, or a row of these columns."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def supplier_id(self) -> uuid.UUID: ...
    @property
    def category(self) -> str: ...
    @property
    def oem_numbers(self) -> list[str] | None: ...


def origin_schemes(session: Session, parts: Sequence[Covered], on: date) -> dict[uuid.UUID, list[str]]:
    """Per part, the certificate-of-origin schemes (CO_RCEP ...) whose VALID copies cover it on `on`:
    what the quote needs to give a free-trade agreement's duty rate. One query for all the parts."""
    origin = {code for code, s in registry.schemes().items() if s.origin_agreement is not None}
    out: dict[uuid.UUID, list[str]] = {p.id: [] for p in parts}
    # Only the origin schemes' copies are read: a page's suppliers hold many more of the others.
    certificates = [c for c in _certificates_of(session, (p.supplier_id for p in parts), origin) if c.in_force(on)]
    for part in parts:
        facts = rules.PartFacts(part.id, part.supplier_id, part.category, tuple(part.oem_numbers or ()))
        out[part.id] = sorted({c.scheme for c in certificates if rules.covers(c, facts)})
    return out


def _copy_values(data: Mapping[str, Any]) -> dict[str, Any]:
    scope = data["scope"]
    return {
        "id": uuid.UUID(data["certificate_id"]),
        "supplier_id": uuid.UUID(data["supplier_id"]),
        "scheme": data["scheme"],
        "status": data["status"],
        "valid_from": date.fromisoformat(data["valid_from"]),
        "valid_until": date.fromisoformat(data["valid_until"]),
        "scope_categories": list(scope["categories"]),
        "scope_oem_numbers": list(scope["oem_numbers"]),
        "scope_part_ids": list(scope["part_ids"]),
        "reason": data.get("reason"),
        "updated_at": datetime.fromisoformat(data["updated_at"]),
    }


def _keep_copy(session: Session, values: dict[str, Any]) -> bool:
    """Write the copy unless the one kept is of a later state. Returns whether it was written."""
    held = session.execute(select(MC.c.updated_at).where(MC.c.id == values["id"]).with_for_update()).first()
    if held is None:
        session.execute(insert(MC).values(**values))
        return True
    if held[0] > values["updated_at"]:
        return False
    session.execute(MC.update().where(MC.c.id == values["id"]).values(**values))
    return True


def apply_certificate(session: Session, data: Mapping[str, Any], *, on: date | None = None) -> list[uuid.UUID]:
    """A certificate.approved/suspended/revoked payload: keep the copy, decide the markets of
    the holder's parts again. Returns the parts whose markets changed."""
    values = _copy_values(data)
    _serialise(session, [values["supplier_id"]])
    if not _keep_copy(session, values):
        return []  # an older state arriving late: what it would change is already decided
    cause = {
        "certificate_id": data["certificate_id"],
        "scheme": data["scheme"],
        "status": data["status"],
        "reason": data.get("reason"),
    }
    return recompute(session, supplier_ids=[values["supplier_id"]], on=on or today(), cause=cause)


def _serialise(session: Session, supplier_ids: Sequence[uuid.UUID]) -> None:
    """One decision at a time per supplier: a certificate event and a part being listed for the
    same supplier each see what the other committed (otherwise each could miss the other). FOR NO
    KEY UPDATE, so inserting parts that reference the supplier is not held up by it."""
    wanted = sorted(set(supplier_ids))
    if wanted:
        session.execute(select(SUP.c.id).where(SUP.c.id.in_(wanted)).order_by(SUP.c.id).with_for_update(key_share=True))


def recompute(
    session: Session,
    *,
    part_ids: Sequence[uuid.UUID] | None = None,
    supplier_ids: Sequence[uuid.UUID] | None = None,
    on: date,
    cause: Mapping[str, Any] | None = None,
    announce: bool = True,
) -> list[uuid.UUID]:
    """Decide again the markets of these parts, or of every part of these suppliers, or of
    every part (neither given), in batches; write what changed and, if `announce`, record
    part.markets_changed for each changed part. Returns the changed parts' ids."""
    changed: list[uuid.UUID] = []
    last: uuid.UUID | None = None
    while True:
        query = select(P.c.id, P.c.supplier_id, P.c.category, P.c.oem_numbers).order_by(P.c.id).limit(BATCH)
        if part_ids is not None:
            query = query.where(P.c.id.in_(list(part_ids)))
        if supplier_ids is not None:
            query = query.where(P.c.supplier_id.in_(list(supplier_ids)))
        if last is not None:
            query = query.where(P.c.id > last)
        parts = [
            rules.PartFacts(r.id, r.supplier_id, r.category, tuple(r.oem_numbers or ()))
            for r in session.execute(query).all()
        ]
        if not parts:
            return changed
        changed += _decide(session, parts, on, cause, announce)
        last = parts[-1].id
        if len(parts) < BATCH:
            return changed


def _decide(
    session: Session,
    parts: Sequence[rules.PartFacts],
    on: date,
    cause: Mapping[str, Any] | None,
    announce: bool,
) -> list[uuid.UUID]:
    certificates = _certificates_of(session, (p.supplier_id for p in parts))
    before: dict[uuid.UUID, dict[str, date]] = {p.id: {} for p in parts}
    for part_id, market, until in session.execute(
        select(PM.c.part_id, PM.c.market, PM.c.until).where(PM.c.part_id.in_([p.id for p in parts]))
    ):
        before[part_id][market] = until
    changed: list[tuple[rules.PartFacts, dict[str, date]]] = []
    for part in parts:
        after = rules.markets_of(part, certificates, on)
        if after != before[part.id]:
            changed.append((part, after))
    if not changed:
        return []
    ids = [part.id for part, _ in changed]
    session.execute(delete(PM).where(PM.c.part_id.in_(ids)))
    rows = [{"part_id": part.id, "market": m, "until": u} for part, after in changed for m, u in after.items()]
    if rows:
        session.execute(insert(PM), rows)
    if announce:
        EVENTS.record_many(
            session,
            [
                PendingEvent(PART_MARKETS_CHANGED, part.id, _event_data(part, before[part.id], after, cause))
                for part, after in changed
            ],
        )
    return ids


def _event_data(
    part: rules.PartFacts, before: dict[str, date], after: dict[str, date], cause: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        "part_id": str(part.id),
        "supplier_id": str(part.supplier_id),
        "markets": [{"market": m, "until": u.isoformat()} for m, u in sorted(after.items())],
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "rules_as_of": registry.rules().as_of.isoformat(),
        # What changed them: a certificate (its status and the reviewer's reason) or a rebuild.
        "cause": dict(cause) if cause is not None else {"rebuild": True},
    }


def rebuild(session: Session, certificates: Iterable[Mapping[str, Any]], *, on: date) -> list[uuid.UUID]:
    """Replace every copy with `certificates` (certification's reviewed certificates, as event
    payloads) and decide every part's markets again: after the bundled rules changed, or to
    build the read model of a database that predates it."""
    keep: list[uuid.UUID] = []
    for data in certificates:
        values = _copy_values(data)
        keep.append(values["id"])
        session.execute(delete(MC).where(MC.c.id == values["id"]))
        session.execute(insert(MC).values(**values))
    session.execute(delete(MC).where(MC.c.id.not_in(keep)) if keep else delete(MC))
    changed = recompute(session, on=on)
    record_decided(session, on=on)
    return changed


def record_decided(session: Session | Connection, *, on: date) -> None:
    """Every part's markets are now decided for `on` under the bundled rules."""
    session.execute(delete(DECIDED))
    session.execute(
        insert(DECIDED).values(id=1, rules_fingerprint=rules.fingerprint(), decided_on=on, decided_at=utcnow())
    )


def decided_for(session: Session, certificates: Iterable[Mapping[str, Any]], *, on: date) -> bool:
    """Whether a rebuild on `on` from `certificates` (as `rebuild` takes them) would change
    nothing: every part was decided on that day under the same rules, and the catalog's copies
    are these certificates as they stand (certificate events have kept the parts current)."""
    stamp = session.execute(select(DECIDED.c.rules_fingerprint, DECIDED.c.decided_on)).first()
    if stamp is None or stamp.rules_fingerprint != rules.fingerprint() or stamp.decided_on != on:
        return False
    wanted = {values["id"]: values for values in map(_copy_values, certificates)}
    held = {row["id"]: dict(row) for row in session.execute(select(MC)).mappings()}
    return held == wanted


def ships_to(session: Session, country: str, part_ids: Sequence[uuid.UUID], *, on: date) -> dict[uuid.UUID, date]:
    """The parts among `part_ids` that may be sold in `country` on `on`, each with its last day:
    certified for its market, and in a condition the country does not restrict."""
    code = registry.country_code(country)
    if not part_ids or rules.destination_refusal(code, on) is not None:
        return {}
    market = rules.market_of_country(code, on)
    query = select(PM.c.part_id, PM.c.until).where(
        PM.c.market == market, PM.c.part_id.in_(list(part_ids)), PM.c.until >= on
    )
    restricted = rules.restricted_conditions(code, on)
    if restricted:
        query = query.where(
            PM.c.part_id.in_(select(P.c.id).where(P.c.id.in_(list(part_ids)), P.c.condition.not_in(restricted)))
        )
    return {r.part_id: r.until for r in session.execute(query).all()}


@dataclass(frozen=True, slots=True)
class ShipsTo:
    """What a `shipsTo` search filters on: the country's market and the conditions it restricts."""

    country: str
    market: str
    restricted_conditions: tuple[str, ...]
    restrictions: list[ConditionRestrictionRead]


def ships_to_filter(country: str, *, on: date, field: str = "ships_to") -> ShipsTo:
    """The filter of a `shipsTo` search, or BadInput naming `field` (not a country code),
    DESTINATION_RESTRICTED or DESTINATION_NOT_SERVED."""
    code = registry.country_code(country, field=field)
    market = rules.check_destination(code, on, field=field)
    rows = rules.import_restrictions(code, on)
    return ShipsTo(
        country=code,
        market=market.code,
        restricted_conditions=tuple(r.condition for r in rows),
        restrictions=[
            ConditionRestrictionRead(condition=r.condition, measure=r.measure.value, note=r.note, source=r.source)
            for r in rows
        ],
    )


CONSUMER = "catalog-markets"
CERTIFICATE_EVENTS = ("certificate.approved", "certificate.suspended", "certificate.revoked")


def handle(session: Session, event: Event) -> None:
    """The worker's `catalog-markets` consumer: one certificate event, in one transaction with
    its inbox row (a redelivery changes nothing)."""
    if event.version != 1:
        raise ValueError(f"{event.type} version {event.version} is not understood")
    apply_certificate(session, event.data)


def subscription() -> Subscription:
    # A revocation should leave `shipsTo` within seconds: short first retries.
    return Subscription(CONSUMER, CERTIFICATE_EVENTS, handle, backoff=(0.5, 2.0, 10.0, 60.0, 300.0))


def markets_read(session: Session, request: MarketsRequest) -> MarketsRead:
    """POST /parts/markets: what orders checks at quote time and again before payment. For a
    part that may not be sold there, every reason with its source (a restricted or unserved
    destination, a restricted condition, the schemes missing, decided from the certificate
    copies). A restricted or unserved country is an answer here, not an error: an unpaid order
    to it is held with the reason."""
    country = registry.country_code(request.country)
    on = today()
    market = rules.market_of_country(country, on)
    found = ships_to(session, country, request.part_ids, on=on)
    refused = [p for p in request.part_ids if p not in found]
    why: dict[uuid.UUID, list[rules.Refusal]] = {}
    absent: dict[uuid.UUID, list[str]] = {}
    if refused:
        parts = [
            rules.PartFacts(r.id, r.supplier_id, r.category, tuple(r.oem_numbers or ()), r.condition)
            for r in session.execute(
                select(P.c.id, P.c.supplier_id, P.c.category, P.c.oem_numbers, P.c.condition).where(P.c.id.in_(refused))
            )
        ]
        certificates = _certificates_of(session, (p.supplier_id for p in parts))
        why = {p.id: rules.refusals(p, certificates, country, on) for p in parts}
        if market is not None:
            absent = {p.id: rules.missing(p, certificates, market, on) for p in parts}
    return MarketsRead(
        country=country,
        market=market,
        on=on,
        parts=[
            PartMarketRead(
                part_id=p,
                eligible=p in found,
                until=found.get(p),
                missing_schemes=absent.get(p, []),
                reasons=[RefusalRead(code=r.code, message=r.message, source=r.source) for r in why.get(p, [])],
            )
            for p in request.part_ids
        ],
    )


def new_parts(session: Session, parts: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Markets of parts just written (id, supplier id), in their transaction; part.created
    announces them, so no part.markets_changed."""
    _serialise(session, [supplier for _, supplier in parts])
    recompute(session, part_ids=[part for part, _ in parts], on=today(), announce=False)
