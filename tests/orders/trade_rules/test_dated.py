"""The dated-rules table: the same cart priced by the rules of the days either side of a change."""

from __future__ import annotations

import pytest

from services.orders.quotes.landed_cost import LandedCost
from tests.orders.trade_rules.cases import price
from tests.orders.trade_rules.tables.dated import CASES, DatedCase


def _quote(case: DatedCase) -> LandedCost:
    return price(
        *case.lines,
        extra_rates=case.extra_rates,
        country=case.country,
        on=case.on,
        currency=case.currency,
        incoterm=case.incoterm,
        service=case.service,
    )


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_rules_of_the_quotes_date_price_it(case: DatedCase) -> None:
    quote = _quote(case)
    assert quote.on == case.on
    table, says, valid_from, valid_to = case.rule
    used = [(r.table, r.says, r.valid_from.isoformat(), r.valid_to and r.valid_to.isoformat()) for r in quote.rules]
    assert (table, says, valid_from, valid_to) in used, used
    # Every rule the quote lists is in force on its date and has a source.
    for rule in quote.rules:
        assert rule.source.strip()
        assert rule.valid_from <= case.on and (rule.valid_to is None or case.on <= rule.valid_to), rule
    assert quote.duty_treatment == case.duty_treatment
    assert quote.vat_low_value_exempt == case.vat_low_value_exempt
    if case.duty is not None:
        assert quote.totals.duty.amount == case.duty
    if case.vat is not None:
        assert quote.totals.vat.amount == case.vat


def test_the_table_holds_its_promise() -> None:
    assert len(CASES) >= 12
    assert len({case.country for case in CASES}) >= 8
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.source.strip() and case.on.year >= 2019 for case in CASES)
