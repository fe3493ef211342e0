from __future__ import annotations

from fastapi import FastAPI

from services.common.app import build_service_app
from services.orders.settings import OrdersSettings


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    settings = settings or OrdersSettings()
    return build_service_app(
        settings,
        title="Tongnan orders service",
        description="",
    )
