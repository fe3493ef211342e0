"""The supplier portal's verification: the company applies with its Unified Social Credit
Code, business licence (PDF) and legal representative, sees where the review stands and, when
rejected, why; until an admin verifies it, the company cannot list parts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.supplier.forms import MAX_PDF_BYTES, FormError, pdf_upload
from storefront.supplier.portal import supplier_of, to_login
from storefront.web import Page, SupplierPage

router = APIRouter(prefix="/supplier")

FIELDS = ("uscc", "legal_representative")
VERIFICATION = """
query SupplierVerification {
  viewer { account { email role supplier {
    id nameEn nameZh verified
    verification { status uscc legalRepresentative reason submittedAt reviewedAt licence { sizeBytes } }
  } } }
}"""
SUBMIT = """
mutation SubmitSupplierVerification($input: SupplierVerificationInput!, $licence: Upload!) {
  submitSupplierVerification(input: $input, licence: $licence) { id verification { status } }
}"""


async def _page(
    page: Page,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    result = await page.query(VERIFICATION)
    supplier = supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    verification = supplier.get("verification") or {"status": "NOT_SUBMITTED"}
    if form is None:
        form = {
            "uscc": verification.get("uscc") or "",
            "legal_representative": verification.get("legalRepresentative") or "",
        }
    return page.render(
        "supplier/verification.html",
        supplier=supplier,
        verification=verification,
        form=form,
        errors=errors or {},
        max_pdf_mb=MAX_PDF_BYTES // (1024 * 1024),
        notice=notice,
        status_code=status_code,
    )


@router.get("/verification", name="supplier_verification")
async def verification(page: SupplierPage, notice: str = "") -> Response:
    notices = {"submitted": page._("Your application is on record; an administrator reviews it.")}
    return await _page(page, notice=notices.get(notice))


@router.post("/verification")
async def submit(page: SupplierPage, request: Request) -> Response:
    data = await request.form()
    form = {name: str(data.get(name) or "").strip() for name in FIELDS}
    errors = {name: page._("This field is required.") for name in FIELDS if not form[name]}
    licence = None
    try:
        licence = await pdf_upload(page, data.get("file"), page._("Choose the business licence as a PDF file."))
        if licence is None:
            raise FormError("file", page._("Choose the business licence as a PDF file."))
    except FormError as exc:
        errors[exc.field] = exc.message
    if errors or licence is None:
        return await _page(page, form=form, errors=errors, status_code=422)
    variables = {"input": {"uscc": form["uscc"], "legalRepresentative": form["legal_representative"]}}
    result = await page.query(SUBMIT, variables, files={"licence": licence})
    if (result.data or {}).get("submitSupplierVerification") is None:
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        found = result.field_errors(("uscc", "legalRepresentative", "licence"))
        errors = {
            {"legalRepresentative": "legal_representative", "licence": "file"}.get(k, k): v for k, v in found.items()
        }
        return await _page(page, form=form, errors=errors, status_code=422)
    return page.redirect("/supplier/verification?notice=submitted")
