"""The supplier portal's part returns (RMA), on the orders page: approve or reject a return,
receive the part and refund the line or send the same part again, ship the replacement."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.supplier.forms import read_form
from storefront.supplier.orders import back_to_orders
from storefront.web import SupplierPage

router = APIRouter(prefix="/supplier")

DECIDE = """
mutation DecidePartReturn($id: ID!, $approved: Boolean!, $note: String) {
  decidePartReturn(id: $id, approved: $approved, note: $note) { id status }
}"""
RECEIVE = """
mutation ReceivePartReturn($id: ID!, $resolution: PartReturnResolution!) {
  receivePartReturn(id: $id, resolution: $resolution) { id status }
}"""
SHIP_REPLACEMENT = """
mutation ShipReplacement($id: ID!, $carrier: String!, $trackingNumber: String!) {
  shipPartReturnReplacement(id: $id, carrier: $carrier, trackingNumber: $trackingNumber) { id status }
}"""


@router.post("/part-returns/{return_id}/decision", name="supplier_part_return_decision")
async def decide(page: SupplierPage, return_id: str, request: Request) -> Response:
    form = await read_form(request, ("approved", "note"))
    variables = {"id": return_id, "approved": form["approved"] == "yes", "note": form["note"].strip() or None}
    result = await page.query(DECIDE, variables)
    fallback = page._("The return could not be updated.")
    return await back_to_orders(page, result, "decidePartReturn", "return_decided", fallback)


@router.post("/part-returns/{return_id}/receipt", name="supplier_part_return_receipt")
async def receive(page: SupplierPage, return_id: str, request: Request) -> Response:
    form = await read_form(request, ("resolution",))
    resolution = form["resolution"] if form["resolution"] in ("REFUND", "REPLACEMENT") else "REFUND"
    result = await page.query(RECEIVE, {"id": return_id, "resolution": resolution})
    fallback = page._("The return could not be updated.")
    return await back_to_orders(page, result, "receivePartReturn", "return_received", fallback)


@router.post("/part-returns/{return_id}/replacement", name="supplier_part_return_replacement")
async def ship_replacement(page: SupplierPage, return_id: str, request: Request) -> Response:
    form = await read_form(request, ("carrier", "tracking_number"))
    variables = {"id": return_id, "carrier": form["carrier"].strip(), "trackingNumber": form["tracking_number"].strip()}
    result = await page.query(SHIP_REPLACEMENT, variables)
    fallback = page._("The return could not be updated.")
    return await back_to_orders(page, result, "shipPartReturnReplacement", "replacement_shipped", fallback)
