from __future__ import annotations

from fastapi import FastAPI

from services.catalog.api import routers
from services.catalog.settings import CatalogSettings
from services.common.app import build_service_app

DESCRIPTION = """\
Remanufactured parts, their suppliers, fitments, stock reservations and search.

Every route needs the gateway's signed internal token (`Authorization: Bearer ...`); the
public reads with an ANONYMOUS token. Money is CNY fen (integers). Errors are RFC 9457
problem+json with `code` and `field`.
"""


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    settings = settings or CatalogSettings()
    return build_service_app(
        settings,
        title="Tongnan catalog service",
        description=DESCRIPTION,
        routers=list(routers),
    )
