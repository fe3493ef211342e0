"""Landed cost: duty, import tax, shipping, insurance and Incoterms, from dated rule tables.

Pure domain code (no FastAPI, no database). See `quote` for the rules and the rounding.
"""

from services.orders.quotes.landed_cost import tariff
from services.orders.quotes.landed_cost.allocation import allocate
from services.orders.quotes.landed_cost.quote import (
    INCOTERMS,
    Amounts,
    DangerousGoodsLine,
    DangerousGoodsRefused,
    DestinationNotServed,
    DutyMeasure,
    IncotermNotForMode,
    IncotermNotOffered,
    LandedCost,
    LineQuote,
    NoTariffRule,
    QuoteLineInput,
    QuoteRequest,
    RateUnavailable,
    RulesNotInForce,
    RuleUse,
    de_minimis_rule,
    quote_landed_cost,
)
from services.orders.quotes.landed_cost.tables import TableError, Tables, in_force
from services.orders.quotes.landed_cost.tariff import duty_measures

__all__ = [
    "INCOTERMS",
    "Amounts",
    "DangerousGoodsLine",
    "DangerousGoodsRefused",
    "DestinationNotServed",
    "DutyMeasure",
    "IncotermNotForMode",
    "IncotermNotOffered",
    "LandedCost",
    "LineQuote",
    "NoTariffRule",
    "QuoteLineInput",
    "QuoteRequest",
    "RateUnavailable",
    "RuleUse",
    "RulesNotInForce",
    "TableError",
    "Tables",
    "allocate",
    "de_minimis_rule",
    "duty_measures",
    "in_force",
    "quote_landed_cost",
    "tariff",
]
