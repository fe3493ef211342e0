"""Certificate records and their review workflow. No FastAPI here: typed errors only.

Who may do what (checked here, whatever the gateway already checked):
- a SUPPLIER submits certificates for its own supplier id, uploads their document while
  they await review, reads its own records (notes, document, history) and may withdraw
  (revoke) its own certificate; it never approves, not even its own, and it cannot touch
  another supplier's certificate;
- an INSPECTOR (and ADMIN, SYSTEM) submits for any holder, approves (never what it submitted
  itself: four eyes), suspends, reinstates and revokes, recording the reason;
- anyone reads non-pending records without notes or document.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy import Row
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.compliance import markets, registry
from marketplace.roles import Role
from services.certification import retention
from services.certification.contract import CertificateCreate, ScopeIn
from services.certification.models import (
    EVENTS,
    Certificate,
    CertificateEvent,
    CertificatePart,
    CertificateStatus,
    IdempotencyRecord,
)
from services.common.clock import utcnow
from services.common.documents import DocumentStore, hash_stream
from services.common.errors import BadInput, Conflict, Forbidden, NotFound
from services.common.objects import ObjectNotFound
from services.common.pagination import decode_cursor, encode_cursor

log = logging.getLogger(__name__)

REVIEWER_ROLES = (Role.INSPECTOR, Role.ADMIN, Role.SYSTEM)
EXPIRED = "EXPIRED"
normalise_oem = markets.normalise_oem


@dataclass(frozen=True, slots=True)
class CertificateView:
    """A certificate with its part scope, as the API shows it to one caller on one day."""

    certificate: Certificate
    part_ids: list[uuid.UUID]
    status: str
    private: bool  # the caller may see notes and the document record


def is_reviewer(actor: Actor) -> bool:
    return actor.role in REVIEWER_ROLES


def is_holder(actor: Actor, certificate: Certificate) -> bool:
    return actor.role is Role.SUPPLIER and actor.supplier_id == str(certificate.holder_id)


def effective_status(certificate: Certificate, today: date) -> str:
    """The stored status, except that a VALID certificate past its `valid_until` reads EXPIRED.

    Valid through the whole of `valid_until`; EXPIRED from the next day. Nothing stores it,
    so no missed job can leave a lapsed certificate VALID.
    """
    if certificate.status == CertificateStatus.VALID and today > certificate.valid_until:
        return EXPIRED
    return certificate.status


def facts(certificate: Certificate, part_ids: Sequence[uuid.UUID]) -> markets.CertificateFacts:
    """What the market rules need of a certificate (marketplace/compliance/markets.py)."""
    return markets.CertificateFacts(
        id=certificate.id,
        holder_id=certificate.holder_id,
        scheme=certificate.scheme,
        status=certificate.status,
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        part_ids=frozenset(part_ids),
        categories=tuple(certificate.scope_categories),
        oem_numbers=tuple(certificate.scope_oem_numbers),
    )


def view(certificate: Certificate, part_ids: list[uuid.UUID], actor: Actor, today: date) -> CertificateView:
    private = is_reviewer(actor) or is_holder(actor, certificate)
    return CertificateView(certificate, part_ids, effective_status(certificate, today), private)


def part_ids_of(session: Session, certificate_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Scope part ids of many certificates in one query."""
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if not certificate_ids:
        return found
    rows = session.execute(
        select(col(CertificatePart.certificate_id), col(CertificatePart.part_id)).where(
            col(CertificatePart.certificate_id).in_(list(certificate_ids))
        )
    ).all()
    return _group(rows)


def part_ids_where(session: Session, *conditions: Any) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Scope part ids of the certificates meeting `conditions`, by a join (no list of ids to bind)."""
    rows = session.execute(
        select(col(CertificatePart.certificate_id), col(CertificatePart.part_id))
        .join(Certificate, col(Certificate.id) == col(CertificatePart.certificate_id))
        .where(*conditions)
    ).all()
    return _group(rows)


def _group(rows: Sequence[Row[tuple[uuid.UUID, uuid.UUID]]]) -> dict[uuid.UUID, list[uuid.UUID]]:
    # Rows of two columns, not CertificatePart objects: a supplier's scopes can name thousands of
    # parts, and loading an ORM object for each cost more than the query (profiled under load).
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        found[row.certificate_id].append(row.part_id)
    for ids in found.values():
        ids.sort()
    return found


def _record(
    session: Session,
    certificate: Certificate,
    actor: Actor,
    action: str,
    from_status: str | None,
    reason: str | None = None,
    **detail: Any,
) -> None:
    session.add(CertificateEvent.of(certificate, actor, action, from_status, reason, **detail))


# --- submission -------------------------------------------------------------------------------


def _request_hash(data: CertificateCreate) -> str:
    payload = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _clean_scope(scheme: registry.Scheme, scope: ScopeIn) -> tuple[list[uuid.UUID], list[str], list[str]]:
    categories: list[str] = []
    for index, raw in enumerate(scope.categories):
        category = registry.category_slug(raw, field=f"scope.categories.{index}")
        if scheme.covers and category not in scheme.covers:
            raise BadInput(
                f"{scheme.code} does not cover {category!r} (it covers {', '.join(scheme.covers)})",
                field=f"scope.categories.{index}",
            )
        if category not in categories:
            categories.append(category)
    oem_numbers: list[str] = []
    for index, raw in enumerate(scope.oem_numbers):
        oem = normalise_oem(raw)
        if not 1 <= len(oem) <= 40:
            raise BadInput("an OEM number has 1 to 40 letters or digits", field=f"scope.oem_numbers.{index}")
        if oem not in oem_numbers:
            oem_numbers.append(oem)
    part_ids = sorted(set(scope.part_ids))
    if scheme.level is registry.SchemeLevel.PART and not part_ids and not categories:
        raise BadInput(f"a {scheme.code} certificate names the parts or categories it covers", field="scope")
    if oem_numbers and not categories:
        raise BadInput("OEM numbers narrow a category: name the categories too", field="scope.categories")
    return part_ids, categories, oem_numbers


def _replay(session: Session, actor: Actor, key: str, request_hash: str, today: date) -> CertificateView | None:
    earlier = session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.actor_id == actor.id, IdempotencyRecord.key == key)
    ).first()
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise Conflict("this Idempotency-Key was used for a different request", field="Idempotency-Key")
    return get(session, actor, earlier.certificate_id, today=today)


def submit(
    session: Session,
    actor: Actor,
    data: CertificateCreate,
    *,
    today: date,
    idempotency_key: str | None = None,
) -> tuple[CertificateView, bool]:
    """Record a certificate awaiting review. Returns the view and whether it was created now
    (False when an earlier call with the same Idempotency-Key already created it)."""
    if actor.role is Role.SUPPLIER:
        if actor.supplier_id != str(data.holder_id):
            raise Forbidden("a supplier submits certificates for itself only", field="holder_id")
    elif not is_reviewer(actor):
        raise Forbidden("only suppliers and inspectors submit certificates")

    request_hash = _request_hash(data)
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 200:
            raise BadInput("an Idempotency-Key has 1 to 200 characters", field="Idempotency-Key")
        earlier = _replay(session, actor, idempotency_key, request_hash, today)
        if earlier is not None:
            return earlier, False

    scheme = registry.scheme(data.scheme)
    number = registry.validate_number(scheme.code, data.number)
    if data.valid_until < data.valid_from:
        raise BadInput("valid_until is before valid_from", field="valid_until")
    if data.valid_until < today:
        raise BadInput("the certificate has already expired", field="valid_until")
    part_ids, categories, oem_numbers = _clean_scope(scheme, data.scope)

    duplicate = session.exec(
        select(Certificate.id).where(Certificate.scheme == scheme.code, Certificate.number == number)
    ).first()
    if duplicate is not None:
        raise Conflict(f"a {scheme.code} certificate numbered {number!r} is already on record", field="number")

    certificate = Certificate(
        scheme=scheme.code,
        number=number,
        issuing_body=data.issuing_body.strip(),
        holder_id=data.holder_id,
        holder_name=data.holder_name.strip(),
        scope_categories=categories,
        scope_oem_numbers=oem_numbers,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        status=CertificateStatus.PENDING_REVIEW.value,
        notes=data.notes,
        submitted_by=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(certificate)
            session.flush()
            session.add_all(CertificatePart(certificate_id=certificate.id, part_id=p) for p in part_ids)
            _record(session, certificate, actor, "SUBMITTED", None)
            if idempotency_key is not None:
                session.add(
                    IdempotencyRecord(
                        actor_id=actor.id,
                        key=idempotency_key,
                        request_hash=request_hash,
                        certificate_id=certificate.id,
                    )
                )
            session.flush()
    except sa_exc.IntegrityError:
        # A concurrent submission won the race for the same number or key. If it was this
        # caller's retry with the same key, it committed first: answer with its result.
        if idempotency_key is not None:
            earlier = _replay(session, actor, idempotency_key, request_hash, today)
            if earlier is not None:
                return earlier, False
        raise Conflict(
            f"a {scheme.code} certificate numbered {number!r} (or this Idempotency-Key) is already on record",
            field="number",
        ) from None
    return view(certificate, part_ids, actor, today), True


# --- reading ----------------------------------------------------------------------------------


def _visible(actor: Actor, certificate: Certificate) -> bool:
    """Records awaiting review are seen only by their holder and reviewers."""
    return certificate.status != CertificateStatus.PENDING_REVIEW or is_reviewer(actor) or is_holder(actor, certificate)


def _load(session: Session, certificate_id: uuid.UUID, *, for_update: bool = False) -> Certificate:
    statement = select(Certificate).where(Certificate.id == certificate_id)
    if for_update:
        statement = statement.with_for_update()
    certificate = session.exec(statement).first()
    if certificate is None:
        raise NotFound("no such certificate", field="id")
    return certificate


def get(session: Session, actor: Actor, certificate_id: uuid.UUID, *, today: date) -> CertificateView:
    certificate = _load(session, certificate_id)
    if not _visible(actor, certificate):
        raise NotFound("no such certificate", field="id")
    return view(certificate, part_ids_of(session, [certificate.id])[certificate.id], actor, today)


def _views(session: Session, actor: Actor, certificates: Sequence[Certificate], today: date) -> list[CertificateView]:
    shown = [c for c in certificates if _visible(actor, c)]
    scopes = part_ids_of(session, [c.id for c in shown])
    return [view(c, scopes[c.id], actor, today) for c in shown]


def get_many(session: Session, actor: Actor, ids: Sequence[uuid.UUID], *, today: date) -> list[CertificateView]:
    """Batch read for DataLoaders: the visible ones among `ids`, in the order asked."""
    if not ids:
        return []
    found = {c.id: c for c in session.exec(select(Certificate).where(col(Certificate.id).in_(list(ids))))}
    ordered = [found[i] for i in dict.fromkeys(ids) if i in found]
    return _views(session, actor, ordered, today)


def list_certificates(
    session: Session,
    actor: Actor,
    *,
    today: date,
    holder_id: uuid.UUID | None = None,
    part_id: uuid.UUID | None = None,
    scheme: str | None = None,
    status: str | None = None,
    first: int = 20,
    after: str | None = None,
    oldest_first: bool = False,
) -> tuple[list[CertificateView], bool, str | None]:
    """Certificates of a holder and/or naming a part in their scope, newest first (or oldest
    first), keyset-paged. Reviewers may list without holder or part, e.g.
    `status=PENDING_REVIEW` oldest first: their queue, the longest waiting on top."""
    if holder_id is None and part_id is None and not is_reviewer(actor):
        raise BadInput("filter by ids, holder_id or part_id", field="holder_id")
    statement = select(Certificate)
    if status is not None:
        wanted = status.strip().upper()
        if wanted == EXPIRED:
            statement = statement.where(
                Certificate.status == CertificateStatus.VALID.value, col(Certificate.valid_until) < today
            )
        elif wanted == CertificateStatus.VALID:
            statement = statement.where(
                Certificate.status == CertificateStatus.VALID.value, col(Certificate.valid_until) >= today
            )
        elif wanted in CertificateStatus.__members__:
            statement = statement.where(Certificate.status == wanted)
        else:
            raise BadInput(f"unknown status {status!r}", field="status")
    if holder_id is not None:
        statement = statement.where(Certificate.holder_id == holder_id)
    if part_id is not None:
        statement = statement.where(
            col(Certificate.id).in_(select(CertificatePart.certificate_id).where(CertificatePart.part_id == part_id))
        )
    if scheme is not None:
        statement = statement.where(Certificate.scheme == registry.scheme(scheme).code)
    if not (is_reviewer(actor) or (holder_id is not None and actor.supplier_id == str(holder_id))):
        # Others never see records awaiting review; filtered in SQL so pages stay full.
        statement = statement.where(Certificate.status != CertificateStatus.PENDING_REVIEW.value)
    if after is not None:
        created, last_id = decode_cursor(after, arity=2)
        try:
            created_at = datetime.fromisoformat(created)
            cursor_id = uuid.UUID(last_id)
        except (TypeError, ValueError):
            raise BadInput("malformed cursor", field="after") from None
        if oldest_first:
            statement = statement.where(
                (col(Certificate.created_at) > created_at)
                | ((col(Certificate.created_at) == created_at) & (col(Certificate.id) > cursor_id))
            )
        else:
            statement = statement.where(
                (col(Certificate.created_at) < created_at)
                | ((col(Certificate.created_at) == created_at) & (col(Certificate.id) < cursor_id))
            )
    if oldest_first:
        statement = statement.order_by(col(Certificate.created_at), col(Certificate.id))
    else:
        statement = statement.order_by(col(Certificate.created_at).desc(), col(Certificate.id).desc())
    rows = list(session.exec(statement.limit(first + 1)))
    has_next = len(rows) > first
    rows = rows[:first]
    end = encode_cursor([rows[-1].created_at.isoformat(), str(rows[-1].id)]) if rows else None
    return _views(session, actor, rows, today), has_next, end


def history(session: Session, actor: Actor, certificate_id: uuid.UUID) -> list[CertificateEvent]:
    certificate = _load(session, certificate_id)
    if not (is_reviewer(actor) or is_holder(actor, certificate)):
        raise Forbidden("only the holder and reviewers read a certificate's history")
    return list(
        session.exec(
            select(CertificateEvent)
            .where(CertificateEvent.certificate_id == certificate_id)
            .order_by(col(CertificateEvent.at), col(CertificateEvent.id))
        )
    )


# --- review workflow --------------------------------------------------------------------------


def _require_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise BadInput("give the reason", field="reason")
    return reason.strip()


def _transition(
    session: Session,
    actor: Actor,
    certificate: Certificate,
    to: CertificateStatus,
    action: str,
    reason: str | None,
    today: date,
) -> CertificateView:
    before = certificate.status
    certificate.status = to.value
    certificate.updated_at = utcnow()
    session.add(certificate)
    _record(session, certificate, actor, action, before, reason)
    session.flush()
    part_ids = part_ids_of(session, [certificate.id])[certificate.id]
    EVENTS.record(
        session,
        EVENT_OF_STATUS[to],
        aggregate_id=certificate.id,
        data=event_data(certificate, part_ids, action=action, reason=reason),
        occurred_at=certificate.updated_at,
    )
    return view(certificate, part_ids, actor, today)


# The event a transition into each status publishes (a reinstatement is an approval again).
EVENT_OF_STATUS = {
    CertificateStatus.VALID: "certificate.approved",
    CertificateStatus.SUSPENDED: "certificate.suspended",
    CertificateStatus.REVOKED: "certificate.revoked",
}


def event_data(
    certificate: Certificate, part_ids: Sequence[uuid.UUID], *, action: str, reason: str | None
) -> dict[str, Any]:
    """A certificate.approved/suspended/revoked payload: the whole certificate as it now is, so a
    consumer (the catalog's markets per part) keeps its own copy without calling back."""
    return {
        "certificate_id": str(certificate.id),
        "supplier_id": str(certificate.holder_id),
        "scheme": certificate.scheme,
        "number": certificate.number,
        "status": certificate.status,
        "action": action,
        "reason": reason,
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "scope": {
            "categories": list(certificate.scope_categories),
            "oem_numbers": list(certificate.scope_oem_numbers),
            "part_ids": [str(p) for p in part_ids],
        },
        "updated_at": certificate.updated_at.isoformat(),
    }


def _reviewer_only(actor: Actor, certificate: Certificate, verb: str) -> None:
    if is_reviewer(actor):
        return
    if is_holder(actor, certificate):
        raise Forbidden(f"a supplier cannot {verb} a certificate, not even its own")
    raise Forbidden(f"only an inspector can {verb} a certificate")


def approve(
    session: Session, actor: Actor, certificate_id: uuid.UUID, reason: str | None, *, today: date
) -> CertificateView:
    """PENDING_REVIEW -> VALID (approved) or SUSPENDED -> VALID (reinstated)."""
    certificate = _load(session, certificate_id, for_update=True)
    _reviewer_only(actor, certificate, "approve")
    if certificate.status not in (CertificateStatus.PENDING_REVIEW, CertificateStatus.SUSPENDED):
        raise Conflict(f"a {certificate.status} certificate cannot be approved", field="status")
    if certificate.valid_until < today:
        raise Conflict("the certificate has expired; it cannot be approved", field="valid_until")
    if certificate.document_sha256 is None:
        raise Conflict("upload the certificate document before approval", field="document")
    action = "APPROVED" if certificate.status == CertificateStatus.PENDING_REVIEW else "REINSTATED"
    if action == "APPROVED" and certificate.submitted_by == actor.id and actor.role is not Role.SYSTEM:
        # Four eyes: whoever submitted a certificate (an inspector on a supplier's behalf) does not approve it.
        raise Forbidden("a certificate is approved by someone other than its submitter")
    note = reason.strip() if reason and reason.strip() else None
    if action == "REINSTATED":
        note = _require_reason(reason)
    return _transition(session, actor, certificate, CertificateStatus.VALID, action, note, today)


def suspend(
    session: Session, actor: Actor, certificate_id: uuid.UUID, reason: str | None, *, today: date
) -> CertificateView:
    certificate = _load(session, certificate_id, for_update=True)
    _reviewer_only(actor, certificate, "suspend")
    why = _require_reason(reason)
    if certificate.status != CertificateStatus.VALID:
        raise Conflict(f"only a VALID certificate can be suspended, this one is {certificate.status}")
    return _transition(session, actor, certificate, CertificateStatus.SUSPENDED, "SUSPENDED", why, today)


def revoke(
    session: Session, actor: Actor, certificate_id: uuid.UUID, reason: str | None, *, today: date
) -> CertificateView:
    """Any status but REVOKED -> REVOKED, final. Reviewers revoke; the holder may withdraw its own."""
    certificate = _load(session, certificate_id, for_update=True)
    if is_reviewer(actor):
        action = "REVOKED"
    elif is_holder(actor, certificate):
        action = "WITHDRAWN"
    else:
        raise Forbidden("only an inspector or the holder can revoke a certificate")
    why = _require_reason(reason)
    if certificate.status == CertificateStatus.REVOKED:
        raise Conflict("the certificate is already revoked", field="status")
    return _transition(session, actor, certificate, CertificateStatus.REVOKED, action, why, today)


# --- documents --------------------------------------------------------------------------------


def attach_document(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    stream: BinaryIO,
    store: DocumentStore,
    *,
    today: date,
    keep_replaced_for: timedelta,
) -> CertificateView:
    """Keep the PDF and record its SHA-256 on the certificate. The holder uploads while the
    certificate awaits review (what the inspector approves is what stays on record);
    reviewers may replace it later, which the history shows. A replaced document's file is
    deleted after `keep_replaced_for` (services/certification/retention.py)."""
    certificate = _load(session, certificate_id, for_update=True)
    if is_holder(actor, certificate):
        if certificate.status != CertificateStatus.PENDING_REVIEW:
            raise Conflict("the document of a reviewed certificate is fixed; submit a new certificate", field="file")
    elif not is_reviewer(actor):
        raise Forbidden("only the holder or an inspector uploads a certificate's document")
    if certificate.status == CertificateStatus.REVOKED:
        raise Conflict("the certificate is revoked", field="status")
    with store.staging(stream) as staged:
        previous = certificate.document_sha256
        now = utcnow()
        if previous is not None and previous != staged.sha256:
            retention.retire(session, certificate, keep_for=keep_replaced_for, now=now)
        certificate.document_sha256 = staged.sha256
        certificate.document_size = staged.size
        certificate.document_uploaded_at = now
        certificate.updated_at = now
        session.add(certificate)
        _record(
            session,
            certificate,
            actor,
            "DOCUMENT_UPLOADED",
            certificate.status,
            sha256=staged.sha256,
            size=staged.size,
            replaced=previous,
        )
        session.flush()
        retention.hold(session, staged.sha256)
        store.keep(staged)
    return view(certificate, part_ids_of(session, [certificate.id])[certificate.id], actor, today)


def document_for_download(
    session: Session, actor: Actor, certificate_id: uuid.UUID, store: DocumentStore
) -> tuple[Certificate, bytes]:
    """The certificate and its PDF's bytes, for its holder and reviewers."""
    certificate = _load(session, certificate_id)
    if not (is_reviewer(actor) or is_holder(actor, certificate)):
        raise Forbidden("only the holder and reviewers download a certificate's document")
    if certificate.document_sha256 is None:
        raise NotFound("the certificate has no document", field="document")
    try:
        return certificate, store.read(certificate.document_sha256)
    except ObjectNotFound:
        # The record names a file the store lost (a restore from an older backup): say so, as a
        # 404, rather than fail; the hash on record still proves any copy someone holds.
        log.error(
            "certificate %s names document %s, which the store does not hold",
            certificate.id,
            certificate.document_sha256,
        )
        raise NotFound("the certificate's document file is missing from the store", field="document") from None


def check_document(
    session: Session, actor: Actor, certificate_id: uuid.UUID, stream: BinaryIO, *, max_bytes: int
) -> tuple[bool, str]:
    """Whether a file is byte for byte the document on record (by SHA-256). Open to anyone
    who can see the certificate; the hash on record is never returned."""
    certificate = _load(session, certificate_id)
    if not _visible(actor, certificate):
        raise NotFound("no such certificate", field="id")
    sha256, _size = hash_stream(stream, limit=max_bytes)
    return certificate.document_sha256 is not None and certificate.document_sha256 == sha256, sha256


def find_by_number(session: Session, scheme_code: str, number: str) -> Certificate | None:
    scheme = registry.scheme(scheme_code)
    normalised = registry.normalise_number(number)
    return session.exec(
        select(Certificate).where(Certificate.scheme == scheme.code, Certificate.number == normalised)
    ).first()


def reviewed_payloads(session: Session) -> list[dict[str, Any]]:
    """Every reviewed certificate as its latest event describes it: what `tongnan
    markets-rebuild` hands the catalog after the bundled market rules changed."""
    certificates = list(
        session.exec(
            select(Certificate)
            .where(Certificate.status != CertificateStatus.PENDING_REVIEW.value)
            .order_by(col(Certificate.id))
        )
    )
    scopes = part_ids_of(session, [c.id for c in certificates])
    return [event_data(c, scopes[c.id], action="REBUILD", reason=None) for c in certificates]
