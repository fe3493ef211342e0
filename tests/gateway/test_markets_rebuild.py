"""`tongnan markets-rebuild` over the demo data: the catalog's markets per part agree with
certification's /eligibility for every demo part in every market, and a second rebuild changes
nothing. Both decide by marketplace/compliance/markets.py; this shows they read the same facts."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.roles import Role
from ops.worker import markets
from services.catalog.models import Part, table
from services.common.db import make_engine
from tests.factories import FreshHeaders
from tests.gateway.factories import Stack

SYSTEM = FreshHeaders(Role.SYSTEM, "orders-service")
# One country of each kind of market: EEA, GB, US, JP, GCC, EAEU, and Mexico (ISO 9001 only).
COUNTRIES = ("DE", "GB", "US", "JP", "AE", "KZ", "MX")
# Countries that restrict non-new parts (import_restrictions.json): both sides refuse the same parts.
RESTRICTING = ("BR", "SA", "ZA")
# Russia is restricted (since 2022-03-05), China has no market rules: nothing is sellable there.
REFUSED = {"RU": "DESTINATION_RESTRICTED", "CN": "DESTINATION_NOT_SERVED"}


def test_the_read_model_agrees_with_eligibility_and_a_second_rebuild_changes_nothing(
    stack: Stack, demo_urls: dict[str, str]
) -> None:
    catalog_engine = make_engine(demo_urls["catalog"])
    certification_engine = make_engine(demo_urls["certification"])
    try:
        # Other tests of the session may have changed demo certificates without a worker running.
        markets.rebuild(certification_engine, catalog_engine)
        assert markets.rebuild(certification_engine, catalog_engine) == 0
        P = table(Part)
        with catalog_engine.connect() as connection:
            parts = connection.execute(
                select(P.c.id, P.c.supplier_id, P.c.category, P.c.oem_numbers, P.c.condition)
            ).all()
    finally:
        catalog_engine.dispose()
        certification_engine.dispose()
    assert len(parts) > 200
    refs = [
        {
            "part_id": str(p.id),
            "supplier_id": str(p.supplier_id),
            "category": p.category,
            "oem_numbers": p.oem_numbers,
            "condition": p.condition,
        }
        for p in parts
    ]
    for country, code in REFUSED.items():
        response = stack.certification.post(
            "/eligibility", json={"country": country, "parts": refs[:5]}, headers=SYSTEM
        )
        assert response.status_code == 422 and response.json()["code"] == code, response.text
        ids = [r["part_id"] for r in refs[:5]]
        response = stack.catalog.post("/parts/markets", json={"country": country, "part_ids": ids}, headers=SYSTEM)
        assert response.status_code == 200, response.text
        assert all(not r["eligible"] and r["reasons"][0]["code"] == code for r in response.json()["parts"])
    for country in COUNTRIES + RESTRICTING:
        expected: dict[str, bool] = {}
        for start in range(0, len(refs), 100):
            response = stack.certification.post(
                "/eligibility", json={"country": country, "parts": refs[start : start + 100]}, headers=SYSTEM
            )
            assert response.status_code == 200, response.text
            expected |= {r["part_id"]: r["eligible"] for r in response.json()["results"]}
        seen: dict[str, bool] = {}
        for start in range(0, len(refs), 200):
            ids = [r["part_id"] for r in refs[start : start + 200]]
            response = stack.catalog.post("/parts/markets", json={"country": country, "part_ids": ids}, headers=SYSTEM)
            assert response.status_code == 200, response.text
            seen |= {r["part_id"]: r["eligible"] for r in response.json()["parts"]}
        assert seen == expected, country
        if country in COUNTRIES:
            assert any(expected.values()) and not all(expected.values()), f"demo data should mix in {country}"
