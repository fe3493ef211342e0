"""Events benchmark: outbox → relay → JetStream → durable consumer with inbox, at a steady rate.

    uv run python -m bench.events --backend both --rate 1000 --seconds 30

For each backend it creates a fresh, migrated catalog database (a SQLite file, or a PostgreSQL
database dropped afterwards) and starts a nats-server of its own with JetStream (or uses
--nats-url). A worker process runs the real `OutboxRelay` on that database's outbox and a real
`ConsumerRunner` (durable, explicit-ack, inbox) whose handler writes one row per event. The
benchmark's own process is the service: it records `stock.changed` events into the outbox at a
steady --rate, --per-commit of them to a transaction, for --seconds, and notes when each
transaction committed. The worker notes when each event's application committed. It prints the
throughput and the lag from outbox commit to consumer applied: p50, p99 and max, in ms.

Everything runs on this machine: the producer, the worker, nats-server and the database server
share its cores.

Measured 2026-12-04 on the shared 2-core development machine (other sessions' tests running,
load average 1.0-1.6 before each run), 30 s at 1,000 events/s, 10 events per outbox commit:

    backend     worker                       handler    applied/s   lag p50 / p99 / max ms   relay p50 / p99
    SQLite      one process                  batch       999.6      22 /  41 /  66           19 / 35
    PostgreSQL  one process                  batch       999.5      48 / 131 / 191           23 / 50
    SQLite      relay + consumer processes   batch       999.6      21 /  48 /  72           18 / 42
    PostgreSQL  relay + consumer processes   batch       998.6      55 / 172 / 231           22 / 40
    SQLite      one process                  per event  1000.0      23 /  45 /  93           17 / 36
    PostgreSQL  one process                  per event   997.4     116 / 275 / 369           28 / 57

The consumer applies what one pull brings (up to --batch) in one transaction; on PostgreSQL a
per-event handler costs a round trip per event, which a busy machine shows in the tail. With
at most 64 events a pull and the machine busier (load 2.5-3.5), PostgreSQL's consumer kept up
only at 900-935/s, so its backlog grew and its p99 reached 2-3 s, while SQLite's stayed under
100 ms; taking up to 256 a pull is what lets it work a backlog off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select, text
from sqlalchemy import event as orm_event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from services.catalog.models import EVENTS
from services.common.db import make_engine
from services.common.events import ConsumerRunner, Event, OutboxRelay, Subscription
from services.common.events.server import LocalNatsServer
from services.common.events.streams import connect, ensure_streams
from services.common.provision import migrate
from services.common.settings import normalise_database_url

ROOT = Path(__file__).resolve().parents[1]
CONSUMER = "bench-events"

scratch = MetaData()
# What the benchmark's consumer changes: one row per event applied.
bench_applied = Table(
    "bench_applied",
    scratch,
    Column("n", Integer, primary_key=True),
    Column("event_id", String(80), nullable=False),
)


@contextmanager
def database(backend: str, postgres_url: str, sqlite_dir: Path | None) -> Iterator[str]:
    """A fresh catalog database with the benchmark's table; dropped (PostgreSQL) afterwards."""
    name = f"bench_events_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{(sqlite_dir or Path(tmp)) / (name + '.db')}"
        else:
            admin = make_url(normalise_database_url(postgres_url, field="--postgres-url"))
            url = admin.set(database=name).render_as_string(hide_password=False)
        migrate("catalog", url)
        engine = make_engine(url)
        scratch.create_all(engine)
        engine.dispose()
        try:
            yield url
        finally:
            if backend == "postgresql":
                admin_engine = make_engine(
                    normalise_database_url(postgres_url, field="--postgres-url"), isolation_level="AUTOCOMMIT"
                )
                with admin_engine.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin_engine.dispose()


@contextmanager
def nats(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        server = LocalNatsServer(Path(tmp) / "nats").start()
        try:
            yield server.url
        finally:
            server.stop()


# --- the worker process -----------------------------------------------------------------------


async def serve_worker(role: str, database_url: str, nats_url: str, out: Path, handler: str, batch: int) -> None:
    """The relay, the consumer or both ("worker") until SIGTERM; the consumer then writes
    {n: applied at} to `out`. `handler`: "batch" gives the subscription a batch handler (one
    INSERT for a fetched batch), "event" only the per-event one (one INSERT per event)."""
    engine = make_engine(database_url)
    applied_at: dict[int, float] = {}

    def applied(session: Session, numbers: list[int]) -> None:
        # Applied means committed, with the inbox rows: the time is taken after the commit.
        def note(_: Session) -> None:
            now = time.time()
            applied_at.update((n, now) for n in numbers)

        orm_event.listen(session, "after_commit", note, once=True)

    def apply(session: Session, event: Event) -> None:
        session.execute(insert(bench_applied).values(n=int(event.data["n"]), event_id=event.id))
        applied(session, [int(event.data["n"])])

    def apply_batch(session: Session, events: Sequence[Event]) -> None:
        numbers = [int(event.data["n"]) for event in events]
        session.execute(
            insert(bench_applied), [{"n": n, "event_id": e.id} for n, e in zip(numbers, events, strict=True)]
        )
        applied(session, numbers)

    nc = await connect(nats_url, name=f"bench-events-{role}")
    js = nc.jetstream()
    await ensure_streams(js)
    relay = OutboxRelay(engine, EVENTS, js) if role in ("worker", "relay") else None
    runner = None
    if role in ("worker", "consumer"):
        subscription = Subscription(
            CONSUMER,
            ["stock.changed"],
            apply,
            batch_handler=apply_batch if handler == "batch" else None,
            # Up to this many events to a transaction when the consumer is behind (a pull takes
            # what is there): a backlog is worked off in fewer, larger commits.
            batch=batch,
        )
        runner = ConsumerRunner(subscription, engine, EVENTS, js)
        await runner.start()

    def stop() -> None:
        for part in (relay, runner):
            if part is not None:
                part.stop()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    print("ready", flush=True)
    try:
        await asyncio.gather(*(part.run_forever() for part in (relay, runner) if part is not None))
    finally:
        await nc.close()
        engine.dispose()
        if runner is not None:
            out.write_text(json.dumps(applied_at))


def start_worker(role: str, url: str, nats_url: str, out: Path, handler: str, batch: int) -> subprocess.Popen[bytes]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "bench.events", role, url, nats_url, str(out), handler, str(batch)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
    )
    assert worker.stdout is not None
    if worker.stdout.readline().strip() != b"ready":
        worker.kill()
        raise RuntimeError(f"the benchmark's {role} did not start")
    return worker


# --- the producer and the figures --------------------------------------------------------------


def produce(engine: Engine, rate: float, seconds: float, per_commit: int) -> tuple[dict[int, float], float]:
    """Records rate × seconds events at a steady pace; returns {n: committed at} and the wall time."""
    total = int(rate * seconds)
    committed_at: dict[int, float] = {}
    start = time.perf_counter()
    for first in range(0, total, per_commit):
        due = start + first / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        numbers = range(first, min(first + per_commit, total))
        with Session(engine) as session:
            for n in numbers:
                EVENTS.record(session, "stock.changed", aggregate_id=uuid.uuid4(), data={"n": n})
            session.commit()
        now = time.time()
        committed_at.update((n, now) for n in numbers)
    return committed_at, time.perf_counter() - start


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def applied_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(bench_applied)).scalar_one())


def relay_lag_ms(engine: Engine) -> list[float]:
    """From recording each event to the relay marking it published: the relay's part of the lag
    (from before the commit, so a little more than its share)."""
    outbox = EVENTS.outbox
    with engine.connect() as connection:
        rows = connection.execute(select(outbox.c.created_at, outbox.c.published_at)).all()
    return [(published - created).total_seconds() * 1000 for created, published in rows if published is not None]


def run(
    backend: str,
    *,
    rate: float,
    seconds: float,
    per_commit: int,
    postgres_url: str,
    sqlite_dir: Path | None,
    nats_url: str | None,
    split: bool = False,
    handler: str = "batch",
    batch: int = 256,
) -> dict[str, Any]:
    with (
        database(backend, postgres_url, sqlite_dir) as url,
        nats(nats_url) as nats_server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        out = Path(tmp) / "applied.json"
        # One worker process, or (--split) a relay-only and a consumer-only one, as
        # TONGNAN_WORKER_CONSUMERS=false and TONGNAN_WORKER_RELAYS=false run them.
        workers: list[subprocess.Popen[bytes]] = []
        try:
            for role in ("relay", "consumer") if split else ("worker",):
                workers.append(start_worker(role, url, nats_server, out, handler, batch))
            engine = make_engine(url)
            load_before = os.getloadavg()[0]
            committed_at, produce_s = produce(engine, rate, seconds, per_commit)
            total = len(committed_at)
            deadline = time.monotonic() + 60 + seconds
            while applied_count(engine) < total and time.monotonic() < deadline:
                time.sleep(0.05)
            relay_lags = relay_lag_ms(engine)
            engine.dispose()
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=60)
        applied_at = {int(n): t for n, t in json.loads(out.read_text()).items()}
    lags = [(applied_at[n] - committed) * 1000 for n, committed in committed_at.items() if n in applied_at]
    first_commit = min(committed_at.values())
    last_applied = max(applied_at.values()) if applied_at else first_commit
    return {
        "backend": backend,
        "events": total,
        "applied": len(applied_at),
        "rate": rate,
        "per_commit": per_commit,
        "processes": "relay + consumer" if split else "one worker",
        "handler": handler,
        "batch": batch,
        "produced_per_s": total / produce_s if produce_s else 0.0,
        "applied_per_s": len(applied_at) / (last_applied - first_commit) if last_applied > first_commit else 0.0,
        "lag_p50_ms": _pct(lags, 50) if lags else float("nan"),
        "lag_p99_ms": _pct(lags, 99) if lags else float("nan"),
        "lag_max_ms": max(lags) if lags else float("nan"),
        "relay_p50_ms": _pct(relay_lags, 50) if relay_lags else float("nan"),
        "relay_p99_ms": _pct(relay_lags, 99) if relay_lags else float("nan"),
        "load_before": load_before,
    }


def report(result: dict[str, Any]) -> str:
    return (
        f"{result['backend']:<10} events={result['events']} applied={result['applied']} "
        f"target {result['rate']:.0f}/s, {result['per_commit']} per commit, "
        f"{result['processes']}, {result['handler']} handler, batch {result['batch']}; "
        f"load before {result['load_before']:.2f}\n"
        f"  throughput   produced {result['produced_per_s']:7.1f}/s  applied {result['applied_per_s']:7.1f}/s\n"
        f"  lag commit→applied  p50 {result['lag_p50_ms']:7.1f}  p99 {result['lag_p99_ms']:7.1f}  "
        f"max {result['lag_max_ms']:7.1f} ms\n"
        f"  of which record→published (relay)  p50 {result['relay_p50_ms']:7.1f}  p99 {result['relay_p99_ms']:7.1f} ms"
    )


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["worker"], ["relay"], ["consumer"]):
        asyncio.run(serve_worker(argv[0], argv[1], argv[2], Path(argv[3]), argv[4], int(argv[5])))
        return []
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to publish")
    parser.add_argument("--per-commit", type=int, default=10, help="events per outbox transaction")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sqlite-dir", type=Path, help="where the SQLite file goes (default: a temporary folder)")
    parser.add_argument("--nats-url", help="a nats-server with JetStream (default: one of its own)")
    parser.add_argument("--split", action="store_true", help="the relay and the consumer in two processes")
    parser.add_argument(
        "--handler",
        choices=("batch", "event"),
        default="batch",
        help="the consumer's handler: one INSERT per fetched batch, or one per event",
    )
    parser.add_argument("--batch", type=int, default=256, help="the most events the consumer fetches at once")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0 or args.per_commit <= 0 or args.batch <= 0:
        parser.error("--rate, --seconds, --per-commit and --batch must be positive")
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} before the run", flush=True)
    results = []
    for backend in backends:
        result = run(
            backend,
            rate=args.rate,
            seconds=args.seconds,
            per_commit=args.per_commit,
            postgres_url=args.postgres_url,
            sqlite_dir=args.sqlite_dir,
            nats_url=args.nats_url,
            split=args.split,
            handler=args.handler,
            batch=args.batch,
        )
        print(report(result), flush=True)
        results.append(result)
    return results


if __name__ == "__main__":
    main()
