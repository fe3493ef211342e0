"""Thin HTTP routes of the catalog: parse, call one service function, map the result.

Every route needs the gateway's internal token (ActorDep); the rules about who may do what
live in service.py. Money is CNY fen (integers).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status
from pydantic import AwareDatetime

from marketplace.actors import ActorDep
from services.catalog import csvio, offers, reservations, service, vehicles, verification
from services.catalog import images as part_images
from services.catalog.contract import (
    Facets,
    FitmentIn,
    FitmentOptions,
    FitsRead,
    FitsRequest,
    GarageVehicleRead,
    ImportRequest,
    ImportResult,
    MarketsRead,
    MarketsRequest,
    OffersRead,
    PartCreate,
    PartRead,
    PartUpdate,
    ReservationCreate,
    ReservationRead,
    SearchPage,
    SortOrder,
    StockSet,
    SupplierCreate,
    SupplierPage,
    SupplierRead,
    SupplierVerify,
    SweepResult,
    VehicleIn,
    VinRead,
)
from services.catalog.markets import markets_read
from services.catalog.search.query import SearchParams, WordCounts
from services.common import csvfile
from services.common.app import SessionDep, in_session
from services.common.errors import NotFound
from services.common.memo import Kept
from services.common.objects import ObjectNotFound

PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/problem+json": {}}}
    for code, text in {
        401: "no or bad internal token",
        403: "the caller may not do this",
        404: "not found",
        409: "conflict (duplicate, not enough stock, wrong state)",
        422: "invalid input; `field` names it",
    }.items()
}

Locale = Annotated[str | None, Query(max_length=20, description="`zh` for Chinese titles; default English")]
First = Annotated[int | None, Query(description="page size, 1 to 100 (default 20)")]
After = Annotated[str | None, Query(max_length=1000, description="`end_cursor` of the previous page")]

suppliers = APIRouter(prefix="/suppliers", tags=["suppliers"], responses=PROBLEMS)
parts = APIRouter(prefix="/parts", tags=["parts"], responses=PROBLEMS)
reservations_router = APIRouter(prefix="/reservations", tags=["reservations"], responses=PROBLEMS)
vins = APIRouter(prefix="/vins", tags=["vins"], responses=PROBLEMS)
images = APIRouter(prefix="/images", tags=["images"], responses=PROBLEMS)
# Named by the SHA-256 of their bytes, so a name always means the same file: cache it for good.
IMMUTABLE = "public, max-age=31536000, immutable"
fitment = APIRouter(prefix="/fitment", tags=["vehicles"], responses=PROBLEMS)
garage = APIRouter(prefix="/garage", tags=["vehicles"], responses=PROBLEMS)


# --- Suppliers ---------------------------------------------------------------------------


@suppliers.post("", status_code=status.HTTP_201_CREATED, summary="Create a supplier (admin or system)")
def create_supplier(data: SupplierCreate, session: SessionDep, actor: ActorDep) -> SupplierRead:
    return service.supplier_read(service.create_supplier(session, actor, data))


@suppliers.get("", summary="List suppliers, oldest first, by keyset cursor; filter by verification status")
def list_suppliers(
    session: SessionDep,
    actor: ActorDep,
    first: First = None,
    after: After = None,
    verification_status: Annotated[
        str | None, Query(max_length=20, description="NOT_SUBMITTED, PENDING, VERIFIED or REJECTED")
    ] = None,
) -> SupplierPage:
    return service.list_suppliers(session, first, after, verification_status)


@suppliers.get("/batch", summary="Suppliers by ids, in the order asked (unknown ids left out)")
async def suppliers_by_ids(
    request: Request, actor: ActorDep, ids: Annotated[str, Query(description="comma-separated UUIDs")]
) -> list[SupplierRead]:
    wanted = service.parse_ids(ids)
    return await in_session(
        request, lambda session: [service.supplier_read(s) for s in service.suppliers_by_ids(session, wanted)]
    )


@suppliers.get("/{supplier_id}", summary="One supplier")
def get_supplier(supplier_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> SupplierRead:
    return service.supplier_read(service.get_supplier(session, supplier_id))


@suppliers.post(
    "/{supplier_id}/verification",
    summary="Decide a verification application (admin): verify, or reject with a reason",
)
def verify_supplier(supplier_id: uuid.UUID, data: SupplierVerify, session: SessionDep, actor: ActorDep) -> SupplierRead:
    supplier = service.set_supplier_verified(session, actor, supplier_id, data.verified, data.reason)
    return service.supplier_read(supplier)


@suppliers.post(
    "/{supplier_id}/verification/application",
    summary="The supplier applies for verification: USCC, legal representative, business licence (PDF)",
    responses={413: {"description": "the licence is too large; `field` is `file`"}},
)
def apply_for_verification(
    supplier_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    uscc: Annotated[str, Form(max_length=40)],
    legal_representative: Annotated[str, Form(max_length=200)],
    file: Annotated[UploadFile, File(description="the business licence as a PDF")],
) -> SupplierRead:
    supplier = verification.submit(
        session,
        actor,
        supplier_id,
        uscc=uscc,
        legal_representative=legal_representative,
        licence=file.file,
        store=request.app.state.licence_store,
    )
    return service.supplier_read(supplier)


@suppliers.get(
    "/{supplier_id}/verification/licence",
    summary="The business licence on record (admins and the supplier itself)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def licence(supplier_id: uuid.UUID, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    sha256 = verification.licence_of(session, actor, supplier_id)
    store = request.app.state.licence_store
    try:
        content = store.read(sha256)
    except ObjectNotFound:
        raise NotFound("the licence file is missing", field="licence") from None
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="licence-{supplier_id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


# --- Parts -------------------------------------------------------------------------------


@parts.get("", summary="Parts by ids, in the order asked, delisted ones included (for DataLoaders)")
async def parts_by_ids(
    request: Request,
    actor: ActorDep,
    ids: Annotated[str, Query(description="comma-separated UUIDs, at most 200")],
    locale: Locale = None,
) -> list[PartRead]:
    wanted = service.parse_ids(ids)
    return await in_session(
        request, lambda session: service.part_views(session, service.parts_by_ids(session, wanted), locale)
    )


@parts.get("/search", summary="Search listed parts: full text, filters, facets, keyset pages")
async def search_parts(
    request: Request,
    actor: ActorDep,
    q: Annotated[str | None, Query(max_length=200, description="English or Chinese words")] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    condition: Annotated[str | None, Query(max_length=20)] = None,
    make: Annotated[str | None, Query(max_length=60)] = None,
    model: Annotated[str | None, Query(max_length=80)] = None,
    year: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    vin: Annotated[str | None, Query(max_length=40, description="parts whose fitment matches")] = None,
    supplier_id: uuid.UUID | None = None,
    in_stock: bool = False,
    ships_to: Annotated[
        str | None, Query(max_length=2, description="ISO 3166-1 alpha-2: only parts that may be sold there")
    ] = None,
    sort: Annotated[SortOrder | None, Query(description="default relevance with q, else newest")] = None,
    facets: Annotated[bool, Query(description="include counts per category, condition, make")] = False,
    first: First = None,
    after: After = None,
    locale: Locale = None,
) -> SearchPage:
    params = SearchParams(
        q=q,
        category=category,
        condition=condition,
        make=make,
        model=model,
        year=year,
        vin=vin,
        supplier_id=supplier_id,
        in_stock=in_stock,
        ships_to=ships_to,
        sort=sort,
        first=first,
        after=after,
        facets=facets,
        locale=locale,
    )
    kept: Kept[Facets] = request.app.state.facets
    word_counts: WordCounts = request.app.state.word_counts
    return await in_session(request, lambda session: service.search_parts(session, params, kept, word_counts))


@parts.post("/markets", summary="Which of these parts may be sold in a country today (markets read model)")
async def part_markets_for(data: MarketsRequest, request: Request, actor: ActorDep) -> MarketsRead:
    return await in_session(request, lambda session: markets_read(session, data))


@parts.post("/offers", summary="Parts as a quote prices them in a country: facts, price, stock and markets, at once")
async def part_offers(data: MarketsRequest, request: Request, actor: ActorDep) -> OffersRead:
    return await in_session(request, lambda session: offers.offers_read(session, data))


@parts.post("/fits", summary="Whether each part fits a vehicle (VIN, or make, model and year)")
async def parts_fit(data: FitsRequest, request: Request, actor: ActorDep) -> FitsRead:
    return await in_session(request, lambda session: vehicles.parts_fit(session, data))


@parts.get("/by-oem-number", summary="Listed parts by OEM or interchange number, in any formatting")
def parts_by_oem_number(
    session: SessionDep,
    actor: ActorDep,
    number: Annotated[str, Query(min_length=1, max_length=60, description="e.g. `1K0-615-301 AA`")],
    prefix: Annotated[bool, Query(description="numbers starting with this (at least 3 characters)")] = False,
    locale: Locale = None,
) -> list[PartRead]:
    found = service.parts_by_oem_number(session, number, prefix=prefix)
    return service.part_views(session, found, locale)


@parts.get(
    "/export",
    summary="A supplier's catalogue as CSV (formula-like cells neutralised)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_parts(session: SessionDep, actor: ActorDep, supplier_id: uuid.UUID | None = None) -> Response:
    return Response(
        content=csvio.export_csv(session, actor, supplier_id),
        media_type=csvfile.MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="catalogue.csv"'},
    )


@parts.post("/import", summary="Create or update parts by SKU from CSV; bad rows reported by line")
def import_parts(data: ImportRequest, session: SessionDep, actor: ActorDep, locale: Locale = None) -> ImportResult:
    return csvio.import_csv(session, actor, data.csv, data.supplier_id, locale)


@parts.get(
    "/import-template",
    summary="The CSV an import accepts: the header row and one example row",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def import_template(actor: ActorDep) -> Response:
    return Response(
        content=csvio.template_csv(),
        media_type=csvfile.MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="parts-template.csv"'},
    )


@parts.post("", status_code=status.HTTP_201_CREATED, summary="List a new part (its supplier or an admin)")
def create_part(data: PartCreate, session: SessionDep, actor: ActorDep, locale: Locale = None) -> PartRead:
    part = service.create_part(session, actor, data)
    return service.part_views(session, [part], locale)[0]


@parts.get("/{part_id}", summary="One part by id (delisted parts too)")
def get_part(part_id: uuid.UUID, session: SessionDep, actor: ActorDep, locale: Locale = None) -> PartRead:
    return service.part_views(session, [service.get_part(session, part_id)], locale)[0]


@parts.patch("/{part_id}", summary="Change a part (its supplier or an admin); only sent fields change")
def update_part(
    part_id: uuid.UUID, patch: PartUpdate, session: SessionDep, actor: ActorDep, locale: Locale = None
) -> PartRead:
    part = service.update_part(session, actor, part_id, patch)
    return service.part_views(session, [part], locale)[0]


@parts.delete("/{part_id}", summary="Delist (soft delete): out of search, still readable by id")
def delist_part(part_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> PartRead:
    return service.part_views(session, [service.delist_part(session, actor, part_id)])[0]


@parts.put("/{part_id}/stock", summary="Set units on hand (its supplier or an admin)")
def set_stock(part_id: uuid.UUID, data: StockSet, session: SessionDep, actor: ActorDep) -> PartRead:
    return service.part_views(session, [service.set_stock(session, actor, part_id, data.on_hand)])[0]


@parts.put("/{part_id}/fitments", summary="Replace the part's fitments")
def set_fitments(part_id: uuid.UUID, fitments: list[FitmentIn], session: SessionDep, actor: ActorDep) -> PartRead:
    part = service.update_part(session, actor, part_id, PartUpdate(fitments=fitments))
    return service.part_views(session, [part])[0]


@parts.post(
    "/{part_id}/images",
    summary="Add a picture (JPEG, PNG or WebP, decoded and re-encoded as WebP without metadata)",
    responses={413: {"description": "too many bytes or pixels; `field` is `file`"}},
)
def add_part_image(
    part_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="the picture; its name and type are not trusted")],
    locale: Locale = None,
) -> PartRead:
    settings = request.app.state.settings
    # A plain def: decoding and the database run in the thread pool, not on the event loop.
    content = file.file.read(settings.max_image_bytes + 1)
    picture = part_images.process(content, max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels)
    store: part_images.ImageStore = request.app.state.image_store
    part = service.add_part_image(session, actor, part_id, picture, store, max_per_part=settings.max_images_per_part)
    return service.part_views(session, [part], locale)[0]


@parts.delete("/{part_id}/images/{image_id}", summary="Take a picture off the part (again: no change)")
def remove_part_image(
    part_id: uuid.UUID, image_id: uuid.UUID, session: SessionDep, actor: ActorDep, locale: Locale = None
) -> PartRead:
    part = service.remove_part_image(session, actor, part_id, image_id)
    return service.part_views(session, [part], locale)[0]


@images.get(
    "/{name}",
    summary="A stored picture by `<sha256>.webp`, cacheable for good",
    response_class=Response,
    responses={200: {"content": {part_images.MEDIA_TYPE: {}}}, 404: {"description": "no such image"}},
)
def get_image(name: str, request: Request, actor: ActorDep) -> Response:
    store: part_images.ImageStore = request.app.state.image_store
    content = store.read(name)
    if content is None:
        raise NotFound("no such image", field="name")
    # The name is the content's hash, so it is the strongest validator there is (the gateway's too).
    headers = {"Cache-Control": IMMUTABLE, "ETag": f'"{name}"'}
    return Response(content, media_type=part_images.MEDIA_TYPE, headers=headers)


# --- Reservations ------------------------------------------------------------------------


@reservations_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Reserve all lines of one order (all or nothing); 200 with the same result on a repeat key",
    responses={200: {"model": ReservationRead, "description": "the reservation this key already made"}},
)
async def reserve(data: ReservationCreate, request: Request, actor: ActorDep, response: Response) -> ReservationRead:
    reservation, created = await in_session(request, lambda session: reservations.reserve(session, actor, data))
    if not created:
        response.status_code = status.HTTP_200_OK
    return reservation


@reservations_router.get("/active", summary="Reservations holding stock, made before a time, oldest first")
def active_reservations(
    created_before: Annotated[AwareDatetime, Query(description="ISO 8601 with an offset")],
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[ReservationRead]:
    found = reservations.active_before(session, actor, created_before, limit=limit)
    return [reservations.read(session, r) for r in found]


@reservations_router.post("/sweep", summary="Release every reservation past its expiry (scheduler)")
def sweep(session: SessionDep, actor: ActorDep) -> SweepResult:
    return SweepResult(expired=reservations.sweep_expired(session, actor))


@reservations_router.get("/{idempotency_key}", summary="A reservation by the caller's key")
def get_reservation(idempotency_key: str, session: SessionDep, actor: ActorDep) -> ReservationRead:
    return reservations.read(session, reservations.get(session, actor, idempotency_key))


@reservations_router.post("/{idempotency_key}/commit", summary="Payment succeeded: units leave stock")
def commit(idempotency_key: str, session: SessionDep, actor: ActorDep) -> ReservationRead:
    return reservations.read(session, reservations.commit(session, actor, idempotency_key))


@reservations_router.post("/{idempotency_key}/release", summary="Give the units back (failure, cancel)")
def release(idempotency_key: str, session: SessionDep, actor: ActorDep) -> ReservationRead:
    return reservations.read(session, reservations.release(session, actor, idempotency_key))


@reservations_router.post("/{idempotency_key}/restock", summary="A sold order cancelled: its units back on hand")
def restock(idempotency_key: str, session: SessionDep, actor: ActorDep) -> ReservationRead:
    return reservations.read(session, reservations.restock(session, actor, idempotency_key))


# --- VINs --------------------------------------------------------------------------------


@vins.get("/{vin}", summary="Decode a VIN: manufacturer, model year, model where known, the vehicle in fitment names")
def decode_vin(vin: str, session: SessionDep, actor: ActorDep) -> VinRead:
    return service.decode_vin(session, vin)


# --- Fitment selectors and the buyer's garage ---------------------------------------------------


@fitment.get("/options", summary="Makes; models of a make; years of a make and model (listed parts' fitments)")
async def fitment_options(
    request: Request,
    actor: ActorDep,
    make: Annotated[str | None, Query(max_length=60)] = None,
    model: Annotated[str | None, Query(max_length=80)] = None,
) -> FitmentOptions:
    kept: Kept[FitmentOptions] = request.app.state.selectors
    key = vehicles.selector_key(make, model)
    found = kept.get(key)
    if found is None:
        found = kept.put(key, await in_session(request, lambda session: vehicles.options(session, make, model)))
    return found


@garage.get("", summary="The caller's vehicles, oldest first; one is selected (the current vehicle)")
def list_garage(session: SessionDep, actor: ActorDep) -> list[GarageVehicleRead]:
    return vehicles.garage(session, actor)


@garage.post(
    "", summary="Add a vehicle (VIN, or make, model and year) and select it; the same vehicle again is kept once"
)
def add_vehicle(data: VehicleIn, session: SessionDep, actor: ActorDep) -> GarageVehicleRead:
    return vehicles.add_vehicle(session, actor, data)


@garage.post("/{vehicle_id}/select", summary="Make a vehicle of the garage the current one")
def select_vehicle(vehicle_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> GarageVehicleRead:
    return vehicles.select_vehicle(session, actor, vehicle_id)


@garage.delete("/{vehicle_id}", summary="Remove a vehicle (idempotent); the garage that is left")
def remove_vehicle(vehicle_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> list[GarageVehicleRead]:
    return vehicles.remove_vehicle(session, actor, vehicle_id)


routers = (suppliers, parts, reservations_router, vins, images, fitment, garage)
