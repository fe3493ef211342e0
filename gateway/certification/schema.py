"""Certification queries and mutations."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import httpx
import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from gateway import audit
from gateway.certification.types import (
    STAFF_ROLES,
    Certificate,
    CertificateConnection,
    CertificateEdge,
    CertificateStatus,
    CertificateVerification,
)
from gateway.context import Context
from gateway.ids import global_id, node_uuid
from gateway.mutations import call_upstream, mutation, read_upload
from gateway.permissions import SIGNED_IN, SUPPLIERS, Permission
from gateway.types import PageAfter, PageInfo, PageSize
from services.common.errors import Conflict, Forbidden
from services.common.pagination import encode_cursor, page_size

# The reason every review decision on a certificate requires, described once.
ReviewReason = Annotated[
    str,
    strawberry.argument(description="Why; kept in its history (and, for staff, the audit log). Blank: BAD_USER_INPUT."),
]


@strawberry.input(
    description="A certificate a supplier holds, for review. Its scope is the parts, categories and OEM numbers "
    "it covers; a scheme that certifies the whole company (ISO 9001) needs none."
)
class CertificateInput:
    scheme: str = strawberry.field(
        description="A scheme code of the registry (`ECE_R90`, `CCC`, `ISO_9001`); another: BAD_USER_INPUT."
    )
    number: str = strawberry.field(description="The certificate's number, in the scheme's format.")
    issuing_body: str = strawberry.field(description="Who issued it, at most 200 characters.")
    valid_from: datetime.date = strawberry.field(description="First day it is in force.")
    valid_until: datetime.date = strawberry.field(description="Last day it is in force.")
    part_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Global ids of your own parts it covers; at most 1,000."
    )
    categories: list[str] | None = strawberry.field(
        default=None, description="Category codes it covers (`headlamp`); at most 50."
    )
    oem_numbers: list[str] | None = strawberry.field(default=None, description="OEM numbers it covers; at most 500.")


@strawberry.type
class CertificationQuery:
    @strawberry.field(description="Public: is this certificate on record and in force? Rate limited per address.")
    async def verify_certificate(
        self,
        info: Info[Context, None],
        scheme: Annotated[
            str, strawberry.argument(description="The scheme's code (`ECE_R90`); unknown: BAD_USER_INPUT.")
        ],
        number: Annotated[
            str, strawberry.argument(description="The certificate's number; case and extra spaces do not matter.")
        ],
    ) -> CertificateVerification:
        context = info.context
        data = await context.clients.certification.get_json(
            "/verify",
            params={"scheme": scheme, "number": number},
            headers={**context.upstream_headers(), "X-Client-Address": context.client_address},
        )
        return CertificateVerification(
            status=CertificateStatus(data["status"].upper()),
            holder_name=data.get("holder_name"),
            scope=data.get("scope"),
            valid_from=datetime.date.fromisoformat(data["valid_from"]) if data.get("valid_from") else None,
            valid_until=datetime.date.fromisoformat(data["valid_until"]) if data.get("valid_until") else None,
            issuing_body=data.get("issuing_body"),
        )

    @strawberry.field(
        description="A supplier's own certificates, newest first, those awaiting review included; "
        "status filters (PENDING_REVIEW, VALID, EXPIRED, SUSPENDED or REVOKED)."
    )
    async def my_certificates(
        self,
        info: Info[Context, None],
        first: PageSize = 20,
        after: PageAfter = None,
        status: Annotated[
            CertificateStatus | None, strawberry.argument(description="Only certificates in this status.")
        ] = None,
    ) -> CertificateConnection:
        context = info.context
        principal = context.require_principal()
        if principal.supplier_id is None:
            raise Forbidden("only supplier accounts hold certificates")
        params: dict[str, Any] = {"holder_id": str(principal.supplier_id), "first": page_size(first)}
        if after:
            params["after"] = after
        if status is not None:
            params["status"] = status.value
        page = await context.clients.certification.get_json(
            "/certificates", params=params, headers=context.upstream_headers()
        )
        # The certification service pages by (created_at, id); each edge's cursor is that key.
        edges = [
            CertificateEdge(node=Certificate.from_json(c), cursor=encode_cursor([c["created_at"], str(c["id"])]))
            for c in page["items"]
        ]
        return CertificateConnection(
            edges=edges, page_info=PageInfo(has_next_page=page["has_next_page"], end_cursor=page["end_cursor"])
        )

    @strawberry.field(
        description="Certificates awaiting review, the longest waiting first (their PDFs and histories "
        "readable by the reviewer). Inspectors and admins only."
    )
    async def certificate_review_queue(
        self,
        info: Info[Context, None],
        first: PageSize = 20,
        after: PageAfter = None,
    ) -> CertificateConnection:
        context = info.context
        REVIEWERS.check(context)
        params: dict[str, Any] = {"status": "PENDING_REVIEW", "order": "oldest", "first": page_size(first)}
        if after:
            params["after"] = after
        page = await context.clients.certification.get_json(
            "/certificates", params=params, headers=context.upstream_headers()
        )
        edges = [
            CertificateEdge(node=Certificate.from_json(c), cursor=encode_cursor([c["created_at"], str(c["id"])]))
            for c in page["items"]
        ]
        return CertificateConnection(
            edges=edges, page_info=PageInfo(has_next_page=page["has_next_page"], end_cursor=page["end_cursor"])
        )

    @strawberry.field(description="Scheme codes a part of this category needs to be sold in this country.")
    async def market_requirements(
        self,
        info: Info[Context, None],
        country: Annotated[str, strawberry.argument(description="ISO 3166-1 alpha-2 (`DE`).")],
        category: Annotated[str, strawberry.argument(description="A category code of the catalog (`headlamp`).")],
    ) -> list[str]:
        context = info.context
        data = await context.clients.certification.get_json(
            "/market-requirements",
            params={"country": country, "category": category},
            headers=context.upstream_headers(),
        )
        return list(data["schemes"])


# Inspectors and admins review certificates; the certification service checks again.
REVIEWERS = Permission(roles=frozenset(STAFF_ROLES), refusal="the review queue is for inspectors and admins")


@strawberry.type
class CertificationMutation:
    @mutation(
        allow=SUPPLIERS.refusing("only supplier accounts submit certificates"),
        description="A supplier submits a certificate for review by an inspector.",
    )
    async def add_certificate(
        self,
        info: Info[Context, None],
        input: Annotated[
            CertificateInput,
            strawberry.argument(description="The certificate to submit: scheme, number, dates and scope."),
        ],
    ) -> Certificate:
        context = info.context
        supplier_id = str(context.require_principal().supplier_id)
        supplier = await context.loaders.supplier.load(supplier_id)
        body = {
            "scheme": input.scheme,
            "number": input.number,
            "issuing_body": input.issuing_body,
            "holder_id": supplier_id,
            "holder_name": supplier["name_en"] if supplier else supplier_id,
            "valid_from": input.valid_from.isoformat(),
            "valid_until": input.valid_until.isoformat(),
            "scope": {
                "part_ids": [node_uuid(p, "Part", field="input.partIds") for p in input.part_ids or []],
                "categories": input.categories or [],
                "oem_numbers": input.oem_numbers or [],
            },
        }
        data = await call_upstream(context, context.clients.certification, "POST", "/certificates", json=body)
        return Certificate.from_json(data)

    @mutation(
        allow=SIGNED_IN,
        description="An inspector or admin approves a certificate awaiting review (its PDF on record, and "
        "not one they submitted themselves), or reinstates a suspended one; it becomes VALID and the parts "
        "it covers may be sold where it is required. `reason` is required (BAD_USER_INPUT naming it) and "
        "kept in the certificate's history and the audit log.",
    )
    async def approve_certificate(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The certificate's global id.")],
        reason: ReviewReason,
    ) -> Certificate:
        return await _review(info.context, "approve", "approveCertificate", id, reason)

    @mutation(
        allow=SIGNED_IN,
        description="An inspector or admin suspends a VALID certificate: the parts relying on it may not be "
        "sold where it is required until it is approved again. `reason` is required.",
    )
    async def suspend_certificate(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The certificate's global id.")],
        reason: ReviewReason,
    ) -> Certificate:
        return await _review(info.context, "suspend", "suspendCertificate", id, reason)

    @mutation(
        allow=SIGNED_IN,
        description="An inspector revokes a certificate (final), or its holder withdraws it. `reason` is "
        "required (BAD_USER_INPUT naming it); an inspector's revocation is kept in the audit log.",
    )
    async def revoke_certificate(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The certificate's global id.")],
        reason: ReviewReason,
    ) -> Certificate:
        return await _review(info.context, "revoke", "revokeCertificate", id, reason)

    @mutation(
        allow=SIGNED_IN,
        description="The holder uploads its certificate as a PDF while it awaits review (an inspector may "
        "replace it later). Send it as a GraphQL multipart request with an Authorization or X-API-Key "
        "header; at most 10 MiB. Not a PDF, too large, or holding active content (JavaScript, actions, "
        "embedded files) or a decompression bomb: BAD_USER_INPUT naming `file`, the message saying which.",
    )
    async def upload_certificate_document(
        self,
        info: Info[Context, None],
        certificate_id: Annotated[strawberry.ID, strawberry.argument(description="The certificate's global id.")],
        file: Annotated[Upload, strawberry.argument(description="The PDF, a file part of the multipart request.")],
    ) -> Certificate:
        context = info.context
        certificate_uuid = node_uuid(certificate_id, "Certificate", field="certificateId")
        upload = await read_upload(context, file, field="file", what="a certificate document")
        # The certification service takes the file as multipart form data, as browsers send it.
        name = upload.filename or "certificate.pdf"
        form = httpx.Request("POST", "/", files={"file": (name, upload.content, "application/pdf")})
        data = await call_upstream(
            context,
            context.clients.certification,
            "POST",
            f"/certificates/{certificate_uuid}/document",
            content=form.read(),
            content_type=form.headers["Content-Type"],
        )
        return Certificate.from_json(data)


# The history's action for each decision, as the certification service records it.
DECISION_ACTIONS = {
    "approve": ("APPROVED", "REINSTATED"),
    "suspend": ("SUSPENDED",),
    "revoke": ("REVOKED", "WITHDRAWN"),
}


async def _review(context: Context, verb: str, action: str, id: strawberry.ID, reason: str) -> Certificate:
    """One review decision through the certification service (which checks who may take it), then
    the audit log's entry for a staff member's decision. The same decision sent again by the same
    person with the same reason (a retry whose answer was lost) answers the certificate as it is."""
    principal = context.require_principal()
    certificate_id = node_uuid(id, "Certificate", field="id")
    subject = global_id("Certificate", certificate_id)
    why = audit.require_reason(reason)
    try:
        data = await call_upstream(
            context,
            context.clients.certification,
            "POST",
            f"/certificates/{certificate_id}/{verb}",
            json={"reason": why},
        )
    except Conflict:
        history = await context.clients.certification.get_json(
            f"/certificates/{certificate_id}/history", headers=context.upstream_headers()
        )
        last = history[-1] if history else {}
        repeated = (
            last.get("actor_id") == str(principal.account_id)
            and last.get("action") in DECISION_ACTIONS[verb]
            and last.get("reason") == why
        )
        if not repeated:
            raise
        data = await context.clients.certification.get_json(
            f"/certificates/{certificate_id}", headers=context.upstream_headers()
        )
        if principal.role in STAFF_ROLES:
            # Recorded unless the first attempt's entry made it (it is written after the decision).
            decided_at = datetime.datetime.fromisoformat(last["at"])
            await audit.record_once(context, action, subject, why, since=decided_at)
        return Certificate.from_json(data)
    if principal.role in STAFF_ROLES:
        await audit.record(context, action, subject, why)
    return Certificate.from_json(data)
