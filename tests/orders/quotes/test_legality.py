"""Legality before price, through the services: search (`shipsTo`), certification's
/eligibility and a quote all refuse a remanufactured part for Brazil with the same reason and
source, while a new part of the same supplier is sold there; a restricted destination and a
country with no market rules are refused everywhere, naming the field."""

from __future__ import annotations

from typing import Any

from tests.orders.factories import SYSTEM, Stack


def _search(stack: Stack, country: str, supplier: str) -> Any:
    return stack.catalog.get("/parts/search", params={"ships_to": country, "supplier_id": supplier}, headers=SYSTEM)


def _eligibility(stack: Stack, country: str, parts: list[dict[str, Any]]) -> Any:
    refs = [
        {"part_id": p["id"], "supplier_id": p["supplier_id"], "category": p["category"], "condition": p["condition"]}
        for p in parts
    ]
    return stack.certification.post("/eligibility", json={"country": country, "parts": refs}, headers=SYSTEM)


def test_a_remanufactured_part_is_refused_for_brazil_with_its_reason_everywhere_a_new_one_is_not(
    stack: Stack, buyer: str
) -> None:
    supplier = stack.supplier()  # ISO 9001: all an alternator needs in Brazil's and the GCC's market rules
    reman = stack.part(supplier)  # REMANUFACTURED
    new = stack.part(supplier, condition="NEW", title_en="New alternator 140 A for Volkswagen Golf VI")

    # Search: shipsTo=BR leaves the remanufactured part out and says why.
    page = _search(stack, "BR", supplier)
    assert page.status_code == 200, page.text
    body = page.json()
    assert [e["node"]["id"] for e in body["edges"]] == [new["id"]]
    restricted = {r["condition"]: r for r in body["restrictions"]}
    assert set(restricted) == {"USED", "REMANUFACTURED", "REFURBISHED"}
    assert restricted["REMANUFACTURED"]["measure"] == "licence"
    assert "SECEX" in restricted["REMANUFACTURED"]["source"]
    # Restrictions are per country, the read model per market: Saudi Arabia refuses remanufactured
    # parts, the UAE (same GCC market) lists them.
    assert [e["node"]["id"] for e in _search(stack, "SA", supplier).json()["edges"]] == [new["id"]]
    assert {e["node"]["id"] for e in _search(stack, "AE", supplier).json()["edges"]} == {reman["id"], new["id"]}

    # Eligibility: the same rule, the same reason and source.
    answer = _eligibility(stack, "BR", [reman, new])
    assert answer.status_code == 200, answer.text
    verdicts = {r["part_id"]: r for r in answer.json()["results"]}
    assert verdicts[new["id"]]["eligible"] is True and verdicts[new["id"]]["reasons"] == []
    refused = verdicts[reman["id"]]
    assert refused["eligible"] is False and refused["missing_schemes"] == []
    assert [r["code"] for r in refused["reasons"]] == ["CONDITION_LICENCE_REQUIRED"]
    assert "SECEX" in refused["reasons"][0]["source"]

    # The catalog's answer to orders (quotes and the re-check before payment) gives it too.
    markets = stack.catalog.post(
        "/parts/markets", json={"country": "BR", "part_ids": [reman["id"], new["id"]]}, headers=SYSTEM
    ).json()
    assert [(p["eligible"], [r["code"] for r in p["reasons"]]) for p in markets["parts"]] == [
        (False, ["CONDITION_LICENCE_REQUIRED"]),
        (True, []),
    ]

    # A quote: refused with the reason and its source, naming the line; the new part is quoted.
    quote = stack.quote(buyer, [(reman["id"], 1)], country="BR", currency="USD", expect=422)
    assert quote["code"] == "PART_NOT_ELIGIBLE" and quote["field"] == "lines.0.part_id"
    assert "import licence" in quote["detail"] and quote["missing_schemes"] == []
    assert quote["reasons"][0]["code"] == "CONDITION_LICENCE_REQUIRED" and "SECEX" in quote["reasons"][0]["source"]
    assert stack.quote(buyer, [(new["id"], 1)], country="BR", currency="USD")["destination_country"] == "BR"


def test_restricted_and_unserved_destinations_are_refused_naming_the_field(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    for country, code in (("KP", "DESTINATION_RESTRICTED"), ("AR", "DESTINATION_NOT_SERVED")):
        search = _search(stack, country, alternator["supplier_id"])
        assert search.status_code == 422 and search.json()["code"] == code
        assert search.json()["field"] == "ships_to"
        eligibility = _eligibility(stack, country, [alternator])
        assert eligibility.status_code == 422 and eligibility.json()["code"] == code
        assert eligibility.json()["field"] == "country"
        quote = stack.quote(buyer, [(alternator["id"], 1)], country=country, currency="USD", expect=422)
        assert quote["code"] == code and quote["field"] == "destinationCountry"
    # The embargo's instrument is named.
    assert "2397" in _search(stack, "KP", alternator["supplier_id"]).json()["source"]
    estimate = stack.orders.post(
        "/estimates/parts",
        json={
            "destination_country": "KP",
            "currency": "USD",
            "parts": [
                {"part_id": "p", "category": "alternator", "hs_code": "851150", "weight_grams": 6200, "price_cny": 1}
            ],
        },
        headers=SYSTEM,
    )
    assert estimate.status_code == 422 and estimate.json()["code"] == "DESTINATION_RESTRICTED"
    assert estimate.json()["field"] == "destinationCountry"
