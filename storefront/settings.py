"""Storefront configuration from `TONGNAN_STOREFRONT_...` environment variables.

The storefront has no database: everything it shows and changes goes through the
public GraphQL API of the gateway, like any integrator's.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.common.settings import check_production


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
    # Networks of the load balancers or reverse proxies in front of the storefront (CIDRs or single
    # addresses, comma-separated) whose X-Forwarded-For names the visitor; from any other peer the
    # header is ignored. The visitor's address is passed on to the gateway, which limits each one.
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()
    # Cookies only over HTTPS; on by default in production, off on a developer's http://127.0.0.1.
    secure_cookies: bool | None = None

    # Stripe.js: localstripe's stand-in in development (`tongnan up` points this at it), Stripe's own
    # script in production.
    stripe_js_url: str | None = None

    @model_validator(mode="after")
    def _production(self) -> StorefrontSettings:
        if self.environment == "production":
            check_production(urls={"TONGNAN_STOREFRONT_STRIPE_JS_URL": self.stripe_js})
        return self

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @property
    def stripe_js(self) -> str:
        if self.stripe_js_url:
            return self.stripe_js_url
        return (
            "https://js.stripe.com/v3/"
            if self.environment == "production"
            else "http://127.0.0.1:8420/js.stripe.com/v3/"
        )

    @property
    def stripe_origin(self) -> str:
        parts = urlsplit(self.stripe_js)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def stripe_api_origin(self) -> str:
        """Where Stripe.js sends the card: Stripe's API, or localstripe itself."""
        return "https://api.stripe.com" if self.stripe_origin == "https://js.stripe.com" else self.stripe_origin

    @property
    def cookies_secure(self) -> bool:
        return self.environment == "production" if self.secure_cookies is None else self.secure_cookies
