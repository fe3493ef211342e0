"""The gateway benchmark runs at a tiny size against a real stack, so it cannot rot."""

from __future__ import annotations

import pytest

from bench import gateway as gateway_bench
from tests.databases import BACKEND


@pytest.mark.skipif(BACKEND != "sqlite", reason="the benchmark runs its own SQLite stack; once per CI run is enough")
def test_gateway_bench_measures_every_mode(capsys: pytest.CaptureFixture[str]) -> None:
    results = gateway_bench.main(["--seconds", "0.5", "--concurrency", "1,2"])
    modes = {(r.mode, r.concurrency) for r in results}
    assert modes == {(m, c) for m in ("graphql", "rest", "in-memory", "plain") for c in (1, 2)}
    assert all(r.requests > 0 and r.percentile(0.99) > 0 for r in results)
    printed = capsys.readouterr().out
    assert "vs in-memory" in printed and "graphql/rest at 2 clients" in printed
