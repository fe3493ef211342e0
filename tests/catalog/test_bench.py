"""The catalog benchmarks run at a tiny size, so they cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import catalog_import, catalog_search, search_mix
from bench import search_relevance as relevance
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
    other = "tsvector" if BACKEND == "postgresql" else "fts5"
    assert "engine comparison" in out and "nDCG@10 per language" in out
    for engine in ("ours", other):
        assert sum(line.split()[:2] == [BACKEND, engine] for line in out.splitlines()) == 2  # both tables


def test_the_engines_answer_the_judged_queries_and_are_graded(tmp_path: Path) -> None:
    """Our index and the backend's own full-text engine on the same 400 parts: every judged query
    answered by both, nDCG@10 between 0 and 1, and each OEM number's part first in ours."""
    if BACKEND == "postgresql":
        name = f"bench_engines_{tmp_path.name[-8:]}"
        url = catalog_search._fresh_postgres(POSTGRES_ADMIN_URL, name)
    else:
        name, url = "", f"sqlite:///{tmp_path / 'engines.db'}"
    try:
        _, comparison = catalog_search.run_backend(url, 400, 3, 7, engines=True)
    finally:
        if name:
            catalog_search._drop(url, POSTGRES_ADMIN_URL, name)
    assert comparison is not None
    judged, figures = comparison
    assert len(judged) == relevance.JUDGED_COUNT == 50
    assert [f.engine for f in figures] == ["ours", "tsvector" if BACKEND == "postgresql" else "fts5"]
    for f in figures:
        assert sorted(f.pages) == sorted(f.ndcg) == list(range(50))
        assert all(0.0 <= value <= 1.0 for value in f.ndcg.values())
        assert all(len(set(page)) == len(page) <= 20 for page in f.pages.values())
        assert set(f.timings) == {relevance.LATIN, relevance.CJK, relevance.FILTERED, relevance.OEM}
        # Every word of a query must match in every engine: the parts a word names are found.
        assert all(f.pages[i] for i, q in enumerate(judged) if q.q in ("steering rack", "发电机", "Lichtmaschine"))
    ours = figures[0]
    oem = [i for i, q in enumerate(judged) if q.oem_part is not None]
    assert len(oem) == relevance.OEM_QUERIES
    assert all(ours.pages[i][0] == judged[i].oem_part and ours.ndcg[i] == 1.0 for i in oem)


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


@pytest.mark.skipif(BACKEND != "postgresql", reason="the benchmark runs on PostgreSQL; once per CI run is enough")
def test_search_mix_bench_times_both_passes_by_statement(capsys: pytest.CaptureFixture[str]) -> None:
    passes = search_mix.main(["--parts", "200", "--searches", "30", "--postgres-url", POSTGRES_ADMIN_URL, "--cleanup"])
    assert [p.name for p in passes] == ["kept", "counted"]
    kept, counted = passes
    assert len(kept.seconds) == len(counted.seconds) == 30
    # Every search ranked or walked its candidates and counted its words; only the kept pass
    # counted each word once.
    assert kept.statements["ranked candidates"] > 0
    assert counted.statements["word counts"] > kept.statements["word counts"] > 0
    out = capsys.readouterr().out
    assert "PostgreSQL ms per search by statement" in out and "p99 ms" in out
