"""The trade-rule tables, held together: at least 60 cases over at least 20 countries, every
case with its source and date, dates in the past included, and every topic the rules cover."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date

from tests.orders.trade_rules import tables
from tests.orders.trade_rules.cases import NOW, TradeCase


def all_cases() -> list[TradeCase]:
    cases: list[TradeCase] = []
    for module in pkgutil.iter_modules(tables.__path__):
        cases += importlib.import_module(f"{tables.__name__}.{module.name}").CASES
    return cases


def test_the_tables_hold_sixty_cases_over_twenty_countries() -> None:
    cases = all_cases()
    assert len(cases) >= 60, len(cases)
    assert len({case.country for case in cases}) >= 20, sorted({case.country for case in cases})


def test_every_case_cites_its_source_and_date() -> None:
    for case in all_cases():
        assert len(case.source.strip()) >= 10, case.id
        assert isinstance(case.on, date), case.id
    ids = [case.id for case in all_cases()]
    assert len(ids) == len(set(ids)), "case ids are unique"


def test_every_topic_of_the_rules_has_its_table() -> None:
    # Legality refusals, point-of-sale regimes, national lines and preferences (tariff),
    # thresholds and the core deposit (valuation), the Incoterms' differences, dangerous goods,
    # dated rules and sanctions screening.
    topics = {case.topic for case in all_cases()}
    assert {
        "legality",
        "point_of_sale",
        "tariff",
        "valuation",
        "incoterms",
        "dangerous_goods",
        "dated rules",
        "screening",
    } <= topics, topics


def test_past_dates_are_covered() -> None:
    assert any(case.on < date(2025, 6, 1) for case in all_cases())
    assert any(case.on >= NOW.date().replace(day=1) for case in all_cases())
