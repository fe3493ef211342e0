"""Catalog mutations for suppliers: list, change and stock their own parts, import CSV."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import httpx
import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload
from strawberry.types import Info

from gateway.catalog.types import Part, PartCondition
from gateway.context import Context
from gateway.ids import node_uuid
from services.common.errors import BadInput


@strawberry.input(description="A range of vehicles a part fits: one make and model over model years.")
class FitmentInput:
    make: str = strawberry.field(description="The vehicle's make (`Toyota`), 1 to 60 characters.")
    model: str = strawberry.field(description="The vehicle's model (`Corolla`), 1 to 80 characters.")
    year_from: int = strawberry.field(description="First model year fitted, inclusive, 1950 to 2100.")
    year_to: int = strawberry.field(description="Last model year fitted, inclusive, 1950 to 2100.")
    engine_code: str | None = strawberry.field(
        default=None, description="Only vehicles with this engine; none for any engine."
    )


@strawberry.input(description="A part's title in one more language.")
class TitleTranslationInput:
    locale: str = strawberry.field(description="BCP 47 language tag: `de`, `fr`, `pt-BR`.")
    title: str = strawberry.field(description="The title in that language, at most 300 characters.")


@strawberry.input(description="Money in CNY fen (1 CNY = 100 fen).")
class PartInput:
    sku: str = strawberry.field(description="The supplier's own stock-keeping unit; unique among its parts.")
    title_en: str = strawberry.field(description="The title in English, at most 300 characters.")
    title_zh: str | None = strawberry.field(default=None, description="The title in Chinese.")
    description_en: str | None = strawberry.field(default=None, description="A longer description in English.")
    description_zh: str | None = strawberry.field(default=None, description="A longer description in Chinese.")
    category: str = strawberry.field(description="A category code of the catalog (`alternator`).")
    condition: PartCondition = strawberry.field(description="New, used, refurbished or remanufactured.")
    oem_numbers: list[str] = strawberry.field(
        description="The vehicle makers' part numbers this part is or replaces; at most 50."
    )
    price_cny: int = strawberry.field(description="Price of one unit, in CNY fen.")
    core_charge_cny: int | None = strawberry.field(
        default=None, description="Refundable deposit for the old part (the core), in CNY fen; none for no charge."
    )
    warranty_months: int = strawberry.field(description="The supplier's warranty in months, 0 to 240.")
    weight_grams: int = strawberry.field(description="Shipping weight of one unit, in grams (more than 0).")
    hs_code: str | None = strawberry.field(default=None, description="Defaults to the category's usual code.")
    fitments: list[FitmentInput] | None = strawberry.field(
        default=None, description="The vehicles the part fits, at most 200; none for no fitment data."
    )
    on_hand: int | None = strawberry.field(default=None, description="Units in stock to start with; 0 when none.")
    interchange_numbers: list[str] | None = strawberry.field(
        default=None, description="Other makers' numbers for an equivalent part; at most 50."
    )
    brand: str | None = strawberry.field(default=None, description="The part's maker or brand.")
    title_translations: list[TitleTranslationInput] | None = strawberry.field(
        default=None, description="The title in further languages, shown to buyers browsing in them."
    )


@strawberry.input(description="Only the fields sent change. Money in CNY fen.")
class PartPatch:
    title_en: str | None = strawberry.field(default=None, description="A new title in English.")
    title_zh: str | None = strawberry.field(default=None, description="A new title in Chinese.")
    description_en: str | None = strawberry.field(default=None, description="A new description in English.")
    description_zh: str | None = strawberry.field(default=None, description="A new description in Chinese.")
    price_cny: int | None = strawberry.field(default=None, description="A new price of one unit, in CNY fen.")
    core_charge_cny: int | None = strawberry.field(
        default=None, description="A new core deposit, in CNY fen; 0 for no charge."
    )
    warranty_months: int | None = strawberry.field(default=None, description="A new warranty in months, 0 to 240.")
    oem_numbers: list[str] | None = strawberry.field(default=None, description="Replaces every OEM number; at most 50.")
    interchange_numbers: list[str] | None = strawberry.field(
        default=None, description="Replaces every interchange number; at most 50."
    )
    fitments: list[FitmentInput] | None = strawberry.field(
        default=None, description="Replaces every fitment; an empty list removes them."
    )
    title_translations: list[TitleTranslationInput] | None = strawberry.field(
        default=None, description="Replaces every title in further languages; an empty list removes them."
    )


@strawberry.type(description="A row of a CSV import that was not imported, and why.")
class ImportError:
    line: int = strawberry.field(description="The line of the CSV, counting the header as line 1.")
    field: str | None = strawberry.field(description="The column at fault; null when the whole row is.")
    message: str = strawberry.field(description="What is wrong, in the language the import asked for.")
    code: str = strawberry.field(
        description="Stable code of the problem: REQUIRED, REQUIRED_FOR_NEW_SKU, NOT_YUAN, YUAN_FORMAT, "
        "UNKNOWN_CATEGORY, FITMENT_FORMAT, DUPLICATE_SKU, INVALID ..."
    )


@strawberry.type(description="What a CSV import did: rows without an error are imported, the others reported.")
class ImportResult:
    created: int = strawberry.field(description="Parts created from rows with a new SKU.")
    updated: int = strawberry.field(description="Parts updated from rows with an SKU already listed.")
    errors: list[ImportError] = strawberry.field(description="The rows not imported; empty when every row was.")


def _snake_fields(value: Any) -> dict[str, Any]:
    """An input object as the catalog's JSON: snake_case names, enums as values, unset fields left out."""
    out: dict[str, Any] = {}
    for name, field_value in vars(value).items():
        if field_value is None or field_value is strawberry.UNSET:
            continue
        if isinstance(field_value, PartCondition):
            field_value = field_value.value
        elif name == "title_translations":
            field_value = {t.locale: t.title for t in field_value}
        elif isinstance(field_value, list):
            field_value = [vars(v) if isinstance(v, FitmentInput) else v for v in field_value]
        out[name] = field_value
    return out


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="A supplier lists a new part.")
    async def create_part(
        self,
        info: Info[Context, None],
        input: Annotated[PartInput, strawberry.argument(description="The new part.")],
    ) -> Part:
        context = info.context
        context.require_principal()
        data = await context.clients.catalog.post_json(
            "/parts", _snake_fields(input), headers=context.upstream_headers()
        )
        return Part.from_json(data)

    @strawberry.mutation(description="A supplier changes one of its own parts.")
    async def update_part(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The part's global id.")],
        input: Annotated[PartPatch, strawberry.argument(description="The fields to change.")],
    ) -> Part:
        context = info.context
        context.require_principal()
        part_id = node_uuid(id, "Part", field="id")
        data = await context.clients.catalog.post_json(
            f"/parts/{part_id}", _snake_fields(input), headers=context.upstream_headers(), method="PATCH"
        )
        return Part.from_json(data)

    @strawberry.mutation(description="A supplier sets the units on hand of one of its own parts.")
    async def set_stock(
        self,
        info: Info[Context, None],
        part_id: Annotated[strawberry.ID, strawberry.argument(description="The part's global id.")],
        on_hand: Annotated[
            int,
            strawberry.argument(
                description="Units on hand now, 0 to 1,000,000; `available` is this less the units reserved."
            ),
        ],
    ) -> Part:
        context = info.context
        context.require_principal()
        uuid_ = node_uuid(part_id, "Part", field="partId")
        data = await context.clients.catalog.post_json(
            f"/parts/{uuid_}/stock", {"on_hand": on_hand}, headers=context.upstream_headers(), method="PUT"
        )
        return Part.from_json(data)

    @strawberry.mutation(
        description="A supplier creates or updates parts by SKU from CSV; bad rows are reported. A category is "
        "its code or its English or Chinese name (`水泵`); see partImportTemplate. Only a verified supplier "
        "imports: FORBIDDEN with reason SUPPLIER_NOT_VERIFIED otherwise."
    )
    async def import_parts(
        self,
        info: Info[Context, None],
        csv: Annotated[
            str, strawberry.argument(description="The CSV text, UTF-8, with the header row of partImportTemplate.")
        ],
        locale: Annotated[
            str | None, strawberry.argument(description="`zh` for the report's messages in Chinese; default English.")
        ] = None,
    ) -> ImportResult:
        context = info.context
        context.require_principal()
        data = await context.clients.catalog.request(
            "POST",
            "/parts/import",
            json={"csv": csv},
            params={"locale": locale} if locale else None,
            headers=context.upstream_headers(),
        )
        result = data.json()
        return ImportResult(
            created=result["created"],
            updated=result["updated"],
            errors=[
                ImportError(line=e["line"], field=e.get("field"), message=e["message"], code=e["code"])
                for e in result["errors"]
            ],
        )

    @strawberry.mutation(
        description="A supplier adds a picture to one of its own parts: JPEG, PNG or WebP, sent as a GraphQL "
        "multipart request with an Authorization or X-API-Key header. The picture is decoded and written again "
        "as WebP without its metadata (EXIF, GPS); the same picture sent again adds nothing. Not an image, too "
        "many bytes or pixels, or too many pictures: BAD_USER_INPUT (CONFLICT for too many) naming `file`, with "
        "`reason` NOT_AN_IMAGE or IMAGE_TOO_LARGE."
    )
    async def upload_part_image(
        self,
        info: Info[Context, None],
        part_id: Annotated[strawberry.ID, strawberry.argument(description="The part's global id.")],
        file: Annotated[Upload, strawberry.argument(description="The picture, a file part of the multipart request.")],
    ) -> Part:
        context = info.context
        context.require_principal()
        part_uuid = node_uuid(part_id, "Part", field="partId")
        if not isinstance(file, UploadFile):
            raise BadInput("send the picture as a file of a multipart request", field="file")
        limit = context.settings.max_upload_bytes
        content = await file.read(limit + 1)
        if len(content) > limit:
            raise BadInput(
                f"a picture may be at most {limit // (1024 * 1024)} MB", field="file", reason="IMAGE_TOO_LARGE"
            )
        # The catalog takes the file as multipart form data and trusts neither its name nor its type.
        form = httpx.Request(
            "POST", "/", files={"file": (file.filename or "image", content, "application/octet-stream")}
        )
        response = await context.clients.catalog.request(
            "POST",
            f"/parts/{part_uuid}/images",
            headers={**context.upstream_headers(), "Content-Type": form.headers["Content-Type"]},
            content=form.read(),
        )
        return Part.from_json(response.json())

    @strawberry.mutation(description="A supplier takes a picture off one of its own parts (again: no change).")
    async def remove_part_image(
        self,
        info: Info[Context, None],
        part_id: Annotated[strawberry.ID, strawberry.argument(description="The part's global id.")],
        image_id: Annotated[strawberry.ID, strawberry.argument(description="The picture's `PartImage.id`.")],
    ) -> Part:
        context = info.context
        context.require_principal()
        part_uuid = node_uuid(part_id, "Part", field="partId")
        try:
            image_uuid = uuid.UUID(str(image_id))
        except ValueError:
            raise BadInput("not an image id of this part", field="imageId") from None
        response = await context.clients.catalog.request(
            "DELETE", f"/parts/{part_uuid}/images/{image_uuid}", headers=context.upstream_headers()
        )
        return Part.from_json(response.json())
