"""Supplier verification in the back office (admins): the applications waiting for review and
every supplier, and each supplier's application beside its business licence, verified or
rejected with a reason. The gateway decides who may do this; an inspector is shown why not."""

from __future__ import annotations

import base64
from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.office import decisions
from storefront.office.staff import OfficePage, Staff, current_admin
from storefront.web import Page

router = APIRouter(prefix="/office/suppliers")

VERIFICATION = "status uscc legalRepresentative reason submittedAt reviewedAt licence { sha256 sizeBytes }"
LIST = f"""
query OfficeSuppliers($after: String, $status: SupplierVerificationStatus) {{
  suppliers(first: 50, after: $after, verificationStatus: $status) {{
    edges {{ node {{ id nameEn nameZh verified verification {{ {VERIFICATION} }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
RECORD = f"""
query OfficeSupplier($id: ID!) {{
  supplier(id: $id) {{ id nameEn nameZh verified verification {{ {VERIFICATION} }} }}
}}"""
LICENCE = """
query OfficeSupplierLicence($id: ID!) {
  supplier(id: $id) { verification { licence { contentBase64 } } }
}"""
VERIFY = """
mutation VerifySupplier($id: ID!, $reason: String) { verifySupplier(id: $id, reason: $reason) { id verified } }"""
REJECT = """
mutation RejectSupplier($id: ID!, $reason: String!) { rejectSupplier(id: $id, reason: $reason) { id verified } }"""
# A verification's reason is an optional note; a rejection's is what the supplier reads.
OUTCOMES = {
    "verify": decisions.Outcome(VERIFY, "verifySupplier", notice="verified", needs_reason=False),
    "reject": decisions.Outcome(REJECT, "rejectSupplier", notice="rejected"),
}
STATUSES = ("PENDING", "VERIFIED", "REJECTED", "NOT_SUBMITTED")
# The licence is shown in a frame of the supplier's page, of this site only; nothing else may frame it.
PDF_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "private, no-store",
    "Content-Disposition": "inline",
}


@router.get("", name="office_suppliers")
async def suppliers(page: OfficePage, status: str = "PENDING", after: str = "") -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    wanted = status if status in STATUSES else None
    result = await page.query(LIST, {"after": after or None, "status": wanted})
    connection = (result.data or {}).get("suppliers") or {"edges": [], "pageInfo": {}}
    return page.render(
        "office/suppliers/list.html",
        staff=staff,
        suppliers=[e["node"] for e in connection["edges"]],
        page_info=connection["pageInfo"],
        status=wanted,
        statuses=STATUSES,
        error=result.error(),
    )


async def _record_page(
    page: Page,
    staff: Staff,
    supplier_id: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    result = await page.query(RECORD, {"id": supplier_id})
    supplier: dict[str, Any] | None = (result.data or {}).get("supplier")
    if not supplier:
        return page.render("not_found.html", status_code=404)
    return page.render(
        "office/suppliers/record.html",
        status_code=status_code,
        staff=staff,
        supplier=supplier,
        verification=supplier.get("verification") or {"status": "NOT_SUBMITTED"},
        form=form or {"reason": ""},
        errors=errors or {},
        notice=notice,
    )


@router.get("/{supplier_id}", name="office_supplier")
async def record(page: OfficePage, supplier_id: str, notice: str = "") -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    notices = {
        "verified": page._("Verified. The supplier may now list parts and shows the verified badge."),
        "rejected": page._("Rejected. The supplier sees the reason and may apply again."),
    }
    return await _record_page(page, staff, supplier_id, notice=notices.get(notice))


@router.get("/{supplier_id}/licence.pdf", name="office_supplier_licence")
async def licence(page: OfficePage, supplier_id: str) -> Response:
    """The business licence, read through the API with the staff member's token."""
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff
    result = await page.query(LICENCE, {"id": supplier_id})
    supplier = (result.data or {}).get("supplier") or {}
    pdf = ((supplier.get("verification") or {}).get("licence") or {}).get("contentBase64")
    if not pdf:
        return page.render("not_found.html", status_code=404)
    return page.apply(Response(base64.b64decode(pdf), media_type="application/pdf", headers=PDF_HEADERS))


@router.post("/{supplier_id}/decision", name="office_supplier_decision")
async def decide(page: OfficePage, supplier_id: str, request: Request) -> Response:
    staff = await current_admin(page)
    if isinstance(staff, Response):
        return staff

    def show_again(*, form: dict[str, str], errors: dict[str, str]) -> Awaitable[Response]:
        return _record_page(page, staff, supplier_id, form=form, errors=errors, status_code=422)

    return await decisions.decide(
        page,
        request,
        supplier_id,
        OUTCOMES,
        reason_missing=page._("Give the reason: the supplier reads it."),
        show_again=show_again,
        done=f"/office/suppliers/{supplier_id}",
    )
