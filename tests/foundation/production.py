"""Production's environment as an operator gives it, for the tests of what production refuses."""

from __future__ import annotations

import os
import secrets

import pytest
from pydantic_settings import BaseSettings

from gateway.settings import GatewaySettings
from ops.worker.settings import WorkerSettings
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.orders.settings import OrdersSettings
from storefront.settings import StorefrontSettings

# What an operator gives a real production: every value its own, none of them made up here for
# a laptop.
PRODUCTION = {
    "TONGNAN_ENVIRONMENT": "production",
    "TONGNAN_INTERNAL_SECRET": secrets.token_urlsafe(32),
    "TONGNAN_GATEWAY_JWT_SECRET": secrets.token_urlsafe(32),
    "TONGNAN_DATABASE_URL_TEMPLATE": "postgresql://tongnan:s3cret@db.internal:5432/tongnan_{service}",
    "TONGNAN_ORDERS_STRIPE_SECRET_KEY": "sk_live_" + secrets.token_hex(24),
    "TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY": "pk_live_" + secrets.token_hex(24),
    "TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
    "TONGNAN_STOREFRONT_SECRET_KEY": secrets.token_urlsafe(32),
    "TONGNAN_STOREFRONT_PUBLIC_ORIGIN": "https://parts.example",
    "TONGNAN_SMTP_URL": "smtp+starttls://mailer:" + secrets.token_urlsafe(16) + "@smtp.parts.example:587",
}


def set_environment(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str]) -> None:
    """Exactly these TONGNAN_ settings, none of the test run's own."""
    for name in list(os.environ):
        if name.startswith("TONGNAN_"):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


# The settings classes each process reads in production, by its name in the compose files.
SETTINGS_OF: dict[str, tuple[type[BaseSettings], ...]] = {
    "migrate": (CatalogSettings, CertificationSettings, OrdersSettings, GatewaySettings),
    "catalog": (CatalogSettings,),
    "certification": (CertificationSettings,),
    "orders": (OrdersSettings,),
    "gateway": (GatewaySettings,),
    "storefront": (StorefrontSettings,),
    "worker": (CatalogSettings, CertificationSettings, OrdersSettings, GatewaySettings, WorkerSettings),
}
