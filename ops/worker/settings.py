from __future__ import annotations

import os

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.settings import StackSettings


class WorkerSettings(StackSettings):
    """How often each job runs. The worker reads every service's own settings as well (their
    databases, Stripe, the FX limits), under the services' own variables."""

    model_config = SettingsConfigDict(env_prefix="TONGNAN_WORKER_", extra="ignore", populate_by_name=True)

    # What this process runs: an operator may split the worker into relay-only, consumer-only
    # and jobs-only processes (each kind scales and restarts on its own); by default one process
    # runs all three.
    relays: bool = True
    consumers: bool = True
    jobs: bool = True
    # Where the worker serves /metrics (it has no other HTTP); 0: nowhere.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"

    reconcile_every_seconds: float = Field(default=300.0, gt=0)
    fx_import_every_seconds: float = Field(default=3600.0, gt=0)
    settlement_every_seconds: float = Field(default=24 * 3600.0, gt=0)
    certificate_expiry_every_seconds: float = Field(default=3600.0, gt=0)
    retention_every_seconds: float = Field(default=3600.0, gt=0)
    reservation_sweep_every_seconds: float = Field(default=60.0, gt=0)
    auto_deliver_every_seconds: float = Field(default=3600.0, gt=0)
    sanctions_check_every_seconds: float = Field(default=24 * 3600.0, gt=0)
    # The certification service, asked to delete replaced certificate PDFs: the files live on
    # its disk (or volume), which the worker does not share.
    certification_url: str = ""
    # The orders service, asked to deliver the orders nobody objected to: the rule and its
    # number of days are the orders service's own (TONGNAN_ORDERS_AUTO_DELIVER_DAYS).
    orders_url: str = ""
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    # Where the ECB's daily reference rates are read; empty: only the bundled snapshot.
    ecb_rates_url: str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
    ecb_timeout_seconds: float = Field(default=20.0, gt=0)

    # Reconciliation asks Stripe about an order once it is this old: long enough for Stripe's own
    # webhook to have come (it usually takes seconds), short enough that a lost one costs minutes.
    reconcile_confirm_after_seconds: float = Field(default=120.0, ge=0)

    # Retention, in days (ops/worker/jobs.py:apply_retention; each rule in its owner's `jobs` module).
    # Quotes no order was placed from, after they expired: a week for a buyer's question about a price.
    retain_quotes_days: float = Field(default=7, ge=0)
    # Released or expired reservations: a month, to answer "where did my stock go".
    retain_reservations_days: float = Field(default=30, ge=0)
    # Stripe events handled: Stripe retries a webhook for 3 days and keeps its events 30; we keep
    # ours as long, so a late retry is still recognised and an event can be looked up in both.
    retain_stripe_events_days: float = Field(default=30, ge=0)
    # Refresh tokens past their expiry can no longer be used; a week of them for reuse forensics.
    retain_refresh_tokens_days: float = Field(default=7, ge=0)
    # Published outbox rows: the events stream itself keeps an event 7 days; the row is only a
    # record after that.
    retain_published_outbox_days: float = Field(default=7, ge=0)
    # Inbox rows: must outlive every redelivery of their event, which the stream keeps 7 days;
    # twice that, so a consumer replaying the whole stream still applies each event once.
    retain_inbox_days: float = Field(default=14, ge=0)

    @model_validator(mode="after")
    def _upstreams(self) -> WorkerSettings:
        self.certification_url = self.certification_url or (
            f"http://127.0.0.1:{os.environ.get('TONGNAN_CERTIFICATION_PORT', '8003')}"
        )
        self.orders_url = self.orders_url or f"http://127.0.0.1:{os.environ.get('TONGNAN_ORDERS_PORT', '8002')}"
        return self
