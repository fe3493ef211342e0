"""Estimated landed prices before any quote: the price a listing shows is the price the DDP
quote then locks, a cart's shipping options come cheapest first, and a part that cannot be
quoted somewhere says why instead of failing the page."""

from __future__ import annotations

from typing import Any

from marketplace.roles import Role
from tests.factories import FreshHeaders
from tests.orders.factories import Stack

VISITOR = FreshHeaders(Role.ANONYMOUS, "anonymous")


def _facts(part: dict[str, Any], quantity: int = 1) -> dict[str, Any]:
    keys = ("category", "hs_code", "weight_grams", "price_cny", "core_charge_cny")
    return {"part_id": part["id"], "quantity": quantity, **{k: part[k] for k in keys}}


def test_a_parts_estimate_is_what_the_ddp_quote_with_its_shipping_charges(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    body = {"destination_country": "DE", "currency": "EUR", "parts": [_facts(alternator)]}
    answer = stack.orders.post("/estimates/parts", json=body, headers=VISITOR)
    assert answer.status_code == 200, answer.text
    (estimate,) = answer.json()["estimates"]
    cheapest = estimate["cheapest"]
    assert estimate["part_id"] == alternator["id"] and cheapest["total"]["currency"] == "EUR"

    quote = stack.quote(buyer, [(alternator["id"], 1)], shipping_service=cheapest["service"])
    # The quote's DDP total also holds the refundable core deposit; the landed price does not.
    assert cheapest["total"]["amount"] == quote["total"]["amount"] - quote["core_deposit"]["amount"]
    assert cheapest["duty"]["amount"] == quote["duty"]["amount"] and cheapest["vat"]["amount"] == quote["vat"]["amount"]
    assert cheapest["goods"]["amount"] == quote["goods"]["amount"]
    assert cheapest["shipping"]["amount"] == quote["shipping"]["amount"] + quote["insurance"]["amount"]
    # No other service is cheaper.
    for service in ("express", "economy"):
        other = stack.quote(buyer, [(alternator["id"], 1)], shipping_service=service)
        assert other["total"]["amount"] - other["core_deposit"]["amount"] >= cheapest["total"]["amount"]


def test_a_carts_options_come_cheapest_first_with_their_delivery_times(
    stack: Stack, alternator: dict[str, Any]
) -> None:
    body = {"destination_country": "DE", "currency": "EUR", "parts": [_facts(alternator, 2)]}
    answer = stack.orders.post("/estimates/cart", json=body, headers=VISITOR)
    assert answer.status_code == 200, answer.text
    cart = answer.json()
    options = cart["options"]
    assert {o["service"] for o in options} == {"express", "economy"}
    assert [o["total"]["amount"] for o in options] == sorted(o["total"]["amount"] for o in options)
    assert {o["service"]: o["transit_days"] for o in options} == {"express": "4-8", "economy": "18-45"}
    assert cart["subtotal"] == options[0]["goods"] and cart["subtotal"]["currency"] == "EUR"
    assert cart["core_deposit"]["amount"] > 0


def test_a_part_that_cannot_be_quoted_there_says_why_and_bad_input_names_the_field(
    stack: Stack, alternator: dict[str, Any]
) -> None:
    unknown = {"destination_country": "AQ", "currency": "EUR", "parts": [_facts(alternator)]}
    (estimate,) = stack.orders.post("/estimates/parts", json=unknown, headers=VISITOR).json()["estimates"]
    assert estimate == {"part_id": alternator["id"], "cheapest": None, "unavailable": "DESTINATION_NOT_SERVED"}

    bad = {"destination_country": "DE", "currency": "EUR", "parts": [{**_facts(alternator), "weight_grams": 0}]}
    refused = stack.orders.post("/estimates/parts", json=bad, headers=VISITOR)
    assert refused.status_code == 422 and refused.json()["field"] == "parts.0.weight_grams"
