"""The legality table (tables/legality.py), run on the shared rule and, for `priced` cases, on a
quote at fixed rates."""

from __future__ import annotations

import uuid

import pytest

from marketplace.compliance import markets, registry
from services.common.errors import DomainError
from tests.orders.trade_rules.cases import line, price
from tests.orders.trade_rules.tables.legality import CASES, LegalityCase

SUPPLIER = uuid.UUID(int=1)


def _part(case: LegalityCase) -> markets.PartFacts:
    return markets.PartFacts(uuid.UUID(int=2), SUPPLIER, case.category, (), case.condition)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_legality(case: LegalityCase) -> None:
    assert case.source.strip() and case.topic == "legality"
    if case.kind == "condition":
        refusal = markets.condition_refusal(case.country, case.condition, case.on)
        assert (refusal.code if refusal else None) == case.expect
        if refusal is not None:
            # The reason names the instrument it relies on.
            assert refusal.source and refusal.message
            # And the whole rule gives it first, before the certification it would also miss.
            assert markets.refusals(_part(case), [], case.country, case.on)[0] == refusal
    elif case.kind == "destination":
        refusal = markets.destination_refusal(case.country, case.on)
        assert (refusal.code if refusal else None) == case.expect
        if case.expect is None:
            assert markets.check_destination(case.country, case.on, field="country").countries
        else:
            with pytest.raises(DomainError) as refused:
                markets.check_destination(case.country, case.on, field="destinationCountry")
            assert refused.value.code == case.expect and refused.value.field == "destinationCountry"
            # Nothing is sellable there, whatever the part: the destination is the only reason.
            assert [r.code for r in markets.refusals(_part(case), [], case.country, case.on)] == [case.expect]
    elif case.kind == "market":
        required = registry.requirements(case.country, case.category, case.on)
        assert required.schemes == case.schemes
        if case.source_says is not None:
            rule = required.market.rule_for(case.category, case.on)
            assert rule is not None and rule.source is not None and case.source_says in rule.source
    else:
        item = line("brake_pads" if case.hs_code.startswith("8708") else "alternator", case.hs_code)
        if case.expect is not None:
            with pytest.raises(DomainError) as refused:
                price(item, country=case.country, on=case.on, currency=case.currency)
            assert refused.value.code == case.expect and refused.value.field == "destinationCountry"
            return
        quoted = price(item, country=case.country, on=case.on, currency=case.currency, incoterm="DDP")
        assert quoted.lines[0].duty_rate == case.duty_rate
        assert quoted.lines[0].vat_rate == case.vat_rate
        if case.duty_rate == 0:
            assert quoted.totals.duty.amount == 0
        # The quote lists the market rules that made the country quotable that day, with their source.
        market = next(r for r in quoted.rules if r.table == "market_rules")
        assert market.key == registry.market_for(case.country, case.on).code  # type: ignore[union-attr]
        assert market.source


def test_the_table_covers_what_it_promises() -> None:
    assert len(CASES) >= 14
    assert len({c.country for c in CASES}) >= 8
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.kind for c in CASES} == {"condition", "destination", "market", "priced"}
    assert any(c.on.year <= 2020 for c in CASES)  # past dates included
