"""The storefront's text searches through the catalog's search, on PostgreSQL with a million
parts, and where PostgreSQL's time goes by kind of statement.

    uv run python -m bench.search_mix --keep                               # 1,000,000 parts
    uv run python -m bench.search_mix --parts 300 --searches 40 --cleanup  # tiny

The searches are the distinct listings with words of bench/traffic.py's mix (the most common
first: words alone, words with a category, condition or make, `shipsTo` and in-stock filters;
facets asked), each run once through `service.search_parts` as the catalog's route runs it,
loading its page of parts. The databases are the traffic benchmark's (bench/traffic_data.py;
`--keep` reuses them). Two passes, alternating search by search so both see the same machine:

- `kept`: the catalog's memos as in service (the words' counts and the facet counts are kept a
  minute; the first sight of each word or search still counts it);
- `counted`: nothing kept, every statement on every search.

Whichever pass runs a search first reads the pages it needs into PostgreSQL's buffers for the
other, so each pass goes first on every other search.

For each pass it prints the time per search (p50, p95, p99 and the mean, with the client's CPU),
PostgreSQL's time per search by kind of statement (timed around each statement from this
process), and the slowest searches.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session

from bench import traffic, traffic_data
from services.catalog import service
from services.catalog.contract import Facets
from services.catalog.db import tune
from services.catalog.search.query import COUNTED_EVERY_TIME, SearchParams, WordCounts
from services.common.db import make_engine
from services.common.memo import Kept
from services.common.settings import normalise_database_url

# The filters of the mix as the catalog's search takes them.
FILTERS = {
    "category": "category",
    "condition": "condition",
    "make": "make",
    "shipsTo": "ships_to",
    "inStock": "in_stock",
}


@dataclass
class Pass:
    name: str
    word_counts: WordCounts
    facets: Kept[Facets] | None
    seconds: list[float] = field(default_factory=list)
    cpu: float = 0.0
    by_kind: Counter[str] = field(default_factory=Counter)  # seconds
    statements: Counter[str] = field(default_factory=Counter)
    slowest: list[tuple[float, str]] = field(default_factory=list)


def kind_of(statement: str) -> str:
    """What a search statement does, from the shapes services/catalog/search/query.py gives them."""
    if "AS span" in statement:
        return "word counts"
    if "facet_matches" in statement:
        return "facet counts"
    if " AS ranked" in statement or "AS top" in statement:
        return "ranked candidates"
    if "part_number" in statement:
        return "OEM number"
    return "page of parts"


@contextmanager
def timed_statements(engine: Engine, run_pass: Pass) -> Iterator[None]:
    def before(conn: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
        conn.info["started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        kind = kind_of(statement)
        run_pass.by_kind[kind] += time.perf_counter() - conn.info["started"]
        run_pass.statements[kind] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def params_of(visit: traffic.Visit) -> SearchParams:
    filters = {FILTERS[k]: v for k, v in visit.filter}
    return SearchParams(q=visit.search, facets=True, **filters)


def describe(visit: traffic.Visit) -> str:
    filters = ", ".join(f"{k} {v}" for k, v in visit.filter)
    return f"{visit.search!r}" + (f" ({filters})" if filters else "")


def run(engine: Engine, run_pass: Pass, visit: traffic.Visit) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    with timed_statements(engine, run_pass), Session(engine) as session:
        service.search_parts(session, params_of(visit), run_pass.facets, run_pass.word_counts)
    elapsed = time.perf_counter() - started
    run_pass.cpu += time.process_time() - cpu
    run_pass.seconds.append(elapsed)
    run_pass.slowest = sorted([*run_pass.slowest, (elapsed, describe(visit))], reverse=True)[:5]


def report(run_pass: Pass) -> None:
    ms = sorted(1000 * s for s in run_pass.seconds)
    n = len(ms)
    quantiles = statistics.quantiles(ms, n=100, method="inclusive") if n > 1 else ms * 99
    print(
        f"{run_pass.name:<8} {n:>8} {quantiles[49]:>8.1f} {quantiles[94]:>8.1f} {quantiles[98]:>8.1f}"
        f" {statistics.fmean(ms):>8.1f} {1000 * run_pass.cpu / n:>12.1f}",
        flush=True,
    )
    kinds = ", ".join(f"{kind} {1000 * t / n:.1f}" for kind, t in run_pass.by_kind.most_common())
    print(f"    PostgreSQL ms per search by statement: {kinds}", flush=True)
    for seconds, described in run_pass.slowest:
        print(f"    {1000 * seconds:7.0f} ms  {described}", flush=True)


def main(argv: list[str] | None = None) -> list[Pass]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=1_000, help="distinct searches, the most common first")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the loaded catalog for the next run")
    parser.add_argument("--cleanup", action="store_true", help="drop every database of this size afterwards")
    args = parser.parse_args(argv)
    if args.parts < 50 or args.searches < 1:
        parser.error("--parts must be at least 50 and --searches at least 1")
    admin_url = normalise_database_url(args.postgres_url, field="--postgres-url")
    databases = traffic_data.prepare(admin_url, args.parts, keep=args.keep)
    visits = [v for v in traffic.build_listings(args.seed) if v.search][: args.searches]
    engine = tune(make_engine(databases.catalog))  # as the catalog service connects
    passes = [Pass("kept", WordCounts(60), Kept[Facets](60)), Pass("counted", COUNTED_EVERY_TIME, None)]
    try:
        print(
            f"\n{args.parts:,} parts on PostgreSQL; {len(visits):,} distinct searches of the traffic mix, facets asked"
        )
        for i, visit in enumerate(visits):
            # The first to run a search reads its pages from disk for the second: each goes first
            # every other search.
            for run_pass in passes if i % 2 == 0 else passes[::-1]:
                run(engine, run_pass, visit)
        columns = ("searches", "p50 ms", "p95 ms", "p99 ms", "mean ms")
        print(f"{'pass':<8} " + " ".join(f"{c:>8}" for c in columns) + f" {'client CPU ms':>12}")
        for run_pass in passes:
            report(run_pass)
    finally:
        engine.dispose()
        if args.cleanup:
            traffic_data.drop(admin_url, list(traffic_data.names(args.parts).values()))
    return passes


if __name__ == "__main__":
    main()
    sys.exit(0)
