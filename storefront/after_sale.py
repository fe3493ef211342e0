"""The buyer's pages after the sale: cancelling an order before it ships (a paid one is refunded),
confirming that a shipped order arrived, returning a wrong, faulty or misdescribed part, and the
receipt PDF."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Form
from fastapi.responses import Response

from storefront.checkout import _order, _signed_in_buyer, _to_login
from storefront.web import BuyerPage

router = APIRouter()

RETURN_REASONS = ("FAULTY", "WRONG_PART", "NOT_AS_DESCRIBED")

CANCEL_ORDER = """
mutation CancelOrder($id: ID!) { cancelOrder(id: $id) { id status paymentStatus } }"""

CONFIRM_DELIVERY = """
mutation ConfirmDelivery($orderId: ID!) { confirmDelivery(orderId: $orderId) { id status } }"""

REPORT_NON_DELIVERY = """
mutation ReportNonDelivery($orderId: ID!, $note: String!) {
  reportNonDelivery(orderId: $orderId, note: $note) { id nonDeliveryReportedAt }
}"""

OPEN_PART_RETURN = """
mutation OpenPartReturn($lineId: ID!, $reason: PartReturnReason!, $description: String!) {
  openPartReturn(orderLineId: $lineId, reason: $reason, description: $description) { id status }
}"""

SHIP_PART_RETURN = """
mutation ShipPartReturn($id: ID!, $carrier: String!, $trackingNumber: String!) {
  shipPartReturn(id: $id, carrier: $carrier, trackingNumber: $trackingNumber) { id status }
}"""

RECEIPT = """
query Receipt($id: ID!) { order(id: $id) { id receiptPdf } }"""


async def _order_with_error(
    page: BuyerPage, order_id: str, message: str, form: dict[str, str] | None = None
) -> Response:
    """The order page again, saying what went wrong (422), or 404 when it is not the caller's."""
    found = await _order(page, order_id)
    if found is None:
        return page.render("not_found.html", status_code=404)
    return page.render("order.html", status_code=422, order=found, notice="", error=message, form=form or {})


@router.post("/orders/{order_id}/cancel", name="order_cancel")
async def cancel(page: BuyerPage, order_id: str) -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, f"/orders/{order_id}")
    result = await page.query(CANCEL_ORDER, {"id": order_id})
    if (result.data or {}).get("cancelOrder") is None:
        error = result.error()
        if error is None or error.code not in ("INVALID_TRANSITION", "CONFLICT"):
            message = error.message if error else page._("The order could not be cancelled.")
            return await _order_with_error(page, order_id, message)
        found = await _order(page, order_id)
        if found is None:
            return page.render("not_found.html", status_code=404)
        if found["status"] != "CANCELLED":  # cancelled already (a second click): nothing to say
            message = page._(
                "This order has shipped and can no longer be cancelled. Once it arrives, you can return a part that is wrong or faulty."  # noqa: E501
            )
            return page.render("order.html", status_code=409, order=found, notice="", error=message)
    return page.redirect(f"/orders/{order_id}?notice=cancelled")


@router.post("/orders/{order_id}/delivery", name="order_confirm_delivery")
async def confirm_delivery(page: BuyerPage, order_id: str) -> Response:
    """The buyer says the parts arrived; a second click (or a retried post) changes nothing."""
    if not await _signed_in_buyer(page):
        return _to_login(page, f"/orders/{order_id}")
    result = await page.query(CONFIRM_DELIVERY, {"orderId": order_id})
    if (result.data or {}).get("confirmDelivery") is None:
        error = result.error()
        message = error.message if error else page._("The delivery could not be confirmed.")
        if error is not None and error.code in ("INVALID_TRANSITION", "CONFLICT"):
            message = page._("Only an order that has shipped can be confirmed as delivered.")
        return await _order_with_error(page, order_id, message)
    return page.redirect(f"/orders/{order_id}?notice=delivered")


@router.post("/orders/{order_id}/non-delivery", name="order_report_non_delivery")
async def report_non_delivery(page: BuyerPage, order_id: str, note: str = Form("")) -> Response:
    """The buyer says the parcel has not arrived: no automatic delivery; staff follow it up."""
    if not await _signed_in_buyer(page):
        return _to_login(page, f"/orders/{order_id}")
    result = await page.query(REPORT_NON_DELIVERY, {"orderId": order_id, "note": note.strip()[:1000]})
    if (result.data or {}).get("reportNonDelivery") is None:
        error = result.error()
        message = error.message if error else page._("The report could not be saved.")
        if error is not None and error.code in ("INVALID_TRANSITION", "CONFLICT"):
            message = page._("Only an order that has shipped can be reported as not arrived.")
        return await _order_with_error(page, order_id, message)
    return page.redirect(f"/orders/{order_id}?notice=non_delivery")


@router.post("/orders/{order_id}/lines/{line_id}/return", name="part_return_open")
async def open_return(
    page: BuyerPage, order_id: str, line_id: str, reason: str = Form(""), description: str = Form("")
) -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, f"/orders/{order_id}")
    form = {"line": line_id, "reason": reason, "description": description}
    if reason not in RETURN_REASONS:
        return await _order_with_error(page, order_id, page._("Choose why you are returning the part."), form)
    if not description.strip():
        return await _order_with_error(page, order_id, page._("Describe what is wrong with the part."), form)
    variables = {"lineId": line_id, "reason": reason, "description": description.strip()}
    result = await page.query(OPEN_PART_RETURN, variables)
    if (result.data or {}).get("openPartReturn") is None:
        error = result.error()
        return await _order_with_error(
            page, order_id, error.message if error else page._("The return could not be requested."), form
        )
    return page.redirect(f"/orders/{order_id}?notice=return_requested")


@router.post("/orders/{order_id}/returns/{return_id}/shipment", name="part_return_ship")
async def ship_return(
    page: BuyerPage, order_id: str, return_id: str, carrier: str = Form(""), tracking_number: str = Form("")
) -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, f"/orders/{order_id}")
    form = {"carrier": carrier, "tracking_number": tracking_number}
    if not carrier.strip() or not tracking_number.strip():
        return await _order_with_error(page, order_id, page._("Enter the carrier and the tracking number."), form)
    variables = {"id": return_id, "carrier": carrier.strip(), "trackingNumber": tracking_number.strip()}
    result = await page.query(SHIP_PART_RETURN, variables)
    if (result.data or {}).get("shipPartReturn") is None:
        error = result.error()
        return await _order_with_error(
            page, order_id, error.message if error else page._("The shipment could not be recorded."), form
        )
    return page.redirect(f"/orders/{order_id}?notice=return_shipped")


@router.get("/orders/{order_id}/receipt.pdf", name="order_receipt")
async def receipt(page: BuyerPage, order_id: str) -> Response:
    if not await _signed_in_buyer(page):
        return _to_login(page, f"/orders/{order_id}")
    result = await page.query(RECEIPT, {"id": order_id})
    found = (result.data or {}).get("order")
    if not found or not found.get("receiptPdf"):
        error = result.error()
        if found is None and (error is None or error.code == "NOT_FOUND"):
            return page.render("not_found.html", status_code=404)
        return await _order_with_error(
            page, order_id, error.message if error else page._("The receipt could not be made.")
        )
    try:
        pdf = base64.b64decode(found["receiptPdf"], validate=True)
    except (binascii.Error, ValueError):
        return page.render("error.html", status_code=502)
    short = order_id[-8:] if len(order_id) > 8 else order_id
    return page.apply(
        Response(
            content=pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="receipt-{short}.pdf"'},
        )
    )
