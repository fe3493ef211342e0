"""The catalog's contract: the request and response shapes of its HTTP API (money in CNY fen,
integers), and nothing else.

The service's routes answer with these models, and its clients (the gateway, the orders
service) parse its answers with them: one definition of each shape. This module is the only
part of the catalog that another service, the gateway or the storefront's tests may import, so
it imports nothing of the catalog itself.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator


class Condition(StrEnum):
    REMANUFACTURED = "REMANUFACTURED"
    USED = "USED"
    REFURBISHED = "REFURBISHED"
    NEW = "NEW"


class BatteryChemistry(StrEnum):
    LFP = "LFP"
    NMC = "NMC"
    NCA = "NCA"
    LMO = "LMO"
    LTO = "LTO"


Text300 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")]
PartNumberText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Fen = Annotated[int, Field(ge=0, le=10_000_000_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- Suppliers ---------------------------------------------------------------------------


class SupplierCreate(Strict):
    name_en: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    name_zh: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    contact_name: Annotated[str, StringConstraints(max_length=120)] | None = None
    contact_email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    contact_phone: Annotated[str, StringConstraints(max_length=40)] | None = None


class SupplierRead(BaseModel):
    id: uuid.UUID
    name_en: str
    name_zh: str
    uscc: str
    address: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    verified: bool
    created_at: datetime
    verification_status: str
    legal_representative: str | None
    licence_sha256: str | None
    licence_size_bytes: int | None
    verification_submitted_at: datetime | None
    verification_reviewed_at: datetime | None
    verification_reason: str | None


class SupplierVerify(Strict):
    """An admin's decision: `verified: true` verifies a pending application, `false` rejects it
    (or withdraws a verification) and needs a reason."""

    verified: bool
    reason: Annotated[str, StringConstraints(max_length=1000)] | None = None


class PageInfo(BaseModel):
    has_next_page: bool
    end_cursor: str | None


class SupplierEdge(BaseModel):
    cursor: str
    node: SupplierRead


class SupplierPage(BaseModel):
    edges: list[SupplierEdge]
    page_info: PageInfo


# --- Parts -------------------------------------------------------------------------------


class FitmentIn(Strict):
    make: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    model: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    year_from: Annotated[int, Field(ge=1950, le=2100)]
    year_to: Annotated[int, Field(ge=1950, le=2100)]
    engine_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None

    @model_validator(mode="after")
    def _range(self) -> FitmentIn:
        if self.year_from > self.year_to:
            raise ValueError("year_from must not be after year_to")
        return self


class FitmentRead(BaseModel):
    make: str
    model: str
    year_from: int
    year_to: int
    engine_code: str | None


class _PartFields(Strict):
    title_en: Text300 | None = None
    title_zh: Text300 | None = None
    title_translations: (
        Annotated[dict[Annotated[str, StringConstraints(max_length=20)], Text300], Field(max_length=30)] | None
    ) = Field(
        default=None, description="the title in further languages, BCP 47 language tag -> title (`de`, `fr`, `pt-BR`)"
    )
    description_en: LongText | None = None
    description_zh: LongText | None = None
    brand: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    oem_numbers: Annotated[list[PartNumberText], Field(max_length=50)] | None = None
    interchange_numbers: Annotated[list[PartNumberText], Field(max_length=50)] | None = None
    price_cny: Fen | None = None
    core_charge_cny: Fen | None = None
    warranty_months: Annotated[int, Field(ge=0, le=240)] | None = None
    weight_grams: Annotated[int, Field(gt=0, le=10_000_000)] | None = None
    length_mm: Annotated[int, Field(gt=0, le=20_000)] | None = None
    width_mm: Annotated[int, Field(gt=0, le=20_000)] | None = None
    height_mm: Annotated[int, Field(gt=0, le=20_000)] | None = None
    hs_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    country_of_origin: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2)] | None = None
    source_vin: Annotated[str, StringConstraints(strip_whitespace=True, max_length=17)] | None = None
    dismantler: Annotated[str, StringConstraints(max_length=200)] | None = None
    remanufactured_on: date | None = None
    battery_chemistry: BatteryChemistry | None = None
    battery_capacity_wh: Annotated[int, Field(gt=0, le=1_000_000)] | None = None
    battery_soh_pct: Annotated[int, Field(ge=0, le=100)] | None = None
    battery_cycles: Annotated[int, Field(ge=0, le=1_000_000)] | None = None


class PartCreate(_PartFields):
    """A new listing. `supplier_id` only for admins; a supplier always lists for itself."""

    sku: Sku
    title_en: Text300
    category: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
    condition: Condition
    oem_numbers: Annotated[list[PartNumberText], Field(max_length=50)] = []
    price_cny: Fen
    weight_grams: Annotated[int, Field(gt=0, le=10_000_000)]
    fitments: Annotated[list[FitmentIn], Field(max_length=200)] = []
    on_hand: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    supplier_id: uuid.UUID | None = None


class PartUpdate(_PartFields):
    """Only the fields sent change. `listed: true` lists a delisted part again."""

    category: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    condition: Condition | None = None
    fitments: Annotated[list[FitmentIn], Field(max_length=200)] | None = None
    listed: bool | None = None


class StockSet(Strict):
    on_hand: Annotated[int, Field(ge=0, le=1_000_000)]


class ImageRead(BaseModel):
    """A part's picture; the names are files served by GET /images/{name}, never changing."""

    id: uuid.UUID
    name: str = Field(description="`<sha256>.webp` of the re-encoded picture, at most 1600 pixels a side")
    width: int
    height: int
    thumbnail_name: str = Field(description="`<sha256>.webp` of the thumbnail, at most 320 pixels a side")
    thumbnail_width: int
    thumbnail_height: int


class PartRead(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str
    title: str = Field(description="in the requested locale, falling back to English")
    description: str | None
    title_en: str
    title_zh: str | None
    title_translations: dict[str, str] = Field(
        description="the supplier's titles in further languages, by language tag"
    )
    description_en: str | None
    description_zh: str | None
    category: str
    condition: Condition
    brand: str | None
    oem_numbers: list[str]
    interchange_numbers: list[str]
    price_cny: int = Field(description="CNY fen")
    core_charge_cny: int = Field(description="CNY fen")
    warranty_months: int
    weight_grams: int
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    hs_code: str
    country_of_origin: str
    origin_schemes: list[str] = Field(
        default_factory=list,
        description="certificate-of-origin schemes (CO_RCEP ...) whose valid certificates cover the part today",
    )
    source_vin: str | None
    dismantler: str | None
    remanufactured_on: date | None
    co2e_saved_kg: float | None = Field(description="estimate against a new part, see data/categories.json")
    battery_chemistry: str | None
    battery_capacity_wh: int | None
    battery_soh_pct: int | None
    battery_cycles: int | None
    on_hand: int
    reserved: int
    available: int
    fitments: list[FitmentRead]
    images: list[ImageRead] = Field(default_factory=list, description="in the order shown, first is the main one")
    listed: bool
    created_at: datetime
    updated_at: datetime


class PartEdge(BaseModel):
    cursor: str
    node: PartRead


class FacetCount(BaseModel):
    value: str
    count: int


class Facets(BaseModel):
    category: list[FacetCount]
    condition: list[FacetCount]
    make: list[FacetCount]
    exhaustive: bool = Field(description="false when counted over the first 2,000 matches only")


class ConditionRestrictionRead(BaseModel):
    """A condition that may not be sold to a country: what a `shipsTo` search leaves out, and why."""

    condition: str
    measure: str = Field(description="prohibited, or licence (an import licence we cannot verify)")
    note: str
    source: str


class SearchPage(BaseModel):
    edges: list[PartEdge]
    page_info: PageInfo
    facets: Facets | None = None
    restrictions: list[ConditionRestrictionRead] = Field(
        default_factory=list,
        description="with ships_to: the conditions the destination restricts, left out of the results",
    )
    exhaustive: bool = Field(
        description="false when a ranked text query was answered from its best-scoring candidates only"
    )


SortOrder = Literal["relevance", "price_asc", "price_desc", "newest"]


# --- Markets per part ---------------------------------------------------------------------


class MarketsRequest(Strict):
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 destination")
    part_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)


class RefusalRead(BaseModel):
    """Why a part may not be sold in a country (marketplace/compliance/markets.py)."""

    code: str = Field(
        description="DESTINATION_RESTRICTED, DESTINATION_NOT_SERVED, CONDITION_PROHIBITED, "
        "CONDITION_LICENCE_REQUIRED or MISSING_CERTIFICATION"
    )
    message: str
    source: str = Field(description="the instrument or list the rule relies on")


class PartMarketRead(BaseModel):
    part_id: uuid.UUID
    eligible: bool
    until: date | None = Field(description="the last day the part stays sellable there, when eligible")
    missing_schemes: list[str] = Field(description="when not eligible: the schemes no certificate in force meets")
    reasons: list[RefusalRead] = Field(default_factory=list, description="when not eligible: every reason, sourced")


class MarketsRead(BaseModel):
    country: str
    market: str | None = Field(description="null when the country is in no market (not served)")
    on: date
    parts: list[PartMarketRead]


class PartOfferRead(BaseModel):
    """A part as a quote prices it in one country: the facts duty, tax and shipping are computed
    from, its price and stock, and whether it may be sold there today."""

    id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str
    title_en: str
    category: str
    hs_code: str
    weight_grams: int
    price_cny: int = Field(description="CNY fen")
    core_charge_cny: int = Field(description="CNY fen")
    available: int
    listed: bool
    country_of_origin: str
    warranty_months: int
    battery_chemistry: str | None
    battery_capacity_wh: int | None
    origin_schemes: list[str] = Field(
        description="certificate-of-origin schemes (CO_RCEP ...) whose valid certificates cover the part today"
    )
    market: PartMarketRead


class OffersRead(BaseModel):
    country: str
    market: str | None = Field(description="null when the country is in no market (not served)")
    on: date
    parts: list[PartOfferRead] = Field(description="in the order asked; unknown ids are left out")


# --- Reservations ------------------------------------------------------------------------


class ReservationLineIn(Strict):
    part_id: uuid.UUID
    quantity: Annotated[int, Field(gt=0, le=100_000)]


class ReservationCreate(Strict):
    idempotency_key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=200)]
    lines: Annotated[list[ReservationLineIn], Field(min_length=1, max_length=200)]
    ttl_seconds: Annotated[int, Field(ge=30, le=86_400)] = 900
    order_ref: Annotated[str, StringConstraints(max_length=100)] | None = None


class ReservationLineRead(BaseModel):
    part_id: uuid.UUID
    quantity: int


class ReservationRead(BaseModel):
    id: uuid.UUID
    idempotency_key: str
    order_ref: str | None
    status: Literal["ACTIVE", "COMMITTED", "RELEASED", "EXPIRED", "RESTOCKED"]
    expires_at: datetime
    created_at: datetime
    settled_at: datetime | None
    lines: list[ReservationLineRead]


class SweepResult(BaseModel):
    expired: int


# --- CSV ---------------------------------------------------------------------------------


class ImportRequest(Strict):
    csv: Annotated[str, StringConstraints(max_length=20_000_000)]
    supplier_id: uuid.UUID | None = None


class ImportErrorRead(BaseModel):
    line: int
    field: str | None
    # Stable: REQUIRED, NOT_YUAN, UNKNOWN_CATEGORY ... (csvio.ROW_MESSAGES); the message is in
    # the import's locale.
    code: str
    message: str


class ImportResult(BaseModel):
    created: int
    updated: int
    errors: list[ImportErrorRead]


class VehicleRead(BaseModel):
    """A vehicle as the catalog's fitments name it: make and model as suppliers write them."""

    make: str
    model: str | None = Field(description="null when the VIN names only the make")
    year: int
    engine_code: str | None
    vin: str | None


class VinRead(BaseModel):
    vin: str
    manufacturer: str
    makes: list[str]
    model_year: int | None
    country: str | None
    model: str | None = Field(default=None, description="where the VIN's model code names one")
    vehicle: VehicleRead | None = Field(
        default=None, description="the decoded vehicle in the catalog's own names; null without a model year"
    )


class VehicleIn(Strict):
    """A vehicle by VIN, or by make, model and year (from the fitment selectors)."""

    vin: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    make: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = None
    model: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] | None = None
    year: int | None = None
    engine_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None


class GarageVehicleRead(VehicleRead):
    id: uuid.UUID
    selected: bool = Field(description="the buyer's current vehicle")
    created_at: datetime


class FitmentOptions(BaseModel):
    """What the make, model and year selectors offer, from the fitments of listed parts."""

    makes: list[str]
    models: list[str] = Field(description="models of the make asked; empty without one")
    years: list[int] = Field(description="years of the make and model asked, newest first; empty without both")


class FitsRequest(Strict):
    vehicle: VehicleIn
    part_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=200)]


class PartFits(BaseModel):
    part_id: uuid.UUID
    fits: bool


class FitsRead(BaseModel):
    vehicle: VehicleRead
    results: list[PartFits] = Field(description="in the order asked; unknown parts left out")
