"""The Incoterms case table (tables/incoterms.py), each case priced by a pure quote."""

from __future__ import annotations

import pytest

from services.common.errors import BadInput
from tests.orders.trade_rules.cases import line, price
from tests.orders.trade_rules.tables.incoterms import CASES, IncotermCase


@pytest.mark.parametrize("case", CASES, ids=str)
def test_incoterm_case(case: IncotermCase) -> None:
    lines = case.lines or (line(),)
    ask = {"country": case.country, "on": case.on, "currency": case.currency, "incoterm": case.incoterm}
    if case.refused:
        with pytest.raises(BadInput) as refused:
            price(*lines, **ask, service=case.service)  # type: ignore[arg-type]
        assert (refused.value.code, refused.value.field) == (case.refused, "incoterm")
        assert case.says in refused.value.detail
        return
    q = price(*lines, **ask, service=case.service)  # type: ignore[arg-type]
    assert q.incoterm == case.incoterm
    t = q.totals
    # Under these terms duty and import tax never enter the total (only DDP collects them).
    assert t.total == t.goods + t.core_deposit + t.shipping + t.insurance
    for name, expected, got in (
        ("mode", case.mode, q.transport_mode),
        ("shipping", case.shipping, t.shipping.amount),
        ("insurance", case.insurance, t.insurance.amount),
        ("total", case.total, t.total.amount),
        ("customs value", case.customs_value, sum(ln.customs_value.amount for ln in q.lines)),
        ("legs", case.legs, tuple(q.shipping_legs)),
    ):
        if expected is not None:
            assert got == expected, name
    if case.door_in_tax_base is not None:
        tables = {rule.table for rule in q.rules}
        assert ("on_carriage_in_tax_base" in tables) is case.door_in_tax_base
    # Every term is priced by its own dated row, with its source.
    (term,) = [rule for rule in q.rules if rule.table == "incoterms"]
    assert term.key == case.incoterm and "Incoterms" in term.source
