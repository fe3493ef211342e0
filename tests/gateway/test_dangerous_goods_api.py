"""A battery module ordered through the public GraphQL API: the order says what its
dangerous-goods declaration needs (Order.dangerousGoods), and a CIF quote by air is refused
naming the Incoterm."""

from __future__ import annotations

from marketplace.roles import AccountRole
from tests.gateway.factories import PLACE, Gateway, gid
from tests.orders.factories import Stack, battery_module

QUOTE = """
mutation ($input: QuoteInput!) {
  createQuote(input: $input) {
    id incoterm shippingService transportMode insuranceCover shipping { amount }
    shippingLegs { originHandling { amount } mainCarriage { amount } delivery { amount } }
  }
}"""
ORDER = """
query ($id: ID!) {
  order(id: $id) {
    incoterm
    dangerousGoods {
      mode shippingService emergencyContact
      lines { lineNo unNumber properShippingName hazardClass packingGroup packingInstruction regime
              netQuantityPerPackageKg packages stateOfCharge source }
    }
  }
}"""


def test_a_battery_order_shows_its_dangerous_goods_in_graphql(orders_stack: Stack, gateway: Gateway) -> None:
    _, part = battery_module(orders_stack)
    buyer = gateway.account(AccountRole.BUYER)
    lines = [{"partId": gid("Part", part["id"]), "quantity": 1}]
    cart = {"lines": lines, "destinationCountry": "US", "currency": "USD"}

    refused = gateway.gql(QUOTE, {"input": {**cart, "incoterm": "CIF", "shippingService": "express"}}, token=buyer)
    (error,) = refused["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "incoterm", "reason": "INCOTERM_NOT_FOR_MODE"}

    quote = gateway.ok(QUOTE, {"input": {**cart, "incoterm": "CIF", "shippingService": "economy"}}, token=buyer)
    created = quote["createQuote"]
    assert (created["incoterm"], created["transportMode"]) == ("CIF", "sea")
    assert created["insuranceCover"] == "ICC (C), 110 % of the goods value"
    # CIF stops at the port of destination: no delivery leg; the legs add up to the shipping.
    legs = created["shippingLegs"]
    assert legs["delivery"] is None
    assert legs["originHandling"]["amount"] + legs["mainCarriage"]["amount"] == created["shipping"]["amount"]
    placed = gateway.ok(PLACE, {"q": quote["createQuote"]["id"], "k": "dg-graphql-1"}, token=buyer)
    order = gateway.ok(ORDER, {"id": placed["placeOrder"]["order"]["id"]}, token=buyer)["order"]
    dg = order["dangerousGoods"]
    assert (dg["mode"], dg["shippingService"]) == ("sea", "economy")
    assert dg["emergencyContact"]
    (line,) = dg["lines"]
    assert {k: line[k] for k in ("unNumber", "hazardClass", "packingGroup", "packingInstruction", "packages")} == {
        "unNumber": "UN3480",
        "hazardClass": "9",
        "packingGroup": None,
        "packingInstruction": "P903",
        "packages": 1,
    }
    assert line["properShippingName"] == "Lithium ion batteries"
    assert line["netQuantityPerPackageKg"] == "25"
    assert line["regime"].startswith("IMDG Code") and line["stateOfCharge"] is None
