from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from services.catalog import reservations
from services.catalog.api import routers
from services.catalog.db import tune
from services.catalog.settings import CatalogSettings
from services.common.app import build_service_app
from services.common.db import session_scope
from services.common.internal_auth import SYSTEM
from services.common.settings import load_or_exit

log = logging.getLogger(__name__)

DESCRIPTION = """\
Remanufactured parts, their suppliers, fitments, stock reservations and search.

Every route needs the gateway's signed internal token (`Authorization: Bearer ...`); the
public reads with an ANONYMOUS token. Money is CNY fen (integers). Errors are RFC 9457
problem+json with `code` and `field`.
"""


def sweep_once(app: FastAPI) -> int:
    with session_scope(app.state.engine) as session:
        return reservations.sweep_expired(session, SYSTEM)


async def _sweeper(app: FastAPI, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            expired = await run_in_threadpool(sweep_once, app)
            if expired:
                log.info("released %d expired reservations", expired)
        except Exception:  # keep sweeping; the next round retries
            log.exception("reservation sweep failed")


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    settings = settings or load_or_exit(CatalogSettings)
    interval = settings.sweep_interval_seconds

    async def start(app: FastAPI) -> None:
        app.state.sweeper = asyncio.create_task(_sweeper(app, interval)) if interval > 0 else None

    async def stop(app: FastAPI) -> None:
        task = app.state.sweeper
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = build_service_app(
        settings,
        title="Tongnan catalog service",
        description=DESCRIPTION,
        routers=list(routers),
        on_startup=start,
        on_shutdown=stop,
    )
    tune(app.state.engine)
    return app
