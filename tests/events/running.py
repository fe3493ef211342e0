"""A worker (ops/worker/main.py) on an event loop of its own, in a background thread, as
`tongnan worker` runs it beside the served apps of a test."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, MetaData

from gateway.settings import GatewaySettings
from ops.worker.context import WorkerContext
from ops.worker.main import Worker
from ops.worker.settings import WorkerSettings
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.common.db import make_engine
from services.common.events import ConsumerRunner
from services.common.migrations import upgrade
from services.orders.settings import OrdersSettings
from tests.databases import Databases


@contextmanager
def scratch_catalog(databases: Databases, scratch: MetaData) -> Iterator[tuple[str, Engine]]:
    """A migrated catalog database of a test's own, with the test's scratch tables: they would
    otherwise drift the session's shared schema."""
    url = databases.fresh("catalog")
    upgrade("catalog", url)
    engine = make_engine(url)
    scratch.create_all(engine)
    try:
        yield url, engine
    finally:
        engine.dispose()


def worker_context(databases: Databases, nats_url: str, orders: OrdersSettings) -> WorkerContext:
    """The test session's databases, this NATS server and these orders settings."""
    return WorkerContext(
        worker=WorkerSettings(nats_url=nats_url),
        catalog=CatalogSettings(database_url=databases.migrated("catalog")),
        certification=CertificationSettings(database_url=databases.migrated("certification")),
        orders=orders,
        gateway=GatewaySettings(),  # the webhook sender and the relays do not read it
    )


class RunningWorker:
    def __init__(self, context: WorkerContext, **options: Any) -> None:
        """`options`: the Worker's (`relays`, `consumers`, `jobs`)."""
        self.context = context
        self.worker = Worker(context, jobs=options.pop("jobs", []), **options)
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            await self.worker.start()
        except BaseException as exc:
            self._failure = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await self.worker.stop()
            self.context.close()

    def start(self) -> RunningWorker:
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the worker did not start")
        if self._failure is not None:
            raise RuntimeError("the worker did not start") from self._failure
        return self

    def runner(self, name: str) -> ConsumerRunner:
        return next(r for r in self.worker.runners if r.subscription.name == name)

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=30)

    def __enter__(self) -> RunningWorker:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
