"""A quote line through the public GraphQL API says which national tariff line and duty measures
priced it, and which certificate of origin a preferential rate rests on."""

from __future__ import annotations

from marketplace.roles import AccountRole
from tests.gateway.factories import Gateway, ddp_to_germany
from tests.orders.factories import Stack

QUOTE_TARIFF = """
mutation ($input: QuoteInput!) {
  createQuote(input: $input) {
    lines { nationalLine origin dutyMeasures { measure tariffLine rate originCertificate } }
  }
}"""


def test_brake_pads_to_germany_are_read_at_the_aftermarket_line(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    supplier = orders_stack.supplier()
    orders_stack.certify(supplier, "ECE_R90", ["brake_pads"], number="E4 90R-01 1234/5678")
    pads = orders_stack.part(supplier, category="brake_pads", title_en="Remanufactured brake pads", hs_code="870830")
    buyer = gateway.account(AccountRole.BUYER)
    quote = gateway.ok(QUOTE_TARIFF, {"input": ddp_to_germany(pads["id"])}, token=buyer)["createQuote"]
    (line,) = quote["lines"]
    # EU CN 8708 30 91 (brakes for disc brakes, 4.5 %), not 8708 30 10 (industrial assembly, 3 %).
    assert line == {
        "nationalLine": "87083091",
        "origin": "CN",
        "dutyMeasures": [{"measure": "MFN", "tariffLine": "87083091", "rate": "0.045", "originCertificate": None}],
    }
