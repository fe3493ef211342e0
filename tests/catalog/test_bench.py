"""The catalog benchmarks run at a tiny size, so they cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import catalog_import, catalog_search
from tests.databases import BACKEND, POSTGRES_ADMIN_URL


def test_bench_loads_and_prints_percentiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--parts", "300", "--runs", "3", "--backend", BACKEND, "--cleanup"]
    args += ["--sqlite-path", str(tmp_path / "bench.db")]
    args += ["--postgres-url", POSTGRES_ADMIN_URL, "--postgres-db", f"bench_test_{tmp_path.name[-8:]}"]
    assert catalog_search.main(args) == 0
    out = capsys.readouterr().out
    assert "loaded 300 parts" in out
    for name in ("full text, English", "full text, Chinese", "most common word", "OEM lookup", "filtered + facets"):
        line = next(line for line in out.splitlines() if name in line)
        assert "p50" in line and "p95" in line and "p99" in line


def test_import_bench_imports_new_parts_then_a_weekly_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--rows", "200", "--backend", BACKEND, "--sqlite-path", str(tmp_path / "import.db")]
    args += ["--postgres-url", POSTGRES_ADMIN_URL, "--postgres-db", f"bench_import_{tmp_path.name[-8:]}"]
    assert catalog_import.main(args) == 0
    out = capsys.readouterr().out
    assert "a price list of 200 rows" in out
    for name in ("new parts", "weekly update"):
        line = next(line for line in out.splitlines() if name in line)
        assert " s " in line and "rows/s" in line
