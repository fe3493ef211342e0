"""Suppliers: USCC validation (GB 32100-2015), admin verification, reading and paging."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.catalog.factories import ADMIN, ANONYMOUS, apply_for_verification, create_supplier, valid_uscc
from tests.factories import as_supplier


def test_a_wrong_uscc_check_character_is_rejected_without_naming_the_right_one(client: TestClient) -> None:
    good = valid_uscc(4242)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(
        "/suppliers", json={"name_en": "Bad Code Co.", "name_zh": "错码公司", "uscc": wrong}, headers=ADMIN
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "uscc"
    assert "check character" in body["detail"]
    # Naming the right character would let anyone complete a code they only partly know.
    assert repr(good[17]) not in body["detail"] and good[:17] not in body["detail"]
    assert client.get("/suppliers", headers=ANONYMOUS).json()["edges"] == []


def test_a_real_published_uscc_is_accepted(client: TestClient) -> None:
    # Huawei Technologies Co., Ltd. (Shenzhen), as printed on its business licence.
    created = create_supplier(client, uscc="914403001922038216")
    assert created["uscc"] == "914403001922038216"


def test_uscc_with_forbidden_letters_or_wrong_length_is_rejected(client: TestClient) -> None:
    for code, words in (("91500152MA5U1YX3K", "18 characters"), ("91500152MA5U1YO3KF", "'O'")):
        response = client.post(
            "/suppliers", json={"name_en": "X Co.", "name_zh": "某公司", "uscc": code}, headers=ADMIN
        )
        assert response.status_code == 422 and response.json()["field"] == "uscc"
        assert words in response.json()["detail"]


def test_duplicate_uscc_conflicts(client: TestClient) -> None:
    first = create_supplier(client)
    response = client.post(
        "/suppliers", json={"name_en": "Copy Co.", "name_zh": "复制公司", "uscc": first["uscc"]}, headers=ADMIN
    )
    assert response.status_code == 409 and response.json()["field"] == "uscc"


def test_only_admins_create_and_verify_suppliers(client: TestClient) -> None:
    supplier = create_supplier(client, verified=False)
    body = {"name_en": "Self Made Co.", "name_zh": "自建公司", "uscc": valid_uscc()}
    assert client.post("/suppliers", json=body, headers=as_supplier(supplier["id"])).status_code == 403
    assert client.post("/suppliers", json=body, headers=ANONYMOUS).status_code == 403
    assert client.post("/suppliers", json=body).status_code == 401

    assert apply_for_verification(client, supplier["id"], supplier["uscc"]).status_code == 200
    path = f"/suppliers/{supplier['id']}/verification"
    assert client.post(path, json={"verified": True}, headers=as_supplier(supplier["id"])).status_code == 403
    assert client.get(f"/suppliers/{supplier['id']}", headers=ANONYMOUS).json()["verified"] is False
    response = client.post(path, json={"verified": True}, headers=ADMIN)
    assert response.status_code == 200 and response.json()["verified"] is True
    assert response.json()["verification_status"] == "VERIFIED"
    assert client.get(f"/suppliers/{supplier['id']}", headers=ANONYMOUS).json()["verified"] is True


def test_suppliers_page_by_cursor_and_batch_read_keeps_order(client: TestClient) -> None:
    made = [create_supplier(client)["id"] for _ in range(5)]
    seen: list[str] = []
    after = None
    while True:
        params = {"first": 2} | ({"after": after} if after else {})
        page = client.get("/suppliers", params=params, headers=ANONYMOUS).json()
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["page_info"]["has_next_page"]:
            break
        after = page["page_info"]["end_cursor"]
    assert seen == made

    wanted = [made[3], made[0], "00000000-0000-0000-0000-000000000000"]
    batch = client.get("/suppliers/batch", params={"ids": ",".join(wanted)}, headers=ANONYMOUS).json()
    assert [s["id"] for s in batch] == [made[3], made[0]]


def test_malformed_cursor_and_page_size_are_4xx_naming_the_field(client: TestClient) -> None:
    response = client.get("/suppliers", params={"after": "not-a-cursor!"}, headers=ANONYMOUS)
    assert response.status_code == 422 and response.json()["field"] == "after"
    response = client.get("/suppliers", params={"first": 1000}, headers=ANONYMOUS)
    assert response.status_code == 422 and response.json()["field"] == "first"
    response = client.get("/suppliers/batch", params={"ids": "abc"}, headers=ANONYMOUS)
    assert response.status_code == 422 and response.json()["field"] == "ids"
