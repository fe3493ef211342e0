"""Estimated landed prices before any quote: the price a listing shows is the price the DDP
quote then locks, a cart's shipping options come cheapest first, and a part that cannot be
quoted somewhere says why instead of failing the page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from marketplace.roles import Role
from services.orders.quotes import estimates
from tests.factories import FreshHeaders
from tests.orders.factories import SYSTEM, Stack, fx_document

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


def test_a_page_seen_again_is_not_priced_again_until_its_price_or_rate_moves(
    stack: Stack, alternator: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts of popular pages are estimated on every view: the same facts to the same country
    and currency at the same rate are priced once, and a new price or a new rate is priced at once."""
    priced: list[str] = []
    real = estimates.quote_landed_cost

    def counting(request: Any, *args: Any, **kwargs: Any) -> Any:
        priced.append(request.lines[0].part_id)
        return real(request, *args, **kwargs)

    monkeypatch.setattr(estimates, "quote_landed_cost", counting)

    def cheapest(facts: dict[str, Any], currency: str = "EUR") -> int:
        body = {"destination_country": "DE", "currency": currency, "parts": [facts]}
        answer = stack.orders.post("/estimates/parts", json=body, headers=VISITOR)
        assert answer.status_code == 200, answer.text
        (estimate,) = answer.json()["estimates"]
        assert estimate["part_id"] == facts["part_id"]
        return int(estimate["cheapest"]["total"]["amount"])

    first = cheapest(_facts(alternator))
    calls = len(priced)
    assert calls >= 1  # one landed cost per shipping service
    # Another part with the same facts, and the same part again: nothing priced.
    twin = {**_facts(alternator), "part_id": "a-twin-listing"}
    assert cheapest(_facts(alternator)) == cheapest(twin) == first and len(priced) == calls
    # A new price: priced again, higher.
    dearer = cheapest({**_facts(alternator), "price_cny": alternator["price_cny"] * 2})
    assert dearer > first and len(priced) == 2 * calls
    # Another currency is another estimate.
    cheapest(_facts(alternator), "USD")
    assert len(priced) == 3 * calls
    # A new euro rate (the euro a tenth dearer): the next view is priced at it.
    rates = fx_document()
    rates["rates"]["EUR"] = "0.1100"
    headers = {**SYSTEM, "Content-Type": "application/json"}
    assert stack.orders.put("/fx/rates", content=json.dumps(rates), headers=headers).status_code == 200
    assert cheapest(_facts(alternator)) < first and len(priced) == 4 * calls
