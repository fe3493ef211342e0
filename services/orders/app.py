from __future__ import annotations

import asyncio
import logging

import httpx
from fastapi import FastAPI

from services.common.app import build_service_app
from services.common.events.dead_letter_api import dead_letter_router
from services.common.memo import Kept
from services.common.settings import load_or_exit
from services.orders.checkout.api import router as checkout_router
from services.orders.deps import OrdersDeps
from services.orders.finance.api import router as finance_router
from services.orders.fulfilment.api import router as fulfilment_router
from services.orders.integrations.api import router as integrations_router
from services.orders.metrics import business_metrics
from services.orders.models import EVENTS
from services.orders.quotes.api import router as quotes_router
from services.orders.quotes.estimates import Estimate
from services.orders.screening.api import router as screening_router
from services.orders.settings import OrdersSettings

DESCRIPTION = """\
Quotes with landed cost and locked FX, orders and their stock saga, Stripe payments and
webhooks, shipment, core returns, refunds and the double-entry ledger.

Every route needs the gateway's signed internal token except `POST /webhooks/stripe`, which
is authenticated by its Stripe signature. Order events go out to integrators' webhook
subscriptions (`/webhook-subscriptions`) as signed POSTs from a transactional outbox.
Money is `{amount, currency, formatted}` in minor units. Errors are RFC 9457 problem+json with `code` and `field`.
"""


log = logging.getLogger(__name__)
WEBHOOK_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled")


async def register_with_localstripe(settings: OrdersSettings) -> None:
    """Development only: point localstripe's webhooks at this process (localstripe forgets them
    on restart, and Stripe's dashboard does this in production). Retries while it starts."""
    assert settings.stripe_webhook_secret is not None
    data = {
        "url": settings.stripe_webhook_url,
        "secret": settings.stripe_webhook_secret.get_secret_value(),
        **{f"events[{i}]": event for i, event in enumerate(WEBHOOK_EVENTS)},
    }
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(60):
            try:
                response = await client.post(f"{settings.stripe_api_base}/_config/webhooks/tongnan-orders", data=data)
                if response.status_code == 200:
                    log.info("localstripe sends webhooks to %s", data["url"])
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    log.warning("could not register the webhook with localstripe at %s", settings.stripe_api_base)


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    settings = settings or load_or_exit(OrdersSettings)
    deps = OrdersDeps.build(settings)
    tasks: set[asyncio.Task[None]] = set()

    async def startup(app: FastAPI) -> None:
        if settings.environment == "development" and settings.register_localstripe_webhook:
            task = asyncio.create_task(register_with_localstripe(settings))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def shutdown(_: FastAPI) -> None:
        for task in tasks:
            task.cancel()
        deps.close()

    app = build_service_app(
        settings,
        title="Tongnan orders service",
        description=DESCRIPTION,
        routers=[
            quotes_router,
            checkout_router,
            fulfilment_router,
            finance_router,
            screening_router,
            integrations_router,
            dead_letter_router(EVENTS),
        ],
        events=EVENTS,
        business_metrics=business_metrics,
        on_startup=startup,
        on_shutdown=shutdown,
    )
    app.state.deps = deps
    # What repeats is the popular parts of popular pages: 2,000 estimates, about 8 KB each as
    # answered (six pydantic models with formatted amounts), hold 16 MB.
    app.state.estimates = Kept[Estimate](settings.estimate_cache_seconds, max_entries=2_000)
    return app
