"""Markets per part: certificate payloads decide where a supplier's parts may be sold, `shipsTo`
filters on it with exact pages and facets, and POST /parts/markets answers orders."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from services.catalog.models import EVENTS
from services.common.clock import utcnow
from tests.catalog.factories import ANONYMOUS, SYSTEM, apply, certificate, create_part


def shipping(client: TestClient, country: str, **params: Any) -> dict[str, Any]:
    response = client.get("/parts/search", params={"ships_to": country, **params}, headers=ANONYMOUS)
    assert response.status_code == 200, response.text
    return dict(response.json())


def ids(page: dict[str, Any]) -> list[str]:
    return [e["node"]["id"] for e in page["edges"]]


def test_a_revoked_r90_takes_brake_pads_out_of_the_eea_and_announces_it(
    client: TestClient, engine: Engine, supplier: dict[str, Any]
) -> None:
    sid = supplier["id"]
    pads = [create_part(client, sid, category="brake_pads", oem_numbers=[f"04465-3345{n}"]) for n in range(3)]
    alternator = create_part(client, sid)
    assert shipping(client, "DE")["edges"] == []  # no certificates yet: sold nowhere
    apply(engine, certificate(sid, "ISO_9001"))
    assert ids(shipping(client, "DE")) == [alternator["id"]]  # an alternator needs ISO 9001 only in the EEA
    r90 = certificate(sid, "ECE_R90", categories=("brake_pads",))
    changed = apply(engine, r90)
    assert sorted(map(str, changed)) == sorted(p["id"] for p in pads)
    assert set(ids(shipping(client, "DE"))) == {alternator["id"], *(p["id"] for p in pads)}
    # Exact keyset pages over the filter, and facets counted over it.
    first = shipping(client, "DE", first=2, facets=True)
    second = shipping(client, "DE", first=2, after=first["page_info"]["end_cursor"])
    assert len(ids(first)) == 2 and first["page_info"]["has_next_page"]
    assert len(ids(second)) == 2 and not second["page_info"]["has_next_page"]
    assert set(ids(first) + ids(second)) == {alternator["id"], *(p["id"] for p in pads)}
    assert {f["value"]: f["count"] for f in first["facets"]["category"]} == {"brake_pads": 3, "alternator": 1}
    # The US requires FMVSS 135 for brake pads: still only the alternator there.
    assert ids(shipping(client, "US")) == [alternator["id"]]

    revoked = r90 | {"status": "REVOKED", "reason": "test report withdrawn", "updated_at": utcnow().isoformat()}
    assert len(apply(engine, revoked)) == 3
    assert ids(shipping(client, "DE")) == [alternator["id"]]
    with engine.connect() as connection:
        last = connection.execute(
            select(EVENTS.outbox.c.envelope).order_by(EVENTS.outbox.c.seq.desc()).limit(1)
        ).scalar_one()
    assert last["type"] == "part.markets_changed"
    assert "EEA" in last["data"]["removed"] and last["data"]["cause"]["reason"] == "test report withdrawn"
    # The older approval redelivered late changes nothing.
    assert apply(engine, r90) == []
    assert ids(shipping(client, "DE")) == [alternator["id"]]

    response = client.post(
        "/parts/markets", json={"country": "de", "part_ids": [pads[0]["id"], alternator["id"]]}, headers=SYSTEM
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["country"] == "DE" and body["market"] == "EEA"
    assert [(p["eligible"], p["missing_schemes"]) for p in body["parts"]] == [(False, ["ECE_R90"]), (True, [])]


def test_a_new_part_gets_its_markets_when_created_and_an_oem_limited_scope_is_honoured(
    client: TestClient, engine: Engine, supplier: dict[str, Any]
) -> None:
    sid = supplier["id"]
    apply(engine, certificate(sid, "ISO_9001"))
    apply(engine, certificate(sid, "ECE_R90", categories=("brake_pads",), oem_numbers=("0446533450",)))
    covered = create_part(client, sid, category="brake_pads", oem_numbers=["04465-33450"])
    other = create_part(client, sid, category="brake_pads", oem_numbers=["04465-99999"])
    assert ids(shipping(client, "FR")) == [covered["id"]]
    assert other["id"] in ids(shipping(client, "MX"))  # Mexico asks ISO 9001 only of brake pads


def test_bad_countries_are_refused_naming_the_field(client: TestClient) -> None:
    response = client.get("/parts/search", params={"ships_to": "XX"}, headers=ANONYMOUS)
    assert response.status_code == 422 and "ships_to" in response.text
    response = client.post("/parts/markets", json={"country": "ZZ", "part_ids": [str(uuid.uuid4())]}, headers=SYSTEM)
    assert response.status_code == 422 and "country" in response.text


def test_offers_answer_a_quote_at_once_price_stock_origin_and_the_markets_verdict(
    client: TestClient, engine: Engine, supplier: dict[str, Any]
) -> None:
    """What orders asks once per quote: each part's facts, price and stock, the certificates of
    origin covering it, and whether it may be sold in the country, with the reasons; unknown ids
    are left out, and the answer keeps the order asked."""
    sid = supplier["id"]
    apply(engine, certificate(sid, "ISO_9001"))
    apply(engine, certificate(sid, "CO_RCEP", categories=("alternator",)))
    alternator = create_part(client, sid, on_hand=7, price_cny=123400, core_charge_cny=20000)
    pads = create_part(client, sid, category="brake_pads", oem_numbers=["04465-33450"], hs_code="870830")
    reserved = client.post(
        "/reservations",
        json={"idempotency_key": "offers-hold-1", "lines": [{"part_id": alternator["id"], "quantity": 2}]},
        headers=SYSTEM,
    )
    assert reserved.status_code == 201, reserved.text
    unknown = str(uuid.uuid4())
    response = client.post(
        "/parts/offers", json={"country": "de", "part_ids": [pads["id"], unknown, alternator["id"]]}, headers=SYSTEM
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["country"], body["market"]) == ("DE", "EEA")
    assert [p["id"] for p in body["parts"]] == [pads["id"], alternator["id"]]
    offered_pads, offered_alternator = body["parts"]
    assert (offered_alternator["price_cny"], offered_alternator["core_charge_cny"]) == (123400, 20000)
    assert (offered_alternator["available"], offered_alternator["listed"]) == (5, True)
    assert offered_alternator["origin_schemes"] == ["CO_RCEP"] and offered_pads["origin_schemes"] == []
    assert offered_alternator["market"]["eligible"] and offered_alternator["market"]["until"]
    assert (offered_pads["market"]["eligible"], offered_pads["market"]["missing_schemes"]) == (False, ["ECE_R90"])
    assert [r["code"] for r in offered_pads["market"]["reasons"]] == ["MISSING_CERTIFICATION"]
    assert offered_pads["hs_code"] == "870830" and offered_pads["weight_grams"] == 6200

    refused = client.post("/parts/offers", json={"country": "ZZ", "part_ids": [pads["id"]]}, headers=SYSTEM)
    assert refused.status_code == 422 and "country" in refused.text
