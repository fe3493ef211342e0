"""Several workers on one nats-server: each tick of a job runs once, whichever worker runs it,
and a tick whose worker died mid-job goes to another."""

from __future__ import annotations

import asyncio
import itertools
import time

from ops.worker.clock import Job, tick_of
from ops.worker.main import Worker
from tests.databases import Databases
from tests.ops.worker.helpers import wait_for, worker_context

EVERY = 2.0


def test_two_workers_run_each_tick_of_a_job_exactly_once(databases: Databases, nats_url: str) -> None:
    runs: list[tuple[int, str]] = []

    def probe(name: str) -> Job:
        async def run() -> None:
            runs.append((tick_of(EVERY, time.time()), name))
            await asyncio.sleep(0.3)  # long enough that a second run of the tick would overlap

        return Job("probe", EVERY, run, timeout_seconds=10)

    async def scenario() -> None:
        workers = [
            Worker(worker_context(databases, nats_url), relays=False, consumers=[], jobs=[probe(name)])
            for name in ("first", "second")
        ]
        for worker in workers:
            await worker.start()
        try:
            # Both schedulers fire every tick; JetStream keeps one publish of each.
            await wait_for(lambda: len(runs) >= 5, 20, "five ticks")
        finally:
            for worker in workers:
                await worker.stop()
                worker.context.close()

    asyncio.run(scenario())
    ticks = [tick for tick, _ in runs]
    assert len(ticks) == len(set(ticks)), runs  # no tick ran twice
    assert all(later - earlier == EVERY for earlier, later in itertools.pairwise(ticks)), runs  # none lost


def test_a_tick_whose_worker_died_mid_job_is_run_by_another_after_the_ack_wait(
    databases: Databases, nats_url: str
) -> None:
    started = asyncio.Event()
    runs: list[str] = []

    def job(name: str) -> Job:
        async def run() -> None:
            runs.append(name)
            started.set()
            if name == "doomed":
                await asyncio.Event().wait()  # hangs until the worker is killed

        # An hour apart: only the tick fired by hand below runs in this test. The tick's ack wait
        # is the job's timeout.
        return Job("slow", 3600, run, timeout_seconds=2)

    async def scenario() -> float:
        doomed = Worker(worker_context(databases, nats_url), relays=False, consumers=[], jobs=[job("doomed")])
        await doomed.start()
        assert doomed.clock is not None
        await doomed.clock.fire("slow")
        await asyncio.wait_for(started.wait(), 10)
        # Killed mid-job: its tasks die and its connection drops without acknowledging the tick.
        for task in doomed._tasks:
            task.cancel()
        await asyncio.gather(*doomed._tasks, return_exceptions=True)
        assert doomed.context.nc is not None
        await doomed.context.nc.close()
        doomed.context.close()
        killed_at = time.monotonic()

        survivor = Worker(worker_context(databases, nats_url), relays=False, consumers=[], jobs=[job("survivor")])
        await survivor.start()
        try:
            assert survivor.clock is not None
            clock = survivor.clock
            await wait_for(lambda: clock.runs["slow"] == 1, 15, "the redelivered tick")
            return time.monotonic() - killed_at
        finally:
            await survivor.stop()
            survivor.context.close()

    waited = asyncio.run(scenario())
    assert runs == ["doomed", "survivor"]
    assert waited >= 1.0  # not before the dead worker's ack wait ran out


def test_a_job_that_runs_at_start_runs_once_when_two_workers_start(databases: Databases, nats_url: str) -> None:
    runs: list[str] = []

    def job(name: str) -> Job:
        async def run() -> None:
            runs.append(name)

        return Job("at_start", 3600, run, run_at_start=True)

    async def scenario() -> None:
        workers = [
            Worker(worker_context(databases, nats_url), relays=False, consumers=[], jobs=[job(name)])
            for name in ("first", "second")
        ]
        for worker in workers:
            await worker.start()
        try:
            await wait_for(lambda: len(runs) >= 1, 10, "the start-up run")
            await asyncio.sleep(1.0)  # time for a second run, were there one
        finally:
            for worker in workers:
                await worker.stop()
                worker.context.close()

    asyncio.run(scenario())
    assert len(runs) == 1, runs
