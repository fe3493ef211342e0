"""The rule tables: every row dated and sourced, no overlaps, every destination complete."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date

import pytest

from services.orders.landed_cost import Tables, allocate, de_minimis_rule, duty_measures, in_force

TODAY = date(2026, 11, 26)
# The catalog's default HS code per category (services/catalog/data/categories.json).
CATALOG_HS_CODES = [
    "851150", "851140", "841480", "870830", "851220", "870894", "841360", "853710", "870840", "840734",
    "840991", "848310", "848350", "841330", "840999", "848180", "841430", "870880", "850760", "850152",
    "870899",
]  # fmt: skip


@pytest.fixture(scope="module")
def tables() -> Tables:
    return Tables.load()


def test_rows_of_one_key_never_overlap(tables: Tables) -> None:
    by_key = defaultdict(list)
    for table, key, dated in tables.all_dated():
        assert dated.source.strip(), (table, key)
        by_key[(table, key)].append(dated)
    for key, spans in by_key.items():
        spans.sort(key=lambda d: d.valid_from)
        for earlier, later in itertools.pairwise(spans):
            assert earlier.valid_to is not None and earlier.valid_to < later.valid_from, key


def test_at_least_twenty_destinations_each_complete_today(tables: Tables) -> None:
    destinations = in_force(tables.destinations, TODAY)
    assert len(destinations) >= 20
    for dest in destinations:
        assert dest.zone in tables.zones
        assert [t for t in in_force(tables.taxes, TODAY) if t.country == dest.country], dest.country
        for service in tables.services:
            rates = [r for r in in_force(tables.shipping_rates, TODAY) if (r.service, r.zone) == (service, dest.zone)]
            assert len(rates) == 1, (dest.country, service)
        for hs in CATALOG_HS_CODES:
            measures = duty_measures(tables, dest.territory, hs, TODAY)
            assert [m for m in measures if m.measure == "MFN"], (dest.country, hs)


def test_us_duties_stack_section_301_and_232_from_may_2025(tables: Tables) -> None:
    def names(on: date) -> set[str]:
        return {m.measure for m in duty_measures(tables, "US", "870830", on)}

    assert names(date(2025, 5, 2)) == {"MFN", "US Section 301"}
    assert names(date(2025, 5, 3)) == {"MFN", "US Section 301", "US Section 232 auto parts"}
    # Origin matters: the Section 301 rows are for China only.
    assert {m.measure for m in duty_measures(tables, "US", "870830", TODAY, origin="DE")} == {
        "MFN",
        "US Section 232 auto parts",
    }


def test_ev_battery_section_301_rate_changes_on_its_date(tables: Tables) -> None:
    def s301(on: date) -> str:
        (row,) = [m for m in duty_measures(tables, "US", "8507600010", on) if m.measure == "US Section 301"]
        return str(row.rate)

    assert s301(date(2024, 9, 26)) == "0.075"
    assert s301(date(2024, 9, 27)) == "0.25"


def test_de_minimis_rows_follow_their_dates(tables: Tables) -> None:
    (us,) = [d for d in tables.destinations if d.country == "US"]
    (de,) = [d for d in tables.destinations if d.country == "DE"]
    assert de_minimis_rule(tables, us, date(2025, 5, 1)).duty_mode == "exempt"  # type: ignore[union-attr]
    assert de_minimis_rule(tables, us, date(2025, 5, 2)).duty_mode == "none"  # type: ignore[union-attr]
    other_origin = de_minimis_rule(tables, us, date(2025, 8, 28), origin="DE")
    assert other_origin is not None and other_origin.duty_mode == "exempt"
    assert de_minimis_rule(tables, us, date(2025, 8, 29), origin="DE").duty_mode == "none"  # type: ignore[union-attr]
    assert de_minimis_rule(tables, de, date(2026, 6, 30)).duty_mode == "exempt"  # type: ignore[union-attr]
    assert de_minimis_rule(tables, de, date(2026, 7, 1)).duty_mode == "flat_per_tariff_line"  # type: ignore[union-attr]


def test_weight_bands_and_per_kg_above(tables: Tables) -> None:
    (rate,) = [r for r in tables.shipping_rates if (r.service, r.zone) == ("express", "Z3")]
    assert rate.price_fen(1) == 18_000
    assert rate.price_fen(500) == 18_000
    assert rate.price_fen(501) == 23_000
    assert rate.price_fen(30_000) == 200_000
    assert rate.price_fen(30_001) == 200_000 + 6_200  # every started kilogram
    assert rate.price_fen(32_000) == 200_000 + 2 * 6_200


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (10_625, [6_000, 3_000], [7_083, 3_542]),
        (5, [0, 0], [3, 2]),
        (0, [3, 4], [0, 0]),
        (7, [1, 0, 2], [2, 0, 5]),
        (1, [5], [1]),
    ],
)
def test_largest_remainder_allocation(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected
    assert sum(allocate(total, weights)) == total


def test_allocation_always_sums_exactly() -> None:
    for total in range(0, 500, 7):
        for weights in ([1, 2, 3], [999, 1], [7, 7, 7, 7, 7, 7], [1_000_000, 3, 0]):
            assert sum(allocate(total, weights)) == total
    with pytest.raises(ValueError):
        allocate(-1, [1])


def test_fees_follow_each_other_without_gaps_and_regions_are_subdivisions(tables: Tables) -> None:
    import pycountry

    by_fee = defaultdict(list)
    for fee in tables.customs_fees:
        by_fee[fee.fee].append(fee.dated)
    for name, spans in by_fee.items():
        spans.sort(key=lambda d: d.valid_from)
        for earlier, later in itertools.pairwise(spans):
            assert earlier.valid_to is not None and (later.valid_from - earlier.valid_to).days == 1, name
    # The US MPF: one row per fiscal year (1 October - 30 September) since FY2020.
    assert [d.valid_from for d in sorted(by_fee["US MPF"], key=lambda d: d.valid_from)] == [
        date(year, 10, 1) for year in range(2019, 2026)
    ]
    for tax in tables.taxes:
        if tax.region is not None:
            sub = pycountry.subdivisions.get(code=tax.region)
            assert sub is not None and sub.country_code == tax.country, tax.region
    # Every point-of-sale regime's country has a standard rate to collect (where we quote it).
    quotable = {d.country for d in tables.destinations}
    for row in tables.point_of_sale:
        if row.country in quotable:
            assert [t for t in tables.taxes if t.country == row.country and t.region is None], row.country
