"""Catalog CSV import benchmark: a supplier's price list of N rows, first as new parts, then
again as the updates a supplier sends every week.

    uv run python -m bench.catalog_import --rows 10000 --backend both

For each backend (SQLite file, PostgreSQL database) it creates a fresh migrated database with
one verified supplier and imports the file through `csvio.import_csv`, the function behind
`POST /parts/import`, in one unit of work as the route does: once creating every part, once
changing the price and stock of every part. It prints seconds and rows per second for each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from bench.catalog_search import _drop, _fresh_postgres
from marketplace.actors import Actor
from marketplace.roles import Role
from services.catalog import csvio
from services.catalog.db import tune
from services.catalog.models import Supplier
from services.common.db import make_engine
from services.common.migrations import upgrade
from services.common.settings import normalise_database_url

HEADER = "sku,title_en,title_zh,category,condition,oem_numbers,price_cny,core_charge_cny,weight_grams,on_hand,fitments"


def price_list(rows: int, week: int) -> str:
    """The supplier's file: the same SKUs every week, with this week's prices and stock."""
    lines = [HEADER] + [
        f"BULK-{n:06d},Remanufactured starter {n},起动机 再制造 {n},starter,REMANUFACTURED,"
        f"28100-{n:06d},{600 + (n + week) % 300}.00,150,3100,{(n + week) % 9},Toyota:Corolla:2008-2013:2ZR-FE"
        for n in range(rows)
    ]
    return "\n".join(lines)


def run_backend(url: str, rows: int) -> list[tuple[str, float]]:
    upgrade("catalog", url)
    engine = tune(make_engine(url))
    with Session(engine) as session:
        supplier = Supplier(name_en="Bench Reman", name_zh="基准再制造", uscc="91500223MA5U5UXX1X", verified=True)
        session.add(supplier)
        session.commit()
        supplier_id = supplier.id
    actor = Actor(id="bench", role=Role.SUPPLIER, supplier_id=str(supplier_id))
    results = []
    for name, week in (("new parts", 0), ("weekly update", 1)):
        content = price_list(rows, week)
        started = time.perf_counter()
        with Session(engine) as session:
            result = csvio.import_csv(session, actor, content, supplier_id)
            session.commit()
        elapsed = time.perf_counter() - started
        changed = result.created + result.updated
        if changed != rows or result.errors:
            raise SystemExit(f"{name}: {changed} of {rows} rows imported, errors {result.errors[:3]}")
        results.append((name, elapsed))
        print(f"  {name:<14} {elapsed:8.2f} s  {rows / elapsed:10,.0f} rows/s", flush=True)
    engine.dispose()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sqlite-path", default="var/bench/catalog_import.db")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--postgres-db", default="bench_catalog_import")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        if backend == "sqlite":
            path = Path(args.sqlite_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            url = _fresh_postgres(normalise_database_url(args.postgres_url, field="--postgres-url"), args.postgres_db)
        print(f"{backend}: a price list of {args.rows:,} rows", flush=True)
        try:
            run_backend(url, args.rows)
        finally:
            _drop(url, args.postgres_url, args.postgres_db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
