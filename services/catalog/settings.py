from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_CATALOG_", extra="ignore")

    service_name: ClassVar[str] = "catalog"
    default_port: ClassVar[int] = 8001
