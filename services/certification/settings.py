from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class CertificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_CERTIFICATION_", extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "certification"
    default_port: ClassVar[int] = 8003
