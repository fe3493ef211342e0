"""A supplier's catalogue as CSV: import (create or update by SKU) and export.

Columns (UTF-8, with or without BOM, header row required; unknown columns are an error):

  sku*, title_en*, title_zh, description_en, description_zh, category*, condition*, brand,
  oem_numbers, interchange_numbers   several numbers separated by `|`
  price_cny*, core_charge_cny        yuan with up to 2 decimals (`1280.50`), stored as fen
  warranty_months, weight_grams*, length_mm, width_mm, height_mm, hs_code, country_of_origin,
  on_hand                            sets the stock on hand
  fitments                           `make:model:yearFrom-yearTo[:engineCode]`, several separated by `|`
  source_vin, dismantler, remanufactured_on (YYYY-MM-DD),
  battery_chemistry, battery_capacity_wh, battery_soh_pct, battery_cycles
  id, listed                         as exported: `id` is ignored (the SKU identifies the part),
                                     `listed` true/false lists or delists an existing SKU

(* required for a new SKU.) For an existing SKU, the non-empty cells update the part and
empty cells leave it as it is. Each row is applied in its own savepoint: a bad row is
reported with its line number and leaves nothing behind; the good rows go in.
"""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.catalog import events as catalog_events
from services.catalog import service, verification
from services.catalog.models import Fitment, Part, Stock
from services.catalog.schemas import ImportErrorRead, ImportResult, PartCreate, PartUpdate
from services.common import csvfile
from services.common.errors import BadInput, DomainError, PayloadTooLarge
from services.common.internal_auth import Actor

COLUMNS = (
    "sku",
    "title_en",
    "title_zh",
    "description_en",
    "description_zh",
    "category",
    "condition",
    "brand",
    "oem_numbers",
    "interchange_numbers",
    "price_cny",
    "core_charge_cny",
    "warranty_months",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "hs_code",
    "country_of_origin",
    "on_hand",
    "fitments",
    "source_vin",
    "dismantler",
    "remanufactured_on",
    "battery_chemistry",
    "battery_capacity_wh",
    "battery_soh_pct",
    "battery_cycles",
)
EXPORT_COLUMNS = (*COLUMNS, "id", "listed")
MAX_ROWS = 50_000
MAX_ERRORS = 1_000
BATCH = 1_000
_LISTS = ("oem_numbers", "interchange_numbers")
_MONEY = ("price_cny", "core_charge_cny")


class RowError(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _yuan_to_fen(raw: str, field: str) -> int:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise RowError(field, "not a number of yuan (e.g. 1280.50)") from None
    fen = value * 100
    if fen != fen.to_integral_value() or value < 0:
        raise RowError(field, "yuan with at most 2 decimals, not negative")
    return int(fen)


def _fitments(raw: str) -> list[dict[str, Any]]:
    out = []
    for item in filter(None, (x.strip() for x in raw.split("|"))):
        bits = [b.strip() for b in item.split(":")]
        if len(bits) not in (3, 4) or "-" not in bits[2]:
            raise RowError("fitments", f"{item!r}: write make:model:yearFrom-yearTo[:engineCode]")
        start, _, end = bits[2].partition("-")
        if not (start.strip().isdigit() and end.strip().isdigit()):
            raise RowError("fitments", f"{item!r}: years must be numbers")
        out.append(
            {
                "make": bits[0],
                "model": bits[1],
                "year_from": int(start),
                "year_to": int(end),
                "engine_code": bits[3] if len(bits) == 4 and bits[3] else None,
            }
        )
    return out


def _row_values(row: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, cell in row.items():
        text = csvfile.unneutralise((cell or "").strip())  # an export of ours comes back
        if not text or name == "id":  # `id` comes with an export; the SKU identifies the part
            continue
        if name == "listed":
            if text.lower() not in ("true", "false"):
                raise RowError("listed", "true or false")
            values[name] = text.lower() == "true"
            continue
        if name in _LISTS:
            values[name] = [x.strip() for x in text.split("|") if x.strip()]
        elif name in _MONEY:
            values[name] = _yuan_to_fen(text, name)
        elif name == "fitments":
            values[name] = _fitments(text)
        else:
            values[name] = text
    return values


def _validation_error(exc: ValidationError) -> RowError:
    err = exc.errors()[0]
    loc = [str(x) for x in err.get("loc", ())]
    return RowError(loc[0] if loc else None, f"{'.'.join(loc[1:]) + ': ' if len(loc) > 1 else ''}{err['msg']}")


def import_csv(session: Session, actor: Actor, content: str, supplier_id: uuid.UUID | None) -> ImportResult:
    owner = service.owner_for_new_part(actor, supplier_id)
    service.get_supplier(session, owner)
    # Refused whole, before any row: an import creates and lists parts.
    verification.require_verified(session, owner)
    content = content.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [h.strip().removeprefix("\ufeff") for h in (reader.fieldnames or [])]
    if not header:
        raise BadInput("the CSV is empty; the first line must name the columns", field="csv")
    unknown = [h for h in header if h not in EXPORT_COLUMNS]
    if unknown:
        raise BadInput(f"unknown column {unknown[0]!r}; the columns are: {', '.join(COLUMNS)}", field="csv")
    reader.fieldnames = header
    existing = {
        p.sku: p
        for p in session.scalars(select(Part).where(Part.supplier_id == owner))  # type: ignore[arg-type]
    }
    created = updated = 0
    errors: list[ImportErrorRead] = []
    seen: dict[str, int] = {}
    pending: list[tuple[int, service.PreparedPart]] = []

    def fail(line: int, field: str | None, message: str) -> None:
        errors.append(ImportErrorRead(line=line, field=field, message=message))

    def write_pending() -> None:
        nonlocal created
        if not pending:
            return
        try:
            with session.begin_nested():
                service.write_parts(session, [p for _, p in pending])
            created += len(pending)
        except IntegrityError:
            # Some row conflicts after all (a concurrent import?): write them one by one.
            for line, prepared in pending:
                try:
                    with session.begin_nested():
                        service.write_parts(session, [prepared])
                    created += 1
                except IntegrityError:
                    fail(line, "sku", "conflicts with a part written meanwhile")
        pending.clear()

    line = 1
    for count, row in enumerate(reader, start=1):
        start, line = line + 1, reader.line_num
        if count > MAX_ROWS:
            raise PayloadTooLarge(f"at most {MAX_ROWS} rows per import", field="csv")
        if None in row:
            fail(start, None, "more cells than columns")
            continue
        try:
            values = _row_values({k: v for k, v in row.items() if k is not None})
            sku = str(values.get("sku", ""))
            if not sku:
                raise RowError("sku", "required")
            if sku in seen:
                raise RowError("sku", f"SKU {sku!r} already on line {seen[sku]} of this file")
            if sku in existing:
                with session.begin_nested():
                    _update(session, existing[sku], values)
                updated += 1
            else:
                pending.append((start, _prepare(owner, values)))
                if len(pending) >= BATCH:
                    write_pending()
            seen[sku] = start
        except RowError as exc:
            fail(start, exc.field, exc.message)
        except ValidationError as exc:
            e = _validation_error(exc)
            fail(start, e.field, e.message)
        except DomainError as exc:
            fail(start, exc.field.split(".")[0] if exc.field else None, exc.detail)
        if len(errors) >= MAX_ERRORS:
            fail(start, None, "too many errors; import stopped")
            break
    write_pending()
    return ImportResult(created=created, updated=updated, errors=errors)


def _prepare(owner: uuid.UUID, values: dict[str, Any]) -> service.PreparedPart:
    if values.pop("listed", True) is False:
        raise RowError("listed", "a new SKU is always listed; import it first, then delist it")
    for required in ("title_en", "category", "condition", "price_cny", "weight_grams"):
        if required not in values:
            raise RowError(required, "required for a new SKU")
    values = {**values, "condition": str(values["condition"]).upper()}
    return service.prepare_part(owner, PartCreate.model_validate(values))


def _update(session: Session, part: Part, values: dict[str, Any]) -> None:
    values = dict(values)
    values.pop("sku", None)
    on_hand = values.pop("on_hand", None)
    if "condition" in values:
        values["condition"] = str(values["condition"]).upper()
    patch = PartUpdate.model_validate(values)
    service.apply_patch(session, part, patch)
    if on_hand is not None:
        try:
            quantity = int(on_hand)
        except ValueError:
            raise RowError("on_hand", "a whole number") from None
        if quantity < 0:
            raise RowError("on_hand", "stock cannot be negative")
        stock = session.get(Stock, part.id)
        if stock is None or stock.reserved > quantity:
            raise RowError("on_hand", "units reserved by open orders exceed this")
        stock.on_hand = quantity
        session.add(stock)
        session.flush()
        catalog_events.stock_changed(session, [part.id])
        session.flush()


# --- Export ------------------------------------------------------------------------------


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def export_csv(session: Session, actor: Actor, supplier_id: uuid.UUID | None) -> bytes:
    if supplier_id is None:
        own = service.actor_supplier_id(actor)
        if own is None:
            raise BadInput("name the supplier whose catalogue to export", field="supplier_id")
        supplier_id = own
    service.require_owner(actor, supplier_id)
    service.get_supplier(session, supplier_id)
    parts = list(
        session.scalars(select(Part).where(Part.supplier_id == supplier_id).order_by(Part.sku))  # type: ignore[arg-type]
    )
    ids = [p.id for p in parts]
    stock: dict[uuid.UUID, int] = {}
    fits: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    for chunk in range(0, len(ids), 500):
        batch = ids[chunk : chunk + 500]
        for s in session.scalars(select(Stock).where(Stock.part_id.in_(batch))):  # type: ignore[attr-defined]
            stock[s.part_id] = s.on_hand
        for f in session.scalars(select(Fitment).where(Fitment.part_id.in_(batch))):  # type: ignore[attr-defined]
            tail = f":{f.engine_code}" if f.engine_code else ""
            fits[f.part_id].append(f"{f.make}:{f.model}:{f.year_from}-{f.year_to}{tail}")
    return csvfile.write_csv(EXPORT_COLUMNS, (_export_row(p, stock.get(p.id, 0), fits[p.id]) for p in parts))


def _export_row(part: Part, on_hand: int, fitments: list[str]) -> list[str]:
    record: dict[str, Any] = {name: getattr(part, name, None) for name in EXPORT_COLUMNS}
    record.update(
        oem_numbers="|".join(part.oem_numbers or []),
        interchange_numbers="|".join(part.interchange_numbers or []),
        price_cny=_yuan(part.price_cny),
        core_charge_cny=_yuan(part.core_charge_cny),
        on_hand=on_hand,
        fitments="|".join(sorted(fitments)),
        listed="true" if part.listed else "false",
    )
    # Every cell as text, as the import reads it back.
    return ["" if record[c] is None else str(record[c]) for c in EXPORT_COLUMNS]
