"""Stock reservations: all or nothing, idempotent by key, commit, release, expiry, no overselling."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlmodel import col

from marketplace.actors import SYSTEM as SYSTEM_ACTOR
from services.catalog import reservations
from services.catalog.contract import ReservationCreate
from services.catalog.models import Reservation, Stock
from services.common.clock import utcnow
from services.common.db import session_scope
from services.common.errors import Conflict
from tests.catalog.factories import ANONYMOUS, BUYER, SYSTEM, create_part, create_supplier
from tests.databases import Databases
from tests.factories import as_supplier
from tests.ops.worker.helpers import registered, run_until_ticks, worker_context


def stock(client: TestClient, part_id: str) -> tuple[int, int, int]:
    p = client.get(f"/parts/{part_id}", headers=ANONYMOUS).json()
    return p["on_hand"], p["reserved"], p["available"]


def reserve(client: TestClient, key: str, lines: list[tuple[str, int]], **extra: Any) -> Any:
    body = {"idempotency_key": key, "lines": [{"part_id": p, "quantity": q} for p, q in lines]} | extra
    return client.post("/reservations", json=body, headers=SYSTEM)


def reserve_one_unit(engine: Engine, key: str, part_id: uuid.UUID) -> str:
    """One unit reserved straight through the service layer, as one of many racing orders would."""
    data = ReservationCreate(idempotency_key=key, lines=[{"part_id": part_id, "quantity": 1}])
    try:
        with session_scope(engine) as session:
            reservations.reserve(session, SYSTEM_ACTOR, data)
        return "reserved"
    except Conflict:
        return "refused"


def test_all_lines_or_none(client: TestClient, supplier: dict[str, Any]) -> None:
    plenty = create_part(client, supplier["id"], on_hand=10)["id"]
    scarce = create_part(client, supplier["id"], on_hand=1)["id"]
    refused = reserve(client, "order-1-attempt", [(plenty, 3), (scarce, 2)])
    assert refused.status_code == 409
    assert refused.json()["insufficient_part_ids"] == [scarce]
    assert stock(client, plenty) == (10, 0, 10) and stock(client, scarce) == (1, 0, 1)

    made = reserve(client, "order-1-retry", [(plenty, 3), (scarce, 1)], order_ref="ORD-1")
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "ACTIVE"
    assert stock(client, plenty) == (10, 3, 7) and stock(client, scarce) == (1, 1, 0)


def test_the_same_key_returns_the_same_reservation_once(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"], on_hand=5)["id"]
    first = reserve(client, "order-2-key", [(part, 2)])
    again = reserve(client, "order-2-key", [(part, 2)])
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert stock(client, part) == (5, 2, 3)
    other_lines = reserve(client, "order-2-key", [(part, 3)])
    assert other_lines.status_code == 409 and other_lines.json()["field"] == "idempotency_key"


def test_a_refused_reservation_leaves_nothing_and_its_key_reserves_once_stock_arrives(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    part = create_part(client, supplier["id"], on_hand=1)["id"]
    refused = reserve(client, "order-2b-late", [(part, 2)])
    assert refused.status_code == 409, refused.text
    assert client.get("/reservations/order-2b-late", headers=SYSTEM).status_code == 404
    restocked = client.put(f"/parts/{part}/stock", json={"on_hand": 3}, headers=as_supplier(supplier["id"]))
    assert restocked.status_code == 200, restocked.text

    again = reserve(client, "order-2b-late", [(part, 2)])
    assert again.status_code == 201, again.text
    assert again.json()["status"] == "ACTIVE" and again.json()["lines"] == [{"part_id": part, "quantity": 2}]
    assert stock(client, part) == (3, 2, 1)


def test_commit_takes_units_out_of_stock_and_release_gives_them_back(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    part = create_part(client, supplier["id"], on_hand=5)["id"]
    reserve(client, "order-3-paid", [(part, 2)])
    reserve(client, "order-3-cancelled", [(part, 1)])
    committed = client.post("/reservations/order-3-paid/commit", headers=SYSTEM)
    assert committed.status_code == 200 and committed.json()["status"] == "COMMITTED"
    assert stock(client, part) == (3, 1, 2)
    assert client.post("/reservations/order-3-paid/commit", headers=SYSTEM).json()["status"] == "COMMITTED"
    assert stock(client, part) == (3, 1, 2)

    released = client.post("/reservations/order-3-cancelled/release", headers=SYSTEM)
    assert released.json()["status"] == "RELEASED" and stock(client, part) == (3, 0, 3)
    assert client.post("/reservations/order-3-cancelled/release", headers=SYSTEM).status_code == 200
    assert stock(client, part) == (3, 0, 3)

    assert client.post("/reservations/order-3-paid/release", headers=SYSTEM).status_code == 409
    assert client.post("/reservations/order-3-cancelled/commit", headers=SYSTEM).status_code == 409
    assert client.post("/reservations/no-such-key/commit", headers=SYSTEM).status_code == 404


def test_a_sold_order_cancelled_before_shipment_puts_its_units_back_once(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    part = create_part(client, supplier["id"], on_hand=5)["id"]
    reserve(client, "order-4-paid", [(part, 2)])
    reserve(client, "order-4-pending", [(part, 1)])
    client.post("/reservations/order-4-paid/commit", headers=SYSTEM)
    assert stock(client, part) == (3, 1, 2)
    restocked = client.post("/reservations/order-4-paid/restock", headers=SYSTEM)
    assert restocked.status_code == 200 and restocked.json()["status"] == "RESTOCKED"
    assert stock(client, part) == (5, 1, 4)
    assert client.post("/reservations/order-4-paid/restock", headers=SYSTEM).json()["status"] == "RESTOCKED"
    assert stock(client, part) == (5, 1, 4)
    # Only sold units come back this way; a reservation still held is released instead.
    assert client.post("/reservations/order-4-pending/restock", headers=SYSTEM).status_code == 409
    assert client.post("/reservations/order-4-paid/commit", headers=SYSTEM).status_code == 409
    assert client.post("/reservations/order-4-paid/restock", headers=BUYER).status_code == 403


def test_sweep_releases_only_expired_reservations(client: TestClient, supplier: dict[str, Any], engine: Engine) -> None:
    part = create_part(client, supplier["id"], on_hand=4)["id"]
    reserve(client, "order-4-stale", [(part, 1)], ttl_seconds=60)
    reserve(client, "order-4-fresh", [(part, 2)], ttl_seconds=600)
    with engine.begin() as connection:
        connection.execute(
            update(Reservation)
            .where(Reservation.idempotency_key == "order-4-stale")  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    swept = client.post("/reservations/sweep", headers=SYSTEM)
    assert swept.status_code == 200 and swept.json() == {"expired": 1}
    assert client.get("/reservations/order-4-stale", headers=SYSTEM).json()["status"] == "EXPIRED"
    assert client.get("/reservations/order-4-fresh", headers=SYSTEM).json()["status"] == "ACTIVE"
    assert stock(client, part) == (4, 2, 2)
    assert client.post("/reservations/sweep", headers=SYSTEM).json() == {"expired": 0}
    assert client.post("/reservations/order-4-stale/commit", headers=SYSTEM).status_code == 409


def test_only_the_orders_service_or_admins_reserve(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"], on_hand=4)["id"]
    body = {"idempotency_key": "order-5-key", "lines": [{"part_id": part, "quantity": 1}]}
    for headers in (BUYER, ANONYMOUS, as_supplier(supplier["id"])):
        assert client.post("/reservations", json=body, headers=headers).status_code == 403
    assert client.post("/reservations/sweep", headers=BUYER).status_code == 403
    assert stock(client, part) == (4, 0, 4)


def test_bad_reservations_are_4xx(client: TestClient, supplier: dict[str, Any]) -> None:
    part = create_part(client, supplier["id"], on_hand=4)
    for lines, field in (([(part["id"], 0)], "lines.0.quantity"), ([], "lines")):
        response = reserve(client, "order-6-key", lines)
        assert response.status_code == 422 and response.json()["field"] == field
    unknown = reserve(client, "order-6-key", [(str(uuid.uuid4()), 1)])
    assert unknown.status_code == 404 and unknown.json()["field"] == "lines.0.part_id"
    client.delete(f"/parts/{part['id']}", headers=as_supplier(supplier["id"]))
    assert reserve(client, "order-6-key", [(part["id"], 1)]).status_code == 409


@pytest.mark.postgres_only
def test_200_concurrent_one_unit_reservations_against_20_units(
    client: TestClient, supplier: dict[str, Any], engine: Engine
) -> None:
    part_id = uuid.UUID(create_part(client, supplier["id"], on_hand=20)["id"])
    start = threading.Barrier(40)

    def attempt(n: int) -> str:
        if n < 40:
            start.wait()
        return reserve_one_unit(engine, f"race-order-{n:03d}", part_id)

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(attempt, range(200)))

    assert outcomes.count("reserved") == 20
    assert outcomes.count("refused") == 180
    with session_scope(engine) as session:
        row = session.get(Stock, part_id)
        assert row is not None and (row.on_hand, row.reserved) == (20, 20)
        active = session.scalar(
            select(func.count()).select_from(Reservation).where(col(Reservation.status) == "ACTIVE")
        )
    assert active == 20


def test_the_workers_sweep_job_releases_expired_reservations(
    databases: Databases, client: TestClient, engine: Engine, nats_url: str
) -> None:
    # The catalog web process runs no sweeper of its own any more: the worker's job does it.
    part = create_part(client, create_supplier(client)["id"], on_hand=2)["id"]
    reserve(client, "order-7-stale", [(part, 2)], ttl_seconds=30)
    with engine.begin() as connection:
        connection.execute(
            update(Reservation)
            .where(Reservation.idempotency_key == "order-7-stale")  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert stock(client, part) == (2, 2, 0)
    context = worker_context(databases, nats_url, reservation_sweep_every_seconds=1)
    run_until_ticks(context, registered(context, "reservation_sweep"), 1)
    assert stock(client, part) == (2, 0, 2)
    assert client.get("/reservations/order-7-stale", headers=SYSTEM).json()["status"] == "EXPIRED"


def test_concurrent_reservations_never_oversell_on_either_database(
    client: TestClient, supplier: dict[str, Any], engine: Engine
) -> None:
    part_id = uuid.UUID(create_part(client, supplier["id"], on_hand=10)["id"])
    start = threading.Barrier(16)

    def attempt(n: int) -> str:
        start.wait()
        return reserve_one_unit(engine, f"both-order-{n:03d}", part_id)

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert (outcomes.count("reserved"), outcomes.count("refused")) == (10, 6)
    assert stock(client, str(part_id)) == (10, 10, 0)


def test_active_reservations_made_before_a_time_for_the_orders_service_only(
    client: TestClient, supplier: dict[str, Any]
) -> None:
    part = create_part(client, supplier["id"], on_hand=10)["id"]
    for key in ("order-active-1", "order-active-2", "order-settled"):
        assert reserve(client, key, [(part, 1)], order_ref=key).status_code == 201
    assert client.post("/reservations/order-settled/release", headers=SYSTEM).status_code == 200
    later = (utcnow() + timedelta(seconds=1)).isoformat()

    found = client.get("/reservations/active", params={"created_before": later}, headers=SYSTEM)
    assert found.status_code == 200, found.text
    assert [r["idempotency_key"] for r in found.json()] == ["order-active-1", "order-active-2"]
    assert found.json()[0]["order_ref"] == "order-active-1" and found.json()[0]["status"] == "ACTIVE"
    one = client.get("/reservations/active", params={"created_before": later, "limit": 1}, headers=SYSTEM)
    assert [r["idempotency_key"] for r in one.json()] == ["order-active-1"]
    earlier = (utcnow() - timedelta(hours=1)).isoformat()
    assert client.get("/reservations/active", params={"created_before": earlier}, headers=SYSTEM).json() == []

    naive = client.get("/reservations/active", params={"created_before": "2026-01-01T00:00:00"}, headers=SYSTEM)
    assert naive.status_code == 422 and naive.json()["field"] == "created_before"
    refused = client.get("/reservations/active", params={"created_before": later}, headers=BUYER)
    assert refused.status_code == 403
