"""A battery order through the orders API: the quote classifies the module as UN3480 and refuses
the express service, the order keeps the dangerous-goods declaration data, and the supplier's
packing slip prints it. Also the Incoterm refusals as the API answers them."""

from __future__ import annotations

import io
import uuid
from typing import Any

from pypdf import PdfReader

from tests.factories import as_supplier
from tests.orders.factories import Stack, as_buyer, battery_module

US_ADDRESS = {
    "name": "Dana Whitfield",
    "company_name": "Whitfield EV Repair LLC",
    "street_address": "1200 Harbor Blvd",
    "city": "Oakland",
    "postal_code": "94607",
    "country_area": "CA",
    "country_code": "US",
}


def test_a_battery_order_carries_its_dangerous_goods_declaration_data(stack: Stack, buyer: str) -> None:
    supplier, part = battery_module(stack)

    to_us: dict[str, Any] = {"country": "US", "currency": "USD"}
    refused = stack.quote(buyer, [(part["id"], 2)], **to_us, shipping_service="express", expect=422)
    assert (refused["code"], refused["field"]) == ("DANGEROUS_GOODS_REFUSED", "shippingService")
    assert "UN3480" in refused["detail"] and "passenger aircraft" in refused["detail"]

    quote = stack.quote(buyer, [(part["id"], 2)], **to_us, shipping_service="economy")
    line = quote["detail"]["lines"][0]
    assert line["dangerousGoods"] is True
    assert line["dangerousGoodsClass"]["unNumber"] == "UN3480"
    assert quote["detail"]["transportMode"] == "sea"

    body = {"quote_id": quote["id"], "idempotency_key": f"dg-{uuid.uuid4()}", "shipping_address": US_ADDRESS}
    response = stack.orders.post("/orders", json=body, headers=as_buyer(buyer))
    assert response.status_code == 201, response.text
    placed = response.json()
    order = stack.order(placed["order"]["id"])
    dg = order["dangerous_goods"]
    assert dg["mode"] == "sea" and dg["shipping_service"] == "economy"
    assert dg["emergency_contact"]  # the settings' stand-in in development
    (declared,) = dg["lines"]
    # A 25 kg module, two units, one per package: UN3480 by sea under the IMDG Code's P903.
    assert declared == {
        "line_no": 0,
        "part_id": part["id"],
        "un_number": "UN3480",
        "proper_shipping_name": "Lithium ion batteries",
        "hazard_class": "9",
        "packing_group": None,
        "packing_instruction": "P903",
        "regime": declared["regime"],
        "net_quantity_per_package_kg": "25",
        "packages": 2,
        "state_of_charge": None,
        "source": declared["source"],
    }
    assert declared["regime"].startswith("IMDG Code")
    assert "Model Regulations" in declared["source"]

    # The supplier sees it on its own view of the order, and its packing slip prints it.
    own = stack.orders.get(f"/orders/{order['id']}", headers=as_supplier(supplier))
    assert own.status_code == 200 and own.json()["dangerous_goods"]["lines"][0]["un_number"] == "UN3480"
    slip = stack.orders.get(f"/orders/{order['id']}/documents/packing-slip.pdf", headers=as_supplier(supplier))
    assert slip.status_code == 200, slip.text
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(slip.content)).pages)
    assert "DANGEROUS GOODS" in text
    assert "UN3480, Lithium ion batteries, class 9, packing group none assigned" in text
    assert "2 package(s) x 25 kg net, packing instruction P903" in text


def test_an_order_without_dangerous_goods_has_none(stack: Stack, buyer: str, alternator: dict[str, Any]) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 1)], incoterm="CIP")
    assert quote["incoterm"] == "CIP"
    order = stack.order(stack.place(buyer, quote["id"])["order"]["id"])
    assert order["dangerous_goods"] is None


def test_exw_and_sea_only_terms_are_refused_naming_the_incoterm(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    exw = stack.quote(buyer, [(alternator["id"], 1)], incoterm="EXW", expect=422)
    assert (exw["code"], exw["field"]) == ("INCOTERM_NOT_OFFERED", "incoterm")
    assert "FCA" in exw["detail"]
    # Germany: express flies, economy goes by China-Europe rail; neither is sea.
    cif = stack.quote(buyer, [(alternator["id"], 1)], incoterm="CIF", shipping_service="economy", expect=422)
    assert (cif["code"], cif["field"]) == ("INCOTERM_NOT_FOR_MODE", "incoterm")
    assert "use CIP" in cif["detail"]
