"""The one HTTP client by which a process calls one of our services.

Every call between our processes goes through `ServiceClient`, so they all keep the same rules:

- an answer that is a problem (RFC 9457, `application/problem+json`) becomes our typed error
  (`problem_error`, the one mapping from a status to an error), keeping its words and field;
- idempotent calls (GET and HEAD, and calls the caller marks idempotent: those carrying an
  idempotency key, or reads that send their ids in a body) are retried by stamina, a bounded
  number of times, on a connection failure, a timeout, or a 502, 503 or 504; any other call is
  made once, since doing it twice could do its work twice;
- every call has a deadline: the time it may take, retries included (the client's default from
  settings, or one given for the call), cut short by the deadline of the work in hand
  (`work_deadline`, which the gateway sets for the GraphQL request it serves). The call ends by
  then, and one that runs out of time raises `DeadlineExceeded`. Each attempt of a retried call
  waits on the network at most `timeout`, which leaves time for the next attempt; a call made
  once (a write) waits for its answer until the deadline, since giving up early only turns a
  slow answer into a failure whose effect the caller cannot know;
- the request id of the work in hand (X-Request-ID) goes on every call, so one buyer's click can
  be followed through every process it reached; the internal token is the caller's to give, in
  `headers`.

One class serves blocking callers (the orders service's routes run in threads, and the worker)
and asynchronous ones (the gateway): `request_sync` and `request` share the rules above, and
each opens its own pooled httpx client on first use.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Literal

import httpx
import stamina

from services.common.errors import (
    BadInput,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
    UpstreamUnavailable,
)
from services.common.logs import carry_request_id, carry_request_id_async
from services.common.tracing import trace_client, tracing_on

log = logging.getLogger(__name__)

Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

# When the work in hand must be done, on time.monotonic()'s clock: set by a process for each
# request it serves (the gateway, for each GraphQL request); every call made for it, retries
# included, ends by then. A context variable reaches the tasks started for the work (the
# gateway's DataLoader batches), which copy it when they start.
work_deadline: ContextVar[float | None] = ContextVar("work_deadline", default=None)

DEFAULT_ATTEMPTS = 3
RETRIED_STATUSES = frozenset({502, 503, 504})
# Short waits: a caller is waiting, and the whole call is bounded by its deadline anyway.
_WAITS: dict[str, Any] = {"wait_initial": 0.05, "wait_max": 0.5, "wait_jitter": 0.05}

_BY_STATUS: dict[int, type[DomainError]] = {
    400: BadInput,
    401: Unauthenticated,
    # A declined card: the caller's card is the problem, and the words say why.
    402: BadInput,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: BadInput,
    # A service's own 503 says what is unavailable and what happens next (a cancellation whose
    # refund will be retried, say); its words reach the caller.
    503: UpstreamUnavailable,
}

# Codes that say no more than the HTTP status they come with.
_GENERIC_CODES = frozenset(
    {cls.code for cls in (BadInput, Conflict, Forbidden, NotFound, PayloadTooLarge, RateLimited, Unauthenticated)}
    | {"BAD_REQUEST", "HTTP_ERROR", "METHOD_NOT_ALLOWED", "INTERNAL", UpstreamUnavailable.code}
)


class DeadlineExceeded(UpstreamUnavailable):
    """A service did not answer within the call's deadline: to the caller's caller, that service
    is unavailable (the same code), and the reason says it was too slow rather than down."""

    def __init__(self, service: str, *, by_the_work: bool) -> None:
        whose = "the request's deadline" if by_the_work else "the call's deadline"
        super().__init__(f"the {service} service did not answer within {whose}", reason="DEADLINE")


def problem_error(service: str, response: httpx.Response, *, field: str | None = None) -> DomainError:
    """The service's problem answer as our typed error, keeping its message and field.

    `field` names the caller's own field the call was made for, when the service's field means
    nothing to the caller's caller; otherwise the service's field is kept. Lists of ids the problem
    carries (`insufficient_part_ids` ...) are kept too."""
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
    body: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
    detail = str(body.get("detail") or body.get("title") or f"{service} answered {response.status_code}")
    field = field if field is not None else body.get("field")
    if response.status_code == 429:
        retry = int(response.headers.get("retry-after", "1") or 1)
        return RateLimited(detail, retry_after_seconds=retry, field=field)
    error_class = _BY_STATUS.get(response.status_code)
    if error_class is None:
        log.warning("%s answered %s: %s", service, response.status_code, response.text[:500])
        return UpstreamUnavailable(f"the {service} service failed ({response.status_code})")
    extra: dict[str, Any] = {key: value for key, value in body.items() if key.endswith("_ids")}
    # Which refusal it is, beyond the public code (NOT_AN_IMAGE, PAYMENT_DECLINED ...), for
    # callers that word it themselves: the service's own code when it says more than the status.
    reason = body.get("reason")
    code = body.get("code")
    if reason is None and isinstance(code, str) and code not in _GENERIC_CODES:
        reason = code
    if isinstance(reason, str):
        extra["reason"] = reason
    return error_class(detail, field=field, **extra)


class _RetriedAnswer(Exception):
    """A 502, 503 or 504 to an idempotent call: raised inside an attempt so stamina tries again,
    and turned back into the answer when the attempts run out."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _worth_retrying(exc: Exception) -> bool:
    return isinstance(exc, (httpx.TransportError, _RetriedAnswer))


class ServiceClient:
    """Calls to one service at `base_url`, named `name` in errors and logs.

    `timeout`: how long one attempt waits on the network (to connect, for each read);
    `attempts`: at most this many tries of an idempotent call (1: never retried); `deadline`:
    how long a whole call may take unless the call gives its own, by default time for every
    attempt. `transport` replaces the network (an ASGI app in tests, aiohttp's pool in the
    gateway): a sync one serves `request_sync`, an async one `request`."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout: float,
        attempts: int = DEFAULT_ATTEMPTS,
        deadline: float | None = None,
        connect_timeout: float = 3.0,
        limits: httpx.Limits | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError("a call is made at least once")
        self.name = name
        self.base_url = base_url
        self.timeout = timeout
        self.attempts = attempts
        self.deadline = deadline if deadline is not None else timeout * attempts
        self._httpx_timeout = httpx.Timeout(timeout, connect=min(timeout, connect_timeout))
        self._limits = limits or httpx.Limits(max_connections=200, max_keepalive_connections=50)
        self._transport = transport
        # The httpx clients are opened on first use, traced if tracing was on when this was built.
        self._traced = tracing_on()
        self._sync: httpx.Client | None = None
        self._async: httpx.AsyncClient | None = None

    # -- the rules both kinds of call share ---------------------------------------------------

    def _deadline(self, seconds: float | None) -> tuple[float, bool]:
        """When this call must end (time.monotonic()), and whether the work's deadline set it."""
        own = time.monotonic() + (self.deadline if seconds is None else seconds)
        work = work_deadline.get()
        if work is not None and work < own:
            return work, True
        return own, False

    def _attempts(self, method: Method, headers: Mapping[str, str] | None, idempotent: bool | None) -> int:
        if idempotent is None:
            idempotent = method in ("GET", "HEAD") or any(k.lower() == "idempotency-key" for k in headers or ())
        return self.attempts if idempotent else 1

    def _answer(self, response: httpx.Response, *, retried: bool, field: str | None) -> httpx.Response:
        if retried and response.status_code in RETRIED_STATUSES:
            raise _RetriedAnswer(response)
        if response.status_code >= 400:
            raise problem_error(self.name, response, field=field)
        return response

    def _attempt_timeout(self, attempts: int, remaining: float) -> httpx.Timeout:
        """How long one attempt waits on the network: `timeout` when another attempt may follow,
        the rest of the call's deadline when none will (connecting stays short either way)."""
        read = min(self.timeout, remaining) if attempts > 1 else remaining
        return httpx.Timeout(read, connect=min(read, self._httpx_timeout.connect or read))

    def _unreachable(self, method: Method, path: str, exc: Exception) -> UpstreamUnavailable:
        log.warning("%s %s %s failed: %r", self.name, method, path, exc)
        return UpstreamUnavailable(f"the {self.name} service is unavailable")

    # -- blocking calls ------------------------------------------------------------------------

    def request_sync(
        self,
        method: Method,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        idempotent: bool | None = None,
        deadline: float | None = None,
        field: str | None = None,
    ) -> httpx.Response:
        """One call, retried if idempotent; an answer of 400 or more raises our error (`field`:
        the caller's field to name in it). `idempotent` defaults to GET, HEAD, or an
        Idempotency-Key header; `deadline`: seconds the call may take, retries included."""
        http = self._sync_client()
        ends, by_the_work = self._deadline(deadline)
        attempts = self._attempts(method, headers, idempotent)
        try:
            for attempt in stamina.retry_context(
                on=_worth_retrying, attempts=attempts, timeout=max(ends - time.monotonic(), 0.0), **_WAITS
            ):
                with attempt:
                    remaining = ends - time.monotonic()
                    if remaining <= 0:
                        raise DeadlineExceeded(self.name, by_the_work=by_the_work)
                    response = http.request(
                        method,
                        path,
                        headers=headers,
                        params=params,
                        json=json,
                        content=content,
                        timeout=self._attempt_timeout(attempts, remaining),
                    )
                    return self._answer(response, retried=attempts > 1, field=field)
        except _RetriedAnswer as exc:
            raise problem_error(self.name, exc.response, field=field) from None
        except httpx.TransportError as exc:
            if time.monotonic() >= ends:
                raise DeadlineExceeded(self.name, by_the_work=by_the_work) from None
            raise self._unreachable(method, path, exc) from None
        raise AssertionError("stamina made no attempt")

    def _sync_client(self) -> httpx.Client:
        if self._sync is None:
            transport = self._transport if isinstance(self._transport, httpx.BaseTransport) else None
            self._sync = httpx.Client(
                base_url=self.base_url,
                timeout=self._httpx_timeout,
                limits=self._limits,
                transport=transport,
                event_hooks={"request": [carry_request_id]},
            )
            trace_client(self._sync, traced=self._traced)
        return self._sync

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    # -- asynchronous calls --------------------------------------------------------------------

    async def request(
        self,
        method: Method,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        idempotent: bool | None = None,
        deadline: float | None = None,
        field: str | None = None,
    ) -> httpx.Response:
        """`request_sync`'s call, awaited: one timer for the whole call, retries included, so
        everything waiting on it fails with it when it runs out."""
        http = self._async_client()
        ends, by_the_work = self._deadline(deadline)
        attempts = self._attempts(method, headers, idempotent)
        loop = asyncio.get_running_loop()
        timer = asyncio.timeout_at(loop.time() + (ends - time.monotonic()))
        try:
            async with timer:
                async for attempt in stamina.retry_context(
                    on=_worth_retrying, attempts=attempts, timeout=max(ends - time.monotonic(), 0.0), **_WAITS
                ):
                    with attempt:
                        response = await http.request(
                            method,
                            path,
                            headers=headers,
                            params=params,
                            json=json,
                            content=content,
                            timeout=self._attempt_timeout(attempts, ends - time.monotonic()),
                        )
                        return self._answer(response, retried=attempts > 1, field=field)
        except _RetriedAnswer as exc:
            raise problem_error(self.name, exc.response, field=field) from None
        except TimeoutError:
            if not timer.expired():
                raise self._unreachable(method, path, TimeoutError()) from None
            raise DeadlineExceeded(self.name, by_the_work=by_the_work) from None
        except httpx.TransportError as exc:
            if time.monotonic() >= ends:
                raise DeadlineExceeded(self.name, by_the_work=by_the_work) from None
            raise self._unreachable(method, path, exc) from None
        raise AssertionError("stamina made no attempt")

    def _async_client(self) -> httpx.AsyncClient:
        if self._async is None:
            transport = self._transport if isinstance(self._transport, httpx.AsyncBaseTransport) else None
            self._async = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=self._httpx_timeout,
                limits=self._limits,
                transport=transport,
                event_hooks={"request": [carry_request_id_async]},
            )
            trace_client(self._async, traced=self._traced)
        return self._async

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()
            self._async = None
        self.close()

    # -- JSON --------------------------------------------------------------------------------------

    async def get_json(self, path: str, *, headers: Mapping[str, str], params: Mapping[str, Any] | None = None) -> Any:
        return (await self.request("GET", path, headers=headers, params=params)).json()

    async def get_json_or_none(
        self, path: str, *, headers: Mapping[str, str], params: Mapping[str, Any] | None = None
    ) -> Any:
        """A read of one thing: None when the service does not know it (404)."""
        try:
            return await self.get_json(path, headers=headers, params=params)
        except NotFound:
            return None

    async def post_json(
        self,
        path: str,
        body: Any,
        *,
        headers: Mapping[str, str],
        method: Literal["POST", "PUT", "PATCH"] = "POST",
    ) -> Any:
        response = await self.request(method, path, headers=headers, json=body)
        return response.json() if response.content else None
