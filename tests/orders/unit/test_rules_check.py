"""`tongnan rules check`: faults injected into a copy of the data files are each named.

Each test copies the three data folders, breaks one thing, and asserts that the check names
that file, that row and that fault, and nothing else that was not already there.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ops.cli import main
from services.orders.landed_cost.check import DATA_DIRS, ROOT, Problem, check, gaps

ORDERS = "services/orders/data"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for folder in DATA_DIRS:
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def _edit(root: Path, rel: str, change: Any) -> None:
    path = root / rel
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _new_problems(root: Path, change_file: str, change: Any) -> list[Problem]:
    before = set(check(root).problems)
    _edit(root, change_file, change)
    return [p for p in check(root).problems if p not in before]


def _row(data: dict[str, Any], **match: str) -> dict[str, Any]:
    return next(r for r in data["rows"] if all(r.get(k) == v for k, v in match.items()))


def test_a_row_without_a_source_is_named(root: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        _row(data, country="JP")["source"] = "  "

    found = _new_problems(root, f"{ORDERS}/import_taxes.json", drop)
    assert [(p.file, p.what) for p in found] == [
        (f"{ORDERS}/import_taxes.json", "no source: every rule row names the instrument it comes from")
    ]
    assert "JP" in found[0].row


def test_inverted_dates_are_named(root: Path) -> None:
    def invert(data: dict[str, Any]) -> None:
        row = _row(data, country="KZ", validFrom="2020-01-01")
        row["validTo"] = "2019-12-31"

    found = _new_problems(root, f"{ORDERS}/import_taxes.json", invert)
    assert any(
        p.file == f"{ORDERS}/import_taxes.json"
        and "KZ" in p.row
        and p.what == ("validTo 2019-12-31 is before validFrom 2020-01-01")
        for p in found
    ), found


def test_a_date_that_is_not_iso_is_named(root: Path) -> None:
    def american(data: dict[str, Any]) -> None:
        _row(data, country="JP")["validFrom"] = "01/01/2020"

    found = _new_problems(root, f"{ORDERS}/import_taxes.json", american)
    assert any("validFrom '01/01/2020' is not an ISO date" in p.what and "JP" in p.row for p in found), found


def test_two_rows_of_one_key_in_force_on_the_same_day_are_named(root: Path) -> None:
    # RU VAT 20 % ends 2025-12-31 and 22 % starts 2026-01-01; end the first a day late.
    def overlap(data: dict[str, Any]) -> None:
        _row(data, country="RU", validFrom="2020-01-01")["validTo"] = "2026-01-01"

    found = _new_problems(root, f"{ORDERS}/import_taxes.json", overlap)
    assert len(found) == 1, found
    assert found[0].file == f"{ORDERS}/import_taxes.json"
    assert "RU" in found[0].row
    assert found[0].what.endswith("same key, both in force from 2026-01-01 to 2026-01-01"), found


def test_a_row_open_since_before_two_later_rows_overlaps_both(root: Path) -> None:
    def open_ended(data: dict[str, Any]) -> None:
        kz = _row(data, country="KZ", validFrom="2020-01-01")
        data["rows"].insert(0, {**kz, "validFrom": "2018-01-01", "validTo": None})

    found = _new_problems(root, f"{ORDERS}/import_taxes.json", open_ended)
    assert sorted(p.what for p in found) == [
        "overlaps row 0 (KZ): same key, both in force from 2020-01-01 to 2025-12-31",
        "overlaps row 0 (KZ): same key, both in force from 2026-01-01 on",
    ], found


def test_rows_that_differ_in_a_field_the_check_does_not_know_are_not_overlaps(root: Path) -> None:
    # A province (Canada's HST) is a key field nobody registered: two CA rows, two provinces.
    def provinces(data: dict[str, Any]) -> None:
        ca = _row(data, country="CA")
        data["rows"].append({**ca, "province": "ON", "rate": "0.13"})
        ca["province"] = "AB"

    assert _new_problems(root, f"{ORDERS}/import_taxes.json", provinces) == []


def test_a_gap_in_a_countrys_import_tax_is_named(root: Path) -> None:
    # KZ VAT: 12 % to 2025-12-31, 16 % from 2026-01-01; start the second a month late.
    def gap(data: dict[str, Any]) -> None:
        _row(data, country="KZ", validFrom="2026-01-01")["validFrom"] = "2026-02-01"

    found = _new_problems(root, f"{ORDERS}/import_taxes.json", gap)
    assert found == [Problem(f"{ORDERS}/import_taxes.json", "KZ", "no import-tax row from 2026-01-01 to 2026-01-31")]


def test_a_category_without_an_mfn_duty_row_is_named(root: Path) -> None:
    # JP MFN rows are by chapter; drop chapter 84 and every 84xx category of JP is uncovered.
    def drop(data: dict[str, Any]) -> None:
        data["rows"] = [r for r in data["rows"] if not (r["territory"] == "JP" and r["hsPrefix"] == "84")]

    found = _new_problems(root, f"{ORDERS}/duty_rates.json", drop)
    assert (
        Problem(f"{ORDERS}/duty_rates.json", "JP", "no JP MFN duty row for turbocharger (HS 841480) from 2020-01-01 on")
        in found
    )
    assert all(p.row == "JP" and "(HS 84" in p.what for p in found), found


def test_a_missing_shipping_rate_is_named(root: Path) -> None:
    def drop(data: dict[str, Any]) -> None:
        data["mainCarriage"] = [
            r for r in data["mainCarriage"] if not (r["service"] == "economy" and r["zone"] == "Z5")
        ]

    found = _new_problems(root, f"{ORDERS}/shipping.json", drop)
    assert {p.row for p in found} == {"BR", "ZA"}  # the zone Z5 destinations
    # No row at all: uncovered from the destination's first day on (2020-01-01, the rows' first validFrom).
    assert all(p.what == "no economy main carriage rate to zone Z5 from 2020-01-01 on" for p in found), found


def test_a_new_file_no_check_names_is_still_read(root: Path) -> None:
    rel = f"{ORDERS}/import_restrictions.json"
    (root / rel).write_text(
        json.dumps(
            {
                "rows": [
                    {"country": "BR", "condition": "used", "validFrom": "2020-01-01", "validTo": None, "source": ""},
                    {"country": "IN", "condition": "used", "validFrom": "2020-13-01", "validTo": None, "source": "x"},
                ]
            }
        ),
        encoding="utf-8",
    )
    found = [p for p in check(root).problems if p.file == rel]
    assert [p.what for p in found] == [
        "no source: every rule row names the instrument it comes from",
        "validFrom '2020-13-01' is not an ISO date (YYYY-MM-DD)",
    ]


def test_a_list_that_names_its_source_once_at_the_top_gives_it_to_its_entries(root: Path) -> None:
    rel = "services/common/compliance/data/sanctions_test_list.json"
    entries = [{"name": "Example Trading LLC", "validFrom": "2024-02-23", "validTo": None}]
    (root / rel).write_text(json.dumps({"source": "Example list of 2024-02-23", "entries": entries}), encoding="utf-8")
    assert [p for p in check(root).problems if p.file == rel] == []
    (root / rel).write_text(json.dumps({"entries": entries}), encoding="utf-8")
    assert [p.what for p in check(root).problems if p.file == rel] == [
        "no source: every rule row names the instrument it comes from"
    ]


def test_market_rules_for_a_country_we_do_not_quote_are_named(root: Path) -> None:
    def add(data: dict[str, Any]) -> None:
        data["markets"][0]["countries"].append("XK")

    found = _new_problems(root, "services/common/compliance/data/market_rules.json", add)
    assert len(found) == 1 and "market rules for XK, which destinations.json does not quote" in found[0].what


def test_a_market_rule_for_a_category_the_catalog_does_not_have_is_named(root: Path) -> None:
    def dead(data: dict[str, Any]) -> None:
        data["markets"][0]["categories"]["flux_capacitor"] = ["ECE_R90", "NO_SUCH_SCHEME"]

    found = _new_problems(root, "services/common/compliance/data/market_rules.json", dead)
    assert sorted(p.what for p in found) == [
        "category 'flux_capacitor' is not in the catalog (categories.json)",
        "scheme 'NO_SUCH_SCHEME' is not in schemes.json",
    ]
    assert all("markets[0]" in p.row for p in found)


def test_gaps() -> None:
    d = date.fromisoformat
    assert gaps([(d("2020-01-01"), date.max)], d("2020-01-01")) == []
    assert gaps([(d("2020-01-01"), d("2020-12-31")), (d("2021-02-01"), date.max)], d("2020-06-01")) == [
        (d("2021-01-01"), d("2021-01-31"))
    ]
    assert gaps([(d("2021-01-01"), d("2021-12-31"))], d("2020-01-01")) == [
        (d("2020-01-01"), d("2020-12-31")),
        (d("2022-01-01"), date.max),
    ]


def test_the_command_prints_one_line_per_problem_and_exits_1(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(root, f"{ORDERS}/insurance.json", lambda data: data["rows"][0].update(source=""))
    assert main(["rules", "check", "--root", str(root)]) == 1
    out = capsys.readouterr().out.splitlines()
    named = f"{ORDERS}/insurance.json: row 0 (A express): no source: every rule row names the instrument it comes from"
    assert named in out
    assert len(out) == len(check(root).problems)


def test_the_real_data_passes() -> None:
    report = check()
    assert report.problems == []
    assert report.countries >= 20


def test_the_orders_data_passes() -> None:
    # The orders service's own tables (duties, taxes, thresholds, fees, shipping ...) have no gap,
    # overlap or missing source: e.g. Germany's 16 % of 2020-07-01 to 2020-12-31, Saudi Arabia's 5 %
    # before 2020-07-01 and Singapore's 7 % before 2023 cover every day a quote may be dated.
    report = check()
    assert [str(p) for p in report.problems if p.file.startswith("services/orders/data/")] == []
