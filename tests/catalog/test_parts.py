"""Parts: listing, reading in a locale, ownership, soft delete, stock, and bad input as 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.catalog.factories import ADMIN, ANONYMOUS, BUYER, create_part, create_supplier, part_body
from tests.factories import as_supplier


def test_a_supplier_lists_a_part_with_defaults_from_its_category(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"], hs_code=None)
    assert part["supplier_id"] == supplier["id"]
    assert part["hs_code"] == "851150"  # alternators: HS 8511.50
    assert part["co2e_saved_kg"] == pytest.approx(27.9)  # 6.2 kg x 4.5 kg CO2e/kg, see data/categories.json
    assert (part["on_hand"], part["reserved"], part["available"]) == (5, 0, 5)
    assert part["fitments"][0]["make"] == "Volkswagen"


def test_title_follows_the_locale_and_falls_back_to_english(client: TestClient, supplier: dict[str, Any]) -> None:
    with_zh = create_part(client, supplier["id"])
    without_zh = create_part(client, supplier["id"], title_zh=None)
    zh = client.get(f"/parts/{with_zh['id']}", params={"locale": "zh-CN"}, headers=ANONYMOUS).json()
    assert zh["title"] == "大众高尔夫 发电机 再制造"
    en = client.get(f"/parts/{with_zh['id']}", headers=ANONYMOUS).json()
    assert en["title"] == "Remanufactured alternator for Volkswagen Golf"
    fallback = client.get(f"/parts/{without_zh['id']}", params={"locale": "zh"}, headers=ANONYMOUS).json()
    assert fallback["title"] == "Remanufactured alternator for Volkswagen Golf"


def test_supplier_a_cannot_change_supplier_bs_part_and_nothing_changes(client: TestClient) -> None:
    a, b = create_supplier(client), create_supplier(client)
    part = create_part(client, b["id"], price_cny=100000, on_hand=4)
    as_a = as_supplier(a["id"])

    assert client.patch(f"/parts/{part['id']}", json={"price_cny": 1}, headers=as_a).status_code == 403
    assert client.put(f"/parts/{part['id']}/stock", json={"on_hand": 0}, headers=as_a).status_code == 403
    assert client.delete(f"/parts/{part['id']}", headers=as_a).status_code == 403
    fits = [{"make": "BYD", "model": "Han", "year_from": 2020, "year_to": 2024}]
    assert client.put(f"/parts/{part['id']}/fitments", json=fits, headers=as_a).status_code == 403
    response = client.post("/parts", json=part_body(supplier_id=b["id"]), headers=as_a)
    assert response.status_code == 403

    after = client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()
    assert (after["price_cny"], after["on_hand"], after["listed"]) == (100000, 4, True)
    assert [f["make"] for f in after["fitments"]] == ["Volkswagen"]

    # Buyers and the public cannot change parts either; an admin can.
    assert client.patch(f"/parts/{part['id']}", json={"price_cny": 1}, headers=BUYER).status_code == 403
    assert client.patch(f"/parts/{part['id']}", json={"price_cny": 1}, headers=ANONYMOUS).status_code == 403
    assert client.patch(f"/parts/{part['id']}", json={"price_cny": 90000}, headers=ADMIN).status_code == 200
    assert client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()["price_cny"] == 90000


def test_the_owner_patches_only_the_fields_it_sends(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"])
    response = client.patch(
        f"/parts/{part['id']}",
        json={"title_en": "Remanufactured 150 A alternator", "oem_numbers": ["06H 903 016 L", "06H903016S"]},
        headers=as_supplier(supplier["id"]),
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["title_en"] == "Remanufactured 150 A alternator"
    assert patched["oem_numbers"] == ["06H 903 016 L", "06H903016S"]
    assert patched["price_cny"] == part["price_cny"]
    found = client.get("/parts/by-oem-number", params={"number": "06H903016S"}, headers=ANONYMOUS).json()
    assert [p["id"] for p in found] == [part["id"]]


def test_sku_is_unique_per_supplier_only(client: TestClient) -> None:
    a, b = create_supplier(client), create_supplier(client)
    create_part(client, a["id"], sku="TN-ALT-1")
    again = client.post("/parts", json=part_body(sku="TN-ALT-1"), headers=as_supplier(a["id"]))
    assert again.status_code == 409 and again.json()["field"] == "sku"
    create_part(client, b["id"], sku="TN-ALT-1")


def test_delisted_part_leaves_search_and_oem_lookup_but_stays_readable_by_id(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    part = create_part(client, supplier["id"], oem_numbers=["27060-0T010"])
    keep = create_part(client, supplier["id"], oem_numbers=["27060-0T010"])
    response = client.delete(f"/parts/{part['id']}", headers=as_supplier(supplier["id"]))
    assert response.status_code == 200 and response.json()["listed"] is False

    assert client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()["listed"] is False
    batch = client.get("/parts", params={"ids": f"{part['id']},{keep['id']}"}, headers=ANONYMOUS).json()
    assert [p["id"] for p in batch] == [part["id"], keep["id"]]
    found = client.get("/parts/by-oem-number", params={"number": "270600T010"}, headers=ANONYMOUS).json()
    assert [p["id"] for p in found] == [keep["id"]]
    hits = client.get("/parts/search", params={"q": "alternator"}, headers=ANONYMOUS).json()["edges"]
    assert [e["node"]["id"] for e in hits] == [keep["id"]]

    relisted = client.patch(f"/parts/{part['id']}", json={"listed": True}, headers=as_supplier(supplier["id"]))
    assert relisted.json()["listed"] is True
    hits = client.get("/parts/search", params={"q": "alternator"}, headers=ANONYMOUS).json()["edges"]
    assert {e["node"]["id"] for e in hits} == {part["id"], keep["id"]}


def test_batch_read_keeps_the_order_asked_and_skips_unknown_ids(client: TestClient, supplier: dict[str, Any]) -> None:
    ids = [create_part(client, supplier["id"])["id"] for _ in range(3)]
    wanted = [ids[2], "6f1c3a52-27d1-4c8e-9a55-0d3b7e0c5a10", ids[0], ids[2]]
    response = client.get("/parts", params={"ids": ",".join(wanted)}, headers=ANONYMOUS)
    assert [p["id"] for p in response.json()] == [ids[2], ids[0]]


def test_set_stock_and_never_below_reserved(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"], on_hand=3)
    own = as_supplier(supplier["id"])
    response = client.put(f"/parts/{part['id']}/stock", json={"on_hand": 10}, headers=own)
    assert response.status_code == 200 and response.json()["available"] == 10
    reserve = {"idempotency_key": "order-stock-1", "lines": [{"part_id": part["id"], "quantity": 4}]}
    assert client.post("/reservations", json=reserve, headers=ADMIN).status_code == 201
    response = client.put(f"/parts/{part['id']}/stock", json={"on_hand": 3}, headers=own)
    assert response.status_code == 409 and response.json()["field"] == "on_hand"
    assert client.get(f"/parts/{part['id']}", headers=ANONYMOUS).json()["on_hand"] == 10


def test_battery_modules_carry_chemistry_capacity_health_and_cycles(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    base = part_body(
        category="nev_battery_module",
        title_en="Remanufactured LFP blade battery module for BYD Han EV",
        title_zh="比亚迪汉EV 动力电池模组 再制造",
        weight_grams=28000,
    )
    missing = client.post("/parts", json=base, headers=as_supplier(supplier["id"]))
    assert missing.status_code == 422 and missing.json()["field"] == "battery_chemistry"
    full = base | {
        "battery_chemistry": "LFP",
        "battery_capacity_wh": 7680,
        "battery_soh_pct": 91,
        "battery_cycles": 640,
    }
    made = client.post("/parts", json=full, headers=as_supplier(supplier["id"]))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["battery_chemistry"], body["battery_soh_pct"], body["hs_code"]) == ("LFP", 91, "850760")
    wrong = part_body(battery_chemistry="NMC")
    response = client.post("/parts", json=wrong, headers=as_supplier(supplier["id"]))
    assert response.status_code == 422 and response.json()["field"] == "battery_chemistry"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"on_hand": -1}, "on_hand"),
        ({"category": "flux_capacitor"}, "category"),
        ({"title_en": "x" * 10_000_000}, "title_en"),
        ({"hs_code": "12AB"}, "hs_code"),
        ({"hs_code": "12345678901"}, "hs_code"),
        ({"hs_code": "010121"}, "hs_code"),  # live horses: not a chapter for vehicle parts
        ({"price_cny": -5}, "price_cny"),
        ({"price_cny": 12.5}, "price_cny"),
        ({"condition": "BROKEN"}, "condition"),
        ({"oem_numbers": ["--"]}, "oem_numbers.0"),
        ({"country_of_origin": "XX"}, "country_of_origin"),
        ({"source_vin": "WVWZZZ1KZAW00000I"}, "source_vin"),
        ({"fitments": [{"make": "VW", "model": "Golf", "year_from": 2014, "year_to": 2010}]}, "fitments.0"),
        ({"weight_grams": 0}, "weight_grams"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_bad_input_is_a_4xx_problem_naming_the_field(
    client: TestClient, supplier: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/parts", json=part_body(**overrides), headers=as_supplier(supplier["id"]))
    assert 400 <= response.status_code < 500, response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe not UTF-8", b'{"on_hand": 3'],
    ids=["not-utf8", "broken-json"],
)
def test_an_unreadable_body_is_a_422_naming_the_body(client: TestClient, supplier: dict[str, Any], body: bytes) -> None:
    part = create_part(client, supplier["id"])
    response = client.put(
        f"/parts/{part['id']}/stock",
        content=body,
        headers={**as_supplier(supplier["id"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "BAD_USER_INPUT" and response.json()["field"] == "body"


def test_negative_stock_patch_and_unknown_part_are_4xx(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"])
    own = as_supplier(supplier["id"])
    response = client.put(f"/parts/{part['id']}/stock", json={"on_hand": -3}, headers=own)
    assert response.status_code == 422 and response.json()["field"] == "on_hand"
    response = client.patch(f"/parts/{part['id']}", json={"category": "warp_drive"}, headers=own)
    assert response.status_code == 422 and response.json()["field"] == "category"
    response = client.patch(f"/parts/{part['id']}", json={"title_en": None}, headers=own)
    assert response.status_code == 422 and response.json()["field"] == "title_en"
    missing = client.get("/parts/7d3f5c36-3f0d-4bb5-9d0a-0c6a3e1d2b11", headers=ANONYMOUS)
    assert missing.status_code == 404
    assert client.get("/parts/not-a-uuid", headers=ANONYMOUS).status_code == 422


def test_every_route_needs_the_internal_token(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"])
    assert client.get(f"/parts/{part['id']}").status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}
    assert client.get(f"/parts/{part['id']}", headers=forged).status_code == 401
    assert client.get("/parts/search", params={"q": "alternator"}).status_code == 401


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/parts", "/parts/search", "/parts/by-oem-number", "/parts/{part_id}/stock", "/reservations"):
        assert path in paths
