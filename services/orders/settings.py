from __future__ import annotations

import os
from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.settings import (
    LOCALSTRIPE_PUBLISHABLE_KEY,
    LOCALSTRIPE_SECRET_KEY,
    LOCALSTRIPE_WEBHOOK_SECRET,
    ServiceSettings,
    check_production,
)

STRIPE_API = "https://api.stripe.com"
LOCALSTRIPE_API = "http://127.0.0.1:8420"


# Made-up registration numbers of the right shape for development and tests (no tax authority
# issued them); production must set its own.
DEVELOPMENT_TAX_REGISTRATIONS = {
    "tax_registration_gb_vat": "GB000000000 (development)",
    "tax_registration_au_gst": "ARN 000000000000 (development)",
    "tax_registration_nz_gst": "000-000-000 (development)",
    "tax_registration_no_voec": "VOEC0000000 (development)",
    "tax_registration_ch_vat": "CHE-000.000.000 MWST (development)",
    "tax_registration_sg_gst": "M90000000X (development)",
    "tax_registration_eu_ioss": "IM1560000000 (development)",
}


class OrdersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_ORDERS_", extra="ignore", populate_by_name=True)

    service_name: ClassVar[str] = "orders"
    default_port: ClassVar[int] = 8002

    # Where the stripe SDK sends its calls: by default localstripe in development and tests,
    # Stripe in production.
    stripe_api_base: str = ""
    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_timeout_seconds: float = Field(default=20.0, gt=0)

    # Printed on the dangerous-goods declaration data of an order (lithium batteries): who answers
    # for the consignment in an emergency, 24 hours a day. Development has a stand-in; production
    # must name a real one (TONGNAN_ORDERS_DANGEROUS_GOODS_EMERGENCY_CONTACT), else the declaration
    # says it is missing.
    dangerous_goods_emergency_contact: str | None = Field(default=None, max_length=300)

    # The services this one calls; by default on loopback at the port `tongnan up` gave them.
    catalog_url: str = ""
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    upstream_read_retries: int = Field(default=2, ge=0, le=5)

    # Development: tell localstripe to send its signed events to this process on start-up.
    register_localstripe_webhook: bool = True
    # Where Stripe (or localstripe) reaches this service; its webhook endpoint is this URL with
    # /webhooks/stripe. Empty: this process's own host and port, with 0.0.0.0 read as loopback
    # (in a container that is the container itself, so compose names the service here).
    public_url: str = ""

    # Quotes.
    quote_ttl_seconds: int = Field(default=15 * 60, ge=30, le=24 * 3600)
    # Rates older than `fx_stale_after_hours` are still quoted, and the quote says they are stale
    # (the ECB publishes on working days, so Friday's rates are 72 h old on Monday at 16:00 CET).
    # Only past `fx_refuse_after_hours` (7 days: a feed down for a week is an incident, not a late
    # job) are quotes refused with FX_RATES_STALE.
    fx_stale_after_hours: float = Field(default=72.0, gt=0)
    fx_refuse_after_hours: float = Field(default=7 * 24.0, gt=0)
    fx_margin_bps: int = Field(default=150, ge=0, le=2000)
    # How long a part's landed estimate is kept per process (quotes/estimates.py), under
    # everything it is computed from: another price, rate or day is another estimate, so this
    # bounds only a rate passing fx_refuse_after_hours meanwhile. 0 keeps nothing.
    estimate_cache_seconds: float = Field(default=60.0, ge=0)

    # Orders.
    platform_fee_bps: int = Field(default=1000, ge=0, le=5000)
    reservation_ttl_seconds: int = Field(default=3600, ge=60, le=86_400)
    pending_payment_limit_minutes: int = Field(default=60, ge=1)
    # A placeOrder still RESERVING after this long died mid-saga and was not retried: the
    # reconcile job cancels it, which releases its stock. Longer than a buyer's retry takes,
    # far shorter than the reservation lives (`reservation_ttl_seconds`).
    checkout_abandon_seconds: int = Field(default=600, ge=1)
    # How long one placeOrder attempt may call the catalog and Stripe before another attempt of the
    # same checkout takes over (the first one died): a concurrent attempt (a double click) waits
    # this long at most. One that overran finds the order placed and cancels its own intent.
    checkout_attempt_lease_seconds: float = Field(default=5.0, gt=0, le=120)

    # Delivery: an order the buyer neither confirmed nor objected to (a part return) is delivered
    # this many days after its last line shipped, by the worker's auto_deliver job; the payout
    # clock (`settlement_hold_days`) starts then.
    auto_deliver_days: int = Field(default=14, ge=1, le=365)
    # Sanctions screening (services/orders/screening): a list whose own date is older than this
    # is stale, and `tongnan sanctions check` and the worker's daily check warn about it.
    sanctions_max_age_days: int = Field(default=30, ge=1, le=365)

    # Core returns and settlement.
    core_return_window_days: int = Field(default=90, ge=1, le=730)
    settlement_hold_days: int = Field(default=14, ge=0, le=365)
    # The platform's own CNY account that pays suppliers: the debtor of every pain.001 file.
    # Development and tests get a made-up account (format-valid, at no real bank); production
    # must name its own, or exporting payouts is refused.
    payout_debtor_name: str = ""
    payout_debtor_account_number: str = ""
    payout_debtor_cnaps_code: str = ""
    payout_debtor_bic: str = ""
    payout_debtor_bank_name: str = ""
    payout_debtor_uscc: str = ""
    payout_debtor_town: str = ""

    # Webhooks to integrators: the worker's webhook sender consumes the order events; a failed
    # attempt is retried after base * 2^(n-1) s, at most max_delay, until max_attempts.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=12, ge=1, le=30)
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0, le=3600)
    webhook_retry_max_delay_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    # Finished deliveries and their attempts are kept this long (30 days, as Stripe keeps its
    # events), then deleted.
    webhook_retention_days: int = Field(default=30, ge=1, le=3650)

    # Our registration numbers under the point-of-sale tax regimes (services/orders/data/
    # point_of_sale.json names the setting of each): recorded on every order taxed under the regime
    # and printed on its commercial invoice. Development and tests get made-up numbers, marked as
    # such; production has no default: a quote that needs a number production lacks is refused with
    # TAX_REGISTRATION_MISSING naming the variable (the other markets keep selling).
    tax_registration_gb_vat: str = ""
    tax_registration_au_gst: str = ""
    tax_registration_nz_gst: str = ""
    tax_registration_no_voec: str = ""
    tax_registration_ch_vat: str = ""
    tax_registration_sg_gst: str = ""
    tax_registration_eu_ioss: str = ""

    @model_validator(mode="after")
    def _tax_registrations(self) -> OrdersSettings:
        if self.environment != "production":
            for name, demo in DEVELOPMENT_TAX_REGISTRATIONS.items():
                if not getattr(self, name):
                    setattr(self, name, demo)
        return self

    def tax_registration(self, setting: str) -> str:
        """Our number under a regime, by the data file's setting name (e.g. TAX_REGISTRATION_GB_VAT);
        empty when production was not given it."""
        return str(getattr(self, setting.lower(), "") or "")

    @model_validator(mode="after")
    def _fx_limits(self) -> OrdersSettings:
        if self.fx_refuse_after_hours < self.fx_stale_after_hours:
            raise ValueError("fx_refuse_after_hours must not be below fx_stale_after_hours")
        return self

    @property
    def stripe_webhook_url(self) -> str:
        host = "127.0.0.1" if self.host == "0.0.0.0" else self.host
        return f"{(self.public_url or f'http://{host}:{self.port}').rstrip('/')}/webhooks/stripe"

    @model_validator(mode="after")
    def _payout_debtor(self) -> OrdersSettings:
        if self.environment != "production" and not self.payout_debtor_account_number:
            self.payout_debtor_name = self.payout_debtor_name or "Tongnan Parts Exchange (development)"
            self.payout_debtor_account_number = "31001500000050000000"
            self.payout_debtor_cnaps_code = self.payout_debtor_cnaps_code or "105290000000"
            self.payout_debtor_bank_name = self.payout_debtor_bank_name or "China Construction Bank, Shanghai"
            self.payout_debtor_town = self.payout_debtor_town or "Shanghai"
        return self

    @model_validator(mode="after")
    def _emergency_contact(self) -> OrdersSettings:
        if self.environment != "production" and not self.dangerous_goods_emergency_contact:
            self.dangerous_goods_emergency_contact = "Tongnan DG desk (development stand-in, no 24 h line)"
        return self

    @model_validator(mode="after")
    def _upstreams(self) -> OrdersSettings:
        self.catalog_url = self.catalog_url or f"http://127.0.0.1:{os.environ.get('TONGNAN_CATALOG_PORT', '8001')}"
        return self

    @model_validator(mode="after")
    def _stripe(self) -> OrdersSettings:
        if self.environment == "production":
            self.stripe_api_base = self.stripe_api_base or STRIPE_API
            check_production(
                stripe_keys={
                    "TONGNAN_ORDERS_STRIPE_SECRET_KEY": self.stripe_secret_key,
                    # Stripe.js in the buyer's browser takes the card with it.
                    "TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY": self.stripe_publishable_key,
                },
                # Made by Stripe (the dashboard's endpoint secret), not by us: its length is Stripe's.
                given_secrets={"TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET": self.stripe_webhook_secret},
                urls={"TONGNAN_ORDERS_STRIPE_API_BASE": self.stripe_api_base},
            )
        else:
            self.stripe_api_base = self.stripe_api_base or LOCALSTRIPE_API
            self.stripe_secret_key = self.stripe_secret_key or SecretStr(LOCALSTRIPE_SECRET_KEY)
            self.stripe_publishable_key = self.stripe_publishable_key or LOCALSTRIPE_PUBLISHABLE_KEY
            self.stripe_webhook_secret = self.stripe_webhook_secret or SecretStr(LOCALSTRIPE_WEBHOOK_SECRET)
        return self
