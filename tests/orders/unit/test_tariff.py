"""How a line's duty rows are chosen: national line, origin, preferences, exclusions (pure)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace import classification
from marketplace.compliance import registry
from services.orders.quotes.landed_cost import TableError, Tables, tariff
from services.orders.quotes.landed_cost.tables import DATA_DIR

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def tables() -> Tables:
    return Tables.load()


def rates(chosen: tariff.DutySelection) -> dict[str, Decimal]:
    return {m.measure: m.rate for m in chosen.measures}


def test_a_chinese_10_digit_code_is_read_at_6_digits_and_mapped_to_the_aftermarket_line(tables: Tables) -> None:
    # 8708 30 99 90 is China's own line; the EU reads brake pads at CN 8708 30 91 (4.5 %), never
    # 8708 30 10 (industrial assembly, 3 %), whatever the longer digits say.
    chosen = tariff.select(tables, "EU", "8708309990", "brake_pads", TODAY)
    assert chosen.line == "87083091"
    assert chosen.national is not None and chosen.national.subheading == "870830"
    assert rates(chosen) == {"MFN": Decimal("0.045")}
    industrial = tariff.duty_measures(tables, "EU", "87083010", TODAY)
    assert [m.rate for m in industrial] == [Decimal("0.03")]


def test_a_category_line_beats_the_subheading_line_and_unmapped_codes_stay_at_6_digits(tables: Tables) -> None:
    battery = tariff.select(tables, "US", "850760", "nev_battery_module", TODAY)
    assert battery.line == "8507600010"
    assert tariff.select(tables, "US", "841330", "water_pump", TODAY).line == "841330"
    assert tariff.select(tables, "JP", "851150", "alternator", TODAY).line == "851150"


def test_the_lowest_preference_the_part_holds_replaces_mfn(tables: Tables) -> None:
    def au(*schemes: str, on: date = TODAY) -> dict[str, Decimal]:
        return rates(tariff.select(tables, "AU", "851150", "alternator", on, schemes=schemes))

    assert au() == {"MFN": Decimal("0.05")}
    assert au("CO_RCEP") == {"RCEP": Decimal("0")}
    # Both free: the tie goes to the agreement named first (ChAFTA < RCEP), only one is applied.
    assert au("CO_RCEP", "CO_CHAFTA") == {"ChAFTA": Decimal("0")}
    # A certificate of an agreement with no row for this destination changes nothing.
    assert au("CO_CKFTA") == {"MFN": Decimal("0.05")}
    # RCEP entered into force for Australia and China on 2022-01-01.
    assert au("CO_RCEP", on=date(2021, 12, 31)) == {"MFN": Decimal("0.05")}


def test_preferences_need_cn_origin_and_are_not_claimed_when_no_lower(tables: Tables) -> None:
    german = tariff.select(tables, "TH", "870840", "transmission", TODAY, origin="DE", schemes=("CO_ACFTA",))
    assert rates(german) == {"MFN": Decimal("0.30")} and german.preference is None
    chinese = tariff.select(tables, "TH", "870840", "transmission", TODAY, schemes=("CO_ACFTA",))
    assert rates(chinese) == {"ACFTA": Decimal("0.05")}
    assert chinese.preference is not None and chinese.preference.scheme == "CO_ACFTA"
    assert chinese.mfn is not None and chinese.mfn.rate == Decimal("0.30")
    japan = tariff.select(tables, "JP", "851150", "alternator", TODAY, schemes=("CO_RCEP",))
    assert rates(japan) == {"MFN": Decimal("0")} and japan.preference is None


def test_the_reciprocal_duty_is_lifted_where_section_232_applies(tables: Tables) -> None:
    alternator = rates(tariff.select(tables, "US", "851150", "alternator", TODAY))
    assert "US Section 232 auto parts" in alternator and "US IEEPA reciprocal" not in alternator
    valve = rates(tariff.select(tables, "US", "848180", "egr_valve", TODAY))
    assert valve["US IEEPA reciprocal"] == Decimal("0.10") and "US Section 232 auto parts" not in valve


def test_us_lithium_batteries_follow_lists_4a_and_the_2024_review(tables: Tables) -> None:
    def s301(code: str, on: date) -> Decimal:
        (row,) = [m for m in tariff.duty_measures(tables, "US", code, on) if m.measure == "US Section 301"]
        return row.rate

    assert s301("850760", date(2019, 6, 1)) == Decimal("0")  # not on lists 1-3
    assert s301("850760", date(2019, 9, 1)) == Decimal("0.15")
    assert s301("850760", date(2020, 2, 14)) == Decimal("0.075")
    assert s301("8507600010", date(2024, 9, 27)) == Decimal("0.25")  # EV batteries
    assert s301("8507600020", date(2025, 12, 31)) == Decimal("0.075")  # other lithium-ion
    assert s301("8507600020", date(2026, 1, 1)) == Decimal("0.25")


def test_every_preferential_row_names_a_known_origin_scheme_and_one_origin(tables: Tables) -> None:
    origin = {code for code, s in registry.schemes().items() if s.origin_agreement is not None}
    assert origin == {"CO_RCEP", "CO_CHAFTA", "CO_CKFTA", "CO_NZCFTA", "CO_ACFTA"}
    preferential = [r for r in tables.duty_rates if r.scheme is not None]
    assert {r.scheme for r in preferential} <= origin
    assert all(r.origin == "CN" for r in preferential)
    assert {r.territory for r in preferential} >= {"AU", "NZ", "KR", "MY", "TH", "VN"}


def test_every_category_default_code_has_an_mfn_row_through_its_national_line(tables: Tables) -> None:
    raw = json.loads(classification.CATEGORIES_FILE.read_text(encoding="utf-8"))
    for dest in tables.destinations:
        for category, facts in raw["categories"].items():
            hs = facts["hs_code"]
            assert tariff.select(tables, dest.territory, hs, category, TODAY).has_rule, (dest.country, category)


def test_a_national_line_outside_its_subheading_is_refused_at_load(tmp_path: Path) -> None:
    for name in ("destinations.json", "import_taxes.json", "de_minimis.json", "shipping.json", "insurance.json"):
        (tmp_path / name).write_text((DATA_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    duty = json.loads((DATA_DIR / "duty_rates.json").read_text(encoding="utf-8"))
    duty["nationalLines"][0]["line"] = "85115000"  # not a line of 8708 30
    (tmp_path / "duty_rates.json").write_text(json.dumps(duty), encoding="utf-8")
    with pytest.raises(TableError, match="not a line of"):
        Tables.load(tmp_path)
    duty["nationalLines"][0]["line"] = "87083091"
    duty["rows"].append({**duty["rows"][0], "origin": "*", "scheme": "CO_RCEP"})
    (tmp_path / "duty_rates.json").write_text(json.dumps(duty), encoding="utf-8")
    with pytest.raises(TableError, match="one origin"):
        Tables.load(tmp_path)
