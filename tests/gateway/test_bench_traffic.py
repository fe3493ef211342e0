"""The traffic benchmark runs at a tiny size against a real stack on PostgreSQL, so it cannot rot."""

from __future__ import annotations

import pytest

from bench import traffic
from tests.databases import BACKEND, POSTGRES_ADMIN_URL


@pytest.mark.skipif(BACKEND != "postgresql", reason="the benchmark runs on PostgreSQL; once per CI run is enough")
def test_traffic_bench_answers_every_kind_and_reports_memory(capsys: pytest.CaptureFixture[str]) -> None:
    report = traffic.main(
        [
            "--parts", "300",
            "--seconds", "1",
            "--clients", "2",
            "--settings", "cache-on,rest",
            "--rest-visits", "40",
            "--postgres-url", POSTGRES_ADMIN_URL,
            "--cleanup",
        ]
    )  # fmt: skip
    by_setting = {r.setting: r for r in report.results}
    assert set(by_setting) == {"cache-on check", "cache-on", "rest"}
    # Every kind of visit was made through the gateway before timing, and none failed.
    assert set(by_setting["cache-on check"].tally.page_ms) == set(traffic.KINDS)
    for result in report.results:
        assert result.tally.errors == []
    for setting in ("cache-on", "rest"):
        assert by_setting[setting].requests > 0 and by_setting[setting].rps > 0
    # Every process of the stack was measured, and the databases' backends beside them.
    names = {m.name for m in report.memory}
    assert {"gateway", "catalog", "certification", "orders", "worker", "nats", "localstripe"} <= names
    assert all(m.rss > 0 for m in report.memory)
    assert any(m.name.startswith("postgres backends: 300_catalog") for m in report.backends)
    printed = capsys.readouterr().out
    assert "stack and its PostgreSQL backends, total" in printed
    assert "p99 ms" in printed
