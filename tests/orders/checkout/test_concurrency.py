"""Checkout under contention, on PostgreSQL: 300 buyers race for 30 units of one part.

All 300 placeOrder calls are issued at once; at most IN_FLIGHT are on the wire at a time, so the
three services' connection pools stay within the shared test server's 100 connections (the
services run 40 request threads each, so the server-side concurrency is the same)."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from services.orders.models import Order
from tests.orders.factories import Stack, as_buyer

BUYERS = 300
UNITS = 30
IN_FLIGHT = 30


@pytest.mark.postgres_only
def test_300_concurrent_place_orders_for_30_units_give_exactly_30_orders(stack: Stack) -> None:
    part = stack.part(stack.supplier(), on_hand=UNITS)
    buyers = [f"acct-racer-{i:03d}" for i in range(BUYERS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        quotes = list(pool.map(lambda b: stack.quote(b, [(part["id"], 1)]), buyers))

    async def race() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=IN_FLIGHT)
        async with httpx.AsyncClient(base_url=stack.orders_url, timeout=120, limits=limits) as client:

            async def place(buyer: str, quote: dict[str, Any]) -> httpx.Response:
                # As a buyer's browser would: a connection that drops mid-request is tried again
                # with the same idempotency key, which must not place a second order.
                key = f"race-{uuid.uuid4()}"
                for attempt in range(3):
                    try:
                        return await client.post(
                            "/orders", json={"quote_id": quote["id"], "idempotency_key": key}, headers=as_buyer(buyer)
                        )
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                raise AssertionError("unreachable")

            return list(await asyncio.gather(*(place(b, q) for b, q in zip(buyers, quotes, strict=True))))

    responses = asyncio.run(race())
    codes: dict[int, int] = {}
    for r in responses:
        codes[r.status_code] = codes.get(r.status_code, 0) + 1
    assert codes == {201: UNITS, 409: BUYERS - UNITS}, codes
    refused: list[dict[str, Any]] = [r.json() for r in responses if r.status_code == 409]
    assert {p["code"] for p in refused} == {"OUT_OF_STOCK"}
    assert stack.stock(part["id"]) == {"on_hand": UNITS, "reserved": UNITS, "available": 0}
    with Session(stack.engine) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == UNITS
    intents = {r.json()["order"]["payment_intent_id"] for r in responses if r.status_code == 201}
    assert len(intents) == UNITS
