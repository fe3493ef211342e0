"""The catalog's events: each change to a part or its stock writes its event in the same
transaction, and a change refused or rolled back leaves no event behind."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session

from marketplace.actors import Actor
from marketplace.roles import Role
from services.catalog import service
from services.catalog.contract import PartCreate, PartUpdate
from services.catalog.models import EVENTS, Part, table
from tests.catalog.factories import SYSTEM, create_part, part_body
from tests.factories import as_supplier

PART_EVENTS = ("part.created", "part.updated", "part.delisted", "stock.changed")


def events(engine: Engine) -> list[dict[str, Any]]:
    """The outbox's envelopes, oldest first."""
    with engine.connect() as connection:
        return list(connection.execute(select(EVENTS.outbox.c.envelope).order_by(EVENTS.outbox.c.seq)).scalars())


def kinds(engine: Engine) -> list[str]:
    return [e["type"] for e in events(engine)]


def test_a_part_created_changed_delisted_and_restocked_writes_each_event(
    client: TestClient, engine: Engine, supplier: dict[str, Any]
) -> None:
    owner = as_supplier(supplier["id"])
    part = create_part(client, supplier["id"], on_hand=5, price_cny=118000, core_charge_cny=30000)
    [created] = events(engine)
    assert created["type"] == "part.created" and created["version"] == 1 and created["source"] == "catalog"
    assert created["aggregate_id"] == part["id"]
    assert created["data"] == {
        "part_id": part["id"],
        "supplier_id": supplier["id"],
        "sku": part["sku"],
        "category": "alternator",
        "condition": "REMANUFACTURED",
        "price": {"amount": 118000, "currency": "CNY"},
        "core_charge": {"amount": 30000, "currency": "CNY"},
        "listed": True,
        "stock": {"on_hand": 5, "reserved": 0, "available": 5},
    }

    patched = client.patch(f"/parts/{part['id']}", json={"price_cny": 99000, "title_en": "Alternator"}, headers=owner)
    assert patched.status_code == 200, patched.text
    updated = events(engine)[-1]
    assert updated["type"] == "part.updated"
    assert updated["data"] == {
        "part_id": part["id"],
        "supplier_id": supplier["id"],
        "changed": ["price_cny", "title_en"],
        "price": {"amount": 99000, "currency": "CNY"},
        "listed": True,
    }
    # The same values again change nothing, so they tell nothing.
    assert client.patch(f"/parts/{part['id']}", json={"price_cny": 99000}, headers=owner).status_code == 200
    assert kinds(engine) == ["part.created", "part.updated"]

    assert client.put(f"/parts/{part['id']}/stock", json={"on_hand": 8}, headers=owner).status_code == 200
    stocked = events(engine)[-1]
    assert stocked["type"] == "stock.changed" and stocked["aggregate_id"] == part["id"]
    assert stocked["data"] == {"part_id": part["id"], "on_hand": 8, "reserved": 0, "available": 8}

    assert client.delete(f"/parts/{part['id']}", headers=owner).status_code == 200
    delisted = events(engine)[-1]
    assert delisted["type"] == "part.delisted" and delisted["data"]["part_id"] == part["id"]
    assert delisted["data"]["supplier_id"] == supplier["id"] and delisted["data"]["delisted_at"]
    assert client.delete(f"/parts/{part['id']}", headers=owner).status_code == 200  # delisted already
    relisted = client.patch(f"/parts/{part['id']}", json={"listed": True}, headers=owner)
    assert relisted.status_code == 200, relisted.text
    assert events(engine)[-1]["data"]["changed"] == ["listed"]
    unlisted = client.patch(f"/parts/{part['id']}", json={"listed": False}, headers=owner)
    assert unlisted.status_code == 200, unlisted.text
    assert kinds(engine) == [
        "part.created",
        "part.updated",
        "stock.changed",
        "part.delisted",
        "part.updated",
        "part.delisted",
    ]


def test_reservations_report_the_stock_they_leave(client: TestClient, engine: Engine, supplier: dict[str, Any]) -> None:
    a = create_part(client, supplier["id"], on_hand=5)["id"]
    b = create_part(client, supplier["id"], on_hand=2)["id"]

    def stock_events() -> list[tuple[str, int, int, int]]:
        return [
            (e["data"]["part_id"], e["data"]["on_hand"], e["data"]["reserved"], e["data"]["available"])
            for e in events(engine)
            if e["type"] == "stock.changed"
        ]

    def reserve(key: str, lines: list[tuple[str, int]]) -> int:
        body = {"idempotency_key": key, "lines": [{"part_id": p, "quantity": q} for p, q in lines]}
        return client.post("/reservations", json=body, headers=SYSTEM).status_code

    assert reserve("order-0001", [(a, 2), (b, 1)]) == 201
    assert sorted(stock_events()) == sorted([(a, 5, 2, 3), (b, 2, 1, 1)])
    assert reserve("order-0001", [(a, 2), (b, 1)]) == 200  # the same key again: nothing changed
    assert reserve("order-0002", [(a, 1), (b, 5)]) == 409  # refused: nothing reserved, nothing told
    assert len(stock_events()) == 2

    assert client.post("/reservations/order-0001/commit", headers=SYSTEM).status_code == 200
    assert sorted(stock_events()[2:]) == sorted([(a, 3, 0, 3), (b, 1, 0, 1)])
    assert client.post("/reservations/order-0001/commit", headers=SYSTEM).status_code == 200
    assert client.post("/reservations/order-0001/restock", headers=SYSTEM).status_code == 200
    assert sorted(stock_events()[4:]) == sorted([(a, 5, 0, 5), (b, 2, 0, 2)])

    assert reserve("order-0003", [(a, 4)]) == 201
    assert client.post("/reservations/order-0003/release", headers=SYSTEM).status_code == 200
    assert client.post("/reservations/order-0003/release", headers=SYSTEM).status_code == 200
    assert stock_events()[6:] == [(a, 5, 4, 1), (a, 5, 0, 5)]


def test_a_refused_change_leaves_no_event(client: TestClient, engine: Engine, supplier: dict[str, Any]) -> None:
    owner = as_supplier(supplier["id"])
    part = create_part(client, supplier["id"], sku="ALT-ONCE", on_hand=3)
    twin = client.post("/parts", json=part_body(sku="ALT-ONCE"), headers=owner)
    assert twin.status_code == 409
    bad_price = client.patch(f"/parts/{part['id']}", json={"price_cny": -1}, headers=owner)
    assert bad_price.status_code == 422
    reserved = client.post(
        "/reservations",
        json={"idempotency_key": "hold-0001", "lines": [{"part_id": part["id"], "quantity": 3}]},
        headers=SYSTEM,
    )
    assert reserved.status_code == 201
    below = client.put(f"/parts/{part['id']}/stock", json={"on_hand": 1}, headers=owner)
    assert below.status_code == 409 and below.json()["field"] == "on_hand"
    assert kinds(engine) == ["part.created", "stock.changed"]


def test_events_are_rolled_back_with_their_transaction(engine: Engine, supplier: dict[str, Any]) -> None:
    supplier_id = uuid.UUID(supplier["id"])
    actor = Actor(id=f"acct-{supplier_id}", role=Role.SUPPLIER, supplier_id=str(supplier_id))
    with Session(engine) as session:
        part = service.create_part(session, actor, PartCreate.model_validate(part_body(on_hand=2)))
        service.update_part(session, actor, part.id, PartUpdate(price_cny=1000))
        service.set_stock(session, actor, part.id, 4)
        service.delist_part(session, actor, part.id)
        assert len(events_in(session)) == 4  # written, in this transaction
        session.rollback()
    with Session(engine) as session:
        kept = session.scalars(select(table(Part).c.id)).all()
    # Whatever of the transaction survives has its event, and nothing else does. (PostgreSQL keeps
    # nothing; pysqlite commits a savepoint that opened the transaction, as the new part's did.)
    assert [(e["type"], uuid.UUID(e["aggregate_id"])) for e in events(engine)] == [
        ("part.created", part_id) for part_id in kept
    ]


def events_in(session: Session) -> list[Any]:
    return list(session.execute(select(EVENTS.outbox.c.seq)).scalars())


def test_a_csv_import_writes_an_event_per_part_and_none_for_a_bad_row(
    client: TestClient, engine: Engine, supplier: dict[str, Any]
) -> None:
    header = "sku,title_en,category,condition,oem_numbers,price_cny,weight_grams,on_hand"
    owner = as_supplier(supplier["id"])

    def load(*rows: str) -> dict[str, Any]:
        response = client.post("/parts/import", json={"csv": "\n".join([header, *rows])}, headers=owner)
        assert response.status_code == 200, response.text
        return dict(response.json())

    first = load(
        "CSV-1,Reman starter,starter,REMANUFACTURED,X1,100.00,3000,2",
        "CSV-2,Reman pump,water_pump,USED,X2,50.00,1500,1",
        "CSV-3,Bad,warp_core,USED,X3,10.00,100,1",
    )
    assert (first["created"], len(first["errors"])) == (2, 1)
    created = events(engine)
    assert [(e["type"], e["data"]["sku"]) for e in created] == [("part.created", "CSV-1"), ("part.created", "CSV-2")]

    again = load(
        "CSV-1,Reman starter,starter,REMANUFACTURED,X1,120.00,3000,6",
        "CSV-2,Reman pump,water_pump,USED,X2,50.00,1500,-1",  # refused: negative stock
    )
    assert (again["updated"], len(again["errors"])) == (1, 1)
    later = events(engine)[2:]
    assert [e["type"] for e in later] == ["part.updated", "stock.changed"]
    assert later[0]["data"]["changed"] == ["price_cny"]
    assert later[1]["data"] == {
        "part_id": created[0]["data"]["part_id"],
        "on_hand": 6,
        "reserved": 0,
        "available": 6,
    }
