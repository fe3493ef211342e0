"""CSV import (create or update by SKU, row errors by line) and export (formula injection neutralised)."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient

from tests.catalog.factories import ADMIN, ANONYMOUS, create_part, create_supplier
from tests.factories import as_supplier

HEADER = "sku,title_en,title_zh,category,condition,oem_numbers,price_cny,core_charge_cny,weight_grams,on_hand,fitments"


def import_csv(client: TestClient, supplier_id: str, text: str) -> dict[str, Any]:
    response = client.post("/parts/import", json={"csv": text}, headers=as_supplier(supplier_id))
    assert response.status_code == 200, response.text
    return dict(response.json())


def sku_map(client: TestClient, supplier_id: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        params = {"supplier_id": supplier_id, "first": 100} | ({"after": after} if after else {})
        page = client.get("/parts/search", params=params, headers=ANONYMOUS).json()
        out |= {e["node"]["sku"]: e["node"] for e in page["edges"]}
        if not page["page_info"]["has_next_page"]:
            return out
        after = page["page_info"]["end_cursor"]


def test_mixed_good_and_bad_rows(client: TestClient, supplier: dict[str, Any]) -> None:
    text = "\ufeff" + "\n".join(
        [
            HEADER,
            'ALT-1,Reman alternator Golf,大众高尔夫 发电机 再制造,alternator,REMANUFACTURED,"06H903016L|06H 903 016 S",'
            "1180.00,300,6200,4,Volkswagen:Golf:2009-2013:CCZA",
            "WP-1,Reman water pump,丰田卡罗拉 水泵,water_pump,remanufactured,16100-39466,360.5,,1500,2,",
            "BAD-1,Mystery part,,warp_core,REMANUFACTURED,X1,100,,1000,1,",  # line 4: unknown category
            "BAD-2,Cheap part,,starter,REMANUFACTURED,X2,-5,,1000,1,",  # line 5: negative price
            'BAD-3,"Two-line ',
            'title",,starter,USED,X3,12.345,,1000,1,',  # lines 6-7: three decimals
            "WP-1,Duplicate row,,water_pump,USED,X4,100,,1000,1,",  # line 8: SKU repeated
            "BAD-4,Bad fitment,,starter,USED,X5,100,,1000,1,Toyota:Corolla",  # line 9
            "BAD-5,Negative stock,,starter,USED,X6,100,,1000,-2,",  # line 10
        ]
    )
    result = import_csv(client, supplier["id"], text)
    assert (result["created"], result["updated"]) == (2, 0)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [
        (4, "category"),
        (5, "price_cny"),
        (6, "price_cny"),
        (8, "sku"),
        (9, "fitments"),
        (10, "on_hand"),
    ]
    parts = sku_map(client, supplier["id"])
    assert set(parts) == {"ALT-1", "WP-1"}
    alt = parts["ALT-1"]
    assert (alt["price_cny"], alt["core_charge_cny"], alt["on_hand"]) == (118000, 30000, 4)
    assert alt["oem_numbers"] == ["06H903016L", "06H 903 016 S"]
    assert alt["fitments"][0]["engine_code"] == "CCZA"
    assert parts["WP-1"]["price_cny"] == 36050
    hits = client.get("/parts/search", params={"q": "水泵"}, headers=ANONYMOUS).json()["edges"]
    assert [e["node"]["sku"] for e in hits] == ["WP-1"]


def test_import_updates_existing_skus_and_leaves_empty_cells_alone(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    existing = create_part(client, supplier["id"], sku="ALT-9", price_cny=100000, on_hand=1)
    text = "sku,price_cny,on_hand,title_zh\nALT-9,1250.00,7,大众 发电机 优选\nALT-9X,,,\n"
    result = import_csv(client, supplier["id"], text)
    assert (result["created"], result["updated"]) == (0, 1)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(3, "title_en")]
    part = client.get(f"/parts/{existing['id']}", headers=ANONYMOUS).json()
    assert (part["price_cny"], part["on_hand"], part["title_zh"]) == (125000, 7, "大众 发电机 优选")
    assert part["title_en"] == existing["title_en"]
    hits = client.get("/parts/search", params={"q": "优选"}, headers=ANONYMOUS).json()["edges"]
    assert [e["node"]["id"] for e in hits] == [existing["id"]]


def test_a_failing_update_row_leaves_the_part_as_it_was(client: TestClient, supplier: dict[str, Any]) -> None:
    existing = create_part(client, supplier["id"], sku="ALT-7", price_cny=100000, on_hand=1)
    result = import_csv(client, supplier["id"], "sku,price_cny,hs_code\nALT-7,999.00,99\n")
    assert result["updated"] == 0 and result["errors"][0]["field"] == "hs_code"
    assert client.get(f"/parts/{existing['id']}", headers=ANONYMOUS).json()["price_cny"] == 100000


def test_unknown_columns_and_empty_files_are_refused_whole(client: TestClient, supplier: dict[str, Any]) -> None:
    for text in ("sku,colour\nA,red\n", ""):
        response = client.post("/parts/import", json={"csv": text}, headers=as_supplier(supplier["id"]))
        assert response.status_code == 422 and response.json()["field"] == "csv"


def test_export_neutralises_formulas_and_imports_back(client: TestClient, supplier: dict[str, Any]) -> None:
    create_part(client, supplier["id"], sku='=HYPERLINK("http://evil")', title_en="+cmd|' /C calc'!A0")
    create_part(client, supplier["id"], sku="SAFE-1", title_en="@SUM(1+1)", title_zh="-2+3 发电机")
    response = client.get("/parts/export", headers=as_supplier(supplier["id"]))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), cell
    by_sku = {r["sku"]: r for r in rows}
    assert '\'=HYPERLINK("http://evil")' in by_sku
    assert by_sku["SAFE-1"]["title_en"] == "'@SUM(1+1)" and by_sku["SAFE-1"]["title_zh"] == "'-2+3 发电机"

    # The export is an import file: the supplier can edit it and send it back as it is.
    edited = text.replace(",true\r\n", ",false\r\n", 1)
    again = import_csv(client, supplier["id"], edited)
    assert (again["created"], again["updated"], again["errors"]) == (0, 2, [])
    listed = sku_map(client, supplier["id"])
    assert len(listed) == 1
    (remaining,) = listed.values()
    assert (remaining["sku"], remaining["title_en"]) == ("SAFE-1", "@SUM(1+1)")


def test_a_supplier_exports_and_imports_only_its_own_catalogue(client: TestClient) -> None:
    a, b = create_supplier(client), create_supplier(client)
    create_part(client, b["id"], sku="B-ONLY")
    assert client.get("/parts/export", params={"supplier_id": b["id"]}, headers=as_supplier(a["id"])).status_code == 403
    response = client.post(
        "/parts/import", json={"csv": HEADER + "\n", "supplier_id": b["id"]}, headers=as_supplier(a["id"])
    )
    assert response.status_code == 403
    assert client.get("/parts/export", params={"supplier_id": b["id"]}, headers=ADMIN).status_code == 200
    assert client.get("/parts/export", headers=ANONYMOUS).status_code == 422


def test_ten_thousand_rows_import_whole_in_one_request(client: TestClient, supplier: dict[str, Any]) -> None:
    """A supplier's whole price list in one file (its speed is measured by bench/catalog_import.py)."""
    rows = [HEADER] + [
        f"BULK-{n:05d},Remanufactured starter {n},起动机 再制造 {n},starter,REMANUFACTURED,"
        f"28100-{n:05d},{600 + n % 300}.00,150,3100,{n % 9},Toyota:Corolla:2008-2013:2ZR-FE"
        for n in range(10_000)
    ]
    result = import_csv(client, supplier["id"], "\n".join(rows))
    assert (result["created"], result["errors"]) == (10_000, [])


def test_the_template_is_the_header_the_import_accepts_and_its_example_imports(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    response = client.get("/parts/import-template", headers=as_supplier(supplier["id"]))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # spreadsheets then read the Chinese right
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and "sku" in rows[0] and "category" in rows[0] and "id" not in rows[0]
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["category"] == "发电机"
    result = import_csv(client, supplier["id"], response.content.decode("utf-8"))
    assert (result["created"], result["errors"]) == (1, [])
    part = sku_map(client, supplier["id"])[example["sku"]]
    assert part["category"] == "alternator" and part["price_cny"] == 128050


def test_categories_by_their_chinese_or_english_names(client: TestClient, supplier: dict[str, Any]) -> None:
    text = "\n".join(
        [
            "sku,title_en,category,condition,price_cny,weight_grams",
            "WP-ZH,Water pump,水泵,REMANUFACTURED,360.00,1500",
            "ST-ZH,Starter,启动机,REMANUFACTURED,520.00,3900",
            "TC-EN,Turbocharger,Turbocharger,REMANUFACTURED,2800.00,8000",
            "XX-ZH,Something,飞碟,REMANUFACTURED,1.00,100",
        ]
    )
    result = import_csv(client, supplier["id"], text)
    assert result["created"] == 3
    parts = sku_map(client, supplier["id"])
    assert (parts["WP-ZH"]["category"], parts["ST-ZH"]["category"], parts["TC-EN"]["category"]) == (
        "water_pump",
        "starter",
        "turbocharger",
    )
    assert [(e["line"], e["field"], e["code"]) for e in result["errors"]] == [(5, "category", "UNKNOWN_CATEGORY")]


def test_the_report_speaks_chinese_to_a_chinese_page(client: TestClient, supplier: dict[str, Any]) -> None:
    text = "\n".join(
        [
            "sku,title_en,category,condition,price_cny,weight_grams",
            "A-1,Alternator,发电机,REMANUFACTURED,12.345,6200",
            "A-2,Alternator,飞碟,REMANUFACTURED,100.00,6200",
            "A-3,,发电机,REMANUFACTURED,100.00,6200",
            "A-1,Alternator,发电机,REMANUFACTURED,100.00,6200",
        ]
    )
    response = client.post(
        "/parts/import", params={"locale": "zh"}, json={"csv": text}, headers=as_supplier(supplier["id"])
    )
    errors = {e["line"]: e for e in response.json()["errors"]}
    assert errors[2]["code"] == "YUAN_FORMAT" and errors[2]["message"] == "以元为单位，最多两位小数，不能为负数"
    assert errors[3]["message"].startswith("未知类别 '飞碟'")
    assert errors[4]["code"] == "REQUIRED_FOR_NEW_SKU" and errors[4]["field"] == "title_en"
    assert errors[4]["message"] == "新 SKU 必须填写此列"
    english = client.post("/parts/import", json={"csv": text}, headers=as_supplier(supplier["id"])).json()["errors"]
    assert english[0]["code"] == "YUAN_FORMAT" and english[0]["message"] == "yuan with at most 2 decimals, not negative"
