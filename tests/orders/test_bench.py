"""The checkout benchmark runs at a tiny size on the backend under test, so it cannot rot."""

from __future__ import annotations

import pytest

from bench import checkout
from tests.databases import BACKEND, POSTGRES_ADMIN_URL


def test_checkout_bench_places_orders_and_prints_percentiles(capsys: pytest.CaptureFixture[str]) -> None:
    results = checkout.main(
        ["--backend", BACKEND, "--buyers", "6", "--concurrency", "3", "--postgres-url", POSTGRES_ADMIN_URL]
    )
    assert [r["orders"] for r in results] == [6]
    assert results[0]["failures"] == {}
    assert 0 < results[0]["both_p50_ms"] <= results[0]["both_p99_ms"]
    out = capsys.readouterr().out
    assert "quote+place  p50" in out and "orders/s" in out
