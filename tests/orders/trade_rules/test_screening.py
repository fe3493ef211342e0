"""The screening table: each case's consignee names screened as placeOrder screens them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.orders.contract.statuses import ScreeningStatus
from services.orders.screening import holds
from tests.orders.trade_rules.tables.screening import CASES, ScreeningCase


@pytest.mark.parametrize("case", CASES, ids=str)
def test_screening(case: ScreeningCase) -> None:
    at = datetime(case.on.year, case.on.month, case.on.day, 9, 0, tzinfo=UTC)
    address = {"name": case.name, "company_name": case.company, "country_code": case.country}
    status, record = holds.screening_of(holds.parties(address), on=case.on, at=at)
    assert status == (ScreeningStatus.HELD if case.held else ScreeningStatus.CLEAR), record["matches"]
    if case.held:
        best = record["matches"][0]
        assert (best["list"], best["reference"]) == ("un", case.reference)
        assert best["score"] == pytest.approx(case.score, abs=0.05)
        assert best["list_published"] == "2026-12-04"
    else:
        assert record["matches"] == []
    assert record["lists"][0]["url"] == "https://scsanctions.un.org/resources/xml/en/consolidated.xml"


def test_the_table_covers_ten_cases_over_five_countries() -> None:
    assert len(CASES) >= 10 and len({c.country for c in CASES}) >= 5
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.source and "2026-12-04" in c.source for c in CASES)
