from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.settings import DEVELOPMENT_JWT_SECRET, ProxyNetworks, ServiceSettings, check_production


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

    # aiohttp's pool under httpx's interface, or httpx's own (for comparison in bench/gateway.py).
    upstream_transport: Literal["aiohttp", "httpx"] = "aiohttp"

    # Access tokens for people and integrators (HS256); distinct from the internal secret.
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_days: int = 30
    # Login throttling (gateway/identity/throttle.py): per (e-mail, client address) pair, this many
    # failures in a row are free, then each attempt waits 1, 2, 4 ... seconds up to the cap; a pair
    # quiet for the window starts afresh. Per client address, across e-mails, at most this many
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

    @model_validator(mode="after")
    def _production_jwt_secret(self) -> GatewaySettings:
        if self.environment == "production":
            check_production(secrets={"TONGNAN_GATEWAY_JWT_SECRET": self.jwt_secret})
        return self
