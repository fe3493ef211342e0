"""Suppliers and parts: the rules, including who may see and change what.

No FastAPI here; every function takes the session and the calling Actor and raises typed
errors from services.common.errors. The request's session commits once, at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import pycountry
from sqlalchemy import CursorResult, Table, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from marketplace import classification
from marketplace.actors import Actor
from marketplace.roles import Role
from services.catalog import domain, vehicles, verification
from services.catalog import events as catalog_events
from services.catalog import images as part_images
from services.catalog import markets as part_markets
from services.catalog.contract import (
    Facets,
    FitmentIn,
    FitmentRead,
    ImageRead,
    PageInfo,
    PartCreate,
    PartEdge,
    PartRead,
    PartUpdate,
    SearchPage,
    SupplierCreate,
    SupplierEdge,
    SupplierPage,
    SupplierRead,
    VinRead,
)
from services.catalog.models import Fitment, Part, PartImage, PartNumber, Stock, Supplier, table
from services.catalog.search import index as search_index
from services.catalog.search import query as search_query
from services.catalog.search.query import SearchParams
from services.common.clock import utcnow
from services.common.errors import BadInput, Conflict, Forbidden, NotFound
from services.common.memo import Kept
from services.common.pagination import decode_cursor, encode_cursor, page_size

F = table(Fitment)
S = table(Stock)

MAX_BATCH_IDS = 200

# --- Authorisation -----------------------------------------------------------------------


def actor_supplier_id(actor: Actor) -> uuid.UUID | None:
    if actor.role != Role.SUPPLIER or not actor.supplier_id:
        return None
    try:
        return uuid.UUID(actor.supplier_id)
    except ValueError:
        return None


def require_owner(actor: Actor, supplier_id: uuid.UUID) -> None:
    """Staff may act on any supplier's data; a supplier only on its own."""
    if actor.is_staff:
        return
    own = actor_supplier_id(actor)
    if own is None:
        raise Forbidden("only the supplier that owns this part (or an admin) may change it")
    if own != supplier_id:
        raise Forbidden("this part belongs to another supplier")


def owner_for_new_part(actor: Actor, requested: uuid.UUID | None) -> uuid.UUID:
    if actor.is_staff:
        if requested is None:
            raise BadInput("an admin must name the supplier", field="supplier_id")
        return requested
    own = actor_supplier_id(actor)
    if own is None:
        raise Forbidden("only suppliers and admins list parts")
    if requested is not None and requested != own:
        raise Forbidden("a supplier lists parts only for itself")
    return own


# --- Suppliers ---------------------------------------------------------------------------


def create_supplier(session: Session, actor: Actor, data: SupplierCreate) -> Supplier:
    actor.require(Role.ADMIN)
    uscc = domain.validate_uscc(data.uscc)
    # Only a verified supplier holds its code; unverified registrations of one code may coexist.
    if verification.holder_of(session, uscc) is not None:
        raise Conflict(verification.USCC_TAKEN_MESSAGE, field="uscc")
    supplier = Supplier(**data.model_dump(exclude={"uscc"}), uscc=uscc)
    session.add(supplier)
    session.flush()
    return supplier


def get_supplier(session: Session, supplier_id: uuid.UUID) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound("no such supplier", field="id")
    return supplier


def suppliers_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> list[Supplier]:
    if len(ids) > MAX_BATCH_IDS:
        raise BadInput(f"at most {MAX_BATCH_IDS} ids per call", field="ids")
    found = {s.id: s for s in session.scalars(select(Supplier).where(Supplier.id.in_(ids)))}  # type: ignore[attr-defined]
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def list_suppliers(
    session: Session, first: int | None, after: str | None, verification_status: str | None = None
) -> SupplierPage:
    size = page_size(first)
    query = select(Supplier).order_by(Supplier.created_at, Supplier.id)  # type: ignore[arg-type]
    if verification_status is not None:
        if verification_status not in verification.VerificationStatus.__members__:
            raise BadInput("not a verification status", field="verification_status")
        query = query.where(col(Supplier.verification_status) == verification_status)
    if after:
        at, last_id = decode_cursor(after, arity=2)
        try:
            at_dt, last = datetime.fromisoformat(at), uuid.UUID(last_id)
        except (TypeError, ValueError):
            raise BadInput("malformed cursor", field="after") from None
        query = query.where(
            or_(col(Supplier.created_at) > at_dt, and_(col(Supplier.created_at) == at_dt, col(Supplier.id) > last))
        )
    rows = list(session.scalars(query.limit(size + 1)))
    edges = [
        SupplierEdge(cursor=encode_cursor([s.created_at.isoformat(), str(s.id)]), node=supplier_read(s))
        for s in rows[:size]
    ]
    return SupplierPage(
        edges=edges,
        page_info=PageInfo(has_next_page=len(rows) > size, end_cursor=edges[-1].cursor if edges else None),
    )


def set_supplier_verified(
    session: Session, actor: Actor, supplier_id: uuid.UUID, verified: bool, reason: str | None = None
) -> Supplier:
    if verified:
        return verification.verify(session, actor, supplier_id, reason)
    return verification.reject(session, actor, supplier_id, reason)


def supplier_read(supplier: Supplier) -> SupplierRead:
    return SupplierRead.model_validate(supplier, from_attributes=True)


# --- Parts: reading ----------------------------------------------------------------------


# What PartRead takes from the Part row as it is, found once: asking each part with hasattr for
# the others (title, stock, fitments ...) raised and caught an AttributeError in pydantic per
# field and part, a fifth of what a page's views cost.
PART_READ_COLUMNS = tuple(k for k in PartRead.model_fields if hasattr(Part, k))


def part_views(session: Session, parts: Sequence[Part], locale: str | None = None) -> list[PartRead]:
    """PartRead for many parts with a few more queries in all (stock, fitments, pictures, the
    suppliers' certificates of origin), never one per part."""
    ids = [p.id for p in parts]
    if not ids:
        return []
    # Plain rows, not ORM objects: a page reads dozens of them and writes none.
    stock = {
        part_id: (on_hand, reserved)
        for part_id, on_hand, reserved in session.execute(
            select(S.c.part_id, S.c.on_hand, S.c.reserved).where(S.c.part_id.in_(ids))
        )
    }
    fitments: dict[uuid.UUID, list[FitmentRead]] = {i: [] for i in ids}
    rows = session.execute(
        select(F.c.part_id, F.c.make, F.c.model, F.c.year_from, F.c.year_to, F.c.engine_code)
        .where(F.c.part_id.in_(ids))
        .order_by(F.c.make, F.c.model, F.c.year_from)
    )
    for part_id, make, model, year_from, year_to, engine_code in rows:
        fitments[part_id].append(
            FitmentRead(make=make, model=model, year_from=year_from, year_to=year_to, engine_code=engine_code)
        )
    pictures: dict[uuid.UUID, list[ImageRead]] = {i: [] for i in ids}
    for image in session.scalars(
        select(PartImage).where(col(PartImage.part_id).in_(ids)).order_by(col(PartImage.position))
    ):
        pictures[image.part_id].append(image_read(image))
    chinese = (locale or "en").lower().replace("_", "-").startswith("zh")
    origins = part_markets.origin_schemes(session, parts, part_markets.today())
    views = []
    for p in parts:
        on_hand, reserved = stock.get(p.id, (0, 0))
        data: dict[str, Any] = {k: getattr(p, k) for k in PART_READ_COLUMNS}
        data.update(
            title=domain.title_in(locale, p.title_en, p.title_zh, p.title_translations),
            title_translations=p.title_translations or {},
            description=(p.description_zh if chinese and p.description_zh else p.description_en),
            co2e_saved_kg=None if p.co2e_saved_grams is None else round(p.co2e_saved_grams / 1000, 1),
            on_hand=on_hand,
            reserved=reserved,
            available=on_hand - reserved,
            fitments=fitments[p.id],
            images=pictures[p.id],
            origin_schemes=origins[p.id],
        )
        views.append(PartRead.model_validate(data))
    return views


def get_part(session: Session, part_id: uuid.UUID) -> Part:
    """Any caller may read a part by id, delisted or not: old orders and quotes refer to it."""
    part = session.get(Part, part_id)
    if part is None:
        raise NotFound("no such part", field="id")
    return part


def parts_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> list[Part]:
    """Batch read in the order asked (for the gateway's DataLoaders); unknown ids are left out."""
    if len(ids) > MAX_BATCH_IDS:
        raise BadInput(f"at most {MAX_BATCH_IDS} ids per call", field="ids")
    found = {p.id: p for p in session.scalars(select(Part).where(Part.id.in_(ids)))}  # type: ignore[attr-defined]
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def parts_by_oem_number(session: Session, number: str, *, prefix: bool = False, limit: int = 50) -> list[Part]:
    """Listed parts with this OEM or interchange number, in any formatting (`1K0-615-301 AA`)."""
    normalised = domain.normalise_part_number(number)
    if not normalised:
        raise BadInput("give an OEM number with letters or digits", field="oem_number")
    if prefix and len(normalised) < 3:
        raise BadInput("a prefix lookup needs at least 3 characters", field="oem_number")
    column = col(PartNumber.normalised)
    condition: ColumnElement[bool]
    if prefix:
        condition = column >= normalised
        upper = _next_prefix(normalised)
        if upper is not None:
            condition = and_(condition, column < upper)
    else:
        condition = column == normalised
    ids = select(col(PartNumber.part_id)).where(condition).limit(limit * 4).scalar_subquery()
    query = (
        select(Part)
        .where(Part.id.in_(ids), Part.listed)  # type: ignore[attr-defined,arg-type]
        .order_by(Part.price_cny, Part.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    return list(session.scalars(query))


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _next_prefix(prefix: str) -> str | None:
    """The smallest string after every string starting with `prefix` (alphabet 0-9A-Z)."""
    chars = list(prefix)
    while chars:
        i = _ALNUM.index(chars[-1])
        if i + 1 < len(_ALNUM):
            chars[-1] = _ALNUM[i + 1]
            return "".join(chars)
        chars.pop()
    return None


# --- Parts: writing ----------------------------------------------------------------------


def _fitment_rows(part_id: uuid.UUID, fitments: Sequence[FitmentIn]) -> list[dict[str, Any]]:
    return [
        {
            "id": uuid.uuid4(),
            "part_id": part_id,
            "make": f.make,
            "model": f.model,
            "make_key": domain.make_keys(f.make)[0],
            "model_key": domain.key(f.model),
            "year_from": f.year_from,
            "year_to": f.year_to,
            "engine_code": f.engine_code or None,
        }
        for f in fitments
    ]


def _number_rows(part_id: uuid.UUID, oem: Sequence[str], interchange: Sequence[str]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, values in (("OEM", oem), ("INTERCHANGE", interchange)):
        for value in values:
            n = domain.normalise_part_number(value)
            rows.setdefault((n, kind), {"part_id": part_id, "normalised": n, "kind": kind})
    return list(rows.values())


def insert_rows(session: Session, target: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany INSERT on the session's connection (no ORM bookkeeping per row)."""
    if rows:
        session.connection().execute(insert(target), list(rows))


def _checked_fields(values: dict[str, Any], category: str) -> dict[str, Any]:
    """Validate and normalise the fields Pydantic cannot check alone."""
    out = dict(values)
    if "oem_numbers" in out and out["oem_numbers"] is not None:
        out["oem_numbers"] = domain.clean_part_numbers(out["oem_numbers"], field="oem_numbers")
    if "interchange_numbers" in out and out["interchange_numbers"] is not None:
        out["interchange_numbers"] = domain.clean_part_numbers(out["interchange_numbers"], field="interchange_numbers")
    if "hs_code" in out:
        out["hs_code"] = domain.clean_hs_code(out["hs_code"], category)
    if out.get("country_of_origin") is not None:
        code = out["country_of_origin"].upper()
        if pycountry.countries.get(alpha_2=code) is None:
            raise BadInput("not an ISO 3166-1 alpha-2 country code", field="country_of_origin")
        out["country_of_origin"] = code
    if "title_translations" in out:
        out["title_translations"] = domain.clean_title_translations(out["title_translations"] or {})
    if out.get("source_vin"):
        out["source_vin"] = domain.decode_vin(out["source_vin"], field="source_vin").vin
    if out.get("battery_chemistry") is not None:
        out["battery_chemistry"] = str(out["battery_chemistry"])
    if out.get("condition") is not None:
        out["condition"] = str(out["condition"])
    return out


def _check_battery(part: Any) -> None:
    """`part`: a Part or a row dict."""

    def get(name: str) -> Any:
        return part.get(name) if isinstance(part, dict) else getattr(part, name)

    battery = ("battery_chemistry", "battery_capacity_wh", "battery_soh_pct", "battery_cycles")
    if get("category") == "nev_battery_module":
        if get("battery_chemistry") is None:
            raise BadInput("a battery module needs its chemistry", field="battery_chemistry")
        if get("battery_capacity_wh") is None:
            raise BadInput("a battery module needs its nominal capacity", field="battery_capacity_wh")
        if get("battery_soh_pct") is None:
            raise BadInput("a battery module needs its state of health", field="battery_soh_pct")
    elif any(get(name) is not None for name in battery):
        raise BadInput("battery fields apply only to nev_battery_module", field="battery_chemistry")


def create_part(session: Session, actor: Actor, data: PartCreate) -> Part:
    supplier_id = owner_for_new_part(actor, data.supplier_id)
    if session.get(Supplier, supplier_id) is None:
        raise NotFound("no such supplier", field="supplier_id")
    verification.require_verified(session, supplier_id)
    return insert_part(session, supplier_id, data)


@dataclass(slots=True)
class PreparedPart:
    """A validated new part as rows, ready to write (no database touched yet)."""

    row: dict[str, Any]
    numbers: list[dict[str, Any]]
    fitments: list[dict[str, Any]]
    on_hand: int

    @property
    def id(self) -> uuid.UUID:
        return uuid.UUID(str(self.row["id"]))


_PART_COLUMNS = tuple(Part.model_fields)


def prepare_part(
    supplier_id: uuid.UUID,
    data: PartCreate,
    *,
    part_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> PreparedPart:
    cat = domain.category(data.category).code
    fields = _checked_fields(data.model_dump(exclude={"fitments", "on_hand", "supplier_id", "category"}), cat)
    now = created_at or utcnow()
    row: dict[str, Any] = dict.fromkeys(_PART_COLUMNS)
    row.update(fields)
    row.update(
        id=part_id or uuid.uuid4(),
        supplier_id=supplier_id,
        category=cat,
        hs_code=fields.get("hs_code") or domain.category(cat).hs_code,
        core_charge_cny=fields.get("core_charge_cny") or 0,
        warranty_months=12 if fields.get("warranty_months") is None else fields["warranty_months"],
        country_of_origin=fields.get("country_of_origin") or "CN",
        oem_numbers=fields.get("oem_numbers") or [],
        title_translations=fields.get("title_translations") or {},
        interchange_numbers=fields.get("interchange_numbers") or [],
        co2e_saved_grams=domain.co2e_saved_grams(cat, data.weight_grams),
        listed=True,
        delisted_at=None,
        created_at=now,
        updated_at=now,
    )
    _check_battery(row)
    return PreparedPart(
        row=row,
        numbers=_number_rows(row["id"], row["oem_numbers"], row["interchange_numbers"]),
        fitments=_fitment_rows(row["id"], data.fitments),
        on_hand=data.on_hand,
    )


def write_parts(session: Session, prepared: Sequence[PreparedPart]) -> None:
    """Insert prepared parts with a few multi-row statements (bulk import, demo data)."""
    if not prepared:
        return
    now = utcnow()
    insert_rows(session, table(Part), [p.row for p in prepared])
    insert_rows(session, table(PartNumber), [n for p in prepared for n in p.numbers])
    insert_rows(session, table(Fitment), [f for p in prepared for f in p.fitments])
    insert_rows(
        session,
        table(Stock),
        [{"part_id": p.id, "on_hand": p.on_hand, "reserved": 0, "updated_at": now} for p in prepared],
    )
    search_index.index_new_parts(session, [p.row for p in prepared])
    catalog_events.parts_created(session, [(p.row, p.on_hand) for p in prepared])
    # Sellable at once where its supplier's certificates allow; part.created announces it.
    part_markets.new_parts(session, [(p.id, p.row["supplier_id"]) for p in prepared])


def insert_part(
    session: Session,
    supplier_id: uuid.UUID,
    data: PartCreate,
    *,
    part_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> Part:
    """Add one part with its numbers, fitments, stock and index entries (authorisation done)."""
    prepared = prepare_part(supplier_id, data, part_id=part_id, created_at=created_at)
    if session.exec(
        select(Part.id).where(Part.supplier_id == supplier_id, Part.sku == data.sku)  # type: ignore[call-overload]
    ).first():
        raise Conflict(f"this supplier already has a part with SKU {data.sku!r}", field="sku")
    try:
        with session.begin_nested():
            write_parts(session, [prepared])
    except IntegrityError:
        raise Conflict(f"this supplier already has a part with SKU {data.sku!r}", field="sku") from None
    return get_part(session, prepared.id)


def update_part(session: Session, actor: Actor, part_id: uuid.UUID, patch: PartUpdate) -> Part:
    part = get_part(session, part_id)
    require_owner(actor, part.supplier_id)
    if patch.listed and not part.listed:
        verification.require_verified(session, part.supplier_id)
    return apply_patch(session, part, patch)


def apply_patch(session: Session, part: Part, patch: PartUpdate) -> Part:
    before = search_index.terms_of(part)
    changes = patch.model_dump(exclude_unset=True)
    for name in ("title_en", "price_cny", "weight_grams", "category", "condition", "listed"):
        if name in changes and changes[name] is None:
            raise BadInput("may not be null", field=name)
    cat = domain.category(changes["category"]).code if changes.get("category") else part.category
    if "category" in changes:
        changes["category"] = cat
    fitments = changes.pop("fitments", None)
    listed = changes.pop("listed", None)
    changes = _checked_fields(changes, cat)
    if "hs_code" in changes and changes["hs_code"] is None:
        changes["hs_code"] = domain.category(cat).hs_code
    if "category" in changes and "hs_code" not in changes:
        # A new category must still fit the part's HS code.
        classification.check(cat, part.hs_code, field="hs_code")
    for name in ("core_charge_cny", "warranty_months"):
        if name in changes and changes[name] is None:
            changes[name] = 0
    before_values = {name: getattr(part, name) for name in changes}
    for name, value in changes.items():
        setattr(part, name, value)
    changed = {name for name, value in before_values.items() if getattr(part, name) != value}
    if fitments is not None:
        changed.add("fitments")
    delisted = False
    if "oem_numbers" in changes or "interchange_numbers" in changes:
        part.oem_numbers = list(part.oem_numbers or [])
        session.execute(delete(PartNumber).where(PartNumber.part_id == part.id))  # type: ignore[arg-type]
        insert_rows(session, table(PartNumber), _number_rows(part.id, part.oem_numbers, part.interchange_numbers or []))
    if fitments is not None:
        session.execute(delete(Fitment).where(Fitment.part_id == part.id))  # type: ignore[arg-type]
        insert_rows(session, table(Fitment), _fitment_rows(part.id, [FitmentIn.model_validate(f) for f in fitments]))
    if listed is not None and listed != part.listed:
        part.listed = listed
        part.delisted_at = None if listed else utcnow()
        # Delisting is its own event; listing again is an update.
        delisted = not listed
        if listed:
            changed.add("listed")
    part.co2e_saved_grams = domain.co2e_saved_grams(part.category, part.weight_grams)
    _check_battery(part)
    part.updated_at = utcnow()
    session.add(part)
    session.flush()
    search_index.index_part(session, part, before)
    catalog_events.part_updated(session, part, changed)
    if changed & {"category", "oem_numbers"}:
        # What a certificate's scope matches on: the part may have gained or lost markets.
        part_markets.recompute(session, part_ids=[part.id], on=part_markets.today(), cause={"part_updated": True})
    if delisted:
        catalog_events.part_delisted(session, part)
    return part


def delist_part(session: Session, actor: Actor, part_id: uuid.UUID) -> Part:
    """Soft delete: out of search and OEM lookup, still readable by id for old orders."""
    part = get_part(session, part_id)
    require_owner(actor, part.supplier_id)
    if part.listed:
        part.listed = False
        part.delisted_at = utcnow()
        part.updated_at = utcnow()
        session.add(part)
        session.flush()
        search_index.index_part(session, part)
        catalog_events.part_delisted(session, part)
    return part


def set_stock(session: Session, actor: Actor, part_id: uuid.UUID, on_hand: int) -> Part:
    part = get_part(session, part_id)
    require_owner(actor, part.supplier_id)
    if on_hand < 0:
        raise BadInput("stock cannot be negative", field="on_hand")
    # Conditional: a concurrent reservation can never be left holding more than is on hand.
    result = session.execute(
        update(Stock)
        .where(Stock.part_id == part_id, Stock.reserved <= on_hand)  # type: ignore[arg-type]
        .values(on_hand=on_hand, updated_at=utcnow())
    )
    if cast(CursorResult[Any], result).rowcount == 0:
        stock = session.get(Stock, part_id)
        reserved = stock.reserved if stock else 0
        raise Conflict(f"{reserved} units are reserved by open orders; on hand cannot go below that", field="on_hand")
    catalog_events.stock_changed(session, [part_id])
    session.expire_all()
    return get_part(session, part_id)


# --- Images ------------------------------------------------------------------------------


def image_read(image: PartImage) -> ImageRead:
    return ImageRead(
        id=image.id,
        name=f"{image.sha256}{part_images.SUFFIX}",
        width=image.width,
        height=image.height,
        thumbnail_name=f"{image.thumbnail_sha256}{part_images.SUFFIX}",
        thumbnail_width=image.thumbnail_width,
        thumbnail_height=image.thumbnail_height,
    )


def add_part_image(
    session: Session,
    actor: Actor,
    part_id: uuid.UUID,
    picture: part_images.ProcessedImage,
    store: part_images.ImageStore,
    *,
    max_per_part: int,
) -> Part:
    """Add a checked picture after the part's others. The same picture again is the image the
    part already has (a retried upload adds nothing); past `max_per_part` it is refused."""
    part = get_part(session, part_id)
    require_owner(actor, part.supplier_id)
    sha256 = picture.full.sha256
    existing = list(session.scalars(select(PartImage).where(PartImage.part_id == part_id).with_for_update()))  # type: ignore[arg-type]
    if any(i.sha256 == sha256 for i in existing):
        return part
    if len(existing) >= max_per_part:
        raise Conflict(f"a part may have at most {max_per_part} images; remove one first", field="file")
    # Files first: a row never names a file that is not there (a file without a row is harmless).
    store.keep(picture.full)
    store.keep(picture.thumbnail)
    session.add(
        PartImage(
            part_id=part_id,
            position=max((i.position for i in existing), default=-1) + 1,
            sha256=sha256,
            width=picture.full.width,
            height=picture.full.height,
            thumbnail_sha256=picture.thumbnail.sha256,
            thumbnail_width=picture.thumbnail.width,
            thumbnail_height=picture.thumbnail.height,
        )
    )
    part.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:
        # A concurrent retry of the same upload added it first.
        raise Conflict("this image is being added already", field="file") from None
    catalog_events.part_updated(session, part, ["images"])
    return part


def remove_part_image(session: Session, actor: Actor, part_id: uuid.UUID, image_id: uuid.UUID) -> Part:
    """Take a picture off the part; removing one already gone changes nothing. The file stays
    (another part or a cached page may show it)."""
    part = get_part(session, part_id)
    require_owner(actor, part.supplier_id)
    image = session.get(PartImage, image_id)
    if image is not None and image.part_id == part_id:
        session.delete(image)
        part.updated_at = utcnow()
        session.flush()
        catalog_events.part_updated(session, part, ["images"])
    return part


# --- Search ------------------------------------------------------------------------------


def search_parts(
    session: Session,
    params: SearchParams,
    kept: Kept[Facets] | None = None,
    word_counts: search_query.WordCounts = search_query.COUNTED_EVERY_TIME,
) -> SearchPage:
    """Listed parts only; any caller, anonymous included. `kept`, `word_counts`: facet counts
    and the words' counts kept a while."""
    result = search_query.search(session, params, kept, word_counts)
    parts = parts_by_ids(session, result.ids) if result.ids else []
    views = part_views(session, parts, params.locale)
    # With shipsTo, why some parts are missing: the conditions the destination restricts.
    ships = part_markets.ships_to_filter(params.ships_to, on=part_markets.today()) if params.ships_to else None
    return SearchPage(
        edges=[PartEdge(cursor=c, node=v) for c, v in zip(result.cursors, views, strict=True)],
        page_info=result.page_info,
        facets=result.facets,
        restrictions=ships.restrictions if ships else [],
        exhaustive=result.exhaustive,
    )


def decode_vin(session: Session, vin: str) -> VinRead:
    decoded, vehicle = vehicles.from_vin(session, vin)
    return VinRead(
        vin=decoded.vin,
        manufacturer=decoded.manufacturer,
        makes=list(decoded.make_keys),
        model_year=decoded.model_year,
        country=decoded.country,
        model=decoded.model,
        vehicle=vehicle.read() if vehicle else None,
    )


def parse_ids(raw: str, *, field: str = "ids") -> list[uuid.UUID]:
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if not values:
        raise BadInput("give at least one id", field=field)
    if len(values) > MAX_BATCH_IDS:
        raise BadInput(f"at most {MAX_BATCH_IDS} ids per call", field=field)
    try:
        return [uuid.UUID(v) for v in values]
    except ValueError:
        raise BadInput("every id must be a UUID", field=field) from None
