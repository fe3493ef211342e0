"""The rule tables: every row dated and sourced, no overlaps, every destination complete."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date

import pytest

from marketplace import classification
from services.orders.quotes.landed_cost import Tables, allocate, de_minimis_rule, duty_measures, in_force, tariff

TODAY = date(2026, 11, 26)
# The catalog's default HS code per category (services/catalog/data/categories.json).
CATALOG_HS_CODES = {
    "alternator": "851150", "starter": "851140", "turbocharger": "841480", "brake_caliper": "870830",
    "brake_pads": "870830", "headlamp": "851220", "steering_rack": "870894", "power_steering_pump": "841360",
    "ecu": "853710", "transmission": "870840", "engine": "840734", "cylinder_head": "840991",
    "crankshaft": "848310", "flywheel": "848350", "water_pump": "841330", "fuel_injector": "840999",
    "egr_valve": "848180", "ac_compressor": "841430", "shock_absorber": "870880",
    "nev_battery_module": "850760", "nev_drive_motor": "850152", "other": "870899",
}  # fmt: skip


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
            for legs in (tables.shipping_rates, tables.delivery_rates):
                rates = [r for r in in_force(legs, TODAY) if (r.service, r.zone) == (service, dest.zone)]
                assert len(rates) == 1, (dest.country, service)
        for category, hs in CATALOG_HS_CODES.items():
            chosen = tariff.select(tables, dest.territory, hs, category, TODAY)
            assert chosen.mfn is not None and chosen.measures[0] == chosen.mfn, (dest.country, hs)


def test_catalog_default_codes_fit_their_categories() -> None:
    assert set(CATALOG_HS_CODES) == set(classification.headings())
    for category, hs in CATALOG_HS_CODES.items():
        assert classification.fits(category, hs), category


def test_national_lines_are_lines_of_their_subheading_and_priced(tables: Tables) -> None:
    for nl in tables.national_lines:
        assert nl.line.startswith(nl.subheading) and len(nl.line) in (8, 10)
        measures = duty_measures(tables, nl.territory, nl.line, TODAY)
        (mfn,) = [m for m in measures if m.measure == "MFN"]
        # Every mapped line has its own MFN row: the rate is read at the national line.
        assert mfn.hs_prefix == nl.line, (nl.territory, nl.line)


def test_us_duties_stack_section_301_and_232_from_may_2025(tables: Tables) -> None:
    # Brakes are read at their HTSUS line 8708.30.50, the level Proclamation 10908's Annex I names.
    def names(on: date) -> set[str]:
        return {m.measure for m in duty_measures(tables, "US", "87083050", on)}

    ieepa = {"US IEEPA fentanyl (China)", "US IEEPA reciprocal"}
    assert names(date(2025, 5, 2)) == {"MFN", "US Section 301"} | ieepa
    # From 2025-05-03 the Section 232 duty applies and lifts the reciprocal IEEPA duty (EO 14257 sec. 3(b)).
    assert names(date(2025, 5, 3)) == {
        "MFN",
        "US Section 301",
        "US Section 232 auto parts",
        "US IEEPA fentanyl (China)",
    }
    # Origin matters: the Section 301 and IEEPA rows are for China only.
    assert {m.measure for m in duty_measures(tables, "US", "87083050", TODAY, origin="DE")} == {
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
    # Express Z3, main carriage to the airport of destination (the door-to-door tariff was
    # CNY 180 / 230 / 2,000 + 62 per kg; delivery to the door is 20 % of it, so main carriage
    # is 144 / 184 / 1,600 + 49.60 per kg and delivery 36 / 46 / 400 + 12.40 per kg).
    (rate,) = [r for r in tables.shipping_rates if (r.service, r.zone) == ("express", "Z3")]
    assert rate.price_fen(1) == 14_400
    assert rate.price_fen(500) == 14_400
    assert rate.price_fen(501) == 18_400
    assert rate.price_fen(30_000) == 160_000
    assert rate.price_fen(30_001) == 160_000 + 4_960  # every started kilogram
    assert rate.price_fen(32_000) == 160_000 + 2 * 4_960
    (door,) = [r for r in tables.delivery_rates if (r.service, r.zone) == ("express", "Z3")]
    assert [door.price_fen(g) for g in (1, 501, 30_000, 32_000)] == [3_600, 4_600, 40_000, 40_000 + 2 * 1_240]


def test_main_carriage_and_delivery_share_their_bands(tables: Tables) -> None:
    for main in tables.shipping_rates:
        (door,) = [r for r in tables.delivery_rates if (r.service, r.zone) == (main.service, main.zone)]
        assert [up for up, _ in main.bands] == [up for up, _ in door.bands], (main.service, main.zone)
        assert all(fen > 0 for _, fen in main.bands + door.bands)
        for grams in (1, 5_000, 29_999, 100_000, 250_000):
            assert main.price_fen(grams) > door.price_fen(grams) > 0, (main.service, main.zone, grams)


def test_every_service_mode_and_dangerous_goods_rule_is_complete(tables: Tables) -> None:
    # Every mode a service travels by has a rule for every UN number, on every date since 2019.
    modes = {s.mode_to(zone) for s in tables.services.values() for zone in tables.zones}
    assert modes == {"air", "sea", "rail"}
    for on in (date(2019, 1, 1), date(2022, 6, 1), date(2025, 12, 31), date(2026, 1, 1), TODAY):
        for cls in in_force(tables.dg_classifications, on):
            for mode in modes:
                rows = [r for r in in_force(tables.dg_transport, on) if (r.un_number, r.mode) == (cls.un_number, mode)]
                assert len(rows) == 1, (cls.un_number, mode, on)
                assert rows[0].allowed or rows[0].reason
        for term in ("FCA", "FOB", "CIF", "CIP", "DAP", "DDP"):
            assert [r for r in in_force(tables.incoterms, on) if r.incoterm == term and r.offered], (term, on)


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


def test_insurance_cover_follows_the_incoterms_edition(tables: Tables) -> None:
    def cover(term: str, on: date) -> tuple[str, str]:
        (row,) = [t for t in in_force(tables.insurance_terms, on) if t.incoterm == term]
        return row.clauses, str(row.insured_share)

    # Incoterms 2010 CIP A3(b) asked for ICC (C); Incoterms 2020 CIP A5 for ICC (A); both 110 %.
    assert cover("CIP", date(2019, 12, 31)) == ("C", "1.10")
    assert cover("CIP", date(2020, 1, 1)) == ("A", "1.10")
    assert cover("CIF", date(2020, 1, 1)) == ("C", "1.10")
    assert cover("DAP", TODAY) == ("A", "1.00")
    # Every cover a term may ask for has a premium for every service that may carry it.
    for on in (date(2019, 6, 1), TODAY):
        for term in in_force(tables.insurance_terms, on):
            for code, service in tables.services.items():
                modes = {service.mode_to(zone) for zone in tables.zones}
                (rule,) = [r for r in in_force(tables.incoterms, on) if r.incoterm == term.incoterm]
                if not modes & rule.modes:
                    continue
                premiums = [r for r in in_force(tables.insurance, on) if (r.service, r.clauses) == (code, term.clauses)]
                assert len(premiums) == 1, (term.incoterm, code, on)


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
