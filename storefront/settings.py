"""Storefront configuration from `TONGNAN_STOREFRONT_...` environment variables.

The storefront has no database: everything it shows and changes goes through the
public GraphQL API of the gateway, like any integrator's.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StorefrontSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_STOREFRONT_", extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias=AliasChoices("TONGNAN_ENVIRONMENT", "environment")
    )
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # Where the public GraphQL API answers (the gateway's base URL, without /graphql).
    gateway_url: str = "http://127.0.0.1:8000"
    # Seconds for one GraphQL request; past it the page says the service is busy.
    gateway_timeout: float = 10.0
    # Cookies only over HTTPS; on by default in production, off on a developer's http://127.0.0.1.
    secure_cookies: bool | None = None

    @property
    def cookies_secure(self) -> bool:
        return self.environment == "production" if self.secure_cookies is None else self.secure_cookies
