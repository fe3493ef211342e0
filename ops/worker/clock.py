"""The worker's clock: each job runs once per tick, however many workers run.

Every worker runs APScheduler with the same interval triggers, aligned on the epoch, so all
replicas fire at the same instants. A firing does not run the job: it publishes one message on
`tongnan_ticks.<job>` whose `Nats-Msg-Id` names the job and the tick. JetStream keeps the first
publish of that id and drops the others, and one durable work-queue consumer, shared by every
worker, hands each tick to one of them. No worker is a leader; any of them may die.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from services.common.events.streams import TICKS_PREFIX, TICKS_STREAM

log = logging.getLogger(__name__)

TICKS_CONSUMER = "worker-ticks"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[], Awaitable[object]]
    # A tick a worker could not run (it died mid-job) goes to another after this long.
    timeout_seconds: float = 300.0
    # Also fire the current tick when a worker starts (once across replicas, like any tick): for
    # a job whose absence a fresh deployment would feel for a whole interval (the FX rates).
    run_at_start: bool = False


def tick_of(every_seconds: float, now: float) -> int:
    """The tick a firing at `now` belongs to: the aligned instant at or just before it. A second
    of slack keeps a firing a hair early on the tick it was scheduled for."""
    return int(math.floor((now + 1.0) / every_seconds) * every_seconds)


class Clock:
    def __init__(self, js: JetStreamContext, jobs: list[Job], *, now: Callable[[], float] = time.time) -> None:
        self.js = js
        self.jobs = {job.name: job for job in jobs}
        self.now = now
        self.runs: dict[str, int] = {name: 0 for name in self.jobs}
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        longest = max((job.timeout_seconds for job in self.jobs.values()), default=60.0)
        await self.js.add_consumer(
            TICKS_STREAM,
            ConsumerConfig(
                durable_name=TICKS_CONSUMER,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=longest,
                max_deliver=3,
                filter_subject=TICKS_PREFIX + ">",
            ),
        )
        self._pull = await self.js.pull_subscribe_bind(durable=TICKS_CONSUMER, stream=TICKS_STREAM)
        for job in self.jobs.values():
            self.scheduler.add_job(
                self.fire,
                IntervalTrigger(seconds=job.every_seconds, start_date=EPOCH, timezone=UTC),
                args=[job.name],
                id=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=int(max(1, job.every_seconds)),
            )
        self.scheduler.start()
        for job in self.jobs.values():
            if job.run_at_start:
                await self.fire(job.name)

    async def fire(self, name: str) -> None:
        """Publishes this tick of `name`; a second worker's publish of it is dropped."""
        tick = tick_of(self.jobs[name].every_seconds, self.now())
        body = json.dumps({"job": name, "tick": tick}).encode()
        try:
            await self.js.publish(TICKS_PREFIX + name, body, headers={"Nats-Msg-Id": f"{name}:{tick}"})
        except Exception:
            log.exception("could not publish tick %s of %s", tick, name)

    async def run_forever(self) -> None:
        await self.start()
        try:
            await self._loop()
        finally:
            with contextlib.suppress(Exception):
                await self._pull.unsubscribe()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                messages = await self._pull.fetch(1, timeout=1.0)
            except NatsTimeout:
                continue
            except Exception:
                if self._stopping.is_set():
                    break
                log.exception("could not fetch ticks; retrying")
                await asyncio.sleep(1.0)
                continue
            for message in messages:
                name = json.loads(message.data)["job"]
                job = self.jobs.get(name)
                if job is None:  # a job this worker's version does not have: another's
                    await message.nak(delay=5)
                    continue
                try:
                    await asyncio.wait_for(job.run(), timeout=job.timeout_seconds)
                    self.runs[name] += 1
                except Exception:
                    # The next tick runs it again; a tick is not retried, so a slow failure
                    # cannot pile up behind itself.
                    log.exception("job %s failed", name)
                await message.ack()

    def stop(self) -> None:
        self._stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
