from __future__ import annotations

from fastapi import FastAPI

from services.catalog.settings import CatalogSettings
from services.common.app import build_service_app


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    settings = settings or CatalogSettings()
    return build_service_app(
        settings,
        title="Tongnan catalog service",
        description="",
    )
