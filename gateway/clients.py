"""One pooled HTTP client per upstream service for the life of the process.

httpx's interface with aiohttp's connection pool underneath (httpx-aiohttp): measured
faster than httpx's own pool at 8 to 32 concurrent calls (see bench/gateway.py and the
README). Reads are retried on a transport error; writes never are, they carry an
idempotency key instead. Problem responses become our typed errors, so the GraphQL
layer maps them to codes in one place.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from httpx_aiohttp import AiohttpTransport

from gateway.settings import GatewaySettings
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

READ_RETRIES = 2
_BY_STATUS: dict[int, type[DomainError]] = {
    400: BadInput,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: BadInput,
}


def problem_error(service: str, response: httpx.Response) -> DomainError:
    """The upstream's RFC 9457 problem as our typed error, keeping its message and field."""
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    detail = str(body.get("detail") or body.get("title") or f"{service} answered {response.status_code}")
    field = body.get("field")
    if response.status_code == 429:
        retry = int(response.headers.get("retry-after", "1") or 1)
        return RateLimited(detail, retry_after_seconds=retry, field=field)
    error_class = _BY_STATUS.get(response.status_code)
    if error_class is None:
        return UpstreamUnavailable(f"the {service} service failed")
    return error_class(detail, field=field)


class Upstream:
    def __init__(self, name: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self.client = client

    async def request(
        self,
        method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"],
        path: str,
        *,
        headers: dict[str, str],
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
    ) -> httpx.Response:
        attempts = 1 + (READ_RETRIES if method == "GET" else 0)
        for attempt in range(attempts):
            try:
                response = await self.client.request(
                    method, path, headers=headers, params=params, json=json, content=content
                )
            except httpx.TransportError:
                if attempt + 1 < attempts:
                    await asyncio.sleep(0.05 * (attempt + 1))
                    continue
                raise UpstreamUnavailable(f"the {self.name} service is unavailable") from None
            if response.status_code >= 400:
                raise problem_error(self.name, response)
            return response
        raise AssertionError("unreachable")

    async def get_json(self, path: str, *, headers: dict[str, str], params: dict[str, Any] | None = None) -> Any:
        return (await self.request("GET", path, headers=headers, params=params)).json()

    async def get_json_or_none(
        self, path: str, *, headers: dict[str, str], params: dict[str, Any] | None = None
    ) -> Any:
        """A read of one thing: None when the service does not know it (404)."""
        try:
            return await self.get_json(path, headers=headers, params=params)
        except NotFound:
            return None

    async def post_json(
        self, path: str, body: Any, *, headers: dict[str, str], method: Literal["POST", "PUT", "PATCH"] = "POST"
    ) -> Any:
        response = await self.request(method, path, headers=headers, json=body)
        return response.json() if response.content else None


@dataclass
class ServiceClients:
    catalog: Upstream
    orders: Upstream
    certification: Upstream

    @classmethod
    def open(
        cls, settings: GatewaySettings, transports: dict[str, httpx.AsyncBaseTransport] | None = None
    ) -> ServiceClients:
        timeout = httpx.Timeout(settings.upstream_timeout, connect=2.0)
        # Sized for a page of 100 parts fanned out to every service at once.
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)

        def client(name: str, url: str) -> Upstream:
            transport = (transports or {}).get(name)
            if transport is None and settings.upstream_transport == "aiohttp":
                transport = AiohttpTransport(limits=limits)
            return Upstream(name, httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits, transport=transport))

        return cls(
            catalog=client("catalog", settings.catalog_url),
            orders=client("orders", settings.orders_url),
            certification=client("certification", settings.certification_url),
        )

    async def aclose(self) -> None:
        for upstream in (self.catalog, self.orders, self.certification):
            await upstream.client.aclose()
