"""Money as an integer count of minor units plus an ISO 4217 code.

Decimal appears only inside conversions; every rounding to a currency's minor
unit is half-even (banker's rounding), the rule written down in the design. Which amounts a
card can be charged in a currency is the marketplace's rule (marketplace/cards.py): the
arithmetic here takes the step it is given.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import pycountry
from babel.numbers import format_currency, get_currency_precision


class UnknownCurrency(ValueError):
    pass


def currency_code(code: str) -> str:
    """Upper-cased ISO 4217 code, or UnknownCurrency."""
    normalised = code.strip().upper()
    if len(normalised) != 3 or pycountry.currencies.get(alpha_3=normalised) is None:
        raise UnknownCurrency(f"{code!r} is not an ISO 4217 currency code")
    return normalised


def minor_unit_digits(currency: str) -> int:
    """0 for JPY, 2 for EUR, 3 for KWD (from CLDR through Babel)."""
    return int(get_currency_precision(currency_code(currency)))


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal, currency: str, *, step: int = 1) -> Money:
        """Round a major-unit Decimal half-even to the currency's minor unit, or to a multiple
        of `step` minor units (marketplace/cards.py: `charge_step`)."""
        digits = minor_unit_digits(currency)
        steps = (value * (Decimal(10) ** digits) / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        return cls(int(steps) * step, currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-minor_unit_digits(self.currency))

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def format(self, locale: str = "en") -> str:
        return _formatted(self.amount, self.currency, locale)


# Babel takes tens of microseconds per amount; a page of prices repeats the same few.
@functools.lru_cache(maxsize=65536)
def _formatted(amount: int, currency: str, locale: str) -> str:
    return str(format_currency(Money(amount, currency).to_decimal(), currency, locale=locale))
