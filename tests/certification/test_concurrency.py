"""Concurrent submissions of the same certificate: one record, never a 500 (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.certification.factories import INSPECTOR, today
from tests.factories import as_supplier


def race(client: TestClient, calls: list[dict[str, Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    responses: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        responses[index] = client.post("/certificates", **calls[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def body(holder: uuid.UUID, number: str) -> dict[str, Any]:
    return {
        "scheme": "ECE_R90",
        "number": number,
        "issuing_body": "RDW",
        "holder_id": str(holder),
        "holder_name": "Tongnan Brake",
        "scope": {"categories": ["brake_pads"]},
        "valid_from": today().isoformat(),
        "valid_until": (today() + timedelta(days=300)).isoformat(),
    }


@pytest.mark.postgres_only
def test_the_same_number_submitted_concurrently_is_recorded_once(client: TestClient) -> None:
    holder = uuid.uuid4()
    calls = [{"json": body(holder, "E4 90R-01 7777/0001"), "headers": as_supplier(holder)} for _ in range(6)]
    codes = sorted(r.status_code for r in race(client, calls))
    assert codes == [201] + [409] * 5, codes
    listed = client.get("/certificates", params={"holder_id": str(holder)}, headers=INSPECTOR).json()["items"]
    assert len(listed) == 1


@pytest.mark.postgres_only
def test_concurrent_retries_with_one_idempotency_key_return_the_same_certificate(client: TestClient) -> None:
    holder = uuid.uuid4()
    headers = as_supplier(holder) | {"Idempotency-Key": "retry-storm"}
    calls = [{"json": body(holder, "E4 90R-01 7777/0002"), "headers": headers} for _ in range(6)]
    responses = race(client, calls)
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
