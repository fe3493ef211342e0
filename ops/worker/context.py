"""What the worker's consumers and jobs share: each service's settings and database."""

from __future__ import annotations

from dataclasses import dataclass, field

from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import Engine

from gateway.settings import GatewaySettings
from ops.worker.settings import WorkerSettings
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.common.db import make_engine
from services.common.settings import load
from services.orders.settings import OrdersSettings


@dataclass
class WorkerContext:
    worker: WorkerSettings
    catalog: CatalogSettings
    certification: CertificationSettings
    orders: OrdersSettings
    gateway: GatewaySettings
    engines: dict[str, Engine] = field(default_factory=dict)
    nc: Client | None = None
    js: JetStreamContext | None = None

    @classmethod
    def from_environment(cls) -> WorkerContext:
        return cls(
            worker=load(WorkerSettings),
            catalog=load(CatalogSettings),
            certification=load(CertificationSettings),
            orders=load(OrdersSettings),
            gateway=load(GatewaySettings),
        )

    def engine(self, service: str) -> Engine:
        if service not in self.engines:
            settings = {
                "catalog": self.catalog,
                "certification": self.certification,
                "orders": self.orders,
                "gateway": self.gateway,
            }[service]
            self.engines[service] = make_engine(settings.db_url)
        return self.engines[service]

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()
        self.engines.clear()
