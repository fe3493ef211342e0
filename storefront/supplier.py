"""The supplier portal: sign in or register with the company, parts and stock, a part's form,
CSV import with a per-row report, certificates with their PDFs, orders to ship, and settlement
statements with their CSV."""

from __future__ import annotations

import base64
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from storefront import i18n, queries
from storefront.api_client import ApiUnavailable, Result
from storefront.api_client import Upload as StorefrontUpload
from storefront.web import Page, SupplierPage, safe_next

router = APIRouter(prefix="/supplier")

PART_FIELDS = (
    "sku", "title_en", "title_zh", "description_en", "description_zh", "category", "condition", "brand",
    "oem_numbers", "interchange_numbers", "price_cny", "core_charge_cny", "warranty_months", "weight_grams",
    "hs_code", "on_hand", "fitments",
)  # fmt: skip
# What updatePart may change; the rest of a part is fixed once listed.
EDITABLE_FIELDS = (
    "title_en", "title_zh", "description_en", "description_zh", "oem_numbers", "interchange_numbers",
    "price_cny", "core_charge_cny", "warranty_months", "fitments",
)  # fmt: skip
REGISTER_FIELDS = ("email", "password", "name_en", "name_zh", "uscc")
CERTIFICATE_FIELDS = ("scheme", "number", "issuing_body", "valid_from", "valid_until", "categories")
SCHEMES = (
    "ISO_9001", "IATF_16949", "ISO_14001", "ECE_R90", "ECE_R10", "ECE_R112", "ECE_R148", "ECE_R149",
    "ECE_R100", "FMVSS_108", "FMVSS_135", "UN_38_3", "EU_BATTERY_2023_1542", "EAC_TR_CU_018", "CCC",
    "GCC_CONFORMITY", "KR_KMVSS",
    # Certificates of origin: a free-trade agreement's duty rate where the part qualifies.
    "CO_RCEP", "CO_CHAFTA", "CO_CKFTA", "CO_NZCFTA", "CO_ACFTA",
)  # fmt: skip
_FITMENT = re.compile(r"^([^:]+):([^:]+):(\d{4})-(\d{4})(?::([^:]+))?$")
MAX_CSV_BYTES = 2 * 1024 * 1024
# The certification service keeps certificate PDFs of up to 10 MiB.
MAX_PDF_BYTES = 10 * 1024 * 1024
# The catalog's cap on a picture (TONGNAN_CATALOG_MAX_IMAGE_BYTES); the gateway checks again.
MAX_IMAGE_BYTES = 8 * 1024 * 1024


class FormError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- parsing what was typed -------------------------------------------------------------------


def _numbers(text: str) -> list[str]:
    return [n.strip() for n in re.split(r"[,|\n]", text) if n.strip()]


def _yuan_to_fen(page: Page, field: str, text: str) -> int | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FormError(field, page._("Enter an amount in yuan, such as 1280.50.")) from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise FormError(field, page._("Enter an amount in yuan, such as 1280.50."))
    return int(value * 100)


def _whole(page: Page, field: str, text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise FormError(field, page._("Enter a whole number."))
    return int(text)


def _fitments(page: Page, text: str) -> list[dict[str, Any]]:
    found = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        match = _FITMENT.match(line)
        if not match:
            raise FormError(
                "fitments",
                page._(
                    "Write each vehicle as make:model:from-to[:engine], e.g. {example}.",
                    example="Toyota:Corolla:2014-2019:2ZR-FE",
                ),
            )
        make, model, year_from, year_to, engine = match.groups()
        found.append(
            {
                "make": make.strip(),
                "model": model.strip(),
                "yearFrom": int(year_from),
                "yearTo": int(year_to),
                "engineCode": engine.strip() if engine else None,
            }
        )
    return found


def part_input(page: Page, form: dict[str, str], *, editing: bool) -> dict[str, Any]:
    """The form as a PartInput (new) or a PartPatch (edit); raises FormError naming the field."""
    values: dict[str, Any] = {
        "titleEn": form["title_en"].strip(),
        "titleZh": form["title_zh"].strip() or None,
        "descriptionEn": form["description_en"].strip() or None,
        "descriptionZh": form["description_zh"].strip() or None,
        "oemNumbers": _numbers(form["oem_numbers"]),
        "interchangeNumbers": _numbers(form["interchange_numbers"]),
        "priceCny": _yuan_to_fen(page, "price_cny", form["price_cny"]),
        "coreChargeCny": _yuan_to_fen(page, "core_charge_cny", form["core_charge_cny"]),
        "warrantyMonths": _whole(page, "warranty_months", form["warranty_months"]),
        "fitments": _fitments(page, form["fitments"]),
    }
    if not editing:
        values.update(
            {
                "sku": form["sku"].strip(),
                "category": form["category"],
                "condition": form["condition"],
                "brand": form["brand"].strip() or None,
                "weightGrams": _whole(page, "weight_grams", form["weight_grams"]),
                "hsCode": form["hs_code"].strip() or None,
                "onHand": _whole(page, "on_hand", form["on_hand"]),
            }
        )
        for field, key in (("price_cny", "priceCny"), ("weight_grams", "weightGrams"), ("sku", "sku")):
            if values[key] in (None, ""):
                raise FormError(field, page._("This field is required."))
        if values["warrantyMonths"] is None:
            values["warrantyMonths"] = 0
    if not values["titleEn"]:
        raise FormError("title_en", page._("This field is required."))
    return {k: v for k, v in values.items() if v is not None}


def _fen_to_yuan(amount: int | None) -> str:
    return "" if amount is None else f"{Decimal(amount) / 100:.2f}"


def form_from_part(part: dict[str, Any]) -> dict[str, str]:
    return {
        "sku": part["sku"],
        "title_en": part["titleEn"],
        "title_zh": part["titleZh"] if part["titleZh"] != part["titleEn"] else "",
        "description_en": part.get("descriptionEn") or "",
        "description_zh": (part.get("descriptionZh") or "")
        if part.get("descriptionZh") != part.get("descriptionEn")
        else "",
        "category": part["category"],
        "condition": part["condition"],
        "brand": part.get("brand") or "",
        "oem_numbers": ", ".join(part["oemNumbers"]),
        "interchange_numbers": ", ".join(part["interchangeNumbers"]),
        "price_cny": _fen_to_yuan(part["price"]["amount"]),
        "core_charge_cny": _fen_to_yuan((part.get("coreCharge") or {}).get("amount")),
        "warranty_months": str(part["warrantyMonths"]),
        "weight_grams": str(part["weightGrams"]),
        "hs_code": part["hsCode"],
        "on_hand": str(part["available"]),
        "fitments": "\n".join(
            f"{f['make']}:{f['model']}:{f['yearFrom']}-{f['yearTo']}"
            + (f":{f['engineCode']}" if f["engineCode"] else "")
            for f in part["fitments"]
        ),
    }


async def _form(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    data = await request.form()
    return {name: str(data.get(name) or "") for name in names}


# --- who is signed in -------------------------------------------------------------------------


def _supplier_of(data: dict[str, Any] | None) -> dict[str, Any] | None:
    account = ((data or {}).get("viewer") or {}).get("account")
    if not account or account.get("role") != "SUPPLIER" or not account.get("supplier"):
        return None
    return {"email": account["email"], **account["supplier"]}


def to_login(page: Page) -> Response:
    return page.redirect(f"/supplier/login?next={quote(page.here)}")


async def current_supplier(page: Page) -> dict[str, Any] | None:
    if not page.token and not page.refresh_token:
        return None
    result = await page.query(queries.VIEWER)
    return _supplier_of(result.data)


def _field(result: Result, name: str) -> Any:
    """A field of the answer; when it is missing because a service behind the API is down, the
    friendly 503 page rather than an empty list or a 404."""
    value = (result.data or {}).get(name)
    if value is None and result.error("UPSTREAM_UNAVAILABLE"):
        raise ApiUnavailable(f"{name}: a service behind the gateway is down")
    return value


# --- sign in, register, sign out --------------------------------------------------------------


@router.get("/login", name="supplier_login")
async def login_form(page: SupplierPage, next: str = "/supplier") -> Response:
    return page.render("supplier/login.html", form={"email": ""}, errors={}, next=safe_next(next, "/supplier"))


@router.post("/login")
async def login(page: SupplierPage, request: Request) -> Response:
    form = await _form(request, ("email", "password", "next"))
    target = safe_next(form["next"], "/supplier")
    result = await page.query(queries.LOGIN, {"email": form["email"].strip(), "password": form["password"]}, auth=False)
    payload = (result.data or {}).get("login")
    errors: dict[str, str] = {}
    if payload is None:
        error = result.error()
        if error and error.code == "RATE_LIMITED":
            errors["password"] = page._("Too many attempts; wait a few minutes and try again.")
        elif error and error.reason == "ACCOUNT_DISABLED":
            errors["password"] = error.message  # told only after the right password
        elif error and error.code == "BAD_USER_INPUT" and error.form_field(("email",)):
            errors["email"] = error.message
        else:
            errors["password"] = page._("Wrong e-mail address or password.")
    elif payload["account"]["role"] != "SUPPLIER":
        errors["email"] = page._("This account is not a supplier account.")
    if errors or payload is None:
        return page.render(
            "supplier/login.html", status_code=422, form={"email": form["email"]}, errors=errors, next=target
        )
    page.sign_in(payload["token"], payload["refreshToken"])
    return page.redirect(target)


@router.get("/register", name="supplier_register")
async def register_form(page: SupplierPage) -> Response:
    return page.render("supplier/register.html", form=dict.fromkeys(REGISTER_FIELDS, ""), errors={})


@router.post("/register")
async def register(page: SupplierPage, request: Request) -> Response:
    form = await _form(request, REGISTER_FIELDS)
    variables = {
        "input": {
            "email": form["email"].strip(),
            "password": form["password"],
            "role": "SUPPLIER",
            "supplier": {"nameEn": form["name_en"].strip(), "nameZh": form["name_zh"].strip(), "uscc": form["uscc"]},
        }
    }
    result = await page.query(queries.REGISTER, variables, auth=False)
    payload = (result.data or {}).get("register")
    if payload is None:
        errors = result.field_errors(REGISTER_FIELDS)
        return page.render("supplier/register.html", status_code=422, form={**form, "password": ""}, errors=errors)
    page.sign_in(payload["token"], payload["refreshToken"])
    return page.redirect("/supplier?notice=welcome")


@router.post("/logout", name="supplier_logout")
async def logout(page: SupplierPage) -> Response:
    page.sign_out()
    return page.redirect("/supplier/login")


# --- parts and stock --------------------------------------------------------------------------


async def _parts_page(page: Page, *, after: str | None = None, status_code: int = 200, **context: Any) -> Response:
    result = await page.query(queries.SUPPLIER_PARTS, {"after": after, "country": page.country, "locale": page.locale})
    supplier = _supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    connection = supplier.pop("parts")
    return page.render(
        "supplier/parts.html",
        status_code=status_code,
        supplier=supplier,
        parts=[e["node"] for e in connection["edges"]],
        page_info=connection["pageInfo"],
        **{"stock_errors": {}, "notice": None, **context},
    )


@router.get("", name="supplier_parts")
async def parts(page: SupplierPage, after: str = "", notice: str = "", sku: str = "") -> Response:
    notices = {
        "welcome": page._("Your company is registered. List your first part or import a CSV."),
        "stock_saved": page._("Stock of {sku} saved.", sku=sku),
        "part_saved": page._("Part {sku} saved.", sku=sku),
    }
    return await _parts_page(page, after=after or None, notice=notices.get(notice))


@router.post("/parts/{part_id}/stock", name="supplier_stock")
async def set_stock(page: SupplierPage, part_id: str, request: Request) -> Response:
    form = await _form(request, ("on_hand",))
    try:
        on_hand = _whole(page, "on_hand", form["on_hand"])
        if on_hand is None:
            raise FormError("on_hand", page._("Enter a whole number."))
    except FormError as exc:
        return await _parts_page(page, status_code=422, stock_errors={part_id: (form["on_hand"], exc.message)})
    result = await page.query(queries.SET_STOCK, {"partId": part_id, "onHand": on_hand})
    saved = (result.data or {}).get("setStock")
    if saved is None:
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        error = result.error()
        message = error.message if error else page._("The stock could not be saved.")
        return await _parts_page(page, status_code=422, stock_errors={part_id: (form["on_hand"], message)})
    return page.redirect(f"/supplier?notice=stock_saved&sku={quote(saved['sku'])}")


def _part_form(
    page: Page, supplier: dict[str, Any], form: dict[str, str], errors: dict[str, str], *,
    part_id: str | None, status_code: int = 200, images: list[dict[str, Any]] | None = None,
    image_error: str | None = None, notice: str | None = None,
) -> Response:  # fmt: skip
    return page.render(
        "supplier/part_form.html",
        status_code=status_code,
        supplier=supplier,
        form=form,
        errors=errors,
        part_id=part_id,
        images=images or [],
        image_error=image_error,
        notice=notice,
        max_image_mb=MAX_IMAGE_BYTES // (1024 * 1024),
        editable=EDITABLE_FIELDS if part_id else PART_FIELDS,
        categories=i18n.CATEGORIES,
        conditions=tuple(i18n.CONDITIONS),
    )


@router.get("/parts/new", name="supplier_new_part")
async def new_part(page: SupplierPage) -> Response:
    supplier = await current_supplier(page)
    if supplier is None:
        return to_login(page)
    form = {**dict.fromkeys(PART_FIELDS, ""), "condition": "REMANUFACTURED", "warranty_months": "12", "on_hand": "0"}
    return _part_form(page, supplier, form, {}, part_id=None)


@router.post("/parts/new")
async def create_part(page: SupplierPage, request: Request) -> Response:
    supplier = await current_supplier(page)
    if supplier is None:
        return to_login(page)
    form = await _form(request, PART_FIELDS)
    try:
        values = part_input(page, form, editing=False)
    except FormError as exc:
        return _part_form(page, supplier, form, {exc.field: exc.message}, part_id=None, status_code=422)
    result = await page.query(queries.CREATE_PART, {"input": values})
    created = (result.data or {}).get("createPart")
    if created is None:
        errors = result.field_errors(PART_FIELDS)
        return _part_form(page, supplier, form, errors, part_id=None, status_code=422)
    return page.redirect(f"/supplier?notice=part_saved&sku={quote(created['sku'])}")


async def _own_part(page: Page, part_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    result = await page.query(queries.SUPPLIER_PART, {"id": part_id})
    supplier = _supplier_of(result.data)
    part = (result.data or {}).get("part")
    if supplier is None or part is None or part["supplier"]["id"] != supplier["id"]:
        return supplier, None
    return supplier, part


@router.get("/parts/{part_id}/edit", name="supplier_edit_part")
async def edit_part(page: SupplierPage, part_id: str, notice: str = "") -> Response:
    supplier, part = await _own_part(page, part_id)
    if supplier is None:
        return to_login(page)
    if part is None:
        return page.render("not_found.html", status_code=404)
    notices = {"image_added": page._("The picture is added."), "image_removed": page._("The picture is removed.")}
    return _part_form(
        page, supplier, form_from_part(part), {}, part_id=part_id, images=part["images"], notice=notices.get(notice)
    )


async def _picture(page: Page, upload: Any) -> StorefrontUpload:
    """The chosen file, FormError naming `image` when none was chosen or it is too large. Whether
    it is a picture the catalog decides by decoding it, whatever its name or type says."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormError("image", page._("Choose a picture: a JPEG, PNG or WebP file."))
    content = await upload.read(MAX_IMAGE_BYTES + 1)
    if len(content) > MAX_IMAGE_BYTES:
        raise FormError("image", page._("The picture is larger than {size} MB.", size=MAX_IMAGE_BYTES // (1024 * 1024)))
    return StorefrontUpload(filename=upload.filename, content=content, content_type="application/octet-stream")


@router.post("/parts/{part_id}/images", name="supplier_part_image")
async def add_part_image(page: SupplierPage, part_id: str, request: Request) -> Response:
    supplier, part = await _own_part(page, part_id)
    if supplier is None:
        return to_login(page)
    if part is None:
        return page.render("not_found.html", status_code=404)
    data = await request.form()
    try:
        picture = await _picture(page, data.get("image"))
    except FormError as exc:
        refused: str = exc.message
    else:
        result = await page.query(queries.UPLOAD_PART_IMAGE, {"partId": part_id}, files={"file": picture})
        if (result.data or {}).get("uploadPartImage") is not None:
            return page.redirect(f"/supplier/parts/{quote(part_id)}/edit?notice=image_added#pictures")
        error = result.error()
        refused = error.message if error else page._("The picture could not be added.")
    return _part_form(
        page, supplier, form_from_part(part), {}, part_id=part_id, images=part["images"],
        image_error=refused, status_code=422,
    )  # fmt: skip


@router.post("/parts/{part_id}/images/{image_id}/remove", name="supplier_remove_part_image")
async def remove_part_image(page: SupplierPage, part_id: str, image_id: str) -> Response:
    supplier, part = await _own_part(page, part_id)
    if supplier is None:
        return to_login(page)
    if part is None:
        return page.render("not_found.html", status_code=404)
    result = await page.query(queries.REMOVE_PART_IMAGE, {"partId": part_id, "imageId": image_id})
    if (result.data or {}).get("removePartImage") is None:
        error = result.error()
        message = error.message if error else page._("The picture could not be removed.")
        return _part_form(
            page, supplier, form_from_part(part), {}, part_id=part_id, images=part["images"],
            image_error=message, status_code=422,
        )  # fmt: skip
    return page.redirect(f"/supplier/parts/{quote(part_id)}/edit?notice=image_removed#pictures")


@router.post("/parts/{part_id}/edit")
async def update_part(page: SupplierPage, part_id: str, request: Request) -> Response:
    supplier, part = await _own_part(page, part_id)
    if supplier is None:
        return to_login(page)
    if part is None:
        return page.render("not_found.html", status_code=404)
    typed = await _form(request, EDITABLE_FIELDS)
    form = {**form_from_part(part), **typed}
    try:
        values = part_input(page, form, editing=True)
    except FormError as exc:
        return _part_form(
            page, supplier, form, {exc.field: exc.message}, part_id=part_id, status_code=422, images=part["images"]
        )
    result = await page.query(queries.UPDATE_PART, {"id": part_id, "input": values})
    updated = (result.data or {}).get("updatePart")
    if updated is None:
        errors = result.field_errors(PART_FIELDS)
        return _part_form(page, supplier, form, errors, part_id=part_id, status_code=422, images=part["images"])
    return page.redirect(f"/supplier?notice=part_saved&sku={quote(updated['sku'])}")


# --- CSV import -------------------------------------------------------------------------------


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


@router.post("/import")
async def import_csv(page: SupplierPage, request: Request) -> Response:
    supplier = await current_supplier(page)
    if supplier is None:
        return to_login(page)
    data = await request.form()
    text = str(data.get("csv") or "")
    upload = data.get("file")
    errors: dict[str, str] = {}
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            errors["file"] = page._("The file is larger than 2 MB; split it into several files.")
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                errors["file"] = page._("Save the file as UTF-8 CSV and try again.")
    if not errors and not text.strip():
        errors["csv"] = page._("Choose a CSV file or paste its contents.")
    outcome = None
    if not errors:
        # The report's messages in the page's language (Chinese or English; German pages get English).
        result = await page.query(queries.IMPORT_PARTS, {"csv": text, "locale": page.locale})
        outcome = (result.data or {}).get("importParts")
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


# --- certificates -----------------------------------------------------------------------------


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
    supplier = _supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    connection = _field(result, "myCertificates") or {"edges": [], "pageInfo": {}}
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


async def _pdf(page: Page, upload: Any) -> StorefrontUpload | None:
    return await _pdf_upload(page, upload, page._("Choose the certificate as a PDF file."))


async def _pdf_upload(page: Page, upload: Any, not_a_pdf: str) -> StorefrontUpload | None:
    """The chosen PDF, None when no file was chosen; FormError naming `file` when it is no PDF
    or too large. The gateway checks the file again; this keeps the typing of a form it refuses."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(MAX_PDF_BYTES + 1)
    if len(content) > MAX_PDF_BYTES:
        raise FormError("file", page._("The PDF is larger than {size} MB.", size=MAX_PDF_BYTES // (1024 * 1024)))
    if not content.startswith(b"%PDF-"):
        raise FormError("file", not_a_pdf)
    return StorefrontUpload(filename=upload.filename, content=content, content_type="application/pdf")


async def _send_pdf(page: Page, certificate_id: str, pdf: StorefrontUpload) -> str | None:
    """Upload the PDF through the API; the error message, or None when it is on record."""
    result = await page.query(
        queries.UPLOAD_CERTIFICATE_DOCUMENT, {"certificateId": certificate_id}, files={"file": pdf}
    )
    if (result.data or {}).get("uploadCertificateDocument") is not None:
        return None
    error = result.error()
    return error.message if error else page._("The PDF could not be uploaded.")


@router.post("/certificates")
async def add_certificate(page: SupplierPage, request: Request) -> Response:
    data = await request.form()
    form: dict[str, Any] = {name: str(data.get(name) or "").strip() for name in CERTIFICATE_FIELDS}
    form["categories"] = [str(c) for c in data.getlist("categories") if str(c) in i18n.CATEGORIES]
    errors = {
        name: page._("This field is required.")
        for name in ("scheme", "number", "issuing_body", "valid_from", "valid_until")
        if not form[name]
    }
    pdf = None
    try:
        pdf = await _pdf(page, data.get("file"))
    except FormError as exc:
        errors[exc.field] = exc.message
    if errors:
        return await _certificates_page(page, form=form, errors=errors, status_code=422)
    variables = {
        "input": {
            "scheme": form["scheme"],
            "number": form["number"],
            "issuingBody": form["issuing_body"],
            "validFrom": form["valid_from"],
            "validUntil": form["valid_until"],
            "categories": form["categories"] or None,
        }
    }
    result = await page.query(queries.ADD_CERTIFICATE, variables)
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


# --- settlements ------------------------------------------------------------------------------


@router.get("/settlements", name="supplier_settlements")
async def settlements(page: SupplierPage, after: str = "") -> Response:
    result = await page.query(queries.SUPPLIER_SETTLEMENTS, {"after": after or None})
    supplier = _supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    connection = _field(result, "settlements") or {"edges": [], "pageInfo": {}}
    return page.render(
        "supplier/settlements.html",
        supplier=supplier,
        statements=[e["node"] for e in connection["edges"]],
        page_info=connection.get("pageInfo") or {},
    )


@router.get("/settlements/{settlement_id}", name="supplier_settlement")
async def settlement(page: SupplierPage, settlement_id: str) -> Response:
    result = await page.query(queries.SUPPLIER_SETTLEMENT, {"id": settlement_id})
    supplier = _supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    statement = _field(result, "settlement")
    if statement is None:
        return page.render("not_found.html", status_code=404)
    return page.render("supplier/settlement.html", supplier=supplier, statement=statement)


@router.get("/settlements/{settlement_id}/statement.csv", name="supplier_settlement_csv")
async def settlement_csv(page: SupplierPage, settlement_id: str) -> Response:
    result = await page.query(queries.SETTLEMENT_CSV, {"id": settlement_id})
    if result.error("UNAUTHENTICATED", "FORBIDDEN"):
        return to_login(page)
    statement = _field(result, "settlement")
    if statement is None:
        return page.render("not_found.html", status_code=404)
    filename = f"settlement-{statement['createdAt'][:10]}-{_node_key(statement['id'])}.csv"
    # With a byte order mark, spreadsheet programs read the Chinese of the CSV as UTF-8.
    return page.apply(
        Response(
            content=("\ufeff" + statement["csv"]).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )


def _node_key(global_id: str) -> str:
    """A short, file-name-safe key of a global id: the first characters of the UUID inside it."""
    try:
        raw = base64.b64decode(global_id, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raw = global_id
    key = raw.rpartition(":")[2]
    return re.sub(r"[^0-9A-Za-z]", "", key)[:8] or "statement"


# --- orders to ship ---------------------------------------------------------------------------

SUPPLIER_ORDERS = """
query SupplierOrders($after: String, $locale: String) {
  viewer { account { email role supplier { id nameEn nameZh verified } } }
  myOrders(first: 20, after: $after) {
    edges {
      node {
        id number status createdAt destinationCountry incoterm
        shippingAddress { formatted vatNumber eoriNumber }
        lines {
          id quantity status
          part { id sku title(locale: $locale) }
          supplier { id }
          shipment { carrier trackingNumber shippedAt trackingUrl }
          coreReturn { id status deadline refund { formatted } }
          partReturn { id status reason description decisionNote refunded { formatted }
                       returnShipment { carrier trackingNumber } replacementShipment { carrier trackingNumber } }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
  carriers { code name }
}"""

MARK_SHIPPED = """
mutation MarkShipped($orderId: ID!, $carrier: String!, $trackingNumber: String!) {
  markShipped(orderId: $orderId, carrier: $carrier, trackingNumber: $trackingNumber) { id status }
}"""
SHIP_FIELDS = ("carrier", "tracking_number")
RECEIVE_CORE_RETURN = """
mutation ReceiveCoreReturn($id: ID!, $accepted: Boolean!) {
  receiveCoreReturn(id: $id, accepted: $accepted) { id status }
}"""


async def _orders_page(page: Page, *, after: str | None = None, status_code: int = 200, **context: Any) -> Response:
    result = await page.query(SUPPLIER_ORDERS, {"after": after, "locale": page.locale})
    supplier = _supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    connection = (result.data or {}).get("myOrders") or {"edges": [], "pageInfo": {}}
    orders = []
    for edge in connection["edges"]:
        order = edge["node"]
        mine = [line for line in order["lines"] if line["supplier"]["id"] == supplier["id"]]
        orders.append(
            {
                **order,
                "lines": mine,
                "to_ship": any(line["shipment"] is None for line in mine),
                "in_transit": any(line["status"] == "SHIPPED" for line in mine),
            }
        )
    return page.render(
        "supplier/orders.html",
        status_code=status_code,
        supplier=supplier,
        orders=orders,
        page_info=connection.get("pageInfo") or {},
        carriers=(result.data or {}).get("carriers") or [],
        **{"ship_errors": {}, "typed": {}, "notice": None, **context},
    )


SHIPPING_DOCUMENT = """
query ShippingDocument($id: ID!, $kind: ShippingDocumentKind!) {
  order(id: $id) { shippingDocument(kind: $kind) { filename contentBase64 } }
}"""
DOCUMENT_KINDS = {"packing-slip": "PACKING_SLIP", "commercial-invoice": "COMMERCIAL_INVOICE"}


@router.get("/orders/{order_id}/{kind}.pdf", name="supplier_shipping_document")
async def shipping_document(page: SupplierPage, order_id: str, kind: str) -> Response:
    """The packing slip or commercial invoice of the supplier's lines, as the API renders it."""
    if kind not in DOCUMENT_KINDS:
        return page.render("not_found.html", status_code=404)
    result = await page.query(SHIPPING_DOCUMENT, {"id": order_id, "kind": DOCUMENT_KINDS[kind]})
    if result.error("UNAUTHENTICATED"):
        return to_login(page)
    document = ((result.data or {}).get("order") or {}).get("shippingDocument")
    if document is None:
        return page.render("not_found.html", status_code=404)
    filename = re.sub(r"[^0-9A-Za-z._-]", "", document["filename"]) or f"{kind}.pdf"
    return page.apply(
        Response(
            content=base64.b64decode(document["contentBase64"]),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )


@router.get("/orders", name="supplier_orders")
async def supplier_orders(page: SupplierPage, after: str = "", notice: str = "") -> Response:
    messages = {
        "shipped": page._("Shipment saved; the buyer sees the tracking number."),
        "core_received": page._("Core return recorded; an accepted core refunds the buyer's deposit."),
        "return_decided": page._("Your decision is saved; the buyer sees it on the order."),
        "return_received": page._("The returned part is recorded as received."),
        "replacement_shipped": page._("Replacement shipment saved; the buyer sees the tracking number."),
    }
    return await _orders_page(page, after=after or None, notice=messages.get(notice))


@router.post("/orders/{order_id}/ship", name="supplier_ship")
async def ship(page: SupplierPage, order_id: str, request: Request) -> Response:
    form = await _form(request, SHIP_FIELDS)
    errors = {name: page._("This field is required.") for name in SHIP_FIELDS if not form[name].strip()}
    if not errors:
        variables = {"orderId": order_id, "carrier": form["carrier"].strip(), "trackingNumber": form["tracking_number"]}
        result = await page.query(MARK_SHIPPED, variables)
        if (result.data or {}).get("markShipped") is not None:
            return page.redirect("/supplier/orders?notice=shipped")
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        errors = result.field_errors(SHIP_FIELDS)
        if "" in errors:
            errors.setdefault("tracking_number", errors.pop(""))
        # The API explains in English; the supplier reads it in the portal's language.
        if "carrier" in errors:
            errors["carrier"] = page._("We do not ship with this carrier. Choose one from the list.")
        if "tracking_number" in errors and "carrier" not in errors:
            errors["tracking_number"] = page._(
                "This is not a {carrier} tracking number. Check it against the label.", carrier=form["carrier"].strip()
            )
    return await _orders_page(page, status_code=422, ship_errors={order_id: errors}, typed={order_id: form})


@router.post("/core-returns/{core_return_id}", name="supplier_core_return")
async def receive_core_return(page: SupplierPage, core_return_id: str, request: Request) -> Response:
    form = await _form(request, ("accepted",))
    result = await page.query(RECEIVE_CORE_RETURN, {"id": core_return_id, "accepted": form["accepted"] == "yes"})
    fallback = page._("The core return could not be recorded.")
    return await _back_to_orders(page, result, "receiveCoreReturn", "core_received", fallback)


async def _back_to_orders(page: Page, result: Result, mutation: str, notice: str, fallback: str) -> Response:
    """The orders page with a notice when the mutation went through, else with its error."""
    if (result.data or {}).get(mutation) is not None:
        return page.redirect(f"/supplier/orders?notice={notice}")
    if result.error("UNAUTHENTICATED"):
        return to_login(page)
    error = result.error()
    return await _orders_page(page, status_code=422, notice=None, action_error=error.message if error else fallback)
