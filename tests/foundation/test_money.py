"""Money rounds half-even to a currency's minor unit, or to the step it is given (the tens a card is
charged in: tests/marketplace/test_cards.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.common.money import Money


@pytest.mark.parametrize(
    ("value", "currency", "step", "amount"),
    [
        ("1.005", "EUR", 1, 100),  # half-even: 100.5 cents -> 100
        ("1.015", "EUR", 1, 102),
        ("1234.5", "JPY", 1, 1234),
        ("7.5149", "KWD", 1, 7515),
        ("7.5149", "KWD", 10, 7510),
        ("7.515", "KWD", 10, 7520),  # 751.5 tens -> 752
        ("7.525", "KWD", 10, 7520),  # 752.5 tens -> 752
    ],
)
def test_from_decimal_rounds_half_even_to_the_step(value: str, currency: str, step: int, amount: int) -> None:
    assert Money.from_decimal(Decimal(value), currency, step=step) == Money(amount, currency)
