"""An outbox relay or a test consumer in a process of its own, for the crash tests to kill.

    python -m tests.events.worker_process relay DATABASE_URL NATS_URL [--stall-at N --marker PATH]
    python -m tests.events.worker_process consumer DATABASE_URL NATS_URL [--stall-at N --marker PATH]

Both are the real classes on the catalog's event tables: the relay publishes the database's
outbox; the consumer is a durable `Subscription` to stock.changed whose handler writes one
`crash_applied` row per application, in the transaction that writes its inbox row. Counting
those rows by event id shows whether an event was applied twice or never. Each runs until
it is killed or sent SIGTERM.

`--stall-at N` holds the process still at the worst moment for a crash, once the event numbered
N is past it, and writes `--marker` so that the test kills it there: the relay after publishing
that event's batch and before marking its rows published; the consumer after committing that
event's application and inbox row and before acknowledging it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert
from sqlalchemy import event as orm_event
from sqlmodel import Session

from services.catalog.models import EVENTS
from services.common.db import make_engine
from services.common.events import ConsumerRunner, Event, OutboxRelay, Subscription
from services.common.events.streams import connect, ensure_streams

CONSUMER = "crash-test"
# Short, so that the events a killed consumer had fetched and not acknowledged come back to its
# successor within the test's time rather than after the default minute.
ACK_WAIT_SECONDS = 2.0

scratch = MetaData()
crash_applied = Table(
    "crash_applied",
    scratch,
    Column("row", Integer, primary_key=True, autoincrement=True),
    # Not unique on purpose: a second application of an event shows up as a second row.
    Column("event_id", String(80), nullable=False),
    Column("n", Integer, nullable=False),
)


STALL_SECONDS = 60.0


def stall(marker: Path) -> None:
    marker.write_text("stalled")
    time.sleep(STALL_SECONDS)


def subscription(stall_at: int | None, marker: Path | None) -> Subscription:
    def apply(session: Session, event: Event) -> None:
        session.execute(insert(crash_applied).values(event_id=event.id, n=event.data["n"]))
        if event.data["n"] == stall_at and marker is not None:
            # Runs once the application and its inbox row are committed, before the ack.
            orm_event.listen(session, "after_commit", lambda _: stall(marker), once=True)

    return Subscription(CONSUMER, ["stock.changed"], apply, ack_wait_seconds=ACK_WAIT_SECONDS)


class StallingRelay(OutboxRelay):
    def __init__(self, *args: Any, stall_at: int | None, marker: Path | None) -> None:
        super().__init__(*args)
        self.stall_at, self.marker = stall_at, marker

    async def _publish(self, messages: list[tuple[str, str, bytes]]) -> None:
        await super()._publish(messages)
        if self.marker is not None and any(
            json.loads(payload)["data"]["n"] == self.stall_at for *_, payload in messages
        ):
            # Published and acknowledged by the server; the rows are not yet marked published.
            self.marker.write_text("stalled")
            await asyncio.sleep(STALL_SECONDS)


async def run(role: str, engine: Engine, nats_url: str, stall_at: int | None, marker: Path | None) -> None:
    nc = await connect(nats_url, name=f"crash-test-{role}")
    js = nc.jetstream()
    await ensure_streams(js)
    worker: OutboxRelay | ConsumerRunner
    if role == "relay":
        worker = StallingRelay(engine, EVENTS, js, stall_at=stall_at, marker=marker)
    else:
        worker = ConsumerRunner(subscription(stall_at, marker), engine, EVENTS, js)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, worker.stop)
    print(f"{role} running", flush=True)
    try:
        await worker.run_forever()
    finally:
        await nc.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=("relay", "consumer"))
    parser.add_argument("database_url")
    parser.add_argument("nats_url")
    parser.add_argument("--stall-at", type=int)
    parser.add_argument("--marker", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    engine = make_engine(args.database_url)
    try:
        asyncio.run(run(args.role, engine, args.nats_url, args.stall_at, args.marker))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
