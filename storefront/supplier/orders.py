"""The supplier's orders to ship: its lines of each order, the packing slip and commercial
invoice, the shipment with its tracking number, and the cores buyers send back."""

from __future__ import annotations

import base64
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.api_client import Result
from storefront.supplier.forms import read_form
from storefront.supplier.portal import supplier_of, to_login
from storefront.web import Page, SupplierPage

router = APIRouter(prefix="/supplier")

SUPPLIER_ORDERS = """
query SupplierOrders($after: String, $locale: String) {
  viewer { account { email role supplier { id nameEn nameZh verified } } }
  myOrders(first: 20, after: $after) {
    edges {
      node {
        id number status createdAt destinationCountry incoterm
        shippingAddress { formatted vatNumber eoriNumber }
        lines {
          id quantity status
          part { id sku title(locale: $locale) }
          supplier { id }
          shipment { carrier trackingNumber shippedAt trackingUrl }
          coreReturn { id status deadline refund { formatted } }
          partReturn { id status reason description decisionNote refunded { formatted }
                       returnShipment { carrier trackingNumber } replacementShipment { carrier trackingNumber } }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
  carriers { code name }
}"""

MARK_SHIPPED = """
mutation MarkShipped($orderId: ID!, $carrier: String!, $trackingNumber: String!) {
  markShipped(orderId: $orderId, carrier: $carrier, trackingNumber: $trackingNumber) { id status }
}"""
SHIP_FIELDS = ("carrier", "tracking_number")
RECEIVE_CORE_RETURN = """
mutation ReceiveCoreReturn($id: ID!, $accepted: Boolean!) {
  receiveCoreReturn(id: $id, accepted: $accepted) { id status }
}"""


async def _orders_page(page: Page, *, after: str | None = None, status_code: int = 200, **context: Any) -> Response:
    result = await page.query(SUPPLIER_ORDERS, {"after": after, "locale": page.locale})
    supplier = supplier_of(result.data)
    if supplier is None:
        return to_login(page)
    connection = (result.data or {}).get("myOrders") or {"edges": [], "pageInfo": {}}
    orders = []
    for edge in connection["edges"]:
        order = edge["node"]
        mine = [line for line in order["lines"] if line["supplier"]["id"] == supplier["id"]]
        orders.append(
            {
                **order,
                "lines": mine,
                "to_ship": any(line["shipment"] is None for line in mine),
                "in_transit": any(line["status"] == "SHIPPED" for line in mine),
            }
        )
    return page.render(
        "supplier/orders.html",
        status_code=status_code,
        supplier=supplier,
        orders=orders,
        page_info=connection.get("pageInfo") or {},
        carriers=(result.data or {}).get("carriers") or [],
        **{"ship_errors": {}, "typed": {}, "notice": None, **context},
    )


SHIPPING_DOCUMENT = """
query ShippingDocument($id: ID!, $kind: ShippingDocumentKind!) {
  order(id: $id) { shippingDocument(kind: $kind) { filename contentBase64 } }
}"""
DOCUMENT_KINDS = {"packing-slip": "PACKING_SLIP", "commercial-invoice": "COMMERCIAL_INVOICE"}


@router.get("/orders/{order_id}/{kind}.pdf", name="supplier_shipping_document")
async def shipping_document(page: SupplierPage, order_id: str, kind: str) -> Response:
    """The packing slip or commercial invoice of the supplier's lines, as the API renders it."""
    if kind not in DOCUMENT_KINDS:
        return page.render("not_found.html", status_code=404)
    result = await page.query(SHIPPING_DOCUMENT, {"id": order_id, "kind": DOCUMENT_KINDS[kind]})
    if result.error("UNAUTHENTICATED"):
        return to_login(page)
    document = ((result.data or {}).get("order") or {}).get("shippingDocument")
    if document is None:
        return page.render("not_found.html", status_code=404)
    filename = re.sub(r"[^0-9A-Za-z._-]", "", document["filename"]) or f"{kind}.pdf"
    return page.apply(
        Response(
            content=base64.b64decode(document["contentBase64"]),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )


@router.get("/orders", name="supplier_orders")
async def supplier_orders(page: SupplierPage, after: str = "", notice: str = "") -> Response:
    messages = {
        "shipped": page._("Shipment saved; the buyer sees the tracking number."),
        "core_received": page._("Core return recorded; an accepted core refunds the buyer's deposit."),
        "return_decided": page._("Your decision is saved; the buyer sees it on the order."),
        "return_received": page._("The returned part is recorded as received."),
        "replacement_shipped": page._("Replacement shipment saved; the buyer sees the tracking number."),
    }
    return await _orders_page(page, after=after or None, notice=messages.get(notice))


@router.post("/orders/{order_id}/ship", name="supplier_ship")
async def ship(page: SupplierPage, order_id: str, request: Request) -> Response:
    form = await read_form(request, SHIP_FIELDS)
    errors = {name: page._("This field is required.") for name in SHIP_FIELDS if not form[name].strip()}
    if not errors:
        variables = {"orderId": order_id, "carrier": form["carrier"].strip(), "trackingNumber": form["tracking_number"]}
        result = await page.query(MARK_SHIPPED, variables)
        if (result.data or {}).get("markShipped") is not None:
            return page.redirect("/supplier/orders?notice=shipped")
        if result.error("UNAUTHENTICATED"):
            return to_login(page)
        errors = result.field_errors(SHIP_FIELDS)
        if "" in errors:
            errors.setdefault("tracking_number", errors.pop(""))
        # The API explains in English; the supplier reads it in the portal's language.
        if "carrier" in errors:
            errors["carrier"] = page._("We do not ship with this carrier. Choose one from the list.")
        if "tracking_number" in errors and "carrier" not in errors:
            errors["tracking_number"] = page._(
                "This is not a {carrier} tracking number. Check it against the label.", carrier=form["carrier"].strip()
            )
    return await _orders_page(page, status_code=422, ship_errors={order_id: errors}, typed={order_id: form})


@router.post("/core-returns/{core_return_id}", name="supplier_core_return")
async def receive_core_return(page: SupplierPage, core_return_id: str, request: Request) -> Response:
    form = await read_form(request, ("accepted",))
    result = await page.query(RECEIVE_CORE_RETURN, {"id": core_return_id, "accepted": form["accepted"] == "yes"})
    fallback = page._("The core return could not be recorded.")
    return await back_to_orders(page, result, "receiveCoreReturn", "core_received", fallback)


async def back_to_orders(page: Page, result: Result, mutation: str, notice: str, fallback: str) -> Response:
    """The orders page with a notice when the mutation went through, else with its error."""
    if (result.data or {}).get(mutation) is not None:
        return page.redirect(f"/supplier/orders?notice={notice}")
    if result.error("UNAUTHENTICATED"):
        return to_login(page)
    error = result.error()
    return await _orders_page(page, status_code=422, notice=None, action_error=error.message if error else fallback)
