"""Whether parts may be offered in a country: derived from certificates on the day asked."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.certification.factories import ANONYMOUS, INSPECTOR, certify, quality_certified, submit, today
from tests.statements import selects_sent


def eligibility(
    client: TestClient, country: str, parts: list[dict[str, Any]], on: date | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"country": country, "parts": parts}
    if on is not None:
        body["date"] = on.isoformat()
    response = client.post("/eligibility", json=body, headers=ANONYMOUS)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def part(supplier_id: uuid.UUID, category: str = "brake_pads", **extra: Any) -> dict[str, Any]:
    return {"part_id": str(uuid.uuid4()), "supplier_id": str(supplier_id), "category": category, **extra}


def one(result: dict[str, Any]) -> dict[str, Any]:
    assert len(result["results"]) == 1
    only: dict[str, Any] = result["results"][0]
    return only


def test_without_certificates_a_part_is_ineligible_and_the_missing_schemes_are_named(client: TestClient) -> None:
    result = eligibility(client, "de", [part(uuid.uuid4())])
    assert result["country"] == "DE" and result["market"] == "EEA"
    row = one(result)
    assert row["eligible"] is False
    assert row["missing_schemes"] == ["ISO_9001", "ECE_R90"]


def test_valid_certificates_make_a_part_eligible_and_only_where_they_count(client: TestClient) -> None:
    supplier_id = uuid.uuid4()
    quality_certified(client, supplier_id)
    certify(client, supplier_id, scheme="ECE_R90", categories=["brake_pads"])
    pads = part(supplier_id)
    assert one(eligibility(client, "FR", [pads]))["eligible"] is True
    us = one(eligibility(client, "US", [pads]))
    assert us["eligible"] is False and us["missing_schemes"] == ["FMVSS_135"]
    # Another supplier's certificates count for nothing.
    assert one(eligibility(client, "FR", [part(uuid.uuid4())]))["eligible"] is False
    # A category the rules leave alone needs only the supplier-level scheme.
    assert one(eligibility(client, "FR", [part(supplier_id, "flywheel")]))["eligible"] is True


def test_a_certificate_expires_on_the_day_after_valid_until_without_any_job(client: TestClient) -> None:
    supplier_id = uuid.uuid4()
    quality_certified(client, supplier_id)
    last_day = today() + timedelta(days=20)
    r90 = certify(client, supplier_id, valid_until=last_day)
    pads = part(supplier_id)

    on_last_day = one(eligibility(client, "DE", [pads], on=last_day))
    assert on_last_day["eligible"] is True
    assert [c["id"] for c in on_last_day["expiring_soon"]] == [r90["id"]]

    day_after = one(eligibility(client, "DE", [pads], on=last_day + timedelta(days=1)))
    assert day_after["eligible"] is False
    assert day_after["missing_schemes"] == ["ECE_R90"]

    # The stored record was never touched: the status is derived when read.
    assert client.get(f"/certificates/{r90['id']}", headers=INSPECTOR).json()["status"] == "VALID"


def test_expired_status_is_derived_from_the_date(client: TestClient) -> None:
    from services.certification.models import Certificate
    from services.certification.service import effective_status

    certificate = Certificate(
        scheme="ISO_9001",
        number="Q-1",
        issuing_body="SGS",
        holder_id=uuid.uuid4(),
        holder_name="x",
        valid_from=date(2025, 1, 1),
        valid_until=date(2026, 6, 30),
        status="VALID",
        submitted_by="t",
    )
    assert effective_status(certificate, date(2026, 6, 30)) == "VALID"
    assert effective_status(certificate, date(2026, 7, 1)) == "EXPIRED"
    certificate.status = "REVOKED"
    assert effective_status(certificate, date(2026, 7, 1)) == "REVOKED"


def test_revocation_makes_a_part_ineligible_at_once(client: TestClient) -> None:
    supplier_id = uuid.uuid4()
    quality_certified(client, supplier_id)
    r90 = certify(client, supplier_id)
    pads = part(supplier_id)
    assert one(eligibility(client, "NL", [pads]))["eligible"] is True
    revoked = client.post(f"/certificates/{r90['id']}/revoke", json={"reason": "fraud"}, headers=INSPECTOR)
    assert revoked.status_code == 200
    after = one(eligibility(client, "NL", [pads]))
    assert after["eligible"] is False and after["missing_schemes"] == ["ECE_R90"]


def test_suspension_and_pending_review_do_not_count(client: TestClient) -> None:
    supplier_id = uuid.uuid4()
    quality_certified(client, supplier_id)
    r90 = certify(client, supplier_id)
    client.post(f"/certificates/{r90['id']}/suspend", json={"reason": "COP audit"}, headers=INSPECTOR)
    submit(client, supplier_id)  # a second R90 still awaiting review
    assert one(eligibility(client, "NL", [part(supplier_id)]))["missing_schemes"] == ["ECE_R90"]


def test_scope_by_part_id_and_by_oem_number(client: TestClient) -> None:
    supplier_id = uuid.uuid4()
    quality_certified(client, supplier_id)
    listed = part(supplier_id, "headlamp")
    certify(client, supplier_id, scheme="ECE_R149", part_ids=[uuid.UUID(listed["part_id"])])
    certify(client, supplier_id, scheme="FMVSS_108", categories=["headlamp"], oem_numbers=["81150-0K010"])

    # R149 satisfies the EEA's R112 requirement, for the listed part only.
    assert one(eligibility(client, "DE", [listed]))["eligible"] is True
    assert one(eligibility(client, "DE", [part(supplier_id, "headlamp")]))["missing_schemes"] == ["ECE_R112"]

    matching = part(supplier_id, "headlamp", oem_numbers=["811500K010"])
    other_oem = part(supplier_id, "headlamp", oem_numbers=["81150-0K020"])
    no_oem = part(supplier_id, "headlamp")
    rows = eligibility(client, "US", [matching, other_oem, no_oem])["results"]
    assert [r["eligible"] for r in rows] == [True, False, False]


def test_iatf_16949_satisfies_iso_9001(client: TestClient) -> None:
    supplier_id = uuid.uuid4()
    certify(client, supplier_id, scheme="IATF_16949", categories=[])
    row = one(eligibility(client, "DE", [part(supplier_id, "steering_rack")]))
    assert row["eligible"] is True
    assert len(row["certificate_ids"]) == 1  # one certificate meets both requirements


def test_a_page_of_100_parts_is_answered_in_one_request_with_a_fixed_number_of_queries(
    client: TestClient, engine: Engine
) -> None:
    suppliers = [uuid.uuid4() for _ in range(5)]
    for index, supplier_id in enumerate(suppliers):
        if index != 4:  # the last supplier holds no ISO 9001
            quality_certified(client, supplier_id)
        if index % 2 == 0:
            certify(client, supplier_id, scheme="ECE_R90", categories=["brake_pads"])
    categories = ["brake_pads", "brake_disc", "alternator", "headlamp"]
    parts = [part(suppliers[i % 5], categories[i % 4]) for i in range(100)]

    statements: list[str] = []
    app_engine: Engine = client.app.state.engine  # type: ignore[attr-defined]

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(app_engine, "before_cursor_execute", count)
    try:
        result = eligibility(client, "ES", parts)
    finally:
        event.remove(app_engine, "before_cursor_execute", count)

    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert 1 <= len(selects) <= 2, selects  # certificates, then their part scopes
    rows = result["results"]
    assert [r["part_id"] for r in rows] == [p["part_id"] for p in parts]

    def expected(i: int) -> bool:
        supplier_index, category = i % 5, categories[i % 4]
        if supplier_index == 4:
            return False
        if category == "brake_pads":
            return supplier_index % 2 == 0
        # brake_disc is no catalog category: no market rule names it any more, so ISO 9001 is enough.
        return category != "headlamp"

    assert [r["eligible"] for r in rows] == [expected(i) for i in range(100)]
    assert 0 < sum(r["eligible"] for r in rows) < 100


GOOD_PART = {"part_id": str(uuid.uuid4()), "supplier_id": str(uuid.uuid4()), "category": "engine"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"country": "XX", "parts": [GOOD_PART]}, "country"),
        ({"country": "DEU1", "parts": [GOOD_PART]}, "country"),
        ({"country": "DE", "parts": []}, "parts"),
        ({"country": "DE", "parts": [GOOD_PART | {"part_id": "nope"}]}, "parts.0.part_id"),
        ({"country": "DE", "parts": [GOOD_PART, GOOD_PART | {"category": "Brake Pads!"}]}, "parts.1.category"),
        ({"country": "DE", "date": "2026-13-01", "parts": [GOOD_PART]}, "date"),
    ],
)
def test_bad_eligibility_requests_name_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    response = client.post("/eligibility", json=body, headers=ANONYMOUS)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_more_than_100_parts_are_refused(client: TestClient) -> None:
    parts = [part(uuid.uuid4()) for _ in range(101)]
    response = client.post("/eligibility", json={"country": "DE", "parts": parts}, headers=ANONYMOUS)
    assert response.status_code == 422
    assert response.json()["field"] == "parts"


def test_the_certificates_covering_each_part_of_a_page(client: TestClient) -> None:
    supplier_id = uuid.uuid4()
    iso = quality_certified(client, supplier_id)
    pads = part(supplier_id)
    other_pads = part(supplier_id)
    r90 = certify(client, supplier_id, part_ids=[uuid.UUID(pads["part_id"])], categories=[])
    revoked = certify(client, supplier_id, part_ids=[uuid.UUID(pads["part_id"])], categories=[])
    client.post(f"/certificates/{revoked['id']}/revoke", json={"reason": "withdrawn"}, headers=INSPECTOR)
    submit(client, supplier_id, part_ids=[uuid.UUID(pads["part_id"])], categories=[])  # pending: not shown
    stranger = part(uuid.uuid4())

    response = client.post("/certificates/applicable", json={"parts": [pads, other_pads, stranger]}, headers=ANONYMOUS)
    assert response.status_code == 200, response.text
    rows = response.json()["results"]
    assert [r["part_id"] for r in rows] == [pads["part_id"], other_pads["part_id"], stranger["part_id"]]
    assert {c["id"] for c in rows[0]["certificates"]} == {iso["id"], r90["id"]}
    assert {c["id"] for c in rows[1]["certificates"]} == {iso["id"]}
    assert rows[2]["certificates"] == []

    with_revoked = client.post(
        "/certificates/applicable", json={"parts": [pads], "include_revoked": True}, headers=ANONYMOUS
    ).json()["results"][0]["certificates"]
    assert {c["id"]: c["status"] for c in with_revoked}[revoked["id"]] == "REVOKED"


def test_the_certificates_of_a_page_of_20_parts_cost_the_queries_of_one_part(client: TestClient) -> None:
    suppliers = [uuid.uuid4() for _ in range(3)]
    iso = [quality_certified(client, supplier_id)["id"] for supplier_id in suppliers]
    pads = [part(suppliers[i % 3]) for i in range(20)]
    # Scoped to the first six parts, of which only the first supplier's (0 and 3) are its holder's.
    scoped = certify(client, suppliers[0], part_ids=[uuid.UUID(p["part_id"]) for p in pads[:6]], categories=[])
    by_category = certify(client, suppliers[1], categories=["brake_pads"])
    app_engine: Engine = client.app.state.engine  # type: ignore[attr-defined]

    with selects_sent(app_engine) as one_part:
        single = client.post("/certificates/applicable", json={"parts": pads[:1]}, headers=ANONYMOUS)
    with selects_sent(app_engine) as page:
        response = client.post("/certificates/applicable", json={"parts": pads}, headers=ANONYMOUS)
    assert single.status_code == response.status_code == 200, response.text
    assert len(page) == len(one_part) <= 2, page  # certificates, then their part scopes

    def expected(i: int) -> set[str]:
        ids = {iso[i % 3]}
        if i in (0, 3):
            ids.add(scoped["id"])
        if i % 3 == 1:
            ids.add(by_category["id"])
        return ids

    rows = response.json()["results"]
    assert [r["part_id"] for r in rows] == [p["part_id"] for p in pads]
    assert [{c["id"] for c in r["certificates"]} for r in rows] == [expected(i) for i in range(20)]
    scope = next(c for c in rows[0]["certificates"] if c["id"] == scoped["id"])["scope"]
    assert sorted(scope["part_ids"]) == sorted(p["part_id"] for p in pads[:6])


def test_a_scope_decides_for_the_parts_asked_and_a_certificate_expiring_soon_shows_its_whole_scope(
    client: TestClient,
) -> None:
    supplier_id = uuid.uuid4()
    quality_certified(client, supplier_id)
    pads = [part(supplier_id) for _ in range(4)]
    ids = [uuid.UUID(p["part_id"]) for p in pads]
    lasting = certify(client, supplier_id, part_ids=ids[:2], categories=[])
    soon = certify(client, supplier_id, part_ids=ids[2:], categories=[], valid_until=today() + timedelta(days=10))

    first, third = eligibility(client, "DE", [pads[0], pads[2]])["results"]
    assert first["eligible"] is True and first["expiring_soon"] == []
    assert lasting["id"] in first["certificate_ids"] and soon["id"] not in first["certificate_ids"]
    assert third["eligible"] is True and soon["id"] in third["certificate_ids"]
    [expiring] = third["expiring_soon"]
    assert expiring["id"] == soon["id"]
    assert sorted(expiring["scope"]["part_ids"]) == sorted(str(i) for i in ids[2:])  # the fourth was not asked about
    # A part of neither scope is missing the approval.
    assert eligibility(client, "DE", [part(supplier_id)])["results"][0]["missing_schemes"] == ["ECE_R90"]
