"""A part's HS code must fit its category (data/categories.json `hs_headings`): create, update and
CSV import refuse a code of another heading with HS_CODE_CATEGORY_MISMATCH naming the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.common.clock import utcnow
from tests.catalog.factories import ANONYMOUS, SYSTEM, apply, certificate, create_part, part_body
from tests.factories import as_supplier


def test_create_refuses_a_code_of_another_heading_and_takes_a_national_line(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    # An alternator declared as brake parts (8708 30) would be priced at another heading's duty.
    response = client.post("/parts", json=part_body(hs_code="870830"), headers=as_supplier(supplier["id"]))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["code"], problem["field"]) == ("HS_CODE_CATEGORY_MISMATCH", "hs_code")
    # China's 10-digit national line of 8511 50 fits: the first six digits decide.
    part = create_part(client, supplier["id"], hs_code="8511.50.90.00")
    assert part["hs_code"] == "8511509000"


def test_brake_pads_are_mounted_8708_30_or_unmounted_friction_material_6813(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    headers = as_supplier(supplier["id"])
    for code in ("870830", "681381"):
        made = client.post("/parts", json=part_body(category="brake_pads", hs_code=code), headers=headers)
        assert made.status_code == 201, made.text
    wrong = client.post("/parts", json=part_body(category="brake_pads", hs_code="851150"), headers=headers)
    assert wrong.status_code == 422 and wrong.json()["code"] == "HS_CODE_CATEGORY_MISMATCH"


def test_update_refuses_a_new_code_or_a_new_category_that_does_not_fit(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    part = create_part(client, supplier["id"])  # alternator, 851150
    headers = as_supplier(supplier["id"])
    code = client.patch(f"/parts/{part['id']}", json={"hs_code": "840734"}, headers=headers)
    assert code.status_code == 422 and code.json()["field"] == "hs_code"
    category = client.patch(f"/parts/{part['id']}", json={"category": "turbocharger"}, headers=headers)
    assert category.status_code == 422, category.text
    assert (category.json()["code"], category.json()["field"]) == ("HS_CODE_CATEGORY_MISMATCH", "hs_code")
    # Both together, consistent: accepted.
    both = client.patch(f"/parts/{part['id']}", json={"category": "turbocharger", "hs_code": "841480"}, headers=headers)
    assert both.status_code == 200, both.text
    assert client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()["hs_code"] == "841480"


def test_csv_import_reports_the_row_and_column_and_writes_the_others(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    text = (
        "sku,title_en,category,condition,price_cny,weight_grams,hs_code\n"
        "HS-OK,Alternator,alternator,REMANUFACTURED,1000.00,6000,851150\n"
        "HS-BAD,Alternator,alternator,REMANUFACTURED,1000.00,6000,870830\n"
    )
    response = client.post("/parts/import", json={"csv": text}, headers=as_supplier(supplier["id"]))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 1
    (error,) = result["errors"]
    assert (error["line"], error["field"], error["code"]) == (3, "hs_code", "HS_CODE_CATEGORY_MISMATCH")


def test_parts_by_id_list_the_origin_schemes_whose_valid_certificates_cover_them(
    client: TestClient, engine: Engine, supplier: dict[str, Any]
) -> None:
    """What orders reads to give a free-trade agreement's duty rate: CO_RCEP scoped to alternators
    covers the alternator only; a suspended CO_CHAFTA counts for nothing; ISO 9001 is no origin scheme."""
    sid = supplier["id"]
    alternator = create_part(client, sid)
    pads = create_part(client, sid, category="brake_pads", hs_code="870830")
    apply(engine, certificate(sid, "CO_RCEP", categories=("alternator",)))
    apply(engine, certificate(sid, "CO_CHAFTA", categories=("alternator", "brake_pads"), status="SUSPENDED"))
    apply(engine, certificate(sid, "ISO_9001"))
    response = client.get("/parts", params={"ids": f"{alternator['id']},{pads['id']}"}, headers=SYSTEM)
    assert response.status_code == 200, response.text
    schemes = {p["id"]: p["origin_schemes"] for p in response.json()}
    assert schemes == {alternator["id"]: ["CO_RCEP"], pads["id"]: []}
    # An expired certificate covers nothing either.
    apply(
        engine,
        certificate(sid, "CO_CKFTA", categories=("brake_pads",), valid_until=utcnow().date() - timedelta(days=1)),
    )
    again = client.get("/parts", params={"ids": pads["id"]}, headers=SYSTEM).json()
    assert again[0]["origin_schemes"] == []
