"""A worker in the test's process: real nats-server, real databases, the jobs as registered."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from gateway.settings import GatewaySettings
from ops.worker.clock import Job
from ops.worker.context import WorkerContext
from ops.worker.jobs import scheduled_jobs
from ops.worker.main import Worker
from ops.worker.settings import WorkerSettings
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.orders.settings import OrdersSettings
from tests.databases import Databases


def worker_context(
    databases: Databases, nats_url: str, *, orders: OrdersSettings | None = None, **worker: Any
) -> WorkerContext:
    """Every service's settings on the test databases; `worker` sets WorkerSettings fields."""
    return WorkerContext(
        worker=WorkerSettings(nats_url=nats_url, **worker),
        catalog=CatalogSettings(database_url=databases.migrated("catalog")),
        certification=CertificationSettings(database_url=databases.migrated("certification")),
        orders=orders or OrdersSettings(database_url=databases.migrated("orders")),
        gateway=GatewaySettings(database_url=databases.migrated("gateway")),
    )


def registered(context: WorkerContext, *names: str) -> list[Job]:
    """The jobs `scheduled_jobs` registers, those named."""
    jobs = [job for job in scheduled_jobs(context) if job.name in names]
    assert sorted(job.name for job in jobs) == sorted(names)
    return jobs


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@contextmanager
def worker_running(context: WorkerContext, jobs: list[Job]) -> Iterator[Worker]:
    """A worker with only `jobs`, running in a thread of its own beside the test (and beside the
    services the test serves) until the block ends."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def serve() -> None:
        worker = Worker(context, relays=False, consumers=[], jobs=jobs)
        state["loop"], state["stop"] = asyncio.get_running_loop(), asyncio.Event()
        try:
            await worker.start()
            state["worker"] = worker
        finally:
            ready.set()
        try:
            await state["stop"].wait()
        finally:
            await worker.stop()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(30)
    try:
        assert "worker" in state, "the worker did not start"
        yield state["worker"]
    finally:
        if "loop" in state:
            state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(30)
        context.close()


def wait_for_runs(worker: Worker, name: str, runs: int, *, timeout: float = 30.0) -> None:
    """Blocks until the worker has run job `name` `runs` times in all."""
    deadline = time.monotonic() + timeout
    while worker.clock is None or worker.clock.runs[name] < runs:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} did not run {runs} times in {timeout} s")
        time.sleep(0.05)


def run_until_ticks(context: WorkerContext, jobs: list[Job], ticks: int, *, timeout: float = 30.0) -> Worker:
    """A worker with only `jobs` (no relays, no consumers) until each job has run `ticks` ticks."""

    async def scenario() -> Worker:
        worker = Worker(context, relays=False, consumers=[], jobs=jobs)
        await worker.start()
        try:
            clock = worker.clock
            assert clock is not None
            await wait_for(lambda: all(clock.runs[job.name] >= ticks for job in jobs), timeout, f"{ticks} ticks")
        finally:
            await worker.stop()
        return worker

    try:
        return asyncio.run(scenario())
    finally:
        context.close()
