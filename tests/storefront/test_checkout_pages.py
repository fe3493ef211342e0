"""Cart, sign-in for quotes and orders, without a browser (the orders service is down here)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.gateway.factories import Stack
from tests.storefront.factories import PASSWORD, register_supplier, unique_email

FIRST_PART = '{ parts(search: "alternator", first: 2) { edges { node { id sku } } } }'


def part_ids(stack: Stack) -> list[str]:
    return [e["node"]["id"] for e in stack.gql(FIRST_PART)["data"]["parts"]["edges"]]


def test_the_cart_adds_changes_and_removes_lines(storefront: TestClient, stack: Stack) -> None:
    first, second = part_ids(stack)
    storefront.post("/cart/add", data={"part_id": first, "quantity": "2"})
    storefront.post("/cart/add", data={"part_id": second})
    storefront.post("/cart/add", data={"part_id": first, "quantity": "1"})
    page = storefront.get("/cart")
    assert page.status_code == 200
    assert f'name="q_{first}" value="3"' in page.text
    assert f'name="q_{second}" value="1"' in page.text
    storefront.post("/cart/update", data={f"q_{first}": "5", f"q_{second}": "1", "remove": second})
    page = storefront.get("/cart")
    assert f'name="q_{first}" value="5"' in page.text
    assert f'name="q_{second}"' not in page.text
    storefront.post("/cart/update", data={f"q_{first}": "0"})
    assert "Your cart is empty." in storefront.get("/cart").text


def test_a_cart_cookie_that_makes_no_sense_is_an_empty_cart(storefront: TestClient) -> None:
    storefront.cookies.set("tn_cart", "garbage|x*y|*3|UGFydDpub3BlCg==*1000")
    page = storefront.get("/cart")
    assert page.status_code == 200
    assert "Your cart is empty." in page.text


def test_quotes_and_orders_ask_a_buyer_to_sign_in(storefront: TestClient, stack: Stack) -> None:
    storefront.post("/cart/add", data={"part_id": part_ids(stack)[0]})
    answer = storefront.post("/cart/quote", data={"incoterm": "DDP"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/account/login?next=/cart"
    answer = storefront.get("/orders", follow_redirects=False)
    assert answer.headers["location"] == "/account/login?next=/orders"
    # A supplier account is sent to its own portal.
    supplier = register_supplier(stack)
    page = storefront.post("/account/login", data={"email": supplier["email"], "password": PASSWORD})
    assert page.status_code == 422 and "This is a supplier account" in page.text


def test_a_buyer_registers_and_a_quote_with_the_orders_service_down_is_a_friendly_page(
    storefront: TestClient, stack: Stack
) -> None:
    storefront.post("/cart/add", data={"part_id": part_ids(stack)[0]})
    short = storefront.post(
        "/account/register", data={"email": unique_email("b"), "password": "short", "next": "/cart"}
    )
    assert short.status_code == 422 and 'id="f-password-error"' in short.text
    answer = storefront.post(
        "/account/register",
        data={"email": unique_email("b"), "password": PASSWORD, "next": "/cart"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/cart"
    page = storefront.post("/cart/quote", data={"incoterm": "DDP", "service": "express", **HAMBURG})
    assert page.status_code == 503
    assert "We cannot reach the parts exchange right now" in page.text


HAMBURG = {
    "name": "Kurt Fischer",
    "street_address": "Hafenstraße 12",
    "postal_code": "20457",
    "city": "Hamburg",
    "country": "DE",
}


def test_the_shipping_address_is_asked_before_the_quote_and_its_errors_are_worded_in_the_pages_language(
    storefront: TestClient, stack: Stack
) -> None:
    storefront.post("/cart/add", data={"part_id": part_ids(stack)[0]})
    storefront.post("/account/register", data={"email": unique_email("b"), "password": PASSWORD, "next": "/cart"})
    storefront.cookies.set("tn_locale", "de")
    cart = storefront.get("/cart")
    assert 'id="ship-to"' in cart.text and 'name="address_id" value="new"' in cart.text

    refused = storefront.post(
        "/cart/quote",
        data={**HAMBURG, "postal_code": "2045", "vat_number": "DE136695977", "incoterm": "DDP"},
    )
    assert refused.status_code == 422
    assert '<p class="error" id="f-postal_code-error">Diese Postleitzahl hat nicht das in Deutschland' in refused.text
    assert 'value="Hafenstraße 12"' in refused.text  # what was typed stays
    refused = storefront.post("/cart/quote", data={**HAMBURG, "vat_number": "DE136695977", "incoterm": "DDP"})
    assert refused.status_code == 422 and 'id="f-vat_number-error">Diese USt-IdNr. ist ungültig' in refused.text
    # Nothing was saved from the refused forms: the book is still empty.
    assert 'name="address_id" value="new"' in storefront.get("/cart").text
    assert "Hafenstraße" not in storefront.get("/cart").text


def test_a_buyer_signs_out_from_any_page(storefront: TestClient) -> None:
    storefront.post("/account/register", data={"email": unique_email("b"), "password": PASSWORD, "next": "/"})
    assert 'action="/account/logout"' in storefront.get("/verify").text
    answer = storefront.post("/account/logout", follow_redirects=False)
    assert answer.status_code == 303
    assert any(c.startswith('tn_token=""') for c in answer.headers.get_list("set-cookie"))
    storefront.cookies.clear()
    assert 'href="/account/login"' in storefront.get("/verify").text


def test_odd_requests_to_the_cart_and_payment_are_refused_calmly(storefront: TestClient, stack: Stack) -> None:
    storefront.post("/cart/add", data={"part_id": "x" * 5000})
    assert "Your cart is empty." in storefront.get("/cart").text
    answer = storefront.post(
        "/orders/T3JkZXI6eA==/pay", content=b"not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400 and answer.json() == {"error": "The card could not be read."}


ELIGIBILITY = '{ parts(first: 50) { edges { node { id eligibility(country: "%s") { eligible } } } } }'


def test_a_part_that_may_not_be_sold_to_the_country_is_not_added_and_the_buyer_is_told_why(
    storefront: TestClient, stack: Stack
) -> None:
    storefront.cookies.set("tn_country", "US")
    edges = stack.gql(ELIGIBILITY % "US")["data"]["parts"]["edges"]
    banned = next(e["node"]["id"] for e in edges if not e["node"]["eligibility"]["eligible"])
    allowed = next(e["node"]["id"] for e in edges if e["node"]["eligibility"]["eligible"])
    # The part page offers no button, and says why.
    page = storefront.get(f"/parts/{banned}")
    assert 'id="not-for-sale"' in page.text and 'action="/cart/add"' not in page.text
    # The same part posted by hand is refused, with the reason on the cart page.
    answer = storefront.post("/cart/add", data={"part_id": banned}, follow_redirects=False)
    assert answer.status_code == 409
    assert "may not be sold in United States, so it cannot be added to the cart" in answer.text
    assert "Your cart is empty." in answer.text
    answer = storefront.post("/cart/add", data={"part_id": allowed}, follow_redirects=False)
    assert answer.status_code == 303
    assert f'name="q_{allowed}"' in storefront.get("/cart").text
    # In German too.
    storefront.cookies.set("tn_locale", "de")
    answer = storefront.post("/cart/add", data={"part_id": banned})
    assert answer.status_code == 409 and "kann daher nicht in den Warenkorb" in answer.text
