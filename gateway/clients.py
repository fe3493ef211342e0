"""One pooled `httpx.AsyncClient` per upstream service for the life of the process."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from gateway.settings import GatewaySettings


@dataclass
class ServiceClients:
    catalog: httpx.AsyncClient
    orders: httpx.AsyncClient
    certification: httpx.AsyncClient

    @classmethod
    def open(cls, settings: GatewaySettings) -> ServiceClients:
        timeout = httpx.Timeout(settings.upstream_timeout, connect=2.0)
        # Sized for a page of 100 parts fanned out to every service at once.
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=100)

        def client(url: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits)

        return cls(
            catalog=client(settings.catalog_url),
            orders=client(settings.orders_url),
            certification=client(settings.certification_url),
        )

    async def aclose(self) -> None:
        for c in (self.catalog, self.orders, self.certification):
            await c.aclose()
