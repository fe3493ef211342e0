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

from marketplace.actors import Actor
from marketplace.classification import HsCodeCategoryMismatch
from services.catalog import domain, service, verification
from services.catalog import events as catalog_events
from services.catalog.contract import ImportErrorRead, ImportResult, PartCreate, PartUpdate
from services.catalog.models import Fitment, Part, Stock
from services.common import csvfile
from services.common.errors import BadInput, DomainError, PayloadTooLarge

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


# The import report's messages by code, in English and Chinese (the supplier portal is Chinese
# first); `{detail}` carries the service's own English words where no code says more.
ROW_MESSAGES: dict[str, dict[str, str]] = {
    "REQUIRED": {"en": "required", "zh": "必填"},
    "REQUIRED_FOR_NEW_SKU": {"en": "required for a new SKU", "zh": "新 SKU 必须填写此列"},
    "NOT_YUAN": {"en": "not a number of yuan (e.g. 1280.50)", "zh": "不是以元为单位的数字（例如 1280.50）"},
    "YUAN_FORMAT": {"en": "yuan with at most 2 decimals, not negative", "zh": "以元为单位，最多两位小数，不能为负数"},
    "FITMENT_FORMAT": {
        "en": "{item}: write make:model:yearFrom-yearTo[:engineCode]",
        "zh": "{item}：请写成 品牌:车型:起始年-结束年[:发动机代码]",
    },
    "FITMENT_YEARS": {"en": "{item}: years must be numbers", "zh": "{item}：年份必须是数字"},
    "TRUE_OR_FALSE": {"en": "true or false", "zh": "请填写 true 或 false"},
    "DUPLICATE_SKU": {
        "en": "SKU {sku} already on line {first} of this file",
        "zh": "SKU {sku} 已在本文件第 {first} 行出现",
    },
    "NEW_SKU_LISTED": {
        "en": "a new SKU is always listed; import it first, then delist it",
        "zh": "新 SKU 导入后总是上架；请先导入，再下架",
    },
    "EXTRA_CELLS": {"en": "more cells than columns", "zh": "单元格数多于列数"},
    "WRITTEN_MEANWHILE": {"en": "conflicts with a part written meanwhile", "zh": "与同时写入的配件冲突"},
    "TOO_MANY_ERRORS": {"en": "too many errors; import stopped", "zh": "错误过多，导入已停止"},
    "UNKNOWN_CATEGORY": {
        "en": "unknown category {value}; give its code (water_pump) or its English or Chinese name (水泵)",
        "zh": "未知类别 {value}；请填写类别代码（water_pump）或其中文、英文名称（水泵）",
    },
    "WHOLE_NUMBER": {"en": "a whole number", "zh": "请填写整数"},
    "NEGATIVE_STOCK": {"en": "stock cannot be negative", "zh": "库存不能为负数"},
    "RESERVED_EXCEEDS": {"en": "units reserved by open orders exceed this", "zh": "未完成订单预留的数量超过此库存"},
    "TOO_LONG": {"en": "{detail}", "zh": "内容过长（{detail}）"},
    "OUT_OF_RANGE": {"en": "{detail}", "zh": "超出允许范围（{detail}）"},
    "NOT_ALLOWED": {"en": "{detail}", "zh": "不是允许的值（{detail}）"},
    "INVALID": {"en": "{detail}", "zh": "此列的值无效（{detail}）"},
    "HS_CODE_CATEGORY_MISMATCH": {"en": "{detail}", "zh": "HS编码与类别不符（{detail}）"},
}
# What pydantic's error types mean for a cell.
_VALIDATION_CODES = {
    "missing": "REQUIRED",
    "int_parsing": "WHOLE_NUMBER",
    "int_from_float": "WHOLE_NUMBER",
    "string_too_long": "TOO_LONG",
    "greater_than": "OUT_OF_RANGE",
    "greater_than_equal": "OUT_OF_RANGE",
    "less_than": "OUT_OF_RANGE",
    "less_than_equal": "OUT_OF_RANGE",
    "enum": "NOT_ALLOWED",
    "literal_error": "NOT_ALLOWED",
}


def row_message(code: str, locale: str | None, **params: Any) -> str:
    """The message of a row error in the locale (Chinese for `zh*`, else English)."""
    texts = ROW_MESSAGES[code]
    language = "zh" if (locale or "").lower().startswith("zh") else "en"
    return texts[language].format(**params)


class RowError(Exception):
    def __init__(self, field: str | None, code: str, **params: Any) -> None:
        super().__init__(row_message(code, "en", **params))
        self.field = field
        self.code = code
        self.params = params


def _yuan_to_fen(raw: str, field: str) -> int:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise RowError(field, "NOT_YUAN") from None
    fen = value * 100
    if fen != fen.to_integral_value() or value < 0:
        raise RowError(field, "YUAN_FORMAT")
    return int(fen)


def _category(raw: str) -> str:
    code = domain.category_from_name(raw)
    if code is None:
        raise RowError("category", "UNKNOWN_CATEGORY", value=repr(raw))
    return code


def _fitments(raw: str) -> list[dict[str, Any]]:
    out = []
    for item in filter(None, (x.strip() for x in raw.split("|"))):
        bits = [b.strip() for b in item.split(":")]
        if len(bits) not in (3, 4) or "-" not in bits[2]:
            raise RowError("fitments", "FITMENT_FORMAT", item=repr(item))
        start, _, end = bits[2].partition("-")
        if not (start.strip().isdigit() and end.strip().isdigit()):
            raise RowError("fitments", "FITMENT_YEARS", item=repr(item))
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
                raise RowError("listed", "TRUE_OR_FALSE")
            values[name] = text.lower() == "true"
            continue
        if name in _LISTS:
            values[name] = [x.strip() for x in text.split("|") if x.strip()]
        elif name in _MONEY:
            values[name] = _yuan_to_fen(text, name)
        elif name == "fitments":
            values[name] = _fitments(text)
        elif name == "category":
            values[name] = _category(text)
        else:
            values[name] = text
    return values


def _validation_error(exc: ValidationError) -> RowError:
    err = exc.errors()[0]
    loc = [str(x) for x in err.get("loc", ())]
    detail = f"{'.'.join(loc[1:]) + ': ' if len(loc) > 1 else ''}{err['msg']}"
    code = _VALIDATION_CODES.get(str(err.get("type")), "INVALID")
    if code in ("REQUIRED", "WHOLE_NUMBER"):
        return RowError(loc[0] if loc else None, code)
    return RowError(loc[0] if loc else None, code, detail=detail)


def import_csv(
    session: Session, actor: Actor, content: str, supplier_id: uuid.UUID | None, locale: str | None = None
) -> ImportResult:
    """Create or update the supplier's parts; the row errors' messages in `locale` (zh or en)."""
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

    def fail(line: int, field: str | None, code: str, **params: Any) -> None:
        message = row_message(code, locale, **params)
        errors.append(ImportErrorRead(line=line, field=field, code=code, message=message))

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
                    fail(line, "sku", "WRITTEN_MEANWHILE")
        pending.clear()

    line = 1
    for count, row in enumerate(reader, start=1):
        start, line = line + 1, reader.line_num
        if count > MAX_ROWS:
            raise PayloadTooLarge(f"at most {MAX_ROWS} rows per import", field="csv")
        if None in row:
            fail(start, None, "EXTRA_CELLS")
            continue
        try:
            values = _row_values({k: v for k, v in row.items() if k is not None})
            sku = str(values.get("sku", ""))
            if not sku:
                raise RowError("sku", "REQUIRED")
            if sku in seen:
                raise RowError("sku", "DUPLICATE_SKU", sku=repr(sku), first=seen[sku])
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
            fail(start, exc.field, exc.code, **exc.params)
        except ValidationError as exc:
            e = _validation_error(exc)
            fail(start, e.field, e.code, **e.params)
        except HsCodeCategoryMismatch as exc:
            fail(start, "hs_code", exc.code, detail=exc.detail)
        except DomainError as exc:
            fail(start, exc.field.split(".")[0] if exc.field else None, "INVALID", detail=exc.detail)
        if len(errors) >= MAX_ERRORS:
            fail(start, None, "TOO_MANY_ERRORS")
            break
    write_pending()
    return ImportResult(created=created, updated=updated, errors=errors)


def _prepare(owner: uuid.UUID, values: dict[str, Any]) -> service.PreparedPart:
    if values.pop("listed", True) is False:
        raise RowError("listed", "NEW_SKU_LISTED")
    for required in ("title_en", "category", "condition", "price_cny", "weight_grams"):
        if required not in values:
            raise RowError(required, "REQUIRED_FOR_NEW_SKU")
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
            raise RowError("on_hand", "WHOLE_NUMBER") from None
        if quantity < 0:
            raise RowError("on_hand", "NEGATIVE_STOCK")
        stock = session.get(Stock, part.id)
        if stock is None or stock.reserved > quantity:
            raise RowError("on_hand", "RESERVED_EXCEEDS")
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


# --- Template ----------------------------------------------------------------------------

TEMPLATE_EXAMPLE = {
    "sku": "ALT-0001",
    "title_en": "Remanufactured alternator 140 A for Volkswagen Golf VI",
    "title_zh": "大众高尔夫6 再制造发电机 140A",
    "description_en": "Bench-tested, new bearings and regulator.",
    "description_zh": "台架测试，更换轴承和调节器。",
    # A Chinese category name is accepted as well as the code (alternator).
    "category": "发电机",
    "condition": "REMANUFACTURED",
    "brand": "Bosch",
    "oem_numbers": "06H903016L|06H903016S",
    "price_cny": "1280.50",
    "core_charge_cny": "300.00",
    "warranty_months": "24",
    "weight_grams": "6200",
    "length_mm": "220",
    "width_mm": "160",
    "height_mm": "170",
    "country_of_origin": "CN",
    "on_hand": "5",
    "fitments": "Volkswagen:Golf:2009-2013:CAXA|Audi:A3:2008-2012",
}


def template_csv() -> bytes:
    """The columns an import accepts and one row that imports as it is (UTF-8 with BOM, so
    spreadsheet programs open the Chinese text correctly)."""
    return csvfile.write_csv(COLUMNS, [[TEMPLATE_EXAMPLE.get(c, "") for c in COLUMNS]])
