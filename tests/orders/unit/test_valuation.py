"""Valuation details outside the case tables: an estimate without a province, the notes that say
how a threshold was valued, and the US fees under each Incoterm."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.orders.quotes.landed_cost import QuoteRequest, quote_landed_cost
from tests.orders.trade_rules.cases import DAY, fx_table, line, price

ON = date(2026, 12, 1)


def test_an_estimate_to_canada_without_a_province_takes_gst_and_says_so() -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    request = QuoteRequest(lines=[line()], destination_country="CA", incoterm="DDP", currency="CAD", on=ON,
                           region_optional=True)  # fmt: skip
    q = quote_landed_cost(request, fx_table(now), now=now, max_rate_age=DAY)
    assert q.tax_name == "GST" and q.destination_region is None
    # GST 5 % of value for duty 483.60 + duty 24.18 = 507.78 -> 25.389 -> 25.39
    assert q.totals.vat.amount == 2_539
    assert any("HST" in note and "province" in note for note in q.notes)


def test_a_threshold_in_another_currency_says_it_was_converted_at_our_mid_rate() -> None:
    # EUR 121.00 of goods to GB: GBP 121.00 / 0.121 * 0.106 = 106.00 <= 135.
    q = price(line("brake_pads", "8708.30", price_fen=100_000, weight_grams=1_000), country="GB", on=ON,
              currency="EUR")  # fmt: skip
    (note,) = [n for n in q.notes if n.startswith("duty low-value threshold")]
    assert "106.00 GBP" in note and "converted at our mid rate" in note and "at or under 135 GBP" in note


def test_us_fees_follow_the_duty_under_each_incoterm() -> None:
    cart = line(price_fen=2_500_000)  # USD 3,511.20 FOB: MPF at the FY2026 minimum, 33.58
    # Duty 2.5 % MFN + 25 % Section 301 + 25 % Section 232 + 10 % IEEPA fentanyl = 62.5 %:
    # 3,511.20 * 0.625 = 2,194.50, plus the MPF 33.58 = 2,228.08
    ddp, dap, fob = (price(cart, country="US", on=ON, currency="USD", incoterm=term) for term in ("DDP", "DAP", "FOB"))
    assert ddp.duty_status == "collected" and ddp.totals.duty.amount == 222_808
    assert dap.duty_status == "estimated" and dap.totals.duty.amount == 222_808
    assert dap.estimated_landed_total is not None
    assert dap.estimated_landed_total.amount == dap.totals.total.amount + 222_808
    # FOB is for sea only (Incoterms 2020): the consignment goes by economy (sea), so the harbor
    # maintenance fee falls on it too; neither fee is quoted under FOB.
    assert fob.transport_mode == "sea"
    zero = fob.totals.duty
    assert fob.totals.duty.amount == 0 and fob.lines[0].customs_fees == (("US MPF", zero), ("US HMF", zero))
