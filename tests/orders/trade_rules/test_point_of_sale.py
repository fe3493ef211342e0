"""The point-of-sale regimes, case by case (tables/point_of_sale.py)."""

from __future__ import annotations

import pytest

from services.orders.quotes.landed_cost import Tables
from services.orders.quotes.landed_cost.quote import point_of_sale_regime
from tests.orders.trade_rules.cases import price
from tests.orders.trade_rules.tables.point_of_sale import CASES, PointOfSaleCase


@pytest.mark.parametrize("case", CASES, ids=str)
def test_point_of_sale(case: PointOfSaleCase) -> None:
    if not case.lines:
        assert case.value is not None
        regime = point_of_sale_regime(Tables.load(), case.country, case.on)
        applies = regime is not None and regime.within(case.value)
        assert (regime.scheme if applies and regime else None) == case.scheme
        return
    q = price(*case.lines, country=case.country, on=case.on, currency=case.currency, incoterm=case.incoterm,
              service=case.service)  # fmt: skip
    assert q.tax_scheme == case.scheme, q.notes
    if case.scheme is None:
        # Taxed on import: shown as payable on arrival (DAP), never collected at the sale.
        assert q.vat_status == ("collected" if case.incoterm == "DDP" else "estimated")
        assert not any("collected at the sale" in note for note in q.notes)
        return
    # The tax is collected, in the total, named, and listed with its source, whatever the Incoterm.
    assert q.vat_status == "collected"
    assert q.as_json()["taxScheme"] == case.scheme
    assert any(case.scheme in note and "no import VAT" in note for note in q.notes)
    assert any(rule.table == "point_of_sale" and case.scheme in rule.key for rule in q.rules)
    if case.vat is not None:
        assert q.totals.vat.amount == case.vat
    if case.total is not None:
        assert q.totals.total.amount == case.total
    t = q.totals
    duty_in_total = t.duty if q.duty_status == "collected" else t.duty - t.duty
    assert t.total == t.goods + t.core_deposit + t.shipping + t.insurance + duty_in_total + t.vat
