"""The worker process: relays every service's outbox, runs every consumer and the clock.

Several workers may run at once: relays lock the rows they publish, consumers share their
durable JetStream consumers, and the clock hands each tick to one worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from typing import Any

from ops.worker.clock import Clock, Job
from ops.worker.context import WorkerContext
from ops.worker.jobs import scheduled_jobs
from ops.worker.metrics import serve_metrics
from ops.worker.reactions import Reaction, reactions
from services.catalog import jobs as catalog_jobs
from services.certification import jobs as certification_jobs
from services.common.events import ConsumerRunner, OutboxRelay
from services.common.events.streams import connect, ensure_streams
from services.common.logs import configure_logging
from services.orders import jobs as orders_jobs

log = logging.getLogger(__name__)

OUTBOXES = (
    ("catalog", catalog_jobs.EVENTS),
    ("certification", certification_jobs.EVENTS),
    ("orders", orders_jobs.EVENTS),
)


class Worker:
    def __init__(
        self,
        context: WorkerContext,
        *,
        relays: bool = True,
        consumers: list[Reaction] | None = None,
        jobs: list[Job] | None = None,
    ) -> None:
        self.context = context
        self.with_relays = relays
        self.reaction_list = consumers
        self.job_list = jobs
        self.relays: list[OutboxRelay] = []
        self.runners: list[ConsumerRunner] = []
        self.reactions: list[Reaction] = []
        self.clock: Clock | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        context = self.context
        context.nc = await connect(context.worker.nats_url, name="tongnan-worker")
        context.js = context.nc.jetstream()
        await ensure_streams(context.js)
        if self.with_relays:
            self.relays = [OutboxRelay(context.engine(service), tables, context.js) for service, tables in OUTBOXES]
        self.reactions = reactions(context) if self.reaction_list is None else self.reaction_list
        self.runners = [
            ConsumerRunner(reaction.subscription, context.engine(reaction.service), reaction.tables, context.js)
            for reaction in self.reactions
        ]
        for runner in self.runners:
            await runner.start()
        jobs = scheduled_jobs(context) if self.job_list is None else self.job_list
        self.clock = Clock(context.js, jobs) if jobs else None
        self._spawn(*(relay.run_forever() for relay in self.relays))
        self._spawn(*(runner.run_forever() for runner in self.runners))
        if self.clock is not None:
            self._spawn(self.clock.run_forever())

    def _spawn(self, *coroutines: Coroutine[Any, Any, None]) -> None:
        self._tasks.extend(asyncio.create_task(coroutine) for coroutine in coroutines)

    async def stop(self) -> None:
        for relay in self.relays:
            relay.stop()
        for runner in self.runners:
            runner.stop()
        if self.clock is not None:
            self.clock.stop()
        for task in self._tasks:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=5)
        self._tasks.clear()
        for reaction in self.reactions:
            if reaction.close is not None:
                with contextlib.suppress(Exception):
                    await reaction.close()
        if self.context.nc is not None:
            with contextlib.suppress(Exception):
                await self.context.nc.close()
            self.context.nc = None


def configured_worker(context: WorkerContext) -> Worker:
    """The worker its settings ask for: TONGNAN_WORKER_RELAYS, _CONSUMERS and _JOBS switch off
    the outbox relays, the event consumers and the scheduled jobs."""
    settings = context.worker
    return Worker(
        context,
        relays=settings.relays,
        consumers=None if settings.consumers else [],
        jobs=None if settings.jobs else [],
    )


async def serve(context: WorkerContext) -> None:
    worker = configured_worker(context)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await worker.start()
    if context.worker.metrics_port:
        serve_metrics(worker, context.worker.metrics_port, context.worker.metrics_host)
    log.info(
        "worker running: %d relays, %d consumers, %d jobs",
        len(worker.relays),
        len(worker.runners),
        len(worker.clock.jobs) if worker.clock is not None else 0,
    )
    try:
        await stopping.wait()
    finally:
        await worker.stop()
        context.close()


def main() -> int:
    context = WorkerContext.from_environment()
    configure_logging("worker", context.worker.environment)
    asyncio.run(serve(context))
    return 0
