"""`/healthz` (the process answers) and `/readyz` (database reachable, its schema one this code
works on: at our head, or newer by migrations that only expand it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from services.common.errors import problem
from services.common.migrations import current_revision, head_revision, served_revisions


def health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/readyz", response_model=None)
    def readyz(request: Request) -> JSONResponse | dict[str, str | None]:
        engine = request.app.state.engine
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            current = current_revision(engine)
        except SQLAlchemyError:
            return problem(503, "NOT_READY", "Not ready", "database unreachable")
        head = head_revision(service)
        if current != head and head not in served_revisions(engine):
            return problem(
                503, "NOT_READY", "Not ready", f"schema at {current} does not serve this code's revision {head}"
            )
        return {"status": "ready", "service": service, "revision": current}

    return router
