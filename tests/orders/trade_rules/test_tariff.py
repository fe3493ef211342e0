"""The tariff table: each case quoted as the rules stood on its date, at fixed rates."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from marketplace.classification import HsCodeCategoryMismatch
from services.common.errors import BadInput
from services.orders.quotes.landed_cost import Tables, tariff
from tests.orders.trade_rules.cases import line, price
from tests.orders.trade_rules.tables.tariff import CASES, TariffCase

# Our own shipping and insurance prices start on 2024-01-01: before it the platform quoted nothing,
# so older cases check the duty rows a broker would have applied on the date (tariff.select, the
# same selection the quote makes) and the duty on the customs value of the docstring.
FIRST_QUOTE_DAY = date(2024, 1, 1)
US_CUSTOMS_VALUE = Decimal("1019.20")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_tariff(case: TariffCase) -> None:
    if case.on < FIRST_QUOTE_DAY:
        _check_rows_alone(case)
        return
    part = dataclasses.replace(
        line(case.category, case.hs_code, quantity=case.quantity),
        origin=case.origin,
        origin_schemes=case.schemes,
    )
    q = price(part, country=case.country, on=case.on, currency=case.currency)
    (quoted,) = q.lines
    assert quoted.national_line == case.national_line, case.source
    # The line's measures are its duty measures, then the customs fees on it (US MPF ...).
    fees = {fee: m.amount for fee, m in quoted.customs_fees}
    duty_measures = [m for m in quoted.duty_measures if m.measure not in fees]
    assert {m.measure: str(m.rate) for m in duty_measures} == case.measures, case.source
    assert quoted.duty_rate == sum((Decimal(r) for r in case.measures.values()), Decimal(0))
    assert fees == case.fees_minor, case.source
    if case.duty_minor is not None:
        assert quoted.customs_value.amount == 101_920
        # The duty amount is "duty and customs fees" (customs_fees.json).
        assert quoted.amounts.duty.amount == case.duty_minor + sum(fees.values()), case.source
    # The quote lists the rows it used, the national line among them where one is mapped.
    used = {(r.table, r.key) for r in q.rules}
    for m in duty_measures:
        assert any(t == "duty_rates" and k.endswith(f" {m.measure} {m.hs_prefix}") for t, k in used), m
    for fee in fees:
        assert ("customs_fees", fee) in used, fee
    if case.national_line != case.hs_code[:6]:
        assert any(t == "national_lines" for t, _ in used)


def _check_rows_alone(case: TariffCase) -> None:
    tables = Tables.load()
    (dest,) = [d for d in tables.destinations if d.country == case.country]
    chosen = tariff.select(
        tables, dest.territory, case.hs_code, case.category, case.on, origin=case.origin, schemes=case.schemes
    )
    assert chosen.line == case.national_line, case.source
    assert {m.measure: str(m.rate) for m in chosen.measures} == case.measures, case.source
    if case.duty_minor is not None:
        rate = sum((m.rate for m in chosen.measures), Decimal(0))
        assert (US_CUSTOMS_VALUE * rate * 100).quantize(Decimal(1), ROUND_HALF_EVEN) == case.duty_minor


def test_the_table_spans_enough_countries_and_dates() -> None:
    assert len(CASES) >= 16
    assert len({c.country for c in CASES}) >= 8
    assert any(c.on.year < 2020 for c in CASES)
    assert all(c.source.strip() for c in CASES)


def test_a_line_whose_hs_code_does_not_fit_its_category_is_refused_naming_it() -> None:
    with pytest.raises(HsCodeCategoryMismatch) as refused:
        price(line("alternator", "870830"), country="DE", on=date(2026, 12, 1), currency="EUR")
    assert refused.value.field == "lines.0.hsCode" and refused.value.code == "HS_CODE_CATEGORY_MISMATCH"
    assert isinstance(refused.value, BadInput)
