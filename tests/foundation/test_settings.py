"""Production refuses to start on development settings: every process, with one line naming the
setting; development and tests start as they did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from gateway.settings import GatewaySettings
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.common.settings import (
    DEVELOPMENT_INTERNAL_SECRET,
    DEVELOPMENT_JWT_SECRET,
    ConfigurationError,
    ServiceSettings,
)
from services.orders.settings import OrdersSettings
from storefront.settings import StorefrontSettings
from tests.foundation.production import PRODUCTION, set_environment

ROOT = Path(__file__).resolve().parents[2]
EVERY_PROCESS: tuple[type[BaseSettings], ...] = (
    CatalogSettings,
    CertificationSettings,
    OrdersSettings,
    GatewaySettings,
    StorefrontSettings,
)


def start_every_process() -> list[BaseSettings]:
    return [cls() for cls in EVERY_PROCESS]


def test_production_with_its_own_values_starts_and_talks_to_stripe_over_https(monkeypatch: pytest.MonkeyPatch) -> None:
    set_environment(monkeypatch, PRODUCTION)
    catalog, certification, orders, gateway, storefront = start_every_process()
    assert isinstance(orders, OrdersSettings) and isinstance(storefront, StorefrontSettings)
    assert orders.stripe_api_base == "https://api.stripe.com"
    assert storefront.stripe_js == "https://js.stripe.com/v3/"
    for settings in (catalog, certification, orders, gateway):
        assert isinstance(settings, ServiceSettings) and settings.db_url.startswith("postgresql+psycopg://")


REFUSED = [
    # Stripe: https only, live keys only, no localstripe placeholders.
    ({"TONGNAN_ORDERS_STRIPE_API_BASE": "http://127.0.0.1:8420"}, "TONGNAN_ORDERS_STRIPE_API_BASE"),
    ({"TONGNAN_ORDERS_STRIPE_API_BASE": "http://api.stripe.com"}, "TONGNAN_ORDERS_STRIPE_API_BASE"),
    ({"TONGNAN_ORDERS_STRIPE_SECRET_KEY": "sk_test_" + "4" * 24}, "TONGNAN_ORDERS_STRIPE_SECRET_KEY"),
    ({"TONGNAN_ORDERS_STRIPE_SECRET_KEY": "rk_test_" + "4" * 24}, "TONGNAN_ORDERS_STRIPE_SECRET_KEY"),
    ({"TONGNAN_ORDERS_STRIPE_SECRET_KEY": "sk_test_localstripe"}, "TONGNAN_ORDERS_STRIPE_SECRET_KEY"),
    ({"TONGNAN_ORDERS_STRIPE_SECRET_KEY": ""}, "TONGNAN_ORDERS_STRIPE_SECRET_KEY"),
    ({"TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe"}, "TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY"),
    ({"TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY": "pk_test_" + "4" * 24}, "TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY"),
    ({"TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET": "whsec_localstripe"}, "TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET"),
    (
        {"TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET": "whsec_localstripe_development"},
        "TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET",
    ),
    ({"TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET": ""}, "TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET"),
    (
        {"TONGNAN_STOREFRONT_STRIPE_JS_URL": "http://127.0.0.1:8420/js.stripe.com/v3/"},
        "TONGNAN_STOREFRONT_STRIPE_JS_URL",
    ),
    # Our secrets: never a development value (any of them, in any setting), at least 32 bytes.
    ({"TONGNAN_INTERNAL_SECRET": DEVELOPMENT_INTERNAL_SECRET}, "TONGNAN_INTERNAL_SECRET"),
    ({"TONGNAN_INTERNAL_SECRET": DEVELOPMENT_JWT_SECRET}, "TONGNAN_INTERNAL_SECRET"),
    ({"TONGNAN_INTERNAL_SECRET": "s3cret-for-production-only"}, "TONGNAN_INTERNAL_SECRET"),
    ({"TONGNAN_INTERNAL_SECRET": ""}, "TONGNAN_INTERNAL_SECRET"),
    ({"TONGNAN_GATEWAY_JWT_SECRET": DEVELOPMENT_JWT_SECRET}, "TONGNAN_GATEWAY_JWT_SECRET"),
    ({"TONGNAN_GATEWAY_JWT_SECRET": DEVELOPMENT_INTERNAL_SECRET}, "TONGNAN_GATEWAY_JWT_SECRET"),
    ({"TONGNAN_GATEWAY_JWT_SECRET": "x" * 31}, "TONGNAN_GATEWAY_JWT_SECRET"),
    # Databases: PostgreSQL, for every service and the gateway's identity database.
    ({"TONGNAN_DATABASE_URL_TEMPLATE": "sqlite:///var/{service}.db"}, "TONGNAN_DATABASE_URL_TEMPLATE"),
    ({"TONGNAN_CATALOG_DATABASE_URL": "sqlite:///var/catalog.db"}, "TONGNAN_CATALOG_DATABASE_URL"),
    ({"TONGNAN_ORDERS_DATABASE_URL": "sqlite:////srv/orders.db"}, "TONGNAN_ORDERS_DATABASE_URL"),
    ({"TONGNAN_CERTIFICATION_DATABASE_URL": "sqlite://"}, "TONGNAN_CERTIFICATION_DATABASE_URL"),
    ({"TONGNAN_GATEWAY_DATABASE_URL": "sqlite:///var/gateway.db"}, "TONGNAN_GATEWAY_DATABASE_URL"),
    (
        {"TONGNAN_DATABASE_URL_TEMPLATE": "postgresql://tongnan:tongnan@postgres:5432/tongnan_{service}"},
        "TONGNAN_DATABASE_URL_TEMPLATE",
    ),
]


@pytest.mark.parametrize(("change", "variable"), REFUSED, ids=[f"{v}={next(iter(c.values()))!r}" for c, v in REFUSED])
def test_production_refuses_development_settings_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, change: dict[str, str], variable: str
) -> None:
    set_environment(monkeypatch, PRODUCTION | change)
    with pytest.raises(ConfigurationError) as refused:
        start_every_process()
    message = str(refused.value)
    assert message.startswith(variable) and "\n" not in message, message


def test_production_without_any_settings_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    set_environment(monkeypatch, {"TONGNAN_ENVIRONMENT": "production"})
    with pytest.raises(ConfigurationError, match=r"^TONGNAN_INTERNAL_SECRET must be set in production"):
        start_every_process()


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_tests_start_on_the_defaults_with_localstripe(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environment: str
) -> None:
    set_environment(monkeypatch, {"TONGNAN_ENVIRONMENT": environment, "TONGNAN_VAR_DIR": str(tmp_path)})
    catalog, _, orders, gateway, storefront = start_every_process()
    assert isinstance(orders, OrdersSettings) and isinstance(storefront, StorefrontSettings)
    assert orders.stripe_api_base == "http://127.0.0.1:8420"
    assert orders.stripe_secret_key is not None and orders.stripe_secret_key.get_secret_value() == "sk_test_localstripe"
    assert storefront.stripe_js == "http://127.0.0.1:8420/js.stripe.com/v3/"
    assert isinstance(catalog, ServiceSettings) and catalog.db_url.startswith("sqlite:")
    assert isinstance(gateway, GatewaySettings) and gateway.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET


PROCESSES = [
    ("services.catalog.app:create_app", {"TONGNAN_INTERNAL_SECRET": "short"}, "TONGNAN_INTERNAL_SECRET"),
    ("services.certification.app:create_app", {"TONGNAN_CERTIFICATION_DATABASE_URL": "sqlite://"}, "TONGNAN_CERT"),
    ("services.orders.app:create_app", {"TONGNAN_ORDERS_STRIPE_SECRET_KEY": "sk_test_localstripe"}, "TONGNAN_ORDERS"),
    ("gateway.app:create_app", {"TONGNAN_GATEWAY_JWT_SECRET": DEVELOPMENT_JWT_SECRET}, "TONGNAN_GATEWAY_JWT_SECRET"),
    ("storefront.app:create_app", {"TONGNAN_STOREFRONT_STRIPE_JS_URL": "http://127.0.0.1:8420/v3/"}, "TONGNAN_STORE"),
]


@pytest.mark.parametrize(
    ("factory", "change", "variable"), PROCESSES, ids=[p[0].split(".")[0] + p[0][-20:] for p in PROCESSES]
)
def test_each_process_refuses_to_start_with_one_line(factory: str, change: dict[str, str], variable: str) -> None:
    [line] = refused_in_production([sys.executable, "-m", "uvicorn", factory, "--factory", "--port", "0"], change)
    assert line.startswith(f"error: {variable}"), line


def test_localstripe_does_not_run_in_production() -> None:
    assert refused_in_production(
        [sys.executable, "-m", "services.orders.checkout.localstripe_server", "--port", "0"]
    ) == ["error: localstripe is Stripe's fake for development and tests; production talks to Stripe"]


def refused_in_production(argv: list[str], change: dict[str, str] | None = None) -> list[str]:
    """Start a process in production with these changes; it must exit at once, and what it
    said to the operator is returned, line by line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGNAN_")} | PRODUCTION | (change or {})
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and result.stdout == ""
    return result.stderr.strip().splitlines()
