"""The make, model and year selectors offer what listed parts fit, each make named the way most
of its fitments spell it; the makes cost a probe per make rather than a pass over every fitment
(every search page asks for them), and an answer is kept a minute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.common.clock import travel
from tests.catalog.factories import ANONYMOUS, as_supplier, create_part, create_supplier
from tests.statements import selects_sent


def fits(make: str, model: str = "Golf") -> list[dict[str, Any]]:
    return [{"make": make, "model": model, "year_from": 2009, "year_to": 2013}]


def test_the_makes_are_the_listed_parts_named_as_most_suppliers_spell_them(client: TestClient) -> None:
    supplier = create_supplier(client)["id"]
    for make in ("Volkswagen", "Volkswagen", "VW"):
        create_part(client, supplier, fitments=fits(make))
    create_part(client, supplier, fitments=fits("toyota", "Corolla"))
    delisted = create_part(client, supplier, fitments=fits("Lada", "Niva"))
    response = client.patch(f"/parts/{delisted['id']}", json={"listed": False}, headers=as_supplier(supplier))
    assert response.status_code == 200, response.text

    options = client.get("/fitment/options", headers=ANONYMOUS)
    assert options.status_code == 200, options.text
    assert options.json() == {"makes": ["toyota", "Volkswagen"], "models": [], "years": []}
    golf = client.get("/fitment/options", params={"make": "VW", "model": "Golf"}, headers=ANONYMOUS).json()
    assert golf["models"] == ["Golf"] and golf["years"] == [2013, 2012, 2011, 2010, 2009]


def test_the_makes_cost_one_query_for_the_keys_and_one_per_make(client: TestClient, engine: Engine) -> None:
    supplier = create_supplier(client)["id"]
    for make in ("Volkswagen", "Audi", "Toyota", "BYD"):
        create_part(client, supplier, fitments=fits(make))
        create_part(client, supplier, fitments=fits(make))
    app_engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with selects_sent(app_engine) as selects:
        makes = client.get("/fitment/options", headers=ANONYMOUS).json()["makes"]
    assert makes == ["Audi", "BYD", "Toyota", "Volkswagen"]
    assert len(selects) == 1 + len(makes), selects


def test_an_answer_is_kept_a_minute_then_the_new_make_shows(client: TestClient, engine: Engine) -> None:
    """The selectors' answers are kept per process for `selector_cache_seconds` (60): every
    search page asks for the makes, which change only when a part of a new make is listed."""
    supplier = create_supplier(client)["id"]
    create_part(client, supplier, fitments=fits("Volkswagen"))
    assert client.get("/fitment/options", headers=ANONYMOUS).json()["makes"] == ["Volkswagen"]
    vw = client.get("/fitment/options", params={"make": "VW"}, headers=ANONYMOUS).json()
    assert vw["models"] == ["Golf"]

    create_part(client, supplier, fitments=fits("BYD", "Seal"))
    create_part(client, supplier, fitments=fits("Volkswagen", "Passat"))
    app_engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with selects_sent(app_engine) as selects:
        assert client.get("/fitment/options", headers=ANONYMOUS).json()["makes"] == ["Volkswagen"]
        # `Volkswagen` asks what `VW` asked: the same answer.
        same = client.get("/fitment/options", params={"make": "Volkswagen"}, headers=ANONYMOUS).json()
        assert same == vw
    assert selects == []
    # Search itself is never kept: the new part is found at once.
    found = client.get("/parts/search", params={"make": "BYD"}, headers=ANONYMOUS).json()
    assert len(found["edges"]) == 1

    with travel(timedelta(seconds=61)):
        assert client.get("/fitment/options", headers=ANONYMOUS).json()["makes"] == ["BYD", "Volkswagen"]
        models = client.get("/fitment/options", params={"make": "VW"}, headers=ANONYMOUS).json()["models"]
        assert models == ["Golf", "Passat"]
