"""Certificate review: the queue (the longest waiting first), and each record beside its PDF with
the decisions an inspector takes on it (approve, suspend, revoke), each with a reason, and its
history. Inspectors and admins; the gateway decides who may take which decision."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.office.staff import OfficePage, Staff, current_staff, to_login
from storefront.web import Page

router = APIRouter(prefix="/office/certificates")

QUEUE = """
query OfficeReviewQueue($after: String) {
  certificateReviewQueue(first: 25, after: $after) {
    edges { node { id scheme number issuingBody validFrom validUntil categories
                   document { sizeBytes uploadedAt } holder { nameZh nameEn } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
RECORD = """
query OfficeCertificate($id: ID!) {
  node(id: $id) {
    ... on Certificate {
      id scheme number issuingBody status validFrom validUntil categories verificationUrl
      document { sha256 sizeBytes uploadedAt }
      holder { nameZh nameEn verified }
      history { at action fromStatus toStatus reason actorRole actorEmail }
    }
  }
}"""
DOCUMENT = """
query OfficeCertificateDocument($id: ID!) {
  node(id: $id) { ... on Certificate { number document { contentBase64 } } }
}"""
# The decisions, by what the form's button sends, and the mutation that takes each.
DECISIONS = {
    "approve": "approveCertificate",
    "suspend": "suspendCertificate",
    "revoke": "revokeCertificate",
}
DECIDE = """
mutation OfficeDecide($id: ID!, $reason: String!) { %s(id: $id, reason: $reason) { id status } }"""
# Which decisions a certificate in each status allows (the service refuses the others).
ALLOWED = {
    "PENDING_REVIEW": ("approve", "revoke"),
    "VALID": ("suspend", "revoke"),
    "EXPIRED": ("revoke",),
    "SUSPENDED": ("approve", "revoke"),
    "REVOKED": (),
}
# The PDF is shown in a frame of the record's page, of this site only; nothing else may frame it.
PDF_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "private, no-store",
    "Content-Disposition": "inline",
}


@router.get("", name="office_certificates")
async def queue(page: OfficePage, after: str = "") -> Response:
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    result = await page.query(QUEUE, {"after": after or None})
    connection = (result.data or {}).get("certificateReviewQueue") or {"edges": [], "pageInfo": {}}
    return page.render(
        "office/certificates/queue.html",
        staff=staff,
        certificates=[e["node"] for e in connection["edges"]],
        page_info=connection["pageInfo"],
        error=result.error(),
    )


async def _record_page(
    page: Page,
    staff: Staff,
    certificate_id: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    result = await page.query(RECORD, {"id": certificate_id})
    certificate = (result.data or {}).get("node")
    if not certificate:
        return page.render("not_found.html", status_code=404)
    return page.render(
        "office/certificates/record.html",
        status_code=status_code,
        staff=staff,
        certificate=certificate,
        allowed=ALLOWED.get(certificate["status"], ()),
        form=form or {"reason": ""},
        errors=errors or {},
        notice=notice,
    )


@router.get("/{certificate_id}", name="office_certificate")
async def record(page: OfficePage, certificate_id: str, notice: str = "") -> Response:
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    notices = {
        "approve": page._("Approved. The parts it covers may now be sold where it is required."),
        "suspend": page._("Suspended. The parts relying on it are withdrawn where it is required."),
        "revoke": page._("Revoked."),
    }
    return await _record_page(page, staff, certificate_id, notice=notices.get(notice))


@router.get("/{certificate_id}/document.pdf", name="office_certificate_document")
async def document(page: OfficePage, certificate_id: str) -> Response:
    """The certificate's PDF, read through the API with the staff member's token."""
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    result = await page.query(DOCUMENT, {"id": certificate_id})
    certificate = (result.data or {}).get("node") or {}
    pdf = (certificate.get("document") or {}).get("contentBase64")
    if not pdf:
        return page.render("not_found.html", status_code=404)
    return page.apply(Response(base64.b64decode(pdf), media_type="application/pdf", headers=PDF_HEADERS))


@router.post("/{certificate_id}/decision", name="office_certificate_decision")
async def decide(page: OfficePage, certificate_id: str, request: Request) -> Response:
    staff = await current_staff(page)
    if staff is None:
        return to_login(page)
    data = await request.form()
    decision = str(data.get("decision") or "")
    form = {"reason": str(data.get("reason") or "").strip()}
    if decision not in DECISIONS:
        return await _record_page(
            page, staff, certificate_id, form=form, errors={"": page._("Choose a decision.")}, status_code=422
        )
    if not form["reason"]:
        errors = {"reason": page._("Give the reason for this decision.")}
        return await _record_page(page, staff, certificate_id, form=form, errors=errors, status_code=422)
    result = await page.query(DECIDE % DECISIONS[decision], {"id": certificate_id, "reason": form["reason"]})
    if (result.data or {}).get(DECISIONS[decision]) is None:
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        errors = result.field_errors(("reason",))
        return await _record_page(page, staff, certificate_id, form=form, errors=errors, status_code=422)
    return page.redirect(f"/office/certificates/{certificate_id}?notice={decision}")
