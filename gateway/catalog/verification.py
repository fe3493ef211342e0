"""Supplier verification (know your business) in the public API: the supplier applies with its
USCC, business licence (PDF) and legal representative; admins verify or reject, always
through the catalog, which enforces who may do what (services/catalog/verification.py).
"""

from __future__ import annotations

import base64
import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import httpx
import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from gateway import audit
from gateway.context import Context
from gateway.ids import global_id, node_uuid
from gateway.mutations import call_upstream, mutation, read_upload
from gateway.permissions import ADMINS, SUPPLIERS
from marketplace.roles import AccountRole
from services.catalog.contract import SupplierRead

if TYPE_CHECKING:
    from gateway.catalog.types import Supplier

LazySupplier = Annotated["Supplier", strawberry.lazy("gateway.catalog.types")]


@strawberry.enum(description="Where a supplier's verification stands.")
class SupplierVerificationStatus(Enum):
    NOT_SUBMITTED = strawberry.enum_value("NOT_SUBMITTED", description="No application yet.")
    PENDING = strawberry.enum_value("PENDING", description="Applied; waiting for an admin's review.")
    VERIFIED = strawberry.enum_value("VERIFIED", description="An admin reviewed the licence and verified it.")
    REJECTED = strawberry.enum_value(
        "REJECTED", description="Rejected, or a verification withdrawn; `reason` says why. It may apply again."
    )


@strawberry.type(description="The business licence on record; shown to admins and the supplier itself only.")
class SupplierLicence:
    sha256: str = strawberry.field(description="SHA-256 of the PDF: anyone holding a copy can check it.")
    size_bytes: int = strawberry.field(description="Size of the PDF in bytes.")
    supplier_id: strawberry.Private[str]

    @strawberry.field(
        description="The PDF's bytes, base64-encoded (at most 10 MiB before encoding): for showing the licence "
        "beside the application. Admins and the supplier itself only; ask for it on one supplier at a time."
    )
    async def content_base64(self, info: Info[Context, None]) -> str:
        context = info.context
        response = await context.clients.catalog.request(
            "GET", f"/suppliers/{self.supplier_id}/verification/licence", headers=context.upstream_headers()
        )
        return base64.b64encode(response.content).decode("ascii")


@strawberry.type(description="A supplier's verification: its application and the admin's decision.")
class SupplierVerification:
    status: SupplierVerificationStatus = strawberry.field(description="Where the verification stands.")
    uscc: str = strawberry.field(description="The Unified Social Credit Code applied with (18 characters).")
    legal_representative: str | None = strawberry.field(
        description="The legal representative (法定代表人) as written on the licence."
    )
    licence: SupplierLicence | None = strawberry.field(description="The business licence (营业执照) PDF.")
    submitted_at: datetime.datetime | None = strawberry.field(description="When the application was last sent.")
    reviewed_at: datetime.datetime | None = strawberry.field(description="When an admin last decided.")
    reason: str | None = strawberry.field(description="The admin's reason: why it was rejected, or a note.")

    @classmethod
    def of(cls, supplier: SupplierRead) -> SupplierVerification:
        return cls(
            status=SupplierVerificationStatus(supplier.verification_status),
            uscc=supplier.uscc,
            legal_representative=supplier.legal_representative,
            licence=SupplierLicence(
                sha256=supplier.licence_sha256,
                size_bytes=supplier.licence_size_bytes or 0,
                supplier_id=str(supplier.id),
            )
            if supplier.licence_sha256
            else None,
            submitted_at=supplier.verification_submitted_at,
            reviewed_at=supplier.verification_reviewed_at,
            reason=supplier.verification_reason,
        )


def may_see_verification(context: Context, supplier_id: str) -> bool:
    principal = context.principal
    if principal is None:
        return False
    return principal.role is AccountRole.ADMIN or str(principal.supplier_id or "") == supplier_id


# Verification is decided by admins; queries about who applied check the same permission.
DECIDERS = ADMINS.refusing("supplier verification is decided by admins")


@strawberry.input(description="A supplier's application for verification; the licence PDF is sent beside it.")
class SupplierVerificationInput:
    uscc: str = strawberry.field(description="Unified Social Credit Code (18 characters, GB 32100-2015).")
    legal_representative: str = strawberry.field(
        description="The legal representative's full name, as on the business licence."
    )


async def _decide(
    info: Info[Context, None], id: strawberry.ID, verified: bool, reason: str | None, *, action: str, why: str
) -> Supplier:
    """An admin's decision through the catalog, then its entry in the audit log (`action`, `why`)."""
    from gateway.catalog.types import Supplier

    context = info.context
    supplier_id = node_uuid(id, "Supplier", field="id")
    data = await call_upstream(
        context,
        context.clients.catalog,
        "POST",
        f"/suppliers/{supplier_id}/verification",
        json={"verified": verified, "reason": reason},
    )
    context.loaders.supplier.prime(str(data["id"]), data)
    why = (reason or "").strip() or "licence and application reviewed"
    await audit.record(
        context, "verifySupplier" if verified else "rejectSupplier", global_id("Supplier", supplier_id), why
    )
    return Supplier.from_json(data)


@strawberry.type
class SupplierVerificationMutation:
    @mutation(
        allow=SUPPLIERS.refusing("only supplier accounts apply for verification"),
        description="A supplier applies for verification (or again, after a rejection): its USCC, legal "
        "representative and business licence as a PDF, sent as a GraphQL multipart request with an "
        "Authorization or X-API-Key header; at most 10 MiB, no active content. Until an admin verifies it "
        "the supplier cannot list parts. A USCC held by a verified supplier: CONFLICT naming `uscc`.",
    )
    async def submit_supplier_verification(
        self,
        info: Info[Context, None],
        input: Annotated[SupplierVerificationInput, strawberry.argument(description="The application's details.")],
        licence: Annotated[Upload, strawberry.argument(description="The business licence (营业执照) as a PDF.")],
    ) -> LazySupplier:
        from gateway.catalog.types import Supplier

        context = info.context
        upload = await read_upload(context, licence, field="licence", what="a business licence")
        form = httpx.Request(
            "POST",
            "/",
            data={"uscc": input.uscc, "legal_representative": input.legal_representative},
            files={"file": (upload.filename or "licence.pdf", upload.content, "application/pdf")},
        )
        data = await call_upstream(
            context,
            context.clients.catalog,
            "POST",
            f"/suppliers/{context.require_principal().supplier_id}/verification/application",
            content=form.read(),
            content_type=form.headers["Content-Type"],
            # Named as the arguments are here: the catalog's upload `file` is `licence`.
            fields={"file": "licence", "legal_representative": "legalRepresentative"},
        )
        context.loaders.supplier.prime(str(data["id"]), data)
        return Supplier.from_json(data)

    @mutation(
        allow=DECIDERS,
        description="An admin verifies a supplier's pending application after reviewing its licence; the "
        "supplier may then list parts and shows the verified badge. Binds the USCC to this supplier: a USCC "
        "already verified for another supplier is a CONFLICT naming `uscc`. Again on a verified one: no change.",
    )
    async def verify_supplier(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The supplier's global id.")],
        reason: Annotated[str | None, strawberry.argument(description="A note kept with the decision.")] = None,
    ) -> LazySupplier:
        why = (reason or "").strip() or "licence and application reviewed"
        return await _decide(info, id, True, reason, action="verifySupplier", why=why)

    @mutation(
        allow=DECIDERS,
        description="An admin rejects a pending application, or withdraws a supplier's verification (its "
        "listed parts are then delisted); the reason is required and shown to the supplier, who may apply again.",
    )
    async def reject_supplier(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The supplier's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why; shown to the supplier.")],
    ) -> LazySupplier:
        return await _decide(info, id, False, reason, action="rejectSupplier", why=reason.strip())
