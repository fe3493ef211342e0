"""Search over the demo catalogue: English and Chinese text, OEM numbers, filters, VIN, facets, paging."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from seed.catalog import demo_catalog, load_if_empty
from services.catalog.domain import vin_check_digit
from services.catalog.models import CatalogTable
from tests.catalog.factories import ANONYMOUS, forget_kept_answers, nodes, search
from tests.databases import Databases, empty_tables


@pytest.fixture(scope="module")
def demo(catalog_app_client: TestClient, databases: Databases) -> TestClient:
    """The demo catalogue, loaded once for this module's read-only tests."""
    engine = databases.engine("catalog")
    empty_tables(engine, CatalogTable.metadata)
    assert load_if_empty(engine) is not None
    forget_kept_answers(catalog_app_client)
    return catalog_app_client


def all_pages(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = search(client, first=7, **params, **({"after": after} if after else {}))
        found += nodes(page)
        if not page["page_info"]["has_next_page"]:
            return found
        after = page["page_info"]["end_cursor"]


def test_three_character_chinese_query_finds_chinese_titles(demo: TestClient) -> None:
    hits = all_pages(demo, q="发电机")
    assert len(hits) == 26
    assert all(p["category"] == "alternator" and "发电机" in p["title_zh"] for p in hits)


@pytest.mark.parametrize(("word", "category"), [("水泵", "water_pump"), ("曲轴", "crankshaft"), ("飞轮", "flywheel")])
def test_two_character_chinese_words_are_found(demo: TestClient, word: str, category: str) -> None:
    hits = all_pages(demo, q=word, locale="zh")
    assert hits and {p["category"] for p in hits} == {category}
    assert all(word in p["title"] for p in hits)


def test_chinese_and_english_words_combine(demo: TestClient) -> None:
    hits = all_pages(demo, q="丰田 发电机")
    assert hits and all(p["category"] == "alternator" and "丰田" in p["title_zh"] for p in hits)


def test_english_words_are_stemmed_and_all_must_match(demo: TestClient) -> None:
    hits = all_pages(demo, q="Alternators Golf")
    assert hits and all(p["category"] == "alternator" for p in hits)
    assert all("Golf" in p["title_en"] or "Golf" in (p["description_en"] or "") for p in hits)
    assert search(demo, q="alternator zeppelin")["edges"] == []


def test_a_word_in_every_part_pages_through_everything_exactly_once(demo: TestClient) -> None:
    ids = [p["id"] for p in all_pages(demo, q="Tongnan")]
    assert len(ids) == len(set(ids)) == len(demo_catalog().parts)
    expected = sum(1 for p in demo_catalog().parts if "remanufactured" in f"{p.title_en} {p.description_en}".lower())
    assert len({p["id"] for p in all_pages(demo, q="remanufactured")}) == expected


@pytest.mark.parametrize("typed", ["1K0-615-123 E", "1k0615123e", "1K0.615.123.E", " 1K0 615 123E "])
def test_oem_lookup_across_formatting_variants(demo: TestClient, typed: str) -> None:
    found = demo.get("/parts/by-oem-number", params={"number": typed}, headers=ANONYMOUS).json()
    assert found and all(p["oem_numbers"] == ["1K0615123E"] for p in found)


def test_an_oem_number_typed_into_the_search_box_finds_its_parts(demo: TestClient) -> None:
    hits = all_pages(demo, q="1k0-615-123 e")
    assert hits and all(p["oem_numbers"] == ["1K0615123E"] for p in hits)
    prices = [p["price_cny"] for p in hits]
    assert prices == sorted(prices)
    assert all_pages(demo, q="0 986 494 524", condition="USED") == [
        p for p in all_pages(demo, q="0986494524") if p["condition"] == "USED"
    ]


def test_oem_lookup_by_interchange_number_and_prefix(demo: TestClient) -> None:
    bosch = demo.get("/parts/by-oem-number", params={"number": "0 986 494 524"}, headers=ANONYMOUS).json()
    assert bosch and all(p["oem_numbers"] == ["1K0698151A"] for p in bosch)
    prefix = demo.get("/parts/by-oem-number", params={"number": "06H", "prefix": True}, headers=ANONYMOUS).json()
    assert {n for p in prefix for n in p["oem_numbers"]} == {
        "06H903016L",
        "06H145702S",
        "06H121026DD",
        "06H103064L",
        "06H105101P",
    }
    exact = demo.get("/parts/by-oem-number", params={"number": "06H"}, headers=ANONYMOUS).json()
    assert exact == []
    short = demo.get("/parts/by-oem-number", params={"number": "06", "prefix": True}, headers=ANONYMOUS)
    assert short.status_code == 422 and short.json()["field"] == "oem_number"


def test_filters_narrow_the_results(demo: TestClient) -> None:
    hits = all_pages(demo, category="turbocharger", condition="USED", in_stock=True)
    assert hits
    assert all(p["category"] == "turbocharger" and p["condition"] == "USED" and p["available"] > 0 for p in hits)
    byd = all_pages(demo, make="BYD", model="Qin Plus EV", year=2022)
    assert byd and all(any(f["model"] == "Qin Plus EV" for f in p["fitments"]) for p in byd)
    assert all_pages(demo, make="BYD", model="Qin Plus EV", year=2019) == []
    supplier_id = demo_catalog().suppliers[3].id
    own = all_pages(demo, supplier_id=str(supplier_id))
    assert own and {p["supplier_id"] for p in own} == {str(supplier_id)}


def test_vin_filter_matches_fitment_make_and_model_year(demo: TestClient) -> None:
    # A 2010 Toyota (WMI JTD, year code A): Corolla parts for 2008-2013 fit, 2014-2016 headlamps do not.
    vin = "JTDBU4EE0A9123456"
    decoded = demo.get(f"/vins/{vin}", headers=ANONYMOUS).json()
    assert decoded["makes"] == ["toyota"] and decoded["model_year"] == 2010
    hits = all_pages(demo, vin=vin)
    assert hits
    for p in hits:
        assert any(f["make"] == "Toyota" and f["year_from"] <= 2010 <= f["year_to"] for f in p["fitments"])
    assert not any(p["oem_numbers"] == ["81150-02B80"] for p in hits)
    assert {p["category"] for p in all_pages(demo, vin=vin, q="发电机")} == {"alternator"}


def test_a_chinese_vin_is_checked_and_decoded(demo: TestClient) -> None:
    first8, rest8 = "LGXCE4CB", "M0123456"  # BYD, 2021
    vin = first8 + vin_check_digit(first8, rest8) + rest8
    hits = all_pages(demo, vin=vin)
    assert hits and all(any(f["make"] == "BYD" for f in p["fitments"]) for p in hits)
    wrong_digit = vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]
    response = demo.get("/parts/search", params={"vin": wrong_digit}, headers=ANONYMOUS)
    assert response.status_code == 422 and response.json()["field"] == "vin"


@pytest.mark.parametrize("vin", ["JTDBU4EE0A912345", "JTDBU4EE0A912345O", "JTDBU4EE0A91234Q6"])
def test_invalid_vins_are_rejected(demo: TestClient, vin: str) -> None:
    response = demo.get("/parts/search", params={"vin": vin}, headers=ANONYMOUS)
    assert response.status_code == 422 and response.json()["field"] == "vin"


def test_facets_count_category_condition_and_make(demo: TestClient) -> None:
    page = search(demo, q="remanufactured", category="alternator", facets=True)
    facets = page["facets"]
    hits = all_pages(demo, q="remanufactured", category="alternator")
    assert facets["category"] == [{"value": "alternator", "count": len(hits)}]
    by_condition: dict[str, int] = {}
    for p in hits:
        by_condition[p["condition"]] = by_condition.get(p["condition"], 0) + 1
    assert {f["value"]: f["count"] for f in facets["condition"]} == by_condition
    makes = {f["value"]: f["count"] for f in facets["make"]}
    assert makes["Audi"] == sum(1 for p in hits if any(f["make"] == "Audi" for f in p["fitments"]))
    browse = search(demo, facets=True)["facets"]
    assert sum(f["count"] for f in browse["category"]) == len(demo_catalog().parts) and browse["exhaustive"] is True


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "newest", "relevance"])
def test_every_sort_pages_without_gaps_or_repeats(demo: TestClient, sort: str) -> None:
    hits = all_pages(demo, q="tongnan", sort=sort)
    assert len({p["id"] for p in hits}) == len(hits) == len(demo_catalog().parts)
    prices = [p["price_cny"] for p in hits]
    if sort == "price_asc":
        assert prices == sorted(prices)
    if sort == "price_desc":
        assert prices == sorted(prices, reverse=True)
    if sort == "newest":
        stamps = [p["created_at"] for p in hits]
        assert stamps == sorted(stamps, reverse=True)
    browse = all_pages(demo, sort=sort, category="ecu")
    assert len({p["id"] for p in browse}) == len(browse) == 19


def test_cursors_are_checked(demo: TestClient) -> None:
    page = search(demo, q="alternator", sort="price_asc", first=2)
    cursor = page["page_info"]["end_cursor"]
    other = demo.get("/parts/search", params={"q": "alternator", "after": cursor}, headers=ANONYMOUS)
    assert other.status_code == 422 and other.json()["field"] == "after"
    junk = demo.get("/parts/search", params={"after": "%%%"}, headers=ANONYMOUS)
    assert junk.status_code == 422 and junk.json()["field"] == "after"
    big = demo.get("/parts/search", params={"first": 101}, headers=ANONYMOUS)
    assert big.status_code == 422 and big.json()["field"] == "first"
    bad = demo.get("/parts/search", params={"category": "nope"}, headers=ANONYMOUS)
    assert bad.status_code == 422 and bad.json()["field"] == "category"
