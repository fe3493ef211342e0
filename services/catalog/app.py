from __future__ import annotations

from fastapi import FastAPI

from services.catalog.api import routers
from services.catalog.contract import Facets, FitmentOptions
from services.catalog.db import tune
from services.catalog.images import open_image_store
from services.catalog.metrics import business_metrics
from services.catalog.models import EVENTS
from services.catalog.search.query import WordCounts
from services.catalog.settings import CatalogSettings
from services.catalog.verification import licence_store
from services.common.app import build_service_app
from services.common.events.dead_letter_api import dead_letter_router
from services.common.memo import Kept
from services.common.settings import load_or_exit

DESCRIPTION = """\
Remanufactured parts, their suppliers, fitments, stock reservations and search.

Every route needs the gateway's signed internal token (`Authorization: Bearer ...`); the
public reads with an ANONYMOUS token. Money is CNY fen (integers). Errors are RFC 9457
problem+json with `code` and `field`.
"""


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    # Expired reservations are released by the worker's reservation_sweep job (or
    # POST /reservations/sweep), not by a loop in each web process.
    settings = settings or load_or_exit(CatalogSettings)
    app = build_service_app(
        settings,
        title="Tongnan catalog service",
        description=DESCRIPTION,
        routers=[*routers, dead_letter_router(EVENTS)],
        events=EVENTS,
        business_metrics=business_metrics,
    )
    tune(app.state.engine)
    app.state.image_store = open_image_store(settings)
    app.state.licence_store = licence_store(settings)
    app.state.selectors = Kept[FitmentOptions](settings.selector_cache_seconds)
    app.state.facets = Kept[Facets](settings.facet_cache_seconds)
    app.state.word_counts = WordCounts(settings.word_count_cache_seconds)
    return app
