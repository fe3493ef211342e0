"""Supplier verification (know your business): the application, its review, and what a
verified supplier may do that others may not.

A supplier applies with its Unified Social Credit Code, its business licence as a PDF and the
name of its legal representative; an admin opens the licence and verifies or rejects the
application, always with a reason. States: NOT_SUBMITTED -> PENDING -> VERIFIED or REJECTED; a
rejected supplier may apply again, and withdrawing a verification (rejecting a VERIFIED supplier)
also ends in REJECTED.

A USCC is bound to a supplier only by verification: any number of unverified registrations may
name the same code, so someone registering a real company's code first blocks nobody. Once one
is verified the code is its own (a partial unique index over verified suppliers, the same on
SQLite and PostgreSQL): further registrations with it are refused, and so is verifying a rival.

Only a verified supplier lists parts (create, import, list again). A supplier that loses its
verification has its listed parts delisted in the same transaction: the badge and what is for
sale never disagree. The parts stay readable by id for old orders, and the supplier lists them
again once verified anew.

The licence is checked and kept like certificate PDFs (PDF only, size cap, no active content,
content-addressed by SHA-256, in the object store: local files or S3):
services/common/documents.py and services/common/objects.py.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from marketplace.actors import Actor
from marketplace.roles import Role
from services.catalog import domain
from services.catalog import events as catalog_events
from services.catalog.models import Part, Supplier
from services.catalog.search import index as search_index
from services.catalog.settings import CatalogSettings
from services.common.clock import utcnow
from services.common.documents import DocumentStore
from services.common.errors import BadInput, Conflict, Forbidden, NotFound
from services.common.objects import open_store


class VerificationStatus(StrEnum):
    NOT_SUBMITTED = "NOT_SUBMITTED"
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


# The stable reason the gateway and the portal show: listing needs a verified supplier.
NOT_VERIFIED = "SUPPLIER_NOT_VERIFIED"
USCC_TAKEN_MESSAGE = (
    "this Unified Social Credit Code belongs to a verified supplier; if it is your company's, contact the marketplace"
)


class SupplierNotVerified(Forbidden):
    """A supplier whose verification is not done tries to put parts on sale."""

    def __init__(self, status: str) -> None:
        super().__init__(
            "your company must be verified before it lists parts: submit your business licence "
            f"for review (verification: {status})",
            field="supplier",
            reason="SUPPLIER_NOT_VERIFIED",
            verification_status=status,
        )


def licence_store(settings: CatalogSettings) -> DocumentStore:
    """The store the settings name: S3 at `licences_url`, else files under `licence_dir`."""
    objects = open_store(
        settings.licences_url,
        settings.licences_path,
        environment=settings.environment,
        what="business licences",
        variable="TONGNAN_CATALOG_LICENCES_URL",
    )
    return DocumentStore(objects, max_bytes=settings.max_licence_bytes)


def require_verified(session: Session, supplier_id: uuid.UUID) -> None:
    """Raise SupplierNotVerified unless the supplier may list parts now."""
    supplier = session.get(Supplier, supplier_id)
    if supplier is not None and not supplier.verified:
        raise SupplierNotVerified(supplier.verification_status)


def holder_of(session: Session, uscc: str) -> uuid.UUID | None:
    """The verified supplier this USCC is bound to, if any."""
    return session.scalars(select(col(Supplier.id)).where(col(Supplier.uscc) == uscc, col(Supplier.verified))).first()


def _owned(session: Session, actor: Actor, supplier_id: uuid.UUID) -> Supplier:
    if not actor.is_staff and (actor.role != Role.SUPPLIER or actor.supplier_id != str(supplier_id)):
        raise Forbidden("a supplier applies for its own verification only")
    supplier = session.get(Supplier, supplier_id, with_for_update=True)
    if supplier is None:
        raise NotFound("no such supplier", field="id")
    return supplier


def _legal_representative(raw: str) -> str:
    name = " ".join(raw.split())
    if len(name) < 2:
        raise BadInput("give the legal representative's full name", field="legal_representative")
    if len(name) > 120:
        raise BadInput("the legal representative's name has at most 120 characters", field="legal_representative")
    return name


def submit(
    session: Session,
    actor: Actor,
    supplier_id: uuid.UUID,
    *,
    uscc: str,
    legal_representative: str,
    licence: BinaryIO,
    store: DocumentStore,
) -> Supplier:
    """The supplier applies (or applies again after a rejection, or corrects a pending
    application): the application replaces any earlier one and waits for review. Sending the
    same application again leaves it as it is."""
    supplier = _owned(session, actor, supplier_id)
    code = domain.validate_uscc(uscc)
    name = _legal_representative(legal_representative)
    if supplier.verification_status == VerificationStatus.VERIFIED:
        raise Conflict("this supplier is verified already", field="status")
    holder = holder_of(session, code)
    if holder is not None and holder != supplier.id:
        raise Conflict(USCC_TAKEN_MESSAGE, field="uscc")
    with store.staging(licence) as staged:
        same = (
            supplier.verification_status == VerificationStatus.PENDING
            and supplier.licence_sha256 == staged.sha256
            and supplier.uscc == code
            and supplier.legal_representative == name
        )
        if same:
            return supplier
        supplier.uscc = code
        supplier.legal_representative = name
        supplier.licence_sha256 = staged.sha256
        supplier.licence_size_bytes = staged.size
        supplier.verification_status = VerificationStatus.PENDING
        supplier.verification_submitted_at = utcnow()
        supplier.verification_reviewed_at = None
        supplier.verification_reviewer = None
        supplier.verification_reason = None
        session.add(supplier)
        session.flush()
        store.keep(staged)
    return supplier


def _reason(raw: str | None, *, required: bool) -> str | None:
    reason = " ".join((raw or "").split())
    if required and not reason:
        raise BadInput("give the reason for this decision", field="reason")
    if len(reason) > 1000:
        raise BadInput("a reason has at most 1000 characters", field="reason")
    return reason or None


def verify(session: Session, actor: Actor, supplier_id: uuid.UUID, reason: str | None) -> Supplier:
    """An admin verifies a pending application. Verifying a verified supplier again changes
    nothing (a retry); a USCC already bound to another verified supplier is a 409."""
    actor.require(Role.ADMIN)
    supplier = _owned(session, actor, supplier_id)
    note = _reason(reason, required=False)
    if supplier.verification_status == VerificationStatus.VERIFIED:
        return supplier
    if supplier.verification_status != VerificationStatus.PENDING:
        raise Conflict(
            f"only a pending application can be verified; this one is {supplier.verification_status}", field="status"
        )
    holder = holder_of(session, supplier.uscc)
    if holder is not None and holder != supplier.id:
        raise Conflict("another supplier is verified with this Unified Social Credit Code", field="uscc")
    supplier.verified = True
    supplier.verification_status = VerificationStatus.VERIFIED
    supplier.verification_reviewed_at = utcnow()
    supplier.verification_reviewer = actor.id
    supplier.verification_reason = note
    session.add(supplier)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # Two admins verifying two rivals at once: the partial unique index lets one win.
        raise Conflict("another supplier is verified with this Unified Social Credit Code", field="uscc") from None
    return supplier


def reject(session: Session, actor: Actor, supplier_id: uuid.UUID, reason: str | None) -> Supplier:
    """An admin rejects a pending application, or withdraws a verification; always with a
    reason, which the supplier sees. A withdrawn supplier's listed parts are delisted."""
    actor.require(Role.ADMIN)
    why = _reason(reason, required=True)
    supplier = _owned(session, actor, supplier_id)
    if supplier.verification_status == VerificationStatus.REJECTED:
        return supplier
    if supplier.verification_status == VerificationStatus.NOT_SUBMITTED:
        raise Conflict("this supplier has not applied for verification", field="status")
    was_verified = supplier.verified
    supplier.verified = False
    supplier.verification_status = VerificationStatus.REJECTED
    supplier.verification_reviewed_at = utcnow()
    supplier.verification_reviewer = actor.id
    supplier.verification_reason = why
    session.add(supplier)
    session.flush()
    if was_verified:
        _delist_all(session, supplier.id)
    return supplier


def _delist_all(session: Session, supplier_id: uuid.UUID) -> None:
    now = utcnow()
    for part in session.scalars(select(Part).where(col(Part.supplier_id) == supplier_id, col(Part.listed))):
        part.listed = False
        part.delisted_at = now
        part.updated_at = now
        session.add(part)
        session.flush()
        search_index.index_part(session, part)
        catalog_events.part_delisted(session, part)


def licence_of(session: Session, actor: Actor, supplier_id: uuid.UUID) -> str:
    """The SHA-256 of the supplier's licence, for admins and the supplier itself."""
    if not actor.is_staff and not (actor.role == Role.SUPPLIER and actor.supplier_id == str(supplier_id)):
        raise Forbidden("only admins and the supplier itself open its business licence")
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound("no such supplier", field="id")
    if supplier.licence_sha256 is None:
        raise NotFound("this supplier has not submitted a business licence", field="licence")
    return supplier.licence_sha256
