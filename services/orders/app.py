from __future__ import annotations

from fastapi import FastAPI

from services.common.app import build_service_app
from services.orders.api import router
from services.orders.deps import OrdersDeps
from services.orders.settings import OrdersSettings

DESCRIPTION = """\
Quotes with landed cost and locked FX, orders and their stock saga, Stripe payments and
webhooks, shipment, core returns, refunds and the double-entry ledger.

Every route needs the gateway's signed internal token except `POST /webhooks/stripe`, which
is authenticated by its Stripe signature. Money is `{amount, currency, formatted}` in minor
units. Errors are RFC 9457 problem+json with `code` and `field`.
"""


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    settings = settings or OrdersSettings()
    deps = OrdersDeps.build(settings)

    async def shutdown(_: FastAPI) -> None:
        deps.close()

    app = build_service_app(
        settings,
        title="Tongnan orders service",
        description=DESCRIPTION,
        routers=[router],
        on_shutdown=shutdown,
    )
    app.state.deps = deps
    return app
