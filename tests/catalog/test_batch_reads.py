"""The batch reads a page of the storefront makes answer 20 ids with as many queries as one id,
and answer them right: what the gateway's DataLoaders count on."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.catalog.factories import ANONYMOUS, apply, certificate, create_part, create_supplier
from tests.statements import selects_sent

# A certificate of preferential origin: part-level, so it covers the category it names.
CO_ORIGIN = "CO_RCEP"


def app_engine(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


def a_page(client: TestClient, engine: Engine, count: int = 20) -> list[dict[str, Any]]:
    """`count` parts of three suppliers, each with two fitments; the first supplier holds a
    certificate of origin for its alternators."""
    suppliers = [create_supplier(client)["id"] for _ in range(3)]
    apply(engine, certificate(suppliers[0], CO_ORIGIN, categories=("alternator",)))
    fitments = [
        {"make": "Volkswagen", "model": "Golf", "year_from": 2009, "year_to": 2013},
        {"make": "Audi", "model": "A3", "year_from": 2010, "year_to": 2012},
    ]
    return [
        create_part(client, suppliers[i % 3], fitments=fitments, on_hand=i + 1, price_cny=100_000 + i)
        for i in range(count)
    ]


def test_parts_by_ids_answers_20_ids_with_the_queries_of_one(client: TestClient, engine: Engine) -> None:
    parts = a_page(client, engine)
    ids = [p["id"] for p in reversed(parts)]
    with selects_sent(app_engine(client)) as one:
        single = client.get("/parts", params={"ids": ids[0]}, headers=ANONYMOUS)
    with selects_sent(app_engine(client)) as twenty:
        page = client.get("/parts", params={"ids": ",".join(ids)}, headers=ANONYMOUS)
    assert single.status_code == page.status_code == 200, page.text
    # parts, stock, fitments, pictures, certificates of origin
    assert len(twenty) == len(one) <= 5, twenty
    found = page.json()
    assert [p["id"] for p in found] == ids
    assert [p["available"] for p in found] == [p["available"] for p in reversed(parts)]
    assert all(len(p["fitments"]) == 2 for p in found)
    assert [p["origin_schemes"] for p in found] == [[CO_ORIGIN] if i % 3 == 0 else [] for i in reversed(range(20))]


def test_a_search_page_of_20_costs_as_many_queries_as_a_page_of_1(client: TestClient, engine: Engine) -> None:
    a_page(client, engine)
    with selects_sent(app_engine(client)) as one:
        small = client.get("/parts/search", params={"first": 1}, headers=ANONYMOUS)
    with selects_sent(app_engine(client)) as twenty:
        page = client.get("/parts/search", params={"first": 20}, headers=ANONYMOUS)
    assert small.status_code == page.status_code == 200, page.text
    assert len(page.json()["edges"]) == 20
    assert len(twenty) == len(one), twenty


def test_suppliers_by_ids_is_one_query_in_the_order_asked(client: TestClient) -> None:
    suppliers = [create_supplier(client)["id"] for _ in range(20)]
    wanted = list(reversed(suppliers))
    with selects_sent(app_engine(client)) as selects:
        response = client.get("/suppliers/batch", params={"ids": ",".join(wanted)}, headers=ANONYMOUS)
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()] == wanted
    assert len(selects) == 1, selects


def test_fits_answers_20_parts_with_the_queries_of_one(client: TestClient, engine: Engine) -> None:
    parts = a_page(client, engine)
    golf = {"make": "Volkswagen", "model": "Golf", "year": 2011}
    with selects_sent(app_engine(client)) as one:
        single = client.post("/parts/fits", json={"vehicle": golf, "part_ids": [parts[0]["id"]]}, headers=ANONYMOUS)
    with selects_sent(app_engine(client)) as twenty:
        page = client.post(
            "/parts/fits", json={"vehicle": golf, "part_ids": [p["id"] for p in parts]}, headers=ANONYMOUS
        )
    assert single.status_code == page.status_code == 200, page.text
    assert len(twenty) == len(one), twenty
    assert [r["fits"] for r in page.json()["results"]] == [True] * 20
    too_new = client.post(
        "/parts/fits",
        json={"vehicle": golf | {"year": 2020}, "part_ids": [p["id"] for p in parts]},
        headers=ANONYMOUS,
    )
    assert [r["fits"] for r in too_new.json()["results"]] == [False] * 20
