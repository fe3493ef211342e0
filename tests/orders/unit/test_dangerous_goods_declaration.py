"""The declaration data an order keeps, from its quote's detail, and the packing slip's text of it."""

from __future__ import annotations

from datetime import date

from services.orders.fulfilment import dangerous_goods
from services.orders.fulfilment.shipping_documents import dangerous_goods_lines
from tests.orders.trade_rules.cases import line, price
from tests.orders.trade_rules.tables.dangerous_goods import FITTED, MODULE


def test_a_mixed_cart_declares_only_its_dangerous_lines() -> None:
    q = price(line(), MODULE, country="US", on=date(2026, 12, 1), currency="USD", incoterm="DDP", service="economy")
    data = dangerous_goods.declaration(q.as_json(), "DG desk (test)")
    assert data is not None
    assert (data["mode"], data["shipping_service"], data["emergency_contact"]) == (
        "sea",
        "economy",
        "DG desk (test)",
    )
    (declared,) = data["lines"]
    assert (declared["line_no"], declared["part_id"], declared["un_number"]) == (1, "bat-1", "UN3480")
    assert (declared["packages"], declared["net_quantity_per_package_kg"]) == (1, "25")
    # A supplier sees the declaration of its own lines only.
    assert dangerous_goods.for_lines(data, {0}) is None
    assert dangerous_goods.for_lines(data, {1}) == data
    assert dangerous_goods.for_lines(None, {1}) is None


def test_a_cart_without_batteries_has_no_declaration() -> None:
    q = price(line(), country="DE", on=date(2026, 12, 1), currency="EUR", incoterm="DAP")
    assert dangerous_goods.declaration(q.as_json(), "desk") is None


def test_the_packing_slip_text_for_air_states_the_state_of_charge_and_a_missing_contact() -> None:
    q = price(FITTED, country="GB", on=date(2026, 12, 1), currency="GBP", incoterm="CIP", service="express")
    data = dangerous_goods.declaration(q.as_json(), None)
    assert data is not None
    text = dangerous_goods_lines(data)
    assert text[0] == "Transport mode: air (express)"
    assert (
        text[1] == "Line 0: UN3481, Lithium ion batteries contained in equipment, class 9, packing group none assigned"
    )
    assert "PI 967 Section I (IATA Dangerous Goods Regulations 67th edition (2026))" in text[2]
    assert text[3].strip().startswith("State of charge: recommended at most 30 %")
    assert text[-1] == "Emergency contact: NOT SET - do not ship before it is"
