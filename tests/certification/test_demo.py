"""The demo certificates: loaded once, and a realistic mix of eligible and ineligible parts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from seed import certification as demo
from seed.catalog import demo_catalog
from services.certification.models import Certificate
from tests.certification.factories import ANONYMOUS


def test_demo_certificates_load_once_and_make_a_realistic_mix(
    client: TestClient, engine: Engine, tmp_path: Path
) -> None:
    summary = demo.load_if_empty(engine, document_dir=tmp_path / "demo-documents")
    assert summary is not None and summary.startswith("loaded ") and summary.endswith(" certificates")
    assert demo.load_if_empty(engine, document_dir=tmp_path / "demo-documents") is None

    with Session(engine) as session:
        certificates = list(session.exec(select(Certificate)))
    statuses = Counter(c.status for c in certificates)
    assert statuses["REVOKED"] == 1 and statuses["PENDING_REVIEW"] == 1
    assert statuses["VALID"] >= 30
    assert all(c.document_sha256 for c in certificates)
    assert len(list((tmp_path / "demo-documents").rglob("*.pdf"))) == len(certificates)

    catalog = demo_catalog()
    parts = [
        {"part_id": str(p.id), "supplier_id": str(p.supplier_id), "category": p.category, "oem_numbers": p.oem_numbers}
        for p in catalog.parts
    ]
    eligible: dict[str, int] = {}
    expiring = 0
    # Russia is a restricted destination since 2022-03-05: refused as a whole, naming the field.
    refused = client.post("/eligibility", json={"country": "RU", "parts": parts[:1]}, headers=ANONYMOUS)
    assert refused.status_code == 422 and refused.json()["code"] == "DESTINATION_RESTRICTED"
    assert refused.json()["field"] == "country"
    for country in ("DE", "US", "KZ", "SA", "JP"):
        count = 0
        for start in range(0, len(parts), 100):
            response = client.post(
                "/eligibility", json={"country": country, "parts": parts[start : start + 100]}, headers=ANONYMOUS
            )
            assert response.status_code == 200, response.text
            rows = response.json()["results"]
            count += sum(r["eligible"] for r in rows)
            expiring += sum(len(r["expiring_soon"]) for r in rows)
        eligible[country] = count
    for country, count in eligible.items():
        assert 0 < count < len(parts), (country, count)
    assert len(set(eligible.values())) > 1  # the markets differ
    assert expiring > 0

    revoked = next(c for c in certificates if c.status == "REVOKED")
    verified = client.get("/verify", params={"scheme": revoked.scheme, "number": revoked.number}, headers=ANONYMOUS)
    assert verified.json()["status"] == "REVOKED"
