"""The address book through the public GraphQL API: each country's postal format, VAT and EORI
numbers, the copy an order keeps, and the shipping documents only the order's supplier may have."""

from __future__ import annotations

import base64
import io
import uuid
from typing import Any

from pypdf import PdfReader

from marketplace.roles import AccountRole
from tests.gateway.factories import CREATE, FIELDS, HAMBURG, PLACE, PLACE_TO, QUOTE, Gateway, GraphQL, ddp_to_germany
from tests.orders.factories import Stack

REGISTER = """
mutation ($email: String!) {
  register(input: {email: $email, password: "quartz lantern harbour 42", role: BUYER}) { token }
}"""
UPDATE = f"mutation ($id: ID!, $input: AddressInput!) {{ addressUpdate(id: $id, input: $input) {{ {FIELDS} }} }}"
DELETE = "mutation ($id: ID!) { addressDelete(id: $id) { deletedId deleted } }"
BOOK = "{ viewer { addresses { id city } } }"


def _buyer(gql: GraphQL) -> str:
    data = gql(REGISTER, {"email": f"buyer-{uuid.uuid4().hex[:8]}@example.com"})
    assert "errors" not in data, data
    return str(data["data"]["register"]["token"])


def _refused(result: dict[str, Any]) -> tuple[str, str | None, str | None]:
    assert result.get("errors"), result
    extensions = result["errors"][0]["extensions"]
    return extensions["code"], extensions.get("field"), extensions.get("reason")


def test_addresses_are_checked_against_their_country_and_vat_and_eori_formats(gql: GraphQL) -> None:
    buyer = _buyer(gql)
    saved = gql(CREATE, {"input": HAMBURG}, token=buyer)["data"]["addressCreate"]
    retried = gql(CREATE, {"input": {**HAMBURG, "city": "HAMBURG"}}, token=buyer)["data"]["addressCreate"]
    assert retried["id"] == saved["id"]  # the same address again is the same entry, not a second one
    # Normalized: the country's own conventions, numbers in their compact form.
    assert saved["country"] == "DE" and saved["postalCode"] == "20457" and saved["streetAddress"] == "Hafenstraße 12"
    assert (saved["vatNumber"], saved["eoriNumber"]) == ("DE136695976", "DE4711000123")
    assert saved["formatted"].splitlines()[-2:] == ["20457 HAMBURG", "GERMANY"]

    for change, field, reason in (
        ({"postalCode": "2045"}, "input.postalCode", "INVALID"),  # German postcodes have five digits
        ({"postalCode": ""}, "input.postalCode", "REQUIRED"),
        ({"country": "XX"}, "input.country", "INVALID"),
        ({"vatNumber": "DE136695977"}, "input.vatNumber", "INVALID"),  # wrong check digit
        ({"vatNumber": "136695976"}, "input.vatNumber", "INVALID"),  # no country prefix
        ({"eoriNumber": "DE-!"}, "input.eoriNumber", "INVALID"),
        ({"companyName": ""}, "input.companyName", "REQUIRED"),  # a VAT number belongs to a company
        ({"name": " "}, "input.name", "REQUIRED"),
    ):
        code, named, why = _refused(gql(CREATE, {"input": {**HAMBURG, **change}}, token=buyer))
        assert (code, named, why) == ("BAD_USER_INPUT", field, reason), change

    # Another country, another format: a US address needs its state, a UK business its GB numbers.
    boston = {"name": "Fleet Desk", "streetAddress": "1 Harbor St", "city": "Boston", "postalCode": "02110"}
    code, named, why = _refused(gql(CREATE, {"input": {**boston, "country": "US"}}, token=buyer))
    assert (code, named, why) == ("BAD_USER_INPUT", "input.countryArea", "REQUIRED")
    assert gql(CREATE, {"input": {**boston, "country": "US", "countryArea": "MA"}}, token=buyer)["data"]
    london = {
        "name": "Parts Ltd",
        "companyName": "Parts Ltd",
        "streetAddress": "10 Downing St",
        "city": "London",
        "postalCode": "SW1A 2AA",
        "country": "GB",
        "vatNumber": "GB980780684",
        "eoriNumber": "GB980780684000",
    }
    uk = gql(CREATE, {"input": london}, token=buyer)["data"]["addressCreate"]
    assert (uk["vatNumber"], uk["eoriNumber"]) == ("GB980780684", "GB980780684000")
    code, named, _ = _refused(gql(CREATE, {"input": {**london, "eoriNumber": "GB98078068"}}, token=buyer))
    assert (code, named) == ("BAD_USER_INPUT", "input.eoriNumber")

    # Nothing half-written: the refused inputs left no entry behind.
    assert [a["city"] for a in gql(BOOK, token=buyer)["data"]["viewer"]["addresses"]] == ["HAMBURG", "BOSTON", "LONDON"]


def test_an_address_book_is_its_owners_alone_and_a_repeated_delete_is_harmless(gql: GraphQL) -> None:
    owner, stranger = _buyer(gql), _buyer(gql)
    saved = gql(CREATE, {"input": HAMBURG}, token=owner)["data"]["addressCreate"]
    moved = gql(UPDATE, {"id": saved["id"], "input": {**HAMBURG, "streetAddress": "Elbchaussee 1"}}, token=owner)
    assert moved["data"]["addressUpdate"]["streetAddress"] == "Elbchaussee 1"

    assert gql(BOOK, token=stranger)["data"]["viewer"]["addresses"] == []
    assert _refused(gql(UPDATE, {"id": saved["id"], "input": HAMBURG}, token=stranger))[:2] == ("NOT_FOUND", "id")
    assert _refused(gql(DELETE, {"id": saved["id"]}, token=stranger))[:2] == ("NOT_FOUND", "id")
    node = gql("query ($id: ID!) { node(id: $id) { id } }", {"id": saved["id"]}, token=stranger)
    assert node["data"]["node"] is None
    assert _refused(gql(CREATE, {"input": HAMBURG}))[0] == "UNAUTHENTICATED"

    first = gql(DELETE, {"id": saved["id"]}, token=owner)["data"]["addressDelete"]
    again = gql(DELETE, {"id": saved["id"]}, token=owner)["data"]["addressDelete"]
    assert (first["deleted"], again["deleted"]) == (True, False)
    assert gql(BOOK, token=owner)["data"]["viewer"]["addresses"] == []


ORDER_ADDRESS = """
query ($id: ID!) {
  order(id: $id) { shippingAddress { name companyName streetAddress postalCode city country vatNumber eoriNumber } }
}"""
DOCUMENT = """
query ($id: ID!, $kind: ShippingDocumentKind!) {
  order(id: $id) { shippingDocument(kind: $kind) { filename contentType contentBase64 } }
}"""


def _pdf_text(document: dict[str, Any]) -> str:
    assert document["contentType"] == "application/pdf" and document["filename"].endswith(".pdf")
    reader = PdfReader(io.BytesIO(base64.b64decode(document["contentBase64"])))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_an_order_keeps_its_address_and_only_its_supplier_has_the_shipping_documents(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier_id = orders_stack.supplier()
    part = orders_stack.part(supplier_id, on_hand=5)
    buyer = gateway.account(AccountRole.BUYER)
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)
    other_supplier = gateway.account(AccountRole.SUPPLIER, orders_stack.supplier())
    admin = gateway.account(AccountRole.ADMIN)
    address = gateway.ok(CREATE, {"input": HAMBURG}, token=buyer)["addressCreate"]
    paris = {**HAMBURG, "city": "Paris", "postalCode": "75001", "country": "FR", "vatNumber": "FR40303265045"}
    in_france = gateway.ok(CREATE, {"input": paris}, token=buyer)["addressCreate"]

    quote = gateway.ok(QUOTE, {"input": ddp_to_germany(part["id"])}, token=buyer)["createQuote"]
    key = f"checkout-{uuid.uuid4()}"
    # The quote priced delivery to Germany: an address in France is refused, naming the argument.
    wrong = gateway.gql(PLACE_TO, {"q": quote["id"], "k": key, "a": in_france["id"]}, token=buyer)
    assert _refused(wrong)[:2] == ("BAD_USER_INPUT", "shippingAddressId")
    order_id = gateway.ok(PLACE_TO, {"q": quote["id"], "k": key, "a": address["id"]}, token=buyer)["placeOrder"][
        "order"
    ]["id"]

    # The book changes (and a retry names the other address); the order keeps what it was placed with.
    gateway.ok(UPDATE, {"id": address["id"], "input": {**HAMBURG, "streetAddress": "Elbchaussee 1"}}, token=buyer)
    retried = gateway.ok(PLACE_TO, {"q": quote["id"], "k": key, "a": address["id"]}, token=buyer)
    assert retried["placeOrder"]["order"]["id"] == order_id
    gateway.ok(DELETE, {"id": address["id"]}, token=buyer)
    expected = {
        "name": "Kurt Fischer",
        "companyName": "Fischer Kfz-Teile GmbH",
        "streetAddress": "Hafenstraße 12",
        "postalCode": "20457",
        "city": "HAMBURG",
        "country": "DE",
        "vatNumber": "DE136695976",
        "eoriNumber": "DE4711000123",
    }
    for who in (buyer, supplier):
        assert gateway.ok(ORDER_ADDRESS, {"id": order_id}, token=who)["order"]["shippingAddress"] == expected

    slip = gateway.ok(DOCUMENT, {"id": order_id, "kind": "PACKING_SLIP"}, token=supplier)
    text = _pdf_text(slip["order"]["shippingDocument"])
    for seen in (
        "Packing slip",
        "Kurt Fischer",
        "Hafenstraße 12",
        "20457 HAMBURG",
        part["hs_code"],
        "Incoterm DDP",
        part["sku"],
    ):
        assert seen in text, (seen, text)
    invoice = gateway.ok(DOCUMENT, {"id": order_id, "kind": "COMMERCIAL_INVOICE"}, token=supplier)
    text = _pdf_text(invoice["order"]["shippingDocument"])
    for seen in (
        "Commercial invoice",
        "Chongqing Tongnan Orders Test Reman",
        "Fischer Kfz-Teile GmbH",
        "VAT no. DE136695976",
        "EORI no. DE4711000123",
        part["hs_code"],
        "Incoterm DDP",
        "Currency EUR",
        "Core deposit (refundable, part of the price paid)",
        f"Goods value: {quote['goods']['amount'] / 100:,.2f} EUR",
        f"Core deposit total: {quote['coreDeposit']['amount'] / 100:,.2f} EUR",
    ):
        assert seen in text, (seen, text)
    assert gateway.ok(DOCUMENT, {"id": order_id, "kind": "COMMERCIAL_INVOICE"}, token=admin)["order"]

    # The buyer, and a supplier with no line in the order, may not have them.
    assert _refused(gateway.gql(DOCUMENT, {"id": order_id, "kind": "PACKING_SLIP"}, token=buyer))[0] == "FORBIDDEN"
    stranger = gateway.gql(DOCUMENT, {"id": order_id, "kind": "PACKING_SLIP"}, token=other_supplier)
    assert _refused(stranger)[0] == "NOT_FOUND" and not (stranger.get("data") or {}).get("order")

    # An order placed without an address (as integrators did before) has no consignee to print.
    second = gateway.ok(QUOTE, {"input": ddp_to_germany(part["id"])}, token=buyer)["createQuote"]
    bare = gateway.ok(PLACE, {"q": second["id"], "k": f"checkout-{uuid.uuid4()}"}, token=buyer)["placeOrder"]
    assert gateway.ok(ORDER_ADDRESS, {"id": bare["order"]["id"]}, token=buyer)["order"]["shippingAddress"] is None
    refused = gateway.gql(DOCUMENT, {"id": bare["order"]["id"], "kind": "PACKING_SLIP"}, token=supplier)
    assert _refused(refused)[0] == "CONFLICT"
