"""Supplier verification: the application, the review, a USCC bound only once verified, and
listing only for verified suppliers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.catalog.factories import (
    ADMIN,
    ANONYMOUS,
    apply_for_verification,
    create_part,
    create_supplier,
    licence_pdf,
    part_body,
    valid_uscc,
    verify_supplier,
)
from tests.factories import as_supplier


def decide(client: TestClient, supplier_id: str, verified: bool, reason: str | None = None) -> dict[str, object]:
    response = client.post(
        f"/suppliers/{supplier_id}/verification", json={"verified": verified, "reason": reason}, headers=ADMIN
    )
    return {"status": response.status_code, **response.json()}


def test_an_unverified_supplier_cannot_list_import_or_list_again(client: TestClient) -> None:
    supplier = create_supplier(client, verified=False)
    own = as_supplier(supplier["id"])
    refused = client.post("/parts", json=part_body(), headers=own)
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "FORBIDDEN" and body["reason"] == "SUPPLIER_NOT_VERIFIED"
    assert "verified" in body["detail"]

    csv = "sku,title_en,category,condition,price_cny,weight_grams\n"
    csv += "CSV-1,Alternator,alternator,REMANUFACTURED,1180.00,6200\n"
    imported = client.post("/parts/import", json={"csv": csv}, headers=own)
    assert imported.status_code == 403 and imported.json()["reason"] == "SUPPLIER_NOT_VERIFIED"
    # An admin cannot list for it either: the badge and what is on sale never disagree.
    for_it = client.post("/parts", json=part_body(supplier_id=supplier["id"]), headers=ADMIN)
    assert for_it.status_code == 403
    assert client.get("/parts/search", params={"supplier_id": supplier["id"]}, headers=ANONYMOUS).json()["edges"] == []

    verify_supplier(client, supplier["id"], supplier["uscc"])
    part = create_part(client, supplier["id"])
    assert part["listed"] is True


def test_two_unverified_registrations_of_one_uscc_coexist_until_one_is_verified(client: TestClient) -> None:
    code = valid_uscc()
    squatter = create_supplier(client, verified=False, uscc=code, name_en="First Come Co.")
    real = create_supplier(client, verified=False, uscc=code, name_en="The Real Company Co.")
    assert squatter["id"] != real["id"]
    assert apply_for_verification(client, squatter["id"], code).status_code == 200
    assert apply_for_verification(client, real["id"], code).status_code == 200

    assert decide(client, real["id"], True, "licence matches the registry")["status"] == 200
    rival = decide(client, squatter["id"], True)
    assert rival["status"] == 409 and rival["field"] == "uscc"
    assert client.get(f"/suppliers/{squatter['id']}", headers=ANONYMOUS).json()["verified"] is False

    # Now the code is bound: a new registration with it is refused, revealing nothing of the code.
    again = client.post("/suppliers", json={"name_en": "Late Co.", "name_zh": "迟到公司", "uscc": code}, headers=ADMIN)
    assert again.status_code == 409 and again.json()["field"] == "uscc"
    assert "verified supplier" in again.json()["detail"] and code not in again.json()["detail"]
    # Nor may an unverified rival apply with it.
    assert apply_for_verification(client, squatter["id"], code).status_code == 409


def test_a_rejected_supplier_sees_the_reason_and_may_apply_again(client: TestClient) -> None:
    supplier = create_supplier(client, verified=False)
    assert client.get(f"/suppliers/{supplier['id']}", headers=ANONYMOUS).json()["verification_status"] == (
        "NOT_SUBMITTED"
    )
    applied = apply_for_verification(client, supplier["id"], supplier["uscc"], "  张  敏 ")
    assert applied.status_code == 200
    assert applied.json()["verification_status"] == "PENDING" and applied.json()["legal_representative"] == "张 敏"
    assert decide(client, supplier["id"], False)["field"] == "reason"
    rejected = decide(client, supplier["id"], False, "the licence scan is unreadable")
    assert rejected["status"] == 200 and rejected["verification_status"] == "REJECTED"
    assert rejected["verification_reason"] == "the licence scan is unreadable"
    # A retry of the same decision changes nothing.
    assert decide(client, supplier["id"], False, "again")["verification_reason"] == "the licence scan is unreadable"
    # Verifying needs a pending application.
    assert decide(client, supplier["id"], True)["status"] == 409

    again = apply_for_verification(client, supplier["id"], supplier["uscc"])
    assert again.status_code == 200 and again.json()["verification_status"] == "PENDING"
    assert again.json()["verification_reason"] is None
    pending = client.get("/suppliers", params={"verification_status": "PENDING"}, headers=ADMIN).json()
    assert [e["node"]["id"] for e in pending["edges"]] == [supplier["id"]]
    verified = decide(client, supplier["id"], True)
    assert verified["status"] == 200 and verified["verification_status"] == "VERIFIED"
    assert decide(client, supplier["id"], True)["status"] == 200


def test_an_application_needs_a_real_pdf_a_valid_uscc_and_a_name(client: TestClient) -> None:
    supplier = create_supplier(client, verified=False)
    own = as_supplier(supplier["id"])
    path = f"/suppliers/{supplier['id']}/verification/application"
    form = {"uscc": supplier["uscc"], "legal_representative": "李伟"}
    not_pdf = client.post(
        path, data=form, files={"file": ("licence.pdf", b"GIF89a not a pdf", "application/pdf")}, headers=own
    )
    assert not_pdf.status_code == 422 and not_pdf.json()["field"] == "file"
    files = {"file": ("licence.pdf", licence_pdf(), "application/pdf")}
    bad_code = client.post(path, data=form | {"uscc": supplier["uscc"][:17] + "?"}, files=files, headers=own)
    assert bad_code.status_code == 422 and bad_code.json()["field"] == "uscc"
    no_name = client.post(path, data=form | {"legal_representative": " "}, files=files, headers=own)
    assert no_name.status_code == 422 and no_name.json()["field"] == "legal_representative"
    other = create_supplier(client, verified=False)
    assert client.post(path, data=form, files=files, headers=as_supplier(other["id"])).status_code == 403
    assert client.get(f"/suppliers/{supplier['id']}", headers=ANONYMOUS).json()["verification_status"] == (
        "NOT_SUBMITTED"
    )


def test_the_licence_is_opened_by_admins_and_its_supplier_only(client: TestClient) -> None:
    supplier = create_supplier(client, verified=False)
    path = f"/suppliers/{supplier['id']}/verification/licence"
    assert client.get(path, headers=ADMIN).status_code == 404
    assert apply_for_verification(client, supplier["id"], supplier["uscc"]).status_code == 200
    opened = client.get(path, headers=ADMIN)
    assert opened.status_code == 200 and opened.headers["content-type"] == "application/pdf"
    assert opened.content.startswith(b"%PDF-")
    assert client.get(path, headers=as_supplier(supplier["id"])).status_code == 200
    other = create_supplier(client, verified=False)
    assert client.get(path, headers=as_supplier(other["id"])).status_code == 403
    assert client.get(path, headers=ANONYMOUS).status_code == 403


def test_withdrawing_a_verification_delists_the_suppliers_parts(client: TestClient) -> None:
    supplier = create_supplier(client)
    part = create_part(client, supplier["id"])
    withdrawn = decide(client, supplier["id"], False, "the licence was revoked by the registry")
    assert withdrawn["status"] == 200 and withdrawn["verified"] is False
    assert client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()["listed"] is False
    relist = client.patch(f"/parts/{part['id']}", json={"listed": True}, headers=as_supplier(supplier["id"]))
    assert relist.status_code == 403 and relist.json()["reason"] == "SUPPLIER_NOT_VERIFIED"
