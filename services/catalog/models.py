"""Tables of the catalog database. Only this service reads or writes them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from services.common.clock import UtcDateTime, utcnow
from services.common.db import service_registry
from services.common.events.tables import event_tables


class CatalogTable(SQLModel, registry=service_registry()):
    """Base of every catalog table: its own MetaData, so its migrations see only its tables."""


class Supplier(CatalogTable, table=True):
    __tablename__ = "supplier"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name_en: str = Field(max_length=200)
    name_zh: str = Field(max_length=200)
    # Bound to this supplier only once verified: unverified registrations may name the same
    # code (a squatter cannot lock the real company out), a verified one holds it alone.
    uscc: str = Field(max_length=18)
    address: str | None = Field(default=None, max_length=500)
    contact_name: str | None = Field(default=None, max_length=120)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=40)
    # True exactly when verification_status is VERIFIED: an admin reviewed the licence.
    verified: bool = Field(default=False)
    # NOT_SUBMITTED -> PENDING -> VERIFIED or REJECTED (a rejected supplier may apply again).
    verification_status: str = Field(default="NOT_SUBMITTED", max_length=20)
    legal_representative: str | None = Field(default=None, max_length=120)
    licence_sha256: str | None = Field(default=None, max_length=64)
    licence_size_bytes: int | None = None
    verification_submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    verification_reviewed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    verification_reviewer: str | None = Field(default=None, max_length=64)
    verification_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)

    __table_args__ = (
        Index("ix_supplier_created_at_id", "created_at", "id"),
        Index("ix_supplier_uscc", "uscc"),
        # The review queue: applications waiting, oldest first.
        Index("ix_supplier_verification_status_submitted_at", "verification_status", "verification_submitted_at"),
        Index(
            "ux_supplier_uscc_verified",
            "uscc",
            unique=True,
            sqlite_where=text("verified"),
            postgresql_where=text("verified"),
        ),
    )


class Part(CatalogTable, table=True):
    __tablename__ = "part"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    supplier_id: uuid.UUID = Field(foreign_key="supplier.id")
    sku: str = Field(max_length=64)
    title_en: str = Field(max_length=300)
    title_zh: str | None = Field(default=None, max_length=300)
    # Titles in further languages given by the supplier, locale -> title (`{"de": "Wasserpumpe ..."}`).
    title_translations: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    description_en: str | None = Field(default=None, sa_type=Text)
    description_zh: str | None = Field(default=None, sa_type=Text)
    category: str = Field(max_length=40)
    condition: str = Field(max_length=20)
    brand: str | None = Field(default=None, max_length=120)
    # As the supplier typed them; the normalised forms live in part_number for lookup.
    oem_numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interchange_numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    price_cny: int  # fen
    core_charge_cny: int = Field(default=0)  # fen
    warranty_months: int = Field(default=12)
    weight_grams: int
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    hs_code: str = Field(max_length=10)
    country_of_origin: str = Field(default="CN", max_length=2)
    source_vin: str | None = Field(default=None, max_length=17)
    dismantler: str | None = Field(default=None, max_length=200)
    remanufactured_on: date | None = None
    co2e_saved_grams: int | None = None
    battery_chemistry: str | None = Field(default=None, max_length=10)
    battery_capacity_wh: int | None = None
    battery_soh_pct: int | None = None
    battery_cycles: int | None = None
    listed: bool = Field(default=True)
    delisted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)

    __table_args__ = (
        UniqueConstraint("supplier_id", "sku"),
        CheckConstraint("price_cny >= 0", name="price_non_negative"),
        CheckConstraint("core_charge_cny >= 0", name="core_charge_non_negative"),
        Index("ix_part_listed_created_at_id", "listed", "created_at", "id"),
        Index("ix_part_listed_price_cny_id", "listed", "price_cny", "id"),
        # Covers browsing and facet counting by category and condition, newest first.
        Index("ix_part_category_condition_listed_created_at", "category", "condition", "listed", "created_at", "id"),
        Index("ix_part_supplier_id_created_at", "supplier_id", "created_at"),
    )


class PartImage(CatalogTable, table=True):
    """A picture of a part, shown in the order of `position`. The files are named by the
    SHA-256 of their re-encoded bytes (services/catalog/images.py)."""

    __tablename__ = "part_image"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    part_id: uuid.UUID = Field(foreign_key="part.id")
    position: int
    sha256: str = Field(max_length=64)
    width: int
    height: int
    thumbnail_sha256: str = Field(max_length=64)
    thumbnail_width: int
    thumbnail_height: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)

    __table_args__ = (
        # The same picture uploaded again for a part is the image it already has (a retry).
        UniqueConstraint("part_id", "sha256"),
        Index("ix_part_image_part_id_position", "part_id", "position"),
    )


class PartNumber(CatalogTable, table=True):
    """One OEM or interchange number of a part, normalised for exact and prefix lookup."""

    __tablename__ = "part_number"

    part_id: uuid.UUID = Field(foreign_key="part.id", primary_key=True)
    normalised: str = Field(max_length=40, primary_key=True)
    kind: str = Field(max_length=12, primary_key=True)  # OEM or INTERCHANGE

    __table_args__ = (Index("ix_part_number_normalised_part_id", "normalised", "part_id"),)


class Fitment(CatalogTable, table=True):
    __tablename__ = "fitment"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    part_id: uuid.UUID = Field(foreign_key="part.id")
    make: str = Field(max_length=60)
    model: str = Field(max_length=80)
    # Lower-cased, letters and digits only: the keys filters and VINs match on.
    make_key: str = Field(max_length=60)
    model_key: str = Field(max_length=80)
    year_from: int
    year_to: int
    engine_code: str | None = Field(default=None, max_length=40)

    __table_args__ = (
        CheckConstraint("year_from <= year_to", name="year_range"),
        Index("ix_fitment_part_id_make_key_make", "part_id", "make_key", "make"),
        Index("ix_fitment_make_key_model_key_part_id", "make_key", "model_key", "part_id"),
    )


class Stock(CatalogTable, table=True):
    __tablename__ = "stock"

    part_id: uuid.UUID = Field(foreign_key="part.id", primary_key=True)
    on_hand: int = Field(default=0)
    reserved: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)

    __table_args__: Any = (
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        # On SQLite the row lives in the primary-key B-tree: the in-stock filter is one lookup.
        {"sqlite_with_rowid": False},
    )


class Reservation(CatalogTable, table=True):
    __tablename__ = "reservation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    order_ref: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=12)  # ACTIVE, COMMITTED, RELEASED, EXPIRED, RESTOCKED
    lines_digest: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    settled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)

    __table_args__ = (
        Index("ix_reservation_status_expires_at", "status", "expires_at"),
        # An order's reservations, released together when it is cancelled (catalog/order_events.py).
        Index("ix_reservation_order_ref", "order_ref"),
    )


class ReservationLine(CatalogTable, table=True):
    __tablename__ = "reservation_line"

    reservation_id: uuid.UUID = Field(foreign_key="reservation.id", primary_key=True)
    part_id: uuid.UUID = Field(foreign_key="part.id", primary_key=True)
    quantity: int

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class SearchDoc(CatalogTable, table=True):
    """A small integer per listed part, so the posting lists stay compact on both backends."""

    __tablename__ = "search_doc"

    doc: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    part_id: uuid.UUID = Field(foreign_key="part.id", unique=True)


class SearchPosting(CatalogTable, table=True):
    """Inverted index: term -> documents, each with a precomputed BM25-style weight.

    Terms are lower-cased, stemmed English words and Chinese character bigrams (see search/text.py).
    """

    __tablename__ = "search_posting"

    term: str = Field(max_length=40, primary_key=True)
    doc: int = Field(primary_key=True)
    score: int = Field(sa_type=SmallInteger)

    __table_args__: Any = (
        # The score in the key's index (PostgreSQL): a word's newest postings, a search's
        # candidates, are read from the index alone, in document order for the merge joins.
        PrimaryKeyConstraint("term", "doc", postgresql_include=["score"]),
        Index("ix_search_posting_term_score_doc", "term", "score", "doc"),
        {"sqlite_with_rowid": False},
    )


class MarketCertificate(CatalogTable, table=True):
    """The catalog's copy of a reviewed certificate, as the last certificate event described it:
    what the market rules need to decide a part's markets without asking certification."""

    __tablename__ = "market_certificate"

    id: uuid.UUID = Field(primary_key=True)  # certification's certificate id
    supplier_id: uuid.UUID = Field(index=True)
    scheme: str = Field(max_length=32)
    status: str = Field(max_length=20)
    valid_from: date
    valid_until: date
    scope_categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    scope_oem_numbers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    scope_part_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str | None = Field(default=None, sa_type=Text)
    # The certificate's own `updated_at` the copy is of: an older event never overwrites a newer.
    updated_at: datetime = Field(sa_type=UtcDateTime)


class PartMarket(CatalogTable, table=True):
    """A market a part may be sold in (marketplace/compliance/markets.py decides), until the
    last day its certificates stay valid. The `shipsTo` filter is an indexed lookup here."""

    __tablename__ = "part_market"

    part_id: uuid.UUID = Field(foreign_key="part.id", primary_key=True)
    market: str = Field(max_length=12, primary_key=True)
    until: date

    __table_args__: Any = (
        Index("ix_part_market_market_part_id_until", "market", "part_id", "until"),
        {"sqlite_with_rowid": False},
    )


class MarketsDecided(CatalogTable, table=True):
    """When every part's markets were last decided at once, and under which rules: one row.
    `tongnan up` decides again only if the rules, the day or the certificates have changed
    since (certificate events keep `market_certificate` and `part_market` current in between)."""

    __tablename__ = "markets_decided"

    id: int = Field(default=1, primary_key=True)
    rules_fingerprint: str = Field(max_length=64)  # marketplace/compliance/markets.fingerprint()
    decided_on: date  # the day the decisions were made for
    decided_at: datetime = Field(sa_type=UtcDateTime)


class GarageVehicle(CatalogTable, table=True):
    """A vehicle in a buyer's garage: what the buyer drives, so parts can be checked against it.

    `vehicle_key` (the VIN, else make, model and year keys) makes adding the same vehicle twice
    return the one already there; at most one vehicle per account is `selected` (the current one).
    """

    __tablename__ = "garage_vehicle"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: str = Field(max_length=64)
    vehicle_key: str = Field(max_length=200)
    make: str = Field(max_length=60)
    model: str | None = Field(default=None, max_length=80)
    year: int
    engine_code: str | None = Field(default=None, max_length=40)
    vin: str | None = Field(default=None, max_length=17)
    selected: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)

    __table_args__ = (
        UniqueConstraint("account_id", "vehicle_key", name="uq_garage_vehicle_account_id_vehicle_key"),
        Index("ix_garage_vehicle_account_id_created_at", "account_id", "created_at"),
    )


def table(model: type[SQLModel]) -> Table:
    """The Core Table of a model (for multi-row inserts and typed column access)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


# The catalog's events: its outbox, inbox and dead letters (services/common/events).
EVENTS = event_tables(CatalogTable.metadata, source="catalog")
