"""`tongnan markets-rebuild` over the demo data: the catalog's markets per part agree with
certification's /eligibility for every demo part in every market, and a second rebuild changes
nothing. Both decide by marketplace/compliance/markets.py; this shows they read the same facts."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from marketplace.compliance import markets as rules
from marketplace.compliance import registry
from marketplace.roles import Role
from ops.worker import markets
from services.catalog import markets as catalog_markets
from services.catalog.models import Part, table
from services.certification import jobs as certification_jobs
from services.common.clock import travel
from services.common.db import make_engine
from tests.factories import FreshHeaders
from tests.gateway.factories import Stack
from tests.statements import selects_sent

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


def test_a_start_decides_again_only_when_the_rules_the_day_or_the_certificates_have_changed(
    demo_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tongnan up` rebuilds unless decided: at a million parts a rebuild takes minutes, and a
    restart on the same day with the same rules and certificates would change nothing."""
    catalog_engine = make_engine(demo_urls["catalog"])
    certification_engine = make_engine(demo_urls["certification"])
    try:
        markets.rebuild(certification_engine, catalog_engine)
        with selects_sent(catalog_engine) as selects:
            assert markets.rebuild_unless_decided(certification_engine, catalog_engine) is None
        assert not any(" part" in s.split("FROM", 1)[1] for s in selects), "no part is read: " + repr(selects)

        certificates = certification_jobs.reviewed_certificates(certification_engine)
        on = catalog_markets.today()
        with Session(catalog_engine) as session:
            assert catalog_markets.decided_for(session, certificates, on=on)
            assert not catalog_markets.decided_for(session, certificates, on=on + timedelta(days=1))
            suspended = [dict(certificates[0], status="SUSPENDED", reason="audit"), *certificates[1:]]
            assert not catalog_markets.decided_for(session, suspended, on=on)
            assert not catalog_markets.decided_for(session, certificates[1:], on=on)
            with monkeypatch.context() as patch:
                patch.setattr(rules, "fingerprint", lambda: "0" * 64)
                assert not catalog_markets.decided_for(session, certificates, on=on)

        with travel(timedelta(days=1)):
            assert markets.rebuild_unless_decided(certification_engine, catalog_engine) is not None
            assert markets.rebuild_unless_decided(certification_engine, catalog_engine) is None
    finally:
        # The session's other tests read these databases as decided today.
        markets.rebuild(certification_engine, catalog_engine)
        catalog_engine.dispose()
        certification_engine.dispose()


def test_the_rules_fingerprint_follows_the_bundled_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deploy that edits a rule file is a change of the rules, so `tongnan up` decides again."""
    before = rules.fingerprint.__wrapped__()
    assert rules.fingerprint.__wrapped__() == before
    for source in registry.DATA_DIR.glob("*.json"):
        shutil.copy(source, tmp_path / source.name)
    monkeypatch.setattr(registry, "DATA_DIR", tmp_path)
    assert rules.fingerprint.__wrapped__() == before
    edited = json.loads((tmp_path / "market_rules.json").read_text(encoding="utf-8"))
    edited["as_of"] = "2099-01-01"
    (tmp_path / "market_rules.json").write_text(json.dumps(edited), encoding="utf-8")
    assert rules.fingerprint.__wrapped__() != before
