"""Quote.pricedBy and the public quotePricing query, through the GraphQL API against the real services."""

from __future__ import annotations

import json
import uuid

from gateway.ids import global_id
from marketplace.roles import AccountRole
from tests.gateway.factories import Gateway, ddp_to_germany
from tests.orders.factories import Stack

RULE = "table key says source validFrom validTo"
CREATE = f"""
mutation ($input: QuoteInput!) {{
  createQuote(input: $input) {{ id date dated notes vat {{ amount }} pricedBy {{ {RULE} }} }}
}}"""
PRICING = f"""
query ($id: ID!) {{
  quotePricing(id: $id) {{
    id destinationCountry customsTerritory incoterm date dated
    lines {{ category hsCode quantity dutyRate vatRate }}
    pricedBy {{ {RULE} }}
  }}
}}"""
PLACE = "mutation ($q: ID!, $k: String!) { placeOrder(quoteId: $q, idempotencyKey: $k) { order { id } } }"


def test_a_dated_quote_lists_its_rules_publicly_without_the_buyer_and_cannot_be_ordered(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    part = orders_stack.part(orders_stack.supplier())
    buyer = gateway.account(AccountRole.BUYER)
    # DE VAT 19 % (import_taxes.json, from 2021-01-01), EU duty relief up to EUR 150 until 2026-06-30.
    quote_input = {**ddp_to_germany(part["id"]), "date": "2025-03-01"}
    quote = gateway.ok(CREATE, {"input": quote_input}, token=buyer)["createQuote"]
    assert (quote["date"], quote["dated"]) == ("2025-03-01", True)
    tables = {rule["table"] for rule in quote["pricedBy"]}
    assert {"destinations", "duty_rates", "import_taxes", "shipping", "insurance"} <= tables
    assert all(rule["source"].strip() and rule["validFrom"] <= "2025-03-01" for rule in quote["pricedBy"])
    vat = next(rule for rule in quote["pricedBy"] if rule["table"] == "import_taxes")
    assert (vat["key"], vat["says"]) == ("DE", "Einfuhrumsatzsteuer 0.19")

    # Anyone with the link, signed in or not, reads how the price was made; nothing of the buyer.
    seen = gateway.gql(PRICING, {"id": quote["id"]})
    assert "errors" not in seen, seen
    pricing = seen["data"]["quotePricing"]
    assert pricing["pricedBy"] == quote["pricedBy"]
    assert (pricing["destinationCountry"], pricing["customsTerritory"], pricing["incoterm"]) == ("DE", "EU", "DDP")
    assert (pricing["date"], pricing["dated"]) == ("2025-03-01", True)
    # The line's duty rate is the rates of the duty rows listed, added (MFN only, into the EU).
    duty_rows = [rule for rule in pricing["pricedBy"] if rule["table"] == "duty_rates"]
    assert [rule["key"].split()[:3] for rule in duty_rows] == [["EU", "*", "MFN"]]
    assert pricing["lines"] == [
        {
            "category": "alternator",
            "hsCode": "851150",
            "quantity": 1,
            "dutyRate": duty_rows[0]["says"],
            "vatRate": "0.19",
        }
    ]
    text = json.dumps(seen)
    assert part["sku"] not in text and part["supplier_id"] not in text

    refused = gateway.gql(PLACE, {"q": quote["id"], "k": f"checkout-{uuid.uuid4()}"}, token=buyer)
    extensions = refused["errors"][0]["extensions"]
    assert (extensions["code"], extensions["reason"], extensions["field"]) == ("CONFLICT", "QUOTE_DATED", "quote_id")


def test_quote_pricing_of_no_quote_and_bad_dates_are_named(orders_stack: Stack, gateway: Gateway) -> None:
    missing = gateway.gql(PRICING, {"id": global_id("Quote", str(uuid.uuid4()))})
    assert missing["data"]["quotePricing"] is None
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    wrong = gateway.gql(PRICING, {"id": global_id("Part", str(uuid.uuid4()))})
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    part = orders_stack.part(orders_stack.supplier())
    buyer = gateway.account(AccountRole.BUYER)
    # DE's first destination row is in force from 2020-01-01 (destinations.json).
    early = gateway.gql(CREATE, {"input": {**ddp_to_germany(part["id"]), "date": "2019-06-30"}}, token=buyer)
    extensions = early["errors"][0]["extensions"]
    assert (extensions["code"], extensions["reason"], extensions["field"]) == (
        "BAD_USER_INPUT",
        "RULES_NOT_IN_FORCE",
        "date",
    ), early
    not_a_day = gateway.gql(CREATE, {"input": {**ddp_to_germany(part["id"]), "date": "2025-02-30"}}, token=buyer)
    assert "errors" in not_a_day and not_a_day.get("data") is None
