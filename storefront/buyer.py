"""Pages for buyers: search with facets and fitment, a part, certificate verification."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import APIRouter, Form
from fastapi.responses import Response

from storefront import i18n, queries, vehicles
from storefront.api_client import ApiUnavailable
from storefront.web import (
    COOKIE_COUNTRY,
    COOKIE_CURRENCY,
    COOKIE_LOCALE,
    COUNTRIES,
    BuyerPage,
    Page,
    safe_next,
)

router = APIRouter()

CONDITIONS = tuple(i18n.CONDITIONS)
_VIN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


async def convert_prices(page: Page, parts: list[dict[str, Any]]) -> bool:
    """Prices in the visitor's currency, in place; False when conversion is unavailable (CNY kept)."""
    if page.currency == "CNY" or not parts:
        return True
    variables: dict[str, Any] = {"currency": page.currency}
    variables.update({f"id{i}": p["id"] for i, p in enumerate(parts)})
    try:
        result = await page.query(queries.converted_prices(len(parts)), variables, auth=False)
    except ApiUnavailable:  # the orders service converts; without it the prices stay in CNY
        return False
    data = result.data or {}
    converted = True
    for i, part in enumerate(parts):
        node = data.get(f"p{i}")
        if not node or not node.get("price"):
            converted = False
            continue
        part["price"] = {**part.get("price", {}), "formatted": node["price"]["formatted"]}
        if node.get("coreCharge") and part.get("coreCharge"):
            part["coreCharge"] = {**part["coreCharge"], "formatted": node["coreCharge"]["formatted"]}
    return converted


async def add_estimates(page: Page, parts: list[dict[str, Any]]) -> None:
    """Each part's estimated landed price to the visitor's country in their currency, in place
    (`estimate`, None when there is none); without the orders service the page shows none."""
    for part in parts:
        part["estimate"] = None
    if not parts:
        return
    variables: dict[str, Any] = {"country": page.country, "currency": page.currency}
    variables.update({f"id{i}": p["id"] for i, p in enumerate(parts)})
    try:
        result = await page.query(queries.landed_estimates(len(parts)), variables, auth=False)
    except ApiUnavailable:
        return
    data = result.data or {}
    for i, part in enumerate(parts):
        node = data.get(f"p{i}") or {}
        part["estimate"] = (node.get("landedEstimate") or {}).get("cheapest")


async def prices_and_estimates(page: Page, parts: list[dict[str, Any]]) -> bool:
    """Both at once (two independent reads); whether the prices could be converted."""
    converted, _ = await asyncio.gather(convert_prices(page, parts), add_estimates(page, parts))
    return converted


# The URL's word for each order the API offers; the first is the API's default.
SORTS = {"relevance": "RELEVANCE", "price-asc": "PRICE_ASC", "price-desc": "PRICE_DESC", "newest": "NEWEST"}


@router.get("/", name="search")
async def search(
    page: BuyerPage,
    q: str = "",
    category: str = "",
    condition: str = "",
    make: str = "",
    model: str = "",
    year: str = "",
    vin: str = "",
    ships: str = "",
    stock: str = "",
    sort: str = "",
    after: str = "",
    all: str = "",
) -> Response:
    vin = vin.strip().upper()
    errors: dict[str, str] = {}
    if vin and not _VIN.match(vin):
        errors["vin"] = page._("A VIN has 17 letters and digits (no I, O or Q).")
    if year.strip() and _int_or_none(year) is None:
        errors["year"] = page._("Enter a year such as 2012.")
    garage = await vehicles.garage(page)
    vehicle = vehicles.current(page, garage)
    if vin and "vin" not in errors:
        decoded, message = await vehicles.decode(page, vin)
        if message:
            errors["vin"] = message
        elif decoded:
            vehicle = await vehicles.keep(page, decoded)
            garage = await vehicles.garage(page)
    elif make.strip() and model.strip() and _int_or_none(year) and not errors:
        vehicle = await vehicles.keep(page, {"make": make.strip(), "model": model.strip(), "year": _int_or_none(year)})
        garage = await vehicles.garage(page)
    # With a vehicle, results are the parts that fit it; "all" lists everything, each marked.
    narrow = vehicle is not None and not all
    part_filter: dict[str, Any] = {
        "category": category or None,
        "condition": condition if condition in CONDITIONS else None,
        "make": make.strip() or None,
        "model": model.strip() or None,
        "year": _int_or_none(year),
        "shipsTo": page.country if ships else None,
        "inStock": True if stock else None,
    }
    if narrow and vehicle is not None:
        vehicle_input = vehicles.as_input(vehicle)
        part_filter.update(
            vin=vehicle_input.get("vin"),
            make=vehicle_input.get("make"),
            model=vehicle_input.get("model"),
            year=vehicle_input.get("year"),
        )
    elif vehicle is not None:
        part_filter.update(make=None, model=None, year=None)
    variables = {
        "search": q.strip() or None,
        "filter": {k: v for k, v in part_filter.items() if v is not None},
        "after": after or None,
        # An unknown order in a shared link falls back to the default rather than failing the page.
        "sort": SORTS.get(sort),
        "country": page.country,
        "locale": page.locale,
        "vehicle": vehicles.as_input(vehicle) if vehicle else {},
        "withVehicle": vehicle is not None,
        "make": make.strip() or None,
        "model": model.strip() or None,
    }
    connection: dict[str, Any] = {"edges": [], "pageInfo": {}, "facets": None}
    options: dict[str, Any] = {"makes": [], "models": [], "years": []}
    if not errors:  # a mistyped filter is shown on its field, not silently dropped
        result = await page.query(queries.SEARCH, variables, auth=False)
        for field, message in result.field_errors(("vin", "year", "make", "model")).items():
            errors.setdefault(field or "q", message)
        connection = (result.data or {}).get("parts") or connection
        options = (result.data or {}).get("fitmentOptions") or options
    parts = [edge["node"] for edge in connection["edges"]]
    converted = await prices_and_estimates(page, parts)
    # With shipsTo: the conditions the destination restricts, so the buyer knows why parts are missing.
    restricted = [page.condition_label(r["condition"]) for r in connection.get("restrictions") or []] if ships else []
    return page.render(
        "search.html",
        status_code=422 if errors else 200,
        parts=parts,
        facets=connection.get("facets"),
        restricted=restricted,
        page_info=connection.get("pageInfo") or {},
        converted=converted,
        errors=errors,
        form={
            "q": q,
            "category": category,
            "condition": condition,
            "make": make,
            "model": model,
            "year": year,
            "vin": vin,
            "ships": ships,
            "stock": stock,
            "sort": sort if sort in SORTS else "",
            "all": "1" if all else "",
        },
        sorts=SORTS,
        options=options,
        vehicle=vehicle,
        vehicle_label=vehicles.label(vehicle) if vehicle else "",
        narrow=narrow,
        garage=garage,
        signed_in=vehicles.signed_in(page),
    )


@router.get("/parts/{part_id}", name="part")
async def part(page: BuyerPage, part_id: str) -> Response:
    other = "zh" if page.locale != "zh" else "en"
    vehicle = vehicles.current(page, await vehicles.garage(page))
    result = await page.query(
        queries.PART,
        {
            "id": part_id,
            "country": page.country,
            "locale": page.locale,
            "otherLocale": other,
            "vehicle": vehicles.as_input(vehicle) if vehicle else {},
            "withVehicle": vehicle is not None,
        },
        auth=False,
    )
    found = (result.data or {}).get("part")
    if not found:
        return page.render("not_found.html", status_code=404)
    converted = await prices_and_estimates(page, [found])
    return page.render(
        "part.html",
        part=found,
        converted=converted,
        vehicle=vehicle,
        vehicle_label=vehicles.label(vehicle) if vehicle else "",
    )


@router.get("/verify", name="verify")
async def verify(page: BuyerPage, scheme: str = "", number: str = "") -> Response:
    scheme, number = scheme.strip(), number.strip()
    verification = None
    errors: dict[str, str] = {}
    if scheme and number:
        result = await page.query(queries.VERIFY, {"scheme": scheme, "number": number}, auth=False)
        verification = (result.data or {}).get("verifyCertificate")
        if verification is None:
            error = result.error()
            errors["number"] = error.message if error else page._("This certificate could not be checked.")
    elif scheme or number:
        errors["scheme" if not scheme else "number"] = page._("Enter both the scheme and the number.")
    return page.render(
        "verify.html",
        status_code=422 if errors else 200,
        scheme=scheme,
        number=number,
        verification=verification,
        errors=errors,
    )


@router.post("/preferences", name="preferences")
async def preferences(
    page: BuyerPage,
    locale: str = Form(""),
    currency: str = Form(""),
    country: str = Form(""),
    next: str = Form("/"),
) -> Response:
    if locale in i18n.LOCALES:
        page.remember(COOKIE_LOCALE, locale)
    if currency in page.currencies:
        page.remember(COOKIE_CURRENCY, currency)
    if country in COUNTRIES:
        page.remember(COOKIE_COUNTRY, country)
    return page.redirect(safe_next(next))
