"""How card networks take some currencies: the amounts a buyer can be charged in them.

Money itself (services/common/money.py) counts any currency in CLDR's minor unit; these rules
say which of those amounts a card can actually be charged, and are applied wherever an amount
is charged or refunded (quotes, cancellations, part and core returns).
"""

from __future__ import annotations

# Card networks take these three-decimal currencies only in whole tens of their minor unit
# (Stripe: "the last digit must be 0"), so what a buyer is charged in them is counted in tens.
CHARGED_IN_TENS = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


# Where a card's amount is not counted in CLDR's minor unit. Stripe takes ISK (no minor unit in
# CLDR) in hundredths that must end in 00, so an ISK amount here would be charged a hundredth of
# itself; it is not quoted in (the ECB publishes it) until payments convert it. JPY and KRW have
# no minor unit in both, and HUF and TWD two in both, so their amounts go to Stripe as they are.
CARD_UNIT_DIFFERS = frozenset({"ISK"})


def charge_step(currency: str) -> int:
    """The smallest amount of minor units a card can be charged in this currency."""
    return 10 if currency in CHARGED_IN_TENS else 1
