"""A crash mid-stream, on a real nats-server: the relay, and separately the consumer, is killed
with SIGKILL in the middle of 1,000 events and started again. Every event is applied, none twice.

The relay and the consumer run in processes of their own (tests/events/worker_process.py); the
test writes the 1,000 events to the catalog's outbox at a steady pace from its own process, as a
service would. The victim is held at the worst moment for a crash once event 400 is past it (the
relay: published, rows not yet marked; the consumer: applied and committed, not yet acked), and
killed there; a new one takes over.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from services.catalog.models import EVENTS
from services.common.events.streams import EVENTS_STREAM, connect
from tests.databases import Databases
from tests.events.running import scratch_catalog
from tests.events.worker_process import ACK_WAIT_SECONDS, crash_applied, scratch

ROOT = Path(__file__).resolve().parents[2]
EVENTS_TOTAL = 1000
PER_TRANSACTION = 10
PACE_SECONDS = 0.03  # 10 events every 30 ms: the 1,000 take about 3 s to write
STALL_AT = 400


@pytest.fixture
def database(databases: Databases) -> Iterator[tuple[str, Engine]]:
    with scratch_catalog(databases, scratch) as database:
        yield database


class Child:
    """One relay or consumer process; its output goes to a log file shown when a test fails."""

    def __init__(self, role: str, database_url: str, nats_url: str, logs: Path) -> None:
        self.role, self.database_url, self.nats_url = role, database_url, nats_url
        self.log_path = logs / f"{role}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *options: str) -> Child:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.events.worker_process",
                    self.role,
                    self.database_url,
                    self.nats_url,
                    *options,
                ],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        assert self.process is not None and self.process.poll() is None, self.log()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


def write_events(engine: Engine) -> None:
    """The 1,000 events, `PER_TRANSACTION` to a transaction, at a steady pace."""
    for first in range(0, EVENTS_TOTAL, PER_TRANSACTION):
        with Session(engine) as session:
            for n in range(first, first + PER_TRANSACTION):
                EVENTS.record(session, "stock.changed", aggregate_id=uuid.uuid4(), data={"n": n})
            session.commit()
        time.sleep(PACE_SECONDS)


def published(engine: Engine) -> int:
    outbox = EVENTS.outbox
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_not(None))
            ).scalar_one()
        )


def applications(engine: Engine) -> tuple[int, int, set[int]]:
    """Rows the consumer wrote, distinct events among them, and the events' numbers."""
    with engine.connect() as connection:
        rows = int(connection.execute(select(func.count()).select_from(crash_applied)).scalar_one())
        distinct = int(connection.execute(select(func.count(crash_applied.c.event_id.distinct()))).scalar_one())
        numbers = set(connection.execute(select(crash_applied.c.n)).scalars())
    return rows, distinct, numbers


def wait_until(condition: Callable[[], bool], timeout: float, what: str, *children: Child) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {c.role} ---\n{c.log()}" for c in children)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        time.sleep(0.02)


def stream_messages(nats_url: str) -> int:
    async def count() -> int:
        nc = await connect(nats_url, "crash-test-check")
        try:
            info = await nc.jetstream().stream_info(EVENTS_STREAM)
            return int(info.state.messages)
        finally:
            await nc.close()

    return asyncio.run(count())


def crash_mid_stream(victim: str, database: tuple[str, Engine], nats_url: str, logs: Path) -> int:
    """Runs the relay and the consumer, kills `victim` where it stalls at event `STALL_AT`,
    starts a new one, and waits for every event to be applied. Returns the events through the
    victim (published, or applied) when it was killed."""
    url, engine = database
    marker = logs / "stalled"
    children = {role: Child(role, url, nats_url, logs) for role in ("relay", "consumer")}
    for role, child in children.items():
        child.start(*(["--stall-at", str(STALL_AT), "--marker", str(marker)] if role == victim else []))
    through = (lambda: published(engine)) if victim == "relay" else (lambda: applications(engine)[0])
    writer = threading.Thread(target=write_events, args=(engine,), daemon=True)
    try:
        writer.start()
        wait_until(marker.exists, 30, f"the {victim} to stall at event {STALL_AT}", *children.values())
        children[victim].kill()
        at_kill = through()
        time.sleep(0.3)  # the writer goes on while nothing relays or consumes
        children[victim].start()
        writer.join(timeout=60)
        wait_until(lambda: applications(engine)[1] >= EVENTS_TOTAL, 40, "every event applied", *children.values())
        # Whatever the dead process held unacknowledged comes back after the ack wait: let it
        # come, so that a second application would be counted.
        time.sleep(ACK_WAIT_SECONDS + 1.0)
        return at_kill
    finally:
        for child in children.values():
            child.stop()


@pytest.mark.postgres_only
def test_a_relay_killed_mid_stream_and_restarted_loses_and_repeats_no_event(
    database: tuple[str, Engine], nats_url: str, tmp_path: Path
) -> None:
    at_kill = crash_mid_stream("relay", database, nats_url, tmp_path)
    # Event 400's batch went out and was never marked: the new relay publishes it again.
    assert at_kill <= STALL_AT
    rows, distinct, numbers = applications(database[1])
    assert (rows, distinct) == (EVENTS_TOTAL, EVENTS_TOTAL)
    assert numbers == set(range(EVENTS_TOTAL))
    assert published(database[1]) == EVENTS_TOTAL
    # A batch published and not yet marked when the relay died went out again: the server
    # dropped the second publish by its Nats-Msg-Id, so the stream holds each event once.
    assert stream_messages(nats_url) == EVENTS_TOTAL


@pytest.mark.postgres_only
def test_a_consumer_killed_mid_stream_and_restarted_applies_every_event_once(
    database: tuple[str, Engine], nats_url: str, tmp_path: Path
) -> None:
    at_kill = crash_mid_stream("consumer", database, nats_url, tmp_path)
    # Events 0 to 400 and the rest of 400's batch applied, in stream order; that batch committed
    # and never acknowledged, so it is delivered again to the new consumer, whose inbox must skip it.
    assert STALL_AT < at_kill < EVENTS_TOTAL
    rows, distinct, numbers = applications(database[1])
    assert (rows, distinct) == (EVENTS_TOTAL, EVENTS_TOTAL)
    assert numbers == set(range(EVENTS_TOTAL))
