"""Which amounts a card can be charged: three-decimal currencies in whole tens of their minor unit."""

from __future__ import annotations

from marketplace.cards import charge_step


def test_cards_take_three_decimal_currencies_in_tens_of_the_minor_unit() -> None:
    assert [charge_step(c) for c in ("KWD", "BHD", "OMR", "JOD", "TND")] == [10] * 5
    assert [charge_step(c) for c in ("EUR", "USD", "JPY", "AED", "CNY")] == [1] * 5
