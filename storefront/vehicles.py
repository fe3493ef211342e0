"""The buyer's vehicle: a VIN decoded and shown, the garage of a signed-in buyer, and the
current vehicle that results and part pages are checked against.

A signed-in buyer's vehicles live in the garage (GraphQL `myGarage`; the selected one is
current). A visitor's current vehicle lives in a cookie of its own, so it survives the visit
without an account; signing in does not lose it, and the next VIN entered goes to the garage.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.web import BuyerPage, Page, safe_next

router = APIRouter()

COOKIE_VEHICLE = "tn_vehicle"
NO_VEHICLE = "-"  # the cookie's value after "browse without a vehicle": the garage's choice is not used
_FIELDS = ("make", "model", "year", "engineCode", "vin")

DECODE_VIN = """
query DecodeVin($vin: String!) { decodeVin(vin: $vin) { vehicle { make model year engineCode vin } } }"""
GARAGE = """
query Garage { myGarage { id make model year engineCode vin selected } }"""
ADD_VEHICLE = """
mutation AddVehicle($input: VehicleInput!) {
  addVehicle(input: $input) { id make model year engineCode vin selected }
}"""
SELECT_VEHICLE = """
mutation SelectVehicle($id: ID!) { selectVehicle(id: $id) { id make model year engineCode vin selected } }"""
REMOVE_VEHICLE = """
mutation RemoveVehicle($id: ID!) { removeVehicle(id: $id) { id } }"""


def as_input(vehicle: dict[str, Any]) -> dict[str, Any]:
    """The vehicle as GraphQL's VehicleInput: by VIN when known, else make, model and year."""
    if vehicle.get("vin"):
        return {"vin": vehicle["vin"]}
    return {k: vehicle[k] for k in ("make", "model", "year", "engineCode") if vehicle.get(k) is not None}


def label(vehicle: dict[str, Any]) -> str:
    """`Volkswagen Golf 2011`, with the engine code when known."""
    words = [vehicle.get("make"), vehicle.get("model"), vehicle.get("engineCode"), vehicle.get("year")]
    return " ".join(str(w) for w in words if w)


def read_cookie(page: Page) -> dict[str, Any] | None:
    raw = page.request.cookies.get(COOKIE_VEHICLE) or ""
    if not raw or len(raw) > 600:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("make"), str) or not isinstance(data.get("year"), int):
        return None
    return {k: data.get(k) for k in _FIELDS}


def remember(page: Page, vehicle: dict[str, Any]) -> None:
    """The current vehicle in the visitor's cookie (HttpOnly, like every preference)."""
    data = json.dumps({k: vehicle.get(k) for k in _FIELDS}, separators=(",", ":")).encode()
    page.remember(COOKIE_VEHICLE, base64.urlsafe_b64encode(data).decode().rstrip("="))


def signed_in(page: Page) -> bool:
    return bool(page.token or page.refresh_token)


async def garage(page: Page) -> list[dict[str, Any]]:
    """The signed-in buyer's vehicles; none for a visitor (or while the API cannot say)."""
    if not signed_in(page):
        return []
    result = await page.query(GARAGE)
    return list((result.data or {}).get("myGarage") or [])


def current(page: Page, vehicles: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The vehicle parts are checked against: the one last chosen in this browser (the cookie),
    else the garage's selected one, unless the buyer chose to browse without a vehicle."""
    if page.request.cookies.get(COOKIE_VEHICLE) == NO_VEHICLE:
        return None
    return read_cookie(page) or next((v for v in vehicles if v.get("selected")), None)


def vin_message(page: Page, api_message: str) -> str:
    """Why a VIN decodes to nothing, in the page's language (the API's message is English)."""
    if "check digit" in api_message:
        return page._("This VIN is not valid: its check digit (the 9th character) does not match. Please check it.")
    if "unknown manufacturer" in api_message:
        return page._("This VIN names no manufacturer we know (its first 3 characters). Please check it.")
    if "model year" in api_message:
        return page._("The model year cannot be read from this VIN; choose make, model and year instead.")
    return page._("A VIN has 17 letters and digits (no I, O or Q).")


async def decode(page: Page, vin: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the vehicle, None) or (None, the message for the VIN field)."""
    result = await page.query(DECODE_VIN, {"vin": vin}, auth=False)
    error = result.error()
    if error is not None:
        return None, vin_message(page, error.message)
    vehicle = ((result.data or {}).get("decodeVin") or {}).get("vehicle")
    if not vehicle:
        return None, vin_message(page, "model year")
    return vehicle, None


async def keep(page: Page, vehicle: dict[str, Any]) -> dict[str, Any]:
    """Make the vehicle current: in the garage for a signed-in buyer (kept once however often it
    is entered), and in the cookie for everyone."""
    vehicle = {k: vehicle.get(k) for k in _FIELDS}
    remember(page, vehicle)
    if signed_in(page):
        result = await page.query(ADD_VEHICLE, {"input": as_input(vehicle)})
        added = (result.data or {}).get("addVehicle")
        if added:
            return dict(added)
    return vehicle


@router.post("/garage/select", name="garage_select")
async def garage_select(page: BuyerPage, request: Request) -> Response:
    form = await request.form()
    vehicle_id = str(form.get("id") or "")[:200]
    if vehicle_id and signed_in(page):
        result = await page.query(SELECT_VEHICLE, {"id": vehicle_id})
        selected = (result.data or {}).get("selectVehicle")
        if selected:
            remember(page, selected)
    return page.redirect(safe_next(str(form.get("next") or "/")))


@router.post("/garage/remove", name="garage_remove")
async def garage_remove(page: BuyerPage, request: Request) -> Response:
    form = await request.form()
    vehicle_id = str(form.get("id") or "")[:200]
    if vehicle_id and signed_in(page):
        await page.query(REMOVE_VEHICLE, {"id": vehicle_id})
        page.forget(COOKIE_VEHICLE)  # the garage's selected vehicle, if any, is current again
    return page.redirect(safe_next(str(form.get("next") or "/")))


@router.post("/vehicle/clear", name="vehicle_clear")
async def vehicle_clear(page: BuyerPage, request: Request) -> Response:
    """Browse without a vehicle (the garage keeps its vehicles)."""
    form = await request.form()
    page.remember(COOKIE_VEHICLE, NO_VEHICLE)
    return page.redirect(safe_next(str(form.get("next") or "/")))
