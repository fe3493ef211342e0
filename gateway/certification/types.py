"""Certificate, Eligibility and public verification as integrators see them."""

from __future__ import annotations

import base64
import datetime
import uuid
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

import strawberry
from pydantic import TypeAdapter
from sqlmodel import Session, col, select
from strawberry import relay
from strawberry.types import Info

from gateway.catalog.types import Supplier
from gateway.context import Context
from gateway.models import Account, AccountRole
from gateway.types import PageInfo
from services.certification.contract import CertificateRead, EventRead, PartEligibility

STAFF_ROLES = (AccountRole.INSPECTOR, AccountRole.ADMIN)


@strawberry.enum
class CertificateStatus(Enum):
    PENDING_REVIEW = "PENDING_REVIEW"
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    UNKNOWN = "UNKNOWN"


@strawberry.type(description="The PDF on record for a certificate; shown to its holder and inspectors only.")
class CertificateDocument:
    sha256: str = strawberry.field(description="Anyone holding a copy can check it against this hash.")
    size_bytes: int
    uploaded_at: datetime.datetime
    certificate_id: strawberry.Private[str]

    @strawberry.field(
        description="The PDF's bytes, base64-encoded (at most 10 MiB before encoding): for showing the "
        "document beside the record. Holder and inspectors only; ask for it on one certificate at a time."
    )
    async def content_base64(self, info: Info[Context, None]) -> str:
        context = info.context
        response = await context.clients.certification.request(
            "GET", f"/certificates/{self.certificate_id}/document", headers=context.upstream_headers()
        )
        return base64.b64encode(response.content).decode("ascii")


@strawberry.type(description="One step of a certificate's review, as its audit history keeps it.")
class CertificateHistoryEntry:
    at: datetime.datetime
    action: str = strawberry.field(
        description="SUBMITTED, DOCUMENT_UPLOADED, APPROVED, SUSPENDED, REINSTATED, REVOKED or WITHDRAWN."
    )
    from_status: CertificateStatus | None = strawberry.field(description="Null for the submission.")
    to_status: CertificateStatus
    reason: str | None = strawberry.field(description="Why, in the words of whoever did it.")
    actor_role: str = strawberry.field(description="SUPPLIER, INSPECTOR, ADMIN or SYSTEM.")
    actor_email: str | None = strawberry.field(
        description="Who did it; shown to inspectors and admins only (null for others and for the system)."
    )


@strawberry.type
class Certificate(relay.Node):
    id: relay.NodeID[str]
    scheme: str
    number: str
    issuing_body: str
    status: CertificateStatus = strawberry.field(description="EXPIRED is derived from validUntil on the day asked.")
    valid_from: datetime.date
    valid_until: datetime.date
    categories: list[str] = strawberry.field(description="Part categories it covers; empty for the whole company.")
    document: CertificateDocument | None = strawberry.field(
        description="The uploaded PDF; null until uploaded, and for anyone but the holder and inspectors."
    )
    holder_id: strawberry.Private[str]

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> Certificate:
        """The certification service's certificate, parsed with its contract."""
        return cls.of(CertificateRead.model_validate(json))

    @classmethod
    def of(cls, data: CertificateRead) -> Certificate:
        document = data.document
        return cls(
            id=str(data.id),
            scheme=data.scheme,
            number=data.number,
            issuing_body=data.issuing_body,
            status=CertificateStatus(data.status),
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            categories=data.scope.categories,
            document=CertificateDocument(
                sha256=document.sha256,
                size_bytes=document.size_bytes,
                uploaded_at=document.uploaded_at,
                certificate_id=str(data.id),
            )
            if document
            else None,
            holder_id=str(data.holder_id),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Certificate | None]:
        found = await info.context.loaders.certificate.load_many(list(node_ids))
        return [cls.from_json(c) if c else None for c in found]

    @strawberry.field
    async def holder(self, info: Info[Context, None]) -> Supplier:
        data = await info.context.loaders.supplier.load(self.holder_id)
        if data is None:
            raise LookupError(f"holder {self.holder_id} of certificate {self.id} not found")
        return Supplier.from_json(data)

    @strawberry.field(
        description="Who did what to it and why, oldest first: submission, uploads and every review decision. "
        "For its holder and inspectors (FORBIDDEN for others); ask for it on one certificate at a time."
    )
    async def history(self, info: Info[Context, None]) -> list[CertificateHistoryEntry]:
        context = info.context
        events = _EVENTS.validate_python(
            await context.clients.certification.get_json(
                f"/certificates/{self.id}/history", headers=context.upstream_headers()
            )
        )
        principal = context.principal
        staff = principal is not None and principal.role in STAFF_ROLES
        emails = await context.in_session(lambda session: account_emails(session, [e.actor_id for e in events]))
        return [
            CertificateHistoryEntry(
                at=e.at,
                action=e.action,
                from_status=CertificateStatus(e.from_status) if e.from_status else None,
                to_status=CertificateStatus(e.to_status),
                reason=e.reason,
                actor_role=e.actor_role,
                actor_email=emails.get(e.actor_id) if staff else None,
            )
            for e in events
        ]

    @strawberry.field(description="Public page where anyone can check this certificate.")
    def verification_url(self) -> str:
        from urllib.parse import urlencode

        return "/verify?" + urlencode({"scheme": self.scheme, "number": self.number})


@strawberry.type
class CertificateEdge:
    node: Certificate
    cursor: str


@strawberry.type
class CertificateConnection:
    edges: list[CertificateEdge]
    page_info: PageInfo


@strawberry.type
class EligibilityReason:
    code: str = strawberry.field(
        description="CONDITION_PROHIBITED, CONDITION_LICENCE_REQUIRED or MISSING_CERTIFICATION."
    )
    message: str
    source: str = strawberry.field(description="The instrument or list the rule relies on.")


@strawberry.type
class Eligibility:
    country: str
    eligible: bool
    missing_schemes: list[str]
    required_schemes: list[str]
    reasons: list[EligibilityReason] = strawberry.field(description="When not eligible: every reason, with its source.")
    expiring_soon: list[Certificate] = strawberry.field(description="Certificates this relies on that lapse soon.")


@strawberry.type
class CertificateVerification:
    status: CertificateStatus = strawberry.field(description="UNKNOWN when there is no such record.")
    holder_name: str | None
    scope: str | None
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    issuing_body: str | None


_EVENTS = TypeAdapter(list[EventRead])


def eligibility_of(country: str, verdict: PartEligibility | None) -> Eligibility:
    """The certification service's verdict on a part; a part it knows nothing of is not eligible
    and needs nothing that could be named."""
    if verdict is None:
        return Eligibility(
            country=country, eligible=False, missing_schemes=[], required_schemes=[], reasons=[], expiring_soon=[]
        )
    return Eligibility(
        country=country,
        eligible=verdict.eligible,
        missing_schemes=verdict.missing_schemes,
        required_schemes=verdict.required_schemes,
        reasons=[EligibilityReason(code=r.code, message=r.message, source=r.source) for r in verdict.reasons],
        expiring_soon=[Certificate.of(c) for c in verdict.expiring_soon],
    )


def account_emails(session: Session, actor_ids: Sequence[str]) -> dict[str, str]:
    """E-mail addresses of the accounts among `actor_ids` (the system's actor names no account)."""
    ids: set[uuid.UUID] = set()
    for actor_id in actor_ids:
        try:
            ids.add(uuid.UUID(actor_id))
        except ValueError:
            continue
    if not ids:
        return {}
    rows = session.exec(select(Account.id, Account.email).where(col(Account.id).in_(ids))).all()
    return {str(account_id): email for account_id, email in rows}
