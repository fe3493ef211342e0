"""What both upstream clients share: one long-lived httpx.Client per target, explicit
timeouts, the internal token, retries for reads only, and upstream errors mapped to ours."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from marketplace.actors import SYSTEM, Actor, internal_headers
from services.common.errors import BadInput, Conflict, DomainError, Forbidden, NotFound, UpstreamUnavailable
from services.common.logs import carry_request_id
from services.common.tracing import trace_client

log = logging.getLogger(__name__)

RETRY_STATUSES = {502, 503, 504}


class UpstreamClient:
    name = "upstream"

    def __init__(
        self,
        base_url: str,
        *,
        secret: str,
        timeout: float,
        read_retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            transport=transport,
            event_hooks={"request": [carry_request_id]},
        )
        trace_client(self.http)
        self.secret = secret
        self.read_retries = read_retries

    def close(self) -> None:
        self.http.close()

    def _headers(self, actor: Actor | None) -> dict[str, str]:
        return internal_headers(actor or SYSTEM, self.secret)

    def request(
        self,
        method: str,
        path: str,
        *,
        read: bool,
        actor: Actor | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """One call; a read is retried on transport errors and 502-504, a write never is
        (writes carry idempotency keys, so the caller may retry the whole operation)."""
        attempts = 1 + (self.read_retries if read else 0)
        for attempt in range(attempts):
            try:
                response = self.http.request(method, path, json=json, params=params, headers=self._headers(actor))
            except httpx.TransportError as exc:
                log.warning("%s %s %s failed: %r", self.name, method, path, exc)
                if attempt + 1 < attempts:
                    time.sleep(0.05 * 2**attempt)
                    continue
                raise UpstreamUnavailable(f"the {self.name} service could not be reached") from None
            if response.status_code in RETRY_STATUSES and attempt + 1 < attempts:
                time.sleep(0.05 * 2**attempt)
                continue
            return response
        raise AssertionError("unreachable")

    def raise_for(self, response: httpx.Response, *, field: str | None = None) -> None:
        if response.is_success:
            return
        try:
            body = response.json()
        except ValueError:
            body = {}
        detail = str(body.get("detail") or f"{self.name} answered {response.status_code}")
        extra = {k: v for k, v in body.items() if k.endswith("_ids")} if isinstance(body, dict) else {}
        status = response.status_code
        error: DomainError
        if status == 404:
            error = NotFound(detail, field=field)
        elif status == 409:
            error = Conflict(detail, field=field, **extra)
        elif status == 403:
            error = Forbidden(detail, field=field)
        elif status in (400, 422):
            error = BadInput(detail, field=field)
        else:
            log.warning("%s answered %s: %s", self.name, status, response.text[:500])
            error = UpstreamUnavailable(f"the {self.name} service failed ({status})")
        raise error
