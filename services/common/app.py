"""What every service's `create_app` shares: engine, problem handlers, health routes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.db import POOL_CONNECTIONS, make_engine, session_scope
from services.common.errors import install_problem_handlers
from services.common.events.tables import EventTables
from services.common.health import health_router
from services.common.logs import add_request_ids, configure_logging
from services.common.metrics import DatabaseCollector, install_metrics
from services.common.settings import ServiceSettings, StackSettings
from services.common.tracing import start_tracing, trace_app

T = TypeVar("T")

# Requests a service works on at once: one fewer than its pool has connections, that one
# left for work outside requests (the webhook sender, say).
CONCURRENT_REQUESTS = POOL_CONNECTIONS - 1


class AdmissionLimit:
    """At most `limit` requests inside the app at once; the others wait their turn, in order.

    A sync route's session keeps its pool connection until FastAPI has validated the route's
    response, which for a sync route also takes a worker thread. With more requests inside
    than the pool has connections, every worker thread could be held by a route waiting for a
    connection while every connection belonged to a route waiting for a thread: each waited
    out the pool's 30 s and answered 500 (seen on the catalog at 128 concurrent storefront
    listings). Admitting no more requests than there are connections, no route ever waits
    for one.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.slots = anyio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self.slots:
            await self.app(scope, receive, send)


def build_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    on_startup: Callable[[FastAPI], Awaitable[Any]] | None = None,
    on_shutdown: Callable[[FastAPI], Awaitable[Any]] | None = None,
    concurrent_requests: int | None = CONCURRENT_REQUESTS,
    events: EventTables | None = None,
    business_metrics: Callable[[Connection], Iterable[Metric]] | None = None,
    collectors: Sequence[Collector] = (),
) -> FastAPI:
    """`concurrent_requests=None` admits every request at once: for an app whose requests never
    hold a connection while they wait for anything else. `events`, `business_metrics` and
    `collectors` are served at /metrics: the outbox's lag, what the service's database says
    of the business, and series the process counts itself."""
    configure_logging(settings.service_name, settings.environment)
    start_tracing(settings.service_name)
    engine = make_engine(settings.db_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if on_startup is not None:
            await on_startup(app)
        settle_heap(settings)
        yield
        if on_shutdown is not None:
            await on_shutdown(app)
        engine.dispose()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.internal_secret = settings.internal_secret.get_secret_value()
    install_problem_handlers(app)
    app.include_router(health_router(settings.service_name))
    for router in routers:
        app.include_router(router)
    if concurrent_requests is not None:
        app.add_middleware(AdmissionLimit, limit=concurrent_requests)
    install_metrics(app, DatabaseCollector(settings.service_name, engine, events, business_metrics), *collectors)
    trace_app(app, engine)
    add_request_ids(app)
    return app


def settle_heap(settings: StackSettings) -> None:
    """Put what starting made (modules, the GraphQL schema, table metadata) out of the garbage
    collector's sight, and collect the young generation less often.

    Those objects live as long as the process, yet every full collection walked them all: in the
    gateway that was a pause of tens of milliseconds every few requests. Measured on the gateway's
    listing query at 8 concurrent requests: 147 -> 248 per second, p99 240 -> 42 ms.
    Not in tests: a test process builds hundreds of apps, and would keep every one's leftovers.
    """
    if settings.environment == "test":
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.engine) as session:
        yield session


# scope="function": the commit happens before the response is sent, so a client
# never sees success for a write that then failed to commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def in_session(request: Request, work: Callable[[Session], T]) -> T:
    """`work` in a unit of work of its own (committed at the end, as SessionDep's), on one worker
    thread, for an `async def` route.

    A plain `def` route with SessionDep hops between the event loop and the thread pool four
    times: to open the session, to run, to have FastAPI validate its response, and to commit and
    close. The batch reads a page of the storefront makes are short, so those hops were most of
    what one cost (profiled under the listing's load). Here the database work and the commit
    take one hop; the response, already of its response model, is checked and written on the
    loop. The connection is back in the pool before the route returns."""
    engine = request.app.state.engine

    def unit() -> T:
        with session_scope(engine) as session:
            return work(session)

    return await run_in_threadpool(unit)
