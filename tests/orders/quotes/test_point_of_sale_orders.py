"""An order under a point-of-sale regime: the UK VAT on a consignment of at most GBP 135 is
collected at checkout under DAP, and the order keeps the scheme and our registration number."""

from __future__ import annotations

import json
import uuid

from sqlmodel import Session

from services.orders.models import Order
from services.orders.settings import DEVELOPMENT_TAX_REGISTRATIONS
from tests.orders.factories import SYSTEM, Stack, assert_ledger_balanced, fx_document


def test_a_dap_order_to_gb_under_135_collects_uk_vat_and_records_the_scheme(stack: Stack, buyer: str) -> None:
    # CNY 900 + core CNY 200 at 0.1062 (margin included in the locked rate): about GBP 118 of
    # goods as charged, under the GBP 135 of the UK's point-of-sale rule.
    part = stack.part(stack.supplier(), price_cny=90_000, core_charge_cny=20_000, weight_grams=5_000)
    quote = stack.quote(buyer, [(part["id"], 1)], country="GB", incoterm="DAP", currency="GBP")
    assert quote["tax_scheme"] == "GB_VAT_POS"
    assert quote["tax_registration"] == DEVELOPMENT_TAX_REGISTRATIONS["tax_registration_gb_vat"]
    assert quote["detail"]["vatStatus"] == "collected" and quote["duty_status"] == "estimated"
    # The VAT is in the DAP total: 20 % of the price charged including delivery (the duty, none
    # under GBP 135, would be the buyer's).
    goods, core, shipping, insurance, vat = (
        quote[k]["amount"] for k in ("goods", "core_deposit", "shipping", "insurance", "vat")
    )
    assert quote["duty"]["amount"] == 0
    assert goods + core <= 13_500
    assert abs(vat - (goods + core + shipping + insurance) * 0.2) <= 1
    assert quote["total"]["amount"] == goods + core + shipping + insurance + vat
    assert any("GB_VAT_POS" in note and "no import VAT" in note for note in quote["notes"])

    placed = stack.place(buyer, quote["id"])["order"]
    assert placed["tax_scheme"] == "GB_VAT_POS"
    assert placed["tax_registration"] == quote["tax_registration"]
    assert placed["duty_collected"] is False and placed["vat"]["amount"] == vat
    with Session(stack.engine) as session:
        row = session.get(Order, uuid.UUID(placed["id"]))
        assert row is not None and (row.tax_scheme, row.tax_registration) == ("GB_VAT_POS", quote["tax_registration"])

    # Paid: the VAT goes to the VAT payable account, so the charge balances as in a DDP order.
    stack.pay(buyer, placed["id"], stack.card(buyer))
    assert stack.wait_status(placed["id"], "PAID")["tax_scheme"] == "GB_VAT_POS"
    assert_ledger_balanced(stack.engine)


def test_a_quote_to_canada_needs_the_province_and_takes_its_hst(stack: Stack, buyer: str) -> None:
    rates = fx_document()
    rates["rates"]["CAD"] = "0.1962"
    headers = {**SYSTEM, "Content-Type": "application/json"}
    assert stack.orders.put("/fx/rates", content=json.dumps(rates), headers=headers).status_code == 200
    part = stack.part(stack.supplier())
    missing = stack.quote(buyer, [(part["id"], 1)], country="CA", currency="CAD", expect=422)
    assert missing["field"] == "destinationRegion" and missing["code"] == "BAD_USER_INPUT"
    elsewhere = stack.quote(buyer, [(part["id"], 1)], country="CA", currency="CAD", destination_region="US-NY",
                            expect=422)  # fmt: skip
    assert elsewhere["field"] == "destinationRegion"
    ontario = stack.quote(buyer, [(part["id"], 1)], country="CA", currency="CAD", destination_region="CA-ON")
    alberta = stack.quote(buyer, [(part["id"], 1)], country="CA", currency="CAD", destination_region="CA-AB")
    assert ontario["destination_region"] == "CA-ON" and ontario["detail"]["taxName"] == "HST"
    assert alberta["detail"]["taxName"] == "GST"
    # The same value for duty and duty: HST 13 % against GST 5 %, each on value plus duty.
    base = ontario["detail"]["lines"][0]["customsValue"]["amount"] + ontario["duty"]["amount"]
    assert abs(ontario["vat"]["amount"] - base * 0.13) <= 1 and abs(alberta["vat"]["amount"] - base * 0.05) <= 1
