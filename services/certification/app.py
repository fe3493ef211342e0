from __future__ import annotations

from fastapi import FastAPI

from services.certification.settings import CertificationSettings
from services.common.app import build_service_app


def create_app(settings: CertificationSettings | None = None) -> FastAPI:
    settings = settings or CertificationSettings()
    return build_service_app(
        settings,
        title="Tongnan certification service",
        description="",
    )
