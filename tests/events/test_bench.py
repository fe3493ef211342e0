"""The events benchmark runs at a small size on the backend under test, so it cannot rot."""

from __future__ import annotations

import pytest

from bench import events
from tests.databases import BACKEND, POSTGRES_ADMIN_URL


def test_events_bench_applies_every_event_and_prints_throughput_and_lag(capsys: pytest.CaptureFixture[str]) -> None:
    results = events.main(
        ["--backend", BACKEND, "--rate", "200", "--seconds", "2", "--postgres-url", POSTGRES_ADMIN_URL]
    )
    assert [(r["events"], r["applied"]) for r in results] == [(400, 400)]
    assert 0 < results[0]["lag_p50_ms"] <= results[0]["lag_p99_ms"] <= results[0]["lag_max_ms"]
    out = capsys.readouterr().out
    assert "throughput" in out and "lag commit→applied  p50" in out and "p99" in out and "max" in out
