"""A part's form in the supplier portal, read into the API's PartInput (a new part) or PartPatch
(an edit), and a listed part written back into the form. Amounts are typed in yuan and sent in
fen; vehicles are typed one a line."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from storefront.supplier.forms import FormError
from storefront.web import Page

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
_FITMENT = re.compile(r"^([^:]+):([^:]+):(\d{4})-(\d{4})(?::([^:]+))?$")


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


def whole(page: Page, field: str, text: str) -> int | None:
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
        "warrantyMonths": whole(page, "warranty_months", form["warranty_months"]),
        "fitments": _fitments(page, form["fitments"]),
    }
    if not editing:
        values.update(
            {
                "sku": form["sku"].strip(),
                "category": form["category"],
                "condition": form["condition"],
                "brand": form["brand"].strip() or None,
                "weightGrams": whole(page, "weight_grams", form["weight_grams"]),
                "hsCode": form["hs_code"].strip() or None,
                "onHand": whole(page, "on_hand", form["on_hand"]),
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
