"""The supplier's certificates: each with its review status and PDF, a new one submitted for
review with its PDF, or the PDF uploaded later while the certificate awaits review."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from storefront import i18n, queries
from storefront.api_client import Upload
from storefront.supplier.forms import MAX_PDF_BYTES, FormError, pdf_upload
from storefront.supplier.portal import field_or_unavailable, supplier_of, to_login
from storefront.web import Page, SupplierPage

router = APIRouter(prefix="/supplier")

CERTIFICATE_FIELDS = ("scheme", "number", "issuing_body", "valid_from", "valid_until", "categories")
REQUIRED_FIELDS = ("scheme", "number", "issuing_body", "valid_from", "valid_until")
SCHEMES = (
    "ISO_9001", "IATF_16949", "ISO_14001", "ECE_R90", "ECE_R10", "ECE_R112", "ECE_R148", "ECE_R149",
    "ECE_R100", "FMVSS_108", "FMVSS_135", "UN_38_3", "EU_BATTERY_2023_1542", "EAC_TR_CU_018", "CCC",
    "GCC_CONFORMITY", "KR_KMVSS",
    # Certificates of origin: a free-trade agreement's duty rate where the part qualifies.
    "CO_RCEP", "CO_CHAFTA", "CO_CKFTA", "CO_NZCFTA", "CO_ACFTA",
)  # fmt: skip


async def _certificates_page(
    page: Page,
    *,
    form: dict[str, Any],
    errors: dict[str, str],
    added: dict[str, Any] | None = None,
    notice: str | None = None,
    upload_errors: dict[str, str] | None = None,
    after: str | None = None,
    status_code: int = 200,
) -> Response:
    result = await page.query(queries.SUPPLIER_CERTIFICATES, {"after": after})
    supplier = supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    connection = field_or_unavailable(result, "myCertificates") or {"edges": [], "pageInfo": {}}
    return page.render(
        "supplier/certificates.html",
        status_code=status_code,
        supplier=supplier,
        certificates=[e["node"] for e in connection["edges"]],
        page_info=connection.get("pageInfo") or {},
        form=form,
        errors=errors,
        added=added,
        notice=notice,
        upload_errors=upload_errors or {},
        schemes=SCHEMES,
        categories=i18n.CATEGORIES,
        max_pdf_mb=MAX_PDF_BYTES // (1024 * 1024),
    )


def _empty_certificate_form() -> dict[str, Any]:
    return {**dict.fromkeys(CERTIFICATE_FIELDS, ""), "categories": []}


@router.get("/certificates", name="supplier_certificates")
async def certificates(page: SupplierPage, after: str = "", notice: str = "") -> Response:
    notices = {"uploaded": page._("The PDF is on record; an inspector reviews the certificate.")}
    return await _certificates_page(
        page, form=_empty_certificate_form(), errors={}, notice=notices.get(notice), after=after or None
    )


async def _pdf(page: Page, upload: Any) -> Upload | None:
    return await pdf_upload(page, upload, page._("Choose the certificate as a PDF file."))


async def _send_pdf(page: Page, certificate_id: str, pdf: Upload) -> str | None:
    """Upload the PDF through the API; the error message, or None when it is on record."""
    result = await page.query(
        queries.UPLOAD_CERTIFICATE_DOCUMENT, {"certificateId": certificate_id}, files={"file": pdf}
    )
    if (result.data or {}).get("uploadCertificateDocument") is not None:
        return None
    error = result.error()
    return error.message if error else page._("The PDF could not be uploaded.")


def certificate_form(page: Page, data: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The certificate as typed (categories only of those we know) and its required fields left
    empty, each with its error."""
    form: dict[str, Any] = {name: str(data.get(name) or "").strip() for name in CERTIFICATE_FIELDS}
    form["categories"] = [str(c) for c in data.getlist("categories") if str(c) in i18n.CATEGORIES]
    errors = {name: page._("This field is required.") for name in REQUIRED_FIELDS if not form[name]}
    return form, errors


def certificate_input(form: dict[str, Any]) -> dict[str, Any]:
    """The typed certificate as the API's CertificateInput."""
    return {
        "scheme": form["scheme"],
        "number": form["number"],
        "issuingBody": form["issuing_body"],
        "validFrom": form["valid_from"],
        "validUntil": form["valid_until"],
        "categories": form["categories"] or None,
    }


@router.post("/certificates")
async def add_certificate(page: SupplierPage, request: Request) -> Response:
    data = await request.form()
    form, errors = certificate_form(page, data)
    pdf = None
    try:
        pdf = await _pdf(page, data.get("file"))
    except FormError as exc:
        errors[exc.field] = exc.message
    if errors:
        return await _certificates_page(page, form=form, errors=errors, status_code=422)
    result = await page.query(queries.ADD_CERTIFICATE, {"input": certificate_input(form)})
    added = (result.data or {}).get("addCertificate")
    if added is None:
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        errors = result.field_errors(CERTIFICATE_FIELDS)
        if "" in errors and len(errors) == 1:
            errors = {"number": errors[""]}
        return await _certificates_page(page, form=form, errors=errors, status_code=422)
    upload_errors = {}
    if pdf is not None:
        refused = await _send_pdf(page, added["id"], pdf)
        if refused is not None:
            # The certificate is on record; its row in the list offers the upload again.
            upload_errors[added["id"]] = refused
    return await _certificates_page(
        page,
        form=_empty_certificate_form(),
        errors={},
        added={**added, "has_document": pdf is not None and not upload_errors},
        upload_errors=upload_errors,
        status_code=422 if upload_errors else 200,
    )


@router.post("/certificates/{certificate_id}/document", name="supplier_certificate_document")
async def upload_certificate_document(page: SupplierPage, certificate_id: str, request: Request) -> Response:
    data = await request.form()
    try:
        pdf = await _pdf(page, data.get("file"))
        if pdf is None:
            raise FormError("file", page._("Choose the certificate as a PDF file."))
    except FormError as exc:
        refused: str | None = exc.message
    else:
        refused = await _send_pdf(page, certificate_id, pdf)
        if refused is None:
            return page.redirect("/supplier/certificates?notice=uploaded")
    return await _certificates_page(
        page,
        form=_empty_certificate_form(),
        errors={},
        upload_errors={certificate_id: refused or ""},
        status_code=422,
    )
