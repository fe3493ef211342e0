"""The gateway benchmark runs at a tiny size against a real stack, so it cannot rot."""

from __future__ import annotations

import pytest

from bench import gateway as gateway_bench
from bench import listing_cost
from tests.databases import BACKEND


@pytest.mark.skipif(BACKEND != "sqlite", reason="the benchmark runs its own SQLite stack; once per CI run is enough")
def test_gateway_bench_measures_every_mode(capsys: pytest.CaptureFixture[str]) -> None:
    results = gateway_bench.main(["--seconds", "0.5", "--concurrency", "1,2"])
    modes = {(r.mode, r.concurrency) for r in results}
    assert modes == {(m, c) for m in ("graphql", "rest", "in-memory", "plain") for c in (1, 2)}
    assert all(r.requests > 0 and r.percentile(0.99) > 0 for r in results)
    printed = capsys.readouterr().out
    assert "vs in-memory" in printed and "graphql/rest at 2 clients" in printed


@pytest.mark.skipif(BACKEND != "sqlite", reason="the benchmark runs its own SQLite stack; once per CI run is enough")
def test_listing_cost_bench_reads_every_process_cpu_time(capsys: pytest.CaptureFixture[str]) -> None:
    costs = listing_cost.main(["--listings", "10", "--concurrency", "2"])
    assert [c.mode for c in costs] == ["graphql", "rest"]
    graphql, rest = costs
    # Through the gateway every process works for a listing; straight to the services the gateway idles.
    assert all(graphql.cpu_ms[name] > 0 for name in ("gateway", "catalog", "certification", "orders"))
    assert all(rest.cpu_ms[name] > 0 for name in ("catalog", "certification", "orders"))
    assert rest.cpu_ms["gateway"] < graphql.cpu_ms["gateway"]
    printed = capsys.readouterr().out
    assert "load average" in printed and "services ms" in printed
