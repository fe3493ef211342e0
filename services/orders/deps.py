"""What the orders service needs besides its database: settings and its upstream clients.

Built once per app in `create_app` and closed on shutdown; routes get it with `DepsDep`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.orders.checkout.payments import StripePayments
from services.orders.clients.catalog import CatalogClient
from services.orders.settings import OrdersSettings


@dataclass
class OrdersDeps:
    settings: OrdersSettings
    catalog: CatalogClient
    payments: StripePayments

    @classmethod
    def build(cls, settings: OrdersSettings) -> OrdersDeps:
        return cls(settings=settings, catalog=CatalogClient.for_settings(settings), payments=StripePayments(settings))

    def close(self) -> None:
        self.catalog.close()
        self.payments.close()


async def deps_of(request: Request) -> OrdersDeps:
    # async: FastAPI runs a plain `def` dependency on the thread pool, a hop for an attribute read.
    deps: OrdersDeps = request.app.state.deps
    return deps


DepsDep = Annotated[OrdersDeps, Depends(deps_of)]
