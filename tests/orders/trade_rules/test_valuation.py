"""Valuation, border fees and provincial taxes, case by case (tables/valuation.py)."""

from __future__ import annotations

import pytest

from services.common.errors import BadInput
from services.orders.quotes.landed_cost import LandedCost
from tests.orders.trade_rules.cases import price
from tests.orders.trade_rules.tables.valuation import CASES, ValuationCase


@pytest.mark.parametrize("case", CASES, ids=str)
def test_valuation(case: ValuationCase) -> None:
    def quote() -> LandedCost:
        return price(*case.lines, country=case.country, on=case.on, currency=case.currency,
                               incoterm=case.incoterm, service=case.service, region=case.region)  # fmt: skip

    if case.error_field is not None:
        with pytest.raises(BadInput) as refused:
            quote()
        assert refused.value.field == case.error_field
        return
    q = quote()
    if case.treatment is not None:
        assert q.duty_treatment == case.treatment, q.notes
    if case.customs_value is not None:
        assert sum(line.customs_value.amount for line in q.lines) == case.customs_value
    if case.fees is not None:
        fees = [(fee, m.amount) for line in q.lines for fee, m in line.customs_fees]
        assert fees == list(case.fees)
        for fee, _ in case.fees:  # each fee a measure on the line and a rule of the quote, with its source
            assert any(m.measure == fee for line in q.lines for m in line.duty_measures)
            assert any(rule.table == "customs_fees" and rule.key == fee for rule in q.rules)
    if case.duty is not None:
        assert q.totals.duty.amount == case.duty
    if case.vat is not None:
        assert q.totals.vat.amount == case.vat
    if case.tax_name is not None:
        assert q.tax_name == case.tax_name
        assert q.destination_region == case.region
    t = q.totals
    assert t.total == t.goods + t.core_deposit + t.shipping + t.insurance + t.duty + t.vat  # DDP
