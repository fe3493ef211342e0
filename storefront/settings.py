"""Storefront configuration from `TONGNAN_STOREFRONT_...` environment variables.

The storefront has no database: everything it shows and changes goes through the
public GraphQL API of the gateway, like any integrator's.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.settings import (
    DEVELOPMENT_STOREFRONT_SECRET,
    ConfigurationError,
    ProxyNetworks,
    check_production,
)


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
    trusted_proxies: ProxyNetworks = ()
    # Cookies only over HTTPS; on by default in production, off on a developer's http://127.0.0.1.
    secure_cookies: bool | None = None

    # Signs the forms' CSRF tokens (storefront/csrf.py).
    secret_key: SecretStr = SecretStr(DEVELOPMENT_STOREFRONT_SECRET)
    # The storefront's address as visitors' browsers see it (`https://parts.example`); a form is
    # accepted only with this Origin. Unset in development and tests: the request's own host.
    public_origin: str | None = None

    # Stripe.js: localstripe's stand-in in development (`tongnan up` points this at it), Stripe's own
    # script in production.
    stripe_js_url: str | None = None

    @model_validator(mode="after")
    def _production_and_public_origin(self) -> StorefrontSettings:
        if self.environment == "production":
            check_production(
                secrets={"TONGNAN_STOREFRONT_SECRET_KEY": self.secret_key},
                urls={"TONGNAN_STOREFRONT_STRIPE_JS_URL": self.stripe_js},
            )
            if not self.public_origin:
                raise ConfigurationError(
                    "TONGNAN_STOREFRONT_PUBLIC_ORIGIN must be set in production: forms are accepted only from it"
                )
        if self.public_origin:
            parts = urlsplit(self.public_origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                raise ValueError("TONGNAN_STOREFRONT_PUBLIC_ORIGIN is a scheme and host, such as https://parts.example")
            self.public_origin = f"{parts.scheme}://{parts.netloc}".lower()
        return self

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
