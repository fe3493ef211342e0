"""Order numbers: TN-<year>-<sequence>, one per order, allocated safely under concurrency, and
an order found by its number by its buyer only."""

from __future__ import annotations

import asyncio
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session

from services.common.clock import utcnow
from services.orders.checkout import numbers
from tests.orders.factories import Stack, as_buyer

ORDERS = 40


def test_an_order_has_a_number_its_buyer_finds_it_by_and_no_one_else(stack: Stack, buyer: str) -> None:
    part = stack.part(stack.supplier(), on_hand=5)
    first = stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])["order"]
    second = stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])["order"]
    year = utcnow().year
    assert re.fullmatch(rf"TN-{year}-\d{{6}}", first["number"])
    assert int(second["number"][-6:]) == int(first["number"][-6:]) + 1

    # As the buyer may type it: lower case, the sequence without its leading zeros.
    typed = f"tn-{year}-{int(first['number'][-6:])}"
    found = stack.orders.get(f"/orders/by-number/{typed}", headers=as_buyer(buyer))
    assert found.status_code == 200, found.text
    assert found.json()["id"] == first["id"]

    stranger = stack.orders.get(f"/orders/by-number/{first['number']}", headers=as_buyer("acct-someone-else"))
    assert stranger.status_code == 404
    assert stranger.json()["field"] == "number"
    nonsense = stack.orders.get("/orders/by-number/not-a-number", headers=as_buyer(buyer))
    assert nonsense.status_code == 404
    assert nonsense.json()["field"] == "number"


def test_numbers_restart_each_year_and_continue_within_it(stack: Stack) -> None:
    with Session(stack.engine) as session:
        a = numbers.allocate(session, datetime(2031, 12, 31, 23, 59, tzinfo=UTC))
        b = numbers.allocate(session, datetime(2031, 12, 31, 23, 59, tzinfo=UTC))
        c = numbers.allocate(session, datetime(2032, 1, 1, tzinfo=UTC))
        session.commit()
    assert (a, b, c) == ("TN-2031-000001", "TN-2031-000002", "TN-2032-000001")


@pytest.mark.postgres_only
def test_concurrent_allocations_on_postgresql_give_distinct_consecutive_numbers(stack: Stack) -> None:
    when = datetime(2040, 6, 1, tzinfo=UTC)

    def one(_: int) -> str:
        with Session(stack.engine) as session:
            number = numbers.allocate(session, when)
            session.commit()
            return number

    with ThreadPoolExecutor(max_workers=12) as pool:
        given = list(pool.map(one, range(60)))
    assert sorted(given) == [numbers.format_number(2040, n) for n in range(1, 61)]


@pytest.mark.postgres_only
def test_orders_placed_at_once_on_postgresql_each_get_their_own_number(stack: Stack) -> None:
    part = stack.part(stack.supplier(), on_hand=ORDERS)
    buyers = [f"acct-numbered-{i:02d}" for i in range(ORDERS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        quotes = list(pool.map(lambda b: stack.quote(b, [(part["id"], 1)]), buyers))

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=stack.orders_url, timeout=120) as client:
            return list(
                await asyncio.gather(
                    *(
                        client.post(
                            "/orders",
                            json={"quote_id": q["id"], "idempotency_key": f"n-{uuid.uuid4()}"},
                            headers=as_buyer(b),
                        )
                        for b, q in zip(buyers, quotes, strict=True)
                    )
                )
            )

    responses = asyncio.run(race())
    assert [r.status_code for r in responses] == [201] * ORDERS
    given = sorted(int(r.json()["order"]["number"][-6:]) for r in responses)
    assert given == list(range(1, ORDERS + 1))
