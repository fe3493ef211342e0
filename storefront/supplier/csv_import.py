"""Parts by the file: a CSV uploaded or pasted, imported with a report row by row, and the CSV
template the import accepts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from storefront import queries
from storefront.supplier.forms import FormError
from storefront.supplier.portal import current_supplier, to_login
from storefront.web import Page, SupplierPage

router = APIRouter(prefix="/supplier")

MAX_CSV_BYTES = 2 * 1024 * 1024


@router.get("/import", name="supplier_import")
async def import_form(page: SupplierPage) -> Response:
    supplier = await current_supplier(page)
    if supplier is None:
        return to_login(page)
    return page.render("supplier/import.html", supplier=supplier, csv="", outcome=None, errors={})


@router.get("/import/template.csv", name="supplier_import_template")
async def import_template(page: SupplierPage) -> Response:
    """The CSV the import accepts (header and one example row), as the catalog writes it."""
    supplier = await current_supplier(page)
    if supplier is None:
        return to_login(page)
    result = await page.query(queries.IMPORT_TEMPLATE)
    template = (result.data or {}).get("partImportTemplate")
    if template is None:
        return page.render("error.html", status_code=503, reason="unavailable", retry_after=0)
    return page.apply(
        Response(
            # With a BOM, so spreadsheet programs read the Chinese cells as UTF-8.
            "\ufeff" + template,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="parts-template.csv"'},
        )
    )


async def csv_to_import(page: Page, pasted: str, upload: Any) -> str:
    """The CSV to import: the chosen file's (UTF-8, a byte order mark dropped), else the pasted
    text; FormError naming `file` when the file is too large or not UTF-8, `csv` when there is
    nothing to import."""
    text = pasted
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            raise FormError("file", page._("The file is larger than 2 MB; split it into several files."))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormError("file", page._("Save the file as UTF-8 CSV and try again.")) from None
    if not text.strip():
        raise FormError("csv", page._("Choose a CSV file or paste its contents."))
    return text


@router.post("/import")
async def import_csv(page: SupplierPage, request: Request) -> Response:
    supplier = await current_supplier(page)
    if supplier is None:
        return to_login(page)
    data = await request.form()
    text = str(data.get("csv") or "")
    outcome = None
    try:
        text = await csv_to_import(page, text, data.get("file"))
    except FormError as exc:
        errors = {exc.field: exc.message}
    else:
        # The report's messages in the page's language (Chinese or English; German pages get English).
        result = await page.query(queries.IMPORT_PARTS, {"csv": text, "locale": page.locale})
        outcome = (result.data or {}).get("importParts")
        errors = {}
        if outcome is None:
            error = result.error()
            errors = {"csv": error.message if error else page._("The file could not be imported.")}
    shown = text if len(text) <= 20_000 else ""
    return page.render(
        "supplier/import.html",
        status_code=422 if errors else 200,
        supplier=supplier,
        csv=shown,
        outcome=outcome,
        errors=errors,
    )
