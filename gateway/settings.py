from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 8000

    catalog_url: str = "http://127.0.0.1:8001"
    orders_url: str = "http://127.0.0.1:8002"
    certification_url: str = "http://127.0.0.1:8003"
    # Seconds; reads are retried on a transport error, writes never.
    upstream_timeout: float = 5.0
