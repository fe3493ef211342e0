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
from gateway.identity.models import Account
from gateway.types import PageInfo
from marketplace.roles import AccountRole
from services.certification.contract import CertificateRead, EventRead, PartEligibility

STAFF_ROLES = (AccountRole.INSPECTOR, AccountRole.ADMIN)


@strawberry.enum(description="Where a certificate stands on the day asked.")
class CertificateStatus(Enum):
    PENDING_REVIEW = strawberry.enum_value(
        "PENDING_REVIEW", description="Submitted by its holder, awaiting an inspector's review."
    )
    VALID = strawberry.enum_value("VALID", description="Approved and within its validity dates.")
    EXPIRED = strawberry.enum_value("EXPIRED", description="Approved, but past its `validUntil`.")
    SUSPENDED = strawberry.enum_value("SUSPENDED", description="Put on hold by an inspector; may be approved again.")
    REVOKED = strawberry.enum_value("REVOKED", description="Revoked by an inspector or withdrawn by its holder; final.")
    UNKNOWN = strawberry.enum_value(
        "UNKNOWN", description="Public verification only: no certificate on record under that scheme and number."
    )


@strawberry.type(description="The PDF on record for a certificate; shown to its holder and inspectors only.")
class CertificateDocument:
    sha256: str = strawberry.field(description="Anyone holding a copy can check it against this hash.")
    size_bytes: int = strawberry.field(description="The PDF's size, in bytes.")
    uploaded_at: datetime.datetime = strawberry.field(description="When the PDF was uploaded.")
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
    at: datetime.datetime = strawberry.field(description="When it happened.")
    action: str = strawberry.field(
        description="SUBMITTED, DOCUMENT_UPLOADED, APPROVED, SUSPENDED, REINSTATED, REVOKED or WITHDRAWN."
    )
    from_status: CertificateStatus | None = strawberry.field(description="Null for the submission.")
    to_status: CertificateStatus = strawberry.field(description="The status it left the certificate in.")
    reason: str | None = strawberry.field(description="Why, in the words of whoever did it.")
    actor_role: str = strawberry.field(description="SUPPLIER, INSPECTOR, ADMIN or SYSTEM.")
    actor_email: str | None = strawberry.field(
        description="Who did it; shown to inspectors and admins only (null for others and for the system)."
    )


@strawberry.type(
    description="A supplier's certificate under one scheme (E-mark, CCC, ISO 9001 ...): what it covers and "
    "whether it is in force. The parts it covers may be sold where the scheme is required while it is VALID."
)
class Certificate(relay.Node):
    id: relay.NodeID[str]
    scheme: str = strawberry.field(description="The scheme's code (`ECE_R90`, `CCC`, `ISO_9001`).")
    number: str = strawberry.field(description="The certificate's number, as the scheme writes it.")
    issuing_body: str = strawberry.field(description="Who issued it (the approval authority or certifier).")
    status: CertificateStatus = strawberry.field(description="EXPIRED is derived from validUntil on the day asked.")
    valid_from: datetime.date = strawberry.field(description="First day it is in force.")
    valid_until: datetime.date = strawberry.field(description="Last day it is in force.")
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

    @strawberry.field(description="The supplier that holds it.")
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


@strawberry.type(description="One certificate in a page of results, with its cursor.")
class CertificateEdge:
    node: Certificate = strawberry.field(description="The certificate.")
    cursor: str = strawberry.field(
        description="Opaque position of this certificate; pass it as `after` to page on from it."
    )


@strawberry.type(description="A page of certificates.")
class CertificateConnection:
    edges: list[CertificateEdge] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")


@strawberry.type(description="One reason a part may not be sold in a country.")
class EligibilityReason:
    code: str = strawberry.field(
        description="CONDITION_PROHIBITED, CONDITION_LICENCE_REQUIRED or MISSING_CERTIFICATION."
    )
    message: str = strawberry.field(description="The reason in a sentence, in English.")
    source: str = strawberry.field(description="The instrument or list the rule relies on.")


@strawberry.type(description="Whether a part may be sold in a country today, and what is missing if not.")
class Eligibility:
    country: str = strawberry.field(description="The country asked about, ISO 3166-1 alpha-2.")
    eligible: bool = strawberry.field(description="True when the part may be sold there today.")
    missing_schemes: list[str] = strawberry.field(
        description="Scheme codes required there with no VALID certificate covering the part."
    )
    required_schemes: list[str] = strawberry.field(description="Every scheme code required there for this part.")
    reasons: list[EligibilityReason] = strawberry.field(description="When not eligible: every reason, with its source.")
    expiring_soon: list[Certificate] = strawberry.field(description="Certificates this relies on that lapse soon.")


@strawberry.type(
    description="What anyone may learn of a certificate by its scheme and number: its status, holder, scope "
    "and dates; never its document. Every other field is null when the status is UNKNOWN."
)
class CertificateVerification:
    status: CertificateStatus = strawberry.field(description="UNKNOWN when there is no such record.")
    holder_name: str | None = strawberry.field(description="The holder's name as the certificate gives it.")
    scope: str | None = strawberry.field(
        description="What it covers, in words: the categories and OEM numbers, and how many listed parts."
    )
    valid_from: datetime.date | None = strawberry.field(description="First day it is in force.")
    valid_until: datetime.date | None = strawberry.field(description="Last day it is in force.")
    issuing_body: str | None = strawberry.field(description="Who issued it.")


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
