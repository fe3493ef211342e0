from __future__ import annotations

import os
from typing import ClassVar, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.mail import DEFAULT_SMTP_PORT, SmtpServer
from services.common.settings import (
    DEVELOPMENT_JWT_SECRET,
    ConfigurationError,
    ProxyNetworks,
    ServiceSettings,
    check_production,
)


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "gateway"
    default_port: ClassVar[int] = 8000

    catalog_url: str = "http://127.0.0.1:8001"
    orders_url: str = "http://127.0.0.1:8002"
    certification_url: str = "http://127.0.0.1:8003"
    # Seconds; reads are retried on a transport error, writes never.
    upstream_timeout: float = 5.0
    # Seconds one GraphQL request may wait on the services in all, retries included: past it,
    # each field still waiting on a service answers UPSTREAM_UNAVAILABLE and the rest answer as
    # they are. Shorter than the storefront's own timeout to the gateway (10 s), so that the
    # page hears which part failed instead of giving up on the whole request.
    request_deadline_seconds: float = Field(default=8.0, gt=0)
    # Processes serving the gateway under `tongnan up`; one per core scales it out. Rate limits
    # and login throttling are kept per process.
    workers: int = 1
    # Seconds the catalog's browsing reads (search pages, suppliers, certificates, eligibility,
    # price conversions) of visitors and buyers are kept per caller in each process; 0 turns the
    # cache off. A change made through the gateway clears it at once; one made elsewhere (stock
    # sold at checkout) shows within this time. Suppliers, inspectors and admins always ask.
    read_cache_seconds: float = 2.0

    @property
    def invalidates_cache(self) -> bool:
        """Whether part and stock events clear the read cache (gateway/invalidation.py): when
        TONGNAN_NATS_URL names the events server (`tongnan up` and compose set it) and there is
        a cache to clear."""
        return "nats_url" in self.model_fields_set and self.read_cache_seconds > 0

    # How GraphQL queries execute (gateway/execution.py): `tongnan`, graphql-core's executor with
    # strawberry's wrapping skipped for plain fields (twice as fast on a listing), or `strawberry`,
    # strawberry's own executor, the way back should a strawberry or graphql-core release break
    # ours. Both answer the same; both keep a field whose service did not answer null with its
    # error, whatever the schema says. One choice per process: the schema is built once.
    executor: Literal["tongnan", "strawberry"] = "tongnan"

    # aiohttp's pool under httpx's interface, or httpx's own (for comparison in bench/gateway.py).
    upstream_transport: Literal["aiohttp", "httpx"] = "aiohttp"

    # Access tokens for people and integrators (HS256); distinct from the internal secret.
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_days: int = 30
    # Login throttling (gateway/identity/throttle.py): per (e-mail, client address) pair, this many
    # failures in a row are free, then each attempt waits 1, 2, 4 ... seconds up to the cap; a pair's
    # count starts afresh a window after its first failure. Shared by every replica through Redis
    # when TONGNAN_REDIS_URL is set. Per client address, across e-mails, at most this many
    # failures in the window. Nothing locks an account: its owner elsewhere still gets in.
    login_free_failures: int = Field(3, ge=1)
    login_backoff_cap_seconds: int = Field(5 * 60, ge=1)
    login_failures_per_address: int = Field(50, ge=1)
    login_failure_window_seconds: int = Field(15 * 60, ge=1)

    # Networks of our own front ends and load balancers (CIDRs or single addresses, comma-separated)
    # whose X-Forwarded-For names the visitor; from any other peer the header is ignored.
    trusted_proxies: ProxyNetworks = ()

    # Limits on one request and on each caller; see gateway/limits.py.
    max_body_bytes: int = 512 * 1024
    # A file in a GraphQL multipart request (a certificate's PDF) may add this much to the body.
    max_upload_bytes: int = 10 * 1024 * 1024
    max_query_cost: int = 5000
    rate_per_minute_per_account: float = 600
    rate_burst_per_account: int = 120
    rate_per_minute_per_address: float = 300
    rate_burst_per_address: int = 60

    # E-mail (services/common/mail.py): the SMTP server the gateway (password resets) and the
    # worker (order mails) send through; in development the one `tongnan up` starts on
    # TONGNAN_SMTP_PORT, which keeps every message on the machine. Production must name one.
    smtp_url: str = Field("", validation_alias=AliasChoices("TONGNAN_SMTP_URL", "smtp_url"))
    mail_from: str = Field(
        "Tongnan Parts Exchange <orders@tongnan.example>",
        validation_alias=AliasChoices("TONGNAN_MAIL_FROM", "mail_from"),
    )
    # Where the links in e-mails point: the shop's public origin, the storefront's own setting.
    shop_origin: str = Field("", validation_alias=AliasChoices("TONGNAN_STOREFRONT_PUBLIC_ORIGIN", "shop_origin"))
    # Password resets (gateway/identity/password_reset.py): how long a link works, and how many
    # one e-mail address may be sent in the window (a reset mail is not a way to flood a mailbox).
    password_reset_ttl_minutes: int = Field(30, ge=5, le=24 * 60)
    password_reset_mails_per_window: int = Field(3, ge=1)
    password_reset_window_seconds: int = Field(15 * 60, ge=1)

    @property
    def smtp(self) -> SmtpServer:
        return SmtpServer.from_url(self.smtp_url)

    @model_validator(mode="after")
    def _production_jwt_secret(self) -> GatewaySettings:
        if self.environment == "production":
            check_production(secrets={"TONGNAN_GATEWAY_JWT_SECRET": self.jwt_secret})
        return self

    @model_validator(mode="after")
    def _mail(self) -> GatewaySettings:
        if not self.smtp_url:
            if self.environment == "production":
                raise ConfigurationError("TONGNAN_SMTP_URL must be set in production: the SMTP server mail goes out by")
            self.smtp_url = f"smtp://127.0.0.1:{os.environ.get('TONGNAN_SMTP_PORT', DEFAULT_SMTP_PORT)}"
        SmtpServer.from_url(self.smtp_url)
        if not self.shop_origin:
            if self.environment == "production":
                raise ConfigurationError("TONGNAN_STOREFRONT_PUBLIC_ORIGIN must be set in production")
            self.shop_origin = f"http://127.0.0.1:{os.environ.get('TONGNAN_STOREFRONT_PORT', '8080')}"
        self.shop_origin = self.shop_origin.rstrip("/")
        return self
