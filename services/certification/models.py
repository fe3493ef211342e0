"""Tables of the certification database. Only this service reads or writes them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from marketplace.actors import Actor
from services.common.clock import UtcDateTime, utcnow
from services.common.db import service_registry
from services.common.events.tables import event_tables


class CertificationTable(SQLModel, registry=service_registry()):
    """Base of every certification table: its own MetaData, so its migrations see only its tables."""


class CertificateStatus(StrEnum):
    """Stored statuses. EXPIRED is never stored: it is derived from `valid_until` when read."""

    PENDING_REVIEW = "PENDING_REVIEW"
    VALID = "VALID"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"


class Certificate(CertificationTable, table=True):
    __tablename__ = "certificate"
    __table_args__ = (
        # One record per (scheme, number): the key public verification looks up.
        UniqueConstraint("scheme", "number"),
        Index("ix_certificate_holder_id_scheme", "holder_id", "scheme"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    scheme: str = Field(sa_type=String(32))
    number: str = Field(sa_type=String(64))  # normalised: upper case, single spaces
    issuing_body: str = Field(sa_type=String(200))
    holder_id: uuid.UUID  # a catalog supplier id; no foreign key across databases
    holder_name: str = Field(sa_type=String(200))  # as the holder was named at submission
    scope_categories: list[str] = Field(default_factory=list, sa_type=JSON)
    scope_oem_numbers: list[str] = Field(default_factory=list, sa_type=JSON)
    valid_from: date
    valid_until: date
    status: str = Field(default=CertificateStatus.PENDING_REVIEW.value, sa_type=String(20))
    notes: str | None = Field(default=None, sa_type=Text)  # internal: never shown publicly
    document_sha256: str | None = Field(default=None, sa_type=String(64))
    document_size: int | None = None
    document_uploaded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    submitted_by: str = Field(sa_type=String(100))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # The `valid_until` a certificate.expiring notice was published for: one notice per expiry
    # date, and a new one if the date is changed.
    expiry_notice_for: date | None = None


class CertificatePart(CertificationTable, table=True):
    """A catalog part id named in a certificate's scope (a row per part, so a part's
    certificates are found by an index, not by scanning JSON)."""

    __tablename__ = "certificate_part"

    certificate_id: uuid.UUID = Field(foreign_key="certificate.id", primary_key=True, ondelete="CASCADE")
    part_id: uuid.UUID = Field(primary_key=True, index=True)


class CertificateEvent(CertificationTable, table=True):
    """Append-only audit history: who did what to a certificate, when and why."""

    __tablename__ = "certificate_event"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    certificate_id: uuid.UUID = Field(foreign_key="certificate.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    actor_id: str = Field(sa_type=String(100))
    actor_role: str = Field(sa_type=String(20))
    action: str = Field(sa_type=String(30))
    from_status: str | None = Field(default=None, sa_type=String(20))
    to_status: str = Field(sa_type=String(20))
    reason: str | None = Field(default=None, sa_type=Text)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)

    @classmethod
    def of(
        cls, certificate: Certificate, actor: Actor, action: str, from_status: str | None,
        reason: str | None = None, **detail: Any,
    ) -> CertificateEvent:  # fmt: skip
        """What `actor` did to `certificate`, which is already in its new status."""
        return cls(
            certificate_id=certificate.id,
            actor_id=actor.id,
            actor_role=actor.role.value,
            action=action,
            from_status=from_status,
            to_status=certificate.status,
            reason=reason,
            detail=detail,
        )


class RetiredDocument(CertificationTable, table=True):
    """A certificate's document that a newer upload replaced. Its file is deleted by the
    retention cleanup once `purge_after` has passed, unless a certificate still names the same
    bytes; its SHA-256 and size stay here and in the audit history, which is what an auditor
    needs to tell which file was on record when."""

    __tablename__ = "retired_document"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    certificate_id: uuid.UUID = Field(foreign_key="certificate.id", index=True, ondelete="CASCADE")
    sha256: str = Field(sa_type=String(64), index=True)
    size: int
    retired_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    purge_after: datetime = Field(sa_type=UtcDateTime, index=True)
    purged_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    file_deleted: bool | None = None  # False: another certificate still names the file


class IdempotencyRecord(CertificationTable, table=True):
    """A caller's Idempotency-Key on a create, so a retried submission returns the first result."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("actor_id", "key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    actor_id: str = Field(sa_type=String(100))
    key: str = Field(sa_type=String(200))
    request_hash: str = Field(sa_type=String(64))
    certificate_id: uuid.UUID = Field(foreign_key="certificate.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


def _refuse_change(_mapper: Any, _connection: Any, _target: Any) -> None:
    raise RuntimeError("certificate_event is append-only: rows are never changed or deleted")


event.listen(CertificateEvent, "before_update", _refuse_change)
event.listen(CertificateEvent, "before_delete", _refuse_change)


# Certification's events: its outbox, inbox and dead letters (services/common/events).
EVENTS = event_tables(CertificationTable.metadata, source="certification")
