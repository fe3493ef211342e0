"""The dangerous-goods case table (tables/dangerous_goods.py), each case priced by a pure quote."""

from __future__ import annotations

import pytest

from services.orders.quotes.landed_cost import DangerousGoodsRefused
from tests.orders.trade_rules.cases import price
from tests.orders.trade_rules.tables.dangerous_goods import CASES, DangerousGoodsCase


@pytest.mark.parametrize("case", CASES, ids=str)
def test_dangerous_goods_case(case: DangerousGoodsCase) -> None:
    ask = {"country": case.country, "on": case.on, "currency": case.currency, "incoterm": case.incoterm,
           "region": case.region}  # fmt: skip
    if case.refused:
        with pytest.raises(DangerousGoodsRefused) as refused:
            price(*case.lines, **ask, service=case.service)  # type: ignore[arg-type]
        assert (refused.value.code, refused.value.field) == ("DANGEROUS_GOODS_REFUSED", "shippingService")
        assert case.refused in refused.value.detail
        return
    q = price(*case.lines, **ask, service=case.service)  # type: ignore[arg-type]
    if case.mode is not None:
        assert q.transport_mode == case.mode
    dg = q.lines[0].dg
    if case.un_number is None:
        assert dg is None and q.dangerous_goods is False
        assert not [rule for rule in q.rules if rule.table.startswith("dangerous_goods")]
        return
    assert dg is not None and q.dangerous_goods is True
    assert (dg.un_number, dg.hazard_class, dg.packing_group) == (case.un_number, "9", None)
    assert dg.packing_instruction == case.packing_instruction
    assert case.regime is not None and case.regime in dg.regime
    assert dg.packages == case.lines[0].quantity
    if case.state_of_charge is not None:
        if case.state_of_charge:
            assert dg.state_of_charge is not None and case.state_of_charge in dg.state_of_charge
        else:
            assert dg.state_of_charge is None
    if case.shipping is not None:
        assert q.totals.shipping.amount == case.shipping
    # The classification and the mode's rule are among the rules that priced the quote.
    keys = {(rule.table, rule.key) for rule in q.rules}
    assert ("dangerous_goods", case.un_number) in keys
    assert ("dangerous_goods_transport", f"{case.un_number} {case.mode}") in keys
    assert q.as_json()["lines"][0]["dangerousGoodsClass"]["unNumber"] == case.un_number
