"""The supplier's parts: the list with stock typed in place, a part's form (new or edit) and its
pictures."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from storefront import i18n, queries
from storefront.api_client import Upload
from storefront.supplier.forms import FormError, read_form
from storefront.supplier.part_form import EDITABLE_FIELDS, PART_FIELDS, form_from_part, part_input, whole
from storefront.supplier.portal import current_supplier, supplier_of, to_login
from storefront.web import Page, SupplierPage

router = APIRouter(prefix="/supplier")

# The catalog's cap on a picture (TONGNAN_CATALOG_MAX_IMAGE_BYTES); the gateway checks again.
MAX_IMAGE_BYTES = 8 * 1024 * 1024


async def _parts_page(page: Page, *, after: str | None = None, status_code: int = 200, **context: Any) -> Response:
    result = await page.query(queries.SUPPLIER_PARTS, {"after": after, "country": page.country, "locale": page.locale})
    supplier = supplier_of(result.data)
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
    form = await read_form(request, ("on_hand",))
    try:
        on_hand = whole(page, "on_hand", form["on_hand"])
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
    form = await read_form(request, PART_FIELDS)
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
    supplier = supplier_of(result.data)
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


async def _picture(page: Page, upload: Any) -> Upload:
    """The chosen file, FormError naming `image` when none was chosen or it is too large. Whether
    it is a picture the catalog decides by decoding it, whatever its name or type says."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise FormError("image", page._("Choose a picture: a JPEG, PNG or WebP file."))
    content = await upload.read(MAX_IMAGE_BYTES + 1)
    if len(content) > MAX_IMAGE_BYTES:
        raise FormError("image", page._("The picture is larger than {size} MB.", size=MAX_IMAGE_BYTES // (1024 * 1024)))
    return Upload(filename=upload.filename, content=content, content_type="application/octet-stream")


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
    typed = await read_form(request, EDITABLE_FIELDS)
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
