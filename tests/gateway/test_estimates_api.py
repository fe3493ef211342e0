"""Estimated landed prices through the public API, for anyone: each part of a page with its
cheapest shipping, and a cart's subtotal with every shipping option, cheapest first. And a
service's own refusal code reaching the client as `reason` (a declined card)."""

from __future__ import annotations

from typing import Any

from marketplace.roles import AccountRole
from tests.gateway.factories import PLACE, Gateway, ddp_to_germany, gid
from tests.orders.factories import Stack

PAGE = """
query ($a: ID!, $b: ID!, $country: String!, $currency: String) {
  a: node(id: $a) { ...Estimate }
  b: node(id: $b) { ...Estimate }
}
fragment Estimate on Part {
  landedEstimate(country: $country, currency: $currency) {
    country unavailable cheapest { service transitDays total { amount currency formatted } }
  }
}"""
CART = """
query ($lines: [CartLineInput!]!, $country: String!, $currency: String!) {
  cartEstimate(lines: $lines, destinationCountry: $country, currency: $currency) {
    subtotal { amount currency } coreDeposit { amount }
    options { service transitDays total { amount } shipping { amount } }
  }
}"""


def _codes(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in result.get("errors", [])]


def test_anyone_sees_each_parts_estimate_and_a_carts_shipping_options(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier = orders_stack.supplier()
    light = orders_stack.part(supplier, weight_grams=1200, price_cny=50000)
    heavy = orders_stack.part(supplier, weight_grams=18000, price_cny=50000)
    ids = [gid("Part", light["id"]), gid("Part", heavy["id"])]

    page = gateway.ok(PAGE, {"a": ids[0], "b": ids[1], "country": "DE", "currency": "EUR"})
    light_estimate, heavy_estimate = page["a"]["landedEstimate"], page["b"]["landedEstimate"]
    assert light_estimate["country"] == "DE" and light_estimate["unavailable"] is None
    assert light_estimate["cheapest"]["total"]["currency"] == "EUR"
    # Same price, three times the weight and more: it costs more delivered.
    assert heavy_estimate["cheapest"]["total"]["amount"] > light_estimate["cheapest"]["total"]["amount"]
    in_cny = gateway.ok(PAGE, {"a": ids[0], "b": ids[1], "country": "de", "currency": None})["a"]
    assert in_cny["landedEstimate"]["cheapest"]["total"]["currency"] == "CNY"

    lines = [{"partId": ids[0], "quantity": 2}]
    cart = gateway.ok(CART, {"lines": lines, "country": "DE", "currency": "EUR"})["cartEstimate"]
    totals = [o["total"]["amount"] for o in cart["options"]]
    assert totals == sorted(totals) and {o["service"] for o in cart["options"]} == {"express", "economy"}
    assert cart["subtotal"]["currency"] == "EUR" and cart["subtotal"]["amount"] > 0

    bad_country = gateway.gql(PAGE, {"a": ids[0], "b": ids[1], "country": "Germany", "currency": "EUR"})
    assert ("BAD_USER_INPUT", "country") in _codes(bad_country)
    bad_line = gateway.gql(CART, {"lines": [{"partId": ids[0], "quantity": 0}], "country": "DE", "currency": "EUR"})
    assert _codes(bad_line) == [("BAD_USER_INPUT", "lines.0.quantity")]


PLACE_AND_QUOTE = """
mutation ($input: QuoteInput!) { createQuote(input: $input) { id } }"""


def test_a_declined_card_is_the_callers_input_with_the_reason_a_page_can_word(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    part = orders_stack.part(orders_stack.supplier(), on_hand=3)
    buyer = gateway.account(AccountRole.BUYER)
    quote = gateway.ok(PLACE_AND_QUOTE, {"input": ddp_to_germany(part["id"])}, token=buyer)["createQuote"]
    placed = gateway.ok(PLACE, {"q": quote["id"], "k": f"checkout-{part['id']}"}, token=buyer)["placeOrder"]
    declined = gateway.gql(
        "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id } }",
        {"o": placed["order"]["id"], "pm": "pm_card_chargeCustomerFail"},
        token=buyer,
    )
    (error,) = declined["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "paymentMethodId", "reason": "PAYMENT_DECLINED"}
