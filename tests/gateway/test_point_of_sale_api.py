"""createQuote names the point-of-sale regime and our number under it, and asks Canada's province."""

from __future__ import annotations

from marketplace.roles import AccountRole
from services.orders.settings import DEVELOPMENT_TAX_REGISTRATIONS
from tests.gateway.factories import Gateway, gid
from tests.orders.factories import Stack

QUOTE = """
mutation ($input: QuoteInput!) {
  createQuote(input: $input) {
    id incoterm dutyStatus taxScheme taxRegistration destinationRegion notes
    goods { amount } coreDeposit { amount } shipping { amount } insurance { amount } vat { amount } total { amount }
  }
}"""


def test_a_dap_quote_to_gb_under_135_names_the_scheme_and_canada_needs_its_province(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    part = orders_stack.part(orders_stack.supplier(), price_cny=90_000, core_charge_cny=20_000)
    buyer = gateway.account(AccountRole.BUYER)
    lines = [{"partId": gid("Part", part["id"]), "quantity": 1}]
    gb = {"lines": lines, "destinationCountry": "GB", "incoterm": "DAP", "currency": "GBP"}
    quote = gateway.ok(QUOTE, {"input": gb}, token=buyer)["createQuote"]
    assert quote["taxScheme"] == "GB_VAT_POS" and quote["destinationRegion"] is None
    assert quote["taxRegistration"] == DEVELOPMENT_TAX_REGISTRATIONS["tax_registration_gb_vat"]
    charged = sum(quote[k]["amount"] for k in ("goods", "coreDeposit", "shipping", "insurance"))
    assert quote["total"]["amount"] == charged + quote["vat"]["amount"]  # collected, under DAP

    ca = {"lines": lines, "destinationCountry": "CA", "incoterm": "DDP", "currency": "USD"}
    refused = gateway.gql(QUOTE, {"input": ca}, token=buyer)
    extensions = refused["errors"][0]["extensions"]
    assert extensions["code"] == "BAD_USER_INPUT" and extensions["field"] == "destinationRegion"
