"""A burst of requests bigger than a service's connection pool is served in turn, never
stuck: no request waits out the pool's timeout, and if one ever did it would get a 503."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text

from services.catalog.settings import CatalogSettings
from services.common import db
from services.common.app import SessionDep, build_service_app
from tests.databases import Databases

POOL = 2
BURST = 60


def app_with_a_small_pool(
    databases: Databases, monkeypatch: pytest.MonkeyPatch, concurrent_requests: int | None
) -> Any:
    monkeypatch.setattr(db, "POOL_SIZE", POOL)
    monkeypatch.setattr(db, "POOL_OVERFLOW", 0)
    monkeypatch.setattr(db, "POOL_TIMEOUT_SECONDS", 2.0)
    router = APIRouter()

    @router.get("/work")
    def work(session: SessionDep) -> dict[str, int]:
        # A sync route, as the services' are: its response is validated on a worker thread too.
        value = session.exec(text("SELECT 1")).scalar_one()  # type: ignore[call-overload]
        time.sleep(0.005)
        return {"value": int(value)}

    settings = CatalogSettings(database_url=databases.fresh("catalog"))
    return build_service_app(
        settings, title="t", description="t", routers=[router], concurrent_requests=concurrent_requests
    )


def burst(app: Any) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service", timeout=60) as client:
            return list(await asyncio.gather(*(client.get("/work") for _ in range(BURST))))

    return asyncio.run(run())


def test_a_burst_past_the_pool_is_served_in_turn(databases: Databases, monkeypatch: pytest.MonkeyPatch) -> None:
    responses = burst(app_with_a_small_pool(databases, monkeypatch, concurrent_requests=POOL))
    assert [r.status_code for r in responses] == [200] * BURST
    assert all(r.json() == {"value": 1} for r in responses)


def test_without_admission_the_burst_gets_stuck_and_a_stuck_request_gets_503(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    responses = burst(app_with_a_small_pool(databases, monkeypatch, concurrent_requests=None))
    stuck = [r for r in responses if r.status_code != 200]
    assert stuck, "every request was served: the pool never ran dry, so this proves nothing"
    for response in stuck:
        assert response.status_code == 503
        assert response.json()["code"] == "SERVICE_BUSY"
        assert response.headers["retry-after"] == "1"
