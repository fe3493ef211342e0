"""Typed domain errors and their one mapping to RFC 9457 problem responses.

Services raise these; `install_problem_handlers` renders them. Every problem names
the offending field where there is one, so a client can mark it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    status: int = 400
    code: str = "BAD_REQUEST"
    title: str = "Bad request"
    # Most errors undo the whole unit of work. An error that reports a state the service has
    # deliberately recorded before raising (a cancellation whose refund must be retried, a
    # payment held for review) sets this, and the unit of work commits that state.
    keeps_writes: bool = False

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class BadInput(DomainError):
    status, code, title = 422, "BAD_USER_INPUT", "Invalid input"


class Unauthenticated(DomainError):
    status, code, title = 401, "UNAUTHENTICATED", "Authentication required"


class Forbidden(DomainError):
    status, code, title = 403, "FORBIDDEN", "Not allowed"


class NotFound(DomainError):
    status, code, title = 404, "NOT_FOUND", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "CONFLICT", "Conflict"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "PAYLOAD_TOO_LARGE", "Payload too large"


class RateLimited(DomainError):
    status, code, title = 429, "RATE_LIMITED", "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int, field: str | None = None) -> None:
        super().__init__(detail, field=field, retry_after=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class UpstreamUnavailable(DomainError):
    status, code, title = 503, "UPSTREAM_UNAVAILABLE", "A service this request needs is unavailable"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    field: str | None = None,
    retry_after: int | None = None,
    **extra: Any,
) -> JSONResponse:
    """`retry_after` (seconds) goes in the body and in the Retry-After header."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["code"] = code
    if field is not None:
        body["field"] = field
    if retry_after is not None:
        body["retry_after"] = retry_after
    body.update(extra)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'lines', 0, 'quantity') -> 'lines.0.quantity'."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form", "file")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def _clean_error(err: dict[str, Any]) -> dict[str, Any]:
    # A JSON syntax error is located by its character offset, which names no field: the body is wrong.
    field = "body" if err.get("type") == "json_invalid" else _location(err.get("loc", ()))
    return {"field": field, "message": err.get("msg", "invalid")}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, field=exc.field, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_clean_error(e) for e in exc.errors()]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        return problem(
            422,
            "BAD_USER_INPUT",
            "Invalid input",
            f"{first['field']}: {first['message']}",
            field=first["field"],
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # The framework could not read the body (not UTF-8, a broken form): the same bad input
            # as a JSON syntax error, so the same answer.
            detail = "body: the request body could not be read"
            return problem(422, "BAD_USER_INPUT", "Invalid input", detail, field="body")
        code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
        return problem(exc.status_code, code.get(exc.status_code, "HTTP_ERROR"), str(exc.detail), str(exc.detail))

    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every connection stayed taken for the pool's whole timeout: the service is overloaded.
        # The request got no connection, so it wrote nothing, and the client may try again.
        log.warning("no database connection for %s %s: %s", request.method, request.url.path, exc)
        return problem(
            503, "SERVICE_BUSY", "Service busy", "the service is overloaded; try again shortly", retry_after=1
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not exc.connection_invalidated:
            return await _unexpected(request, exc)
        # The server dropped the connection (a restart, a failover, a network cut): the open
        # transaction is rolled back with it. The pool has thrown that connection away and
        # checks the others before use, so trying again (every change is idempotent) works.
        log.warning("database connection lost during %s %s: %s", request.method, request.url.path, exc.orig)
        return problem(
            503,
            "DATABASE_UNAVAILABLE",
            "Database unavailable",
            "the connection to the database was lost; try again",
            retry_after=1,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The trace stays in our logs; the client gets no internals.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "INTERNAL", "Internal error", "An unexpected error occurred")
