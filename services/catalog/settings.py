from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_CATALOG_", extra="ignore")

    service_name: ClassVar[str] = "catalog"
    default_port: ClassVar[int] = 8001

    # How often the service itself releases expired reservations (0: only POST /reservations/sweep).
    sweep_interval_seconds: float = Field(default=60.0, ge=0)
