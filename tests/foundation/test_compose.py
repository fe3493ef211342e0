"""docker-compose.yml, checked without Docker: valid Compose, and every name it uses exists."""

from __future__ import annotations

import importlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from gateway.settings import GatewaySettings
from ops.cli import build_parser
from ops.stack import KEEP_ALIVE_SECONDS
from ops.worker.settings import WorkerSettings
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.common.settings import (
    DEVELOPMENT_INTERNAL_SECRET,
    DEVELOPMENT_JWT_SECRET,
    DEVELOPMENT_STOREFRONT_SECRET,
    ConfigurationError,
)
from services.orders.settings import OrdersSettings
from tests.foundation.production import PRODUCTION, SETTINGS_OF, set_environment

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("catalog", "certification", "orders", "gateway")
WEB_SERVICES = (*APP_SERVICES, "storefront")
# Every process that publishes or consumes events: the services write their outboxes, the
# worker relays and consumes them, the gateway hears what invalidates its read cache.
EVENT_PROCESSES = (*APP_SERVICES, "worker")
NATS_URL = "nats://nats:4222"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def assert_valid_compose(config: dict[str, Any]) -> None:
    schema_file = resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    jsonschema.validate(config, json.loads(schema_file.read_text()))


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    assert_valid_compose(compose)


def test_every_command_names_code_that_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        command = service.get("command")
        if not command or "build" not in service:  # another image's (postgres, nats): its own arguments
            continue
        if command[0] == "uvicorn":
            module_name, _, factory = command[1].partition(":")
            assert callable(getattr(importlib.import_module(module_name), factory)), name
            assert command[command.index("--timeout-keep-alive") + 1] == str(KEEP_ALIVE_SECONDS), name
        elif command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(command[2]) is not None, name
        else:
            assert command[0] == "tongnan", name
            # Parsed by the real CLI: an unknown subcommand exits here.
            build_parser().parse_args(command[1:])


def test_services_are_healthchecked_and_started_in_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in WEB_SERVICES:
        health = " ".join(services[name]["healthcheck"]["test"])
        assert "/readyz" in health, name
        assert name in " ".join(services[name]["command"]), name
        conditions = {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}
        assert set(conditions.values()) <= {"service_healthy", "service_completed_successfully"}
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert set(services["gateway"]["depends_on"]) == {"catalog", "certification", "orders"}
    assert set(services["storefront"]["depends_on"]) == {"gateway"}


def test_nats_runs_jetstream_on_a_named_volume_and_is_not_published(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    assert nats["image"].split(":")[0] == "nats"  # the official image
    command = nats["command"]
    assert "-js" in command
    store = command[command.index("-sd") + 1]
    mounts = {mount.split(":")[1]: mount.split(":")[0] for mount in nats["volumes"]}
    assert store in mounts and mounts[store] in compose["volumes"]  # named, not a host folder
    assert "ports" not in nats  # only the stack's own network reaches it
    assert "healthz" in " ".join(nats["healthcheck"]["test"])


def test_the_worker_runs_with_the_services_environment_and_waits_for_nats(compose: dict[str, Any]) -> None:
    services = compose["services"]
    worker = services["worker"]
    assert worker["command"] == ["tongnan", "worker"]
    assert "ports" not in worker
    # The environment of each service it serves (databases, Stripe, the internal secret, NATS),
    # and where it serves /metrics.
    for name in ("catalog", "certification", "orders"):
        assert services[name]["environment"].items() <= worker["environment"].items(), name
    assert worker["environment"]["TONGNAN_WORKER_METRICS_PORT"] == "9108"
    assert {dep: spec["condition"] for dep, spec in worker["depends_on"].items()} == {
        "migrate": "service_completed_successfully",
        "nats": "service_healthy",
    }


def test_every_process_that_publishes_or_consumes_events_is_given_the_nats_url(compose: dict[str, Any]) -> None:
    host = NATS_URL.removeprefix("nats://").split(":")[0]
    assert host in compose["services"]
    for name in EVENT_PROCESSES:
        assert compose["services"][name]["environment"]["TONGNAN_NATS_URL"] == NATS_URL, name


def test_the_worker_reads_every_service_settings_from_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = merged([ROOT / "docker-compose.yml"], {})
    catalog, certification, orders, _, worker = start_settings(config, monkeypatch, "worker")
    assert isinstance(worker, WorkerSettings) and worker.nats_url == NATS_URL
    assert isinstance(orders, OrdersSettings) and orders.stripe_api_base == "http://localstripe:8420"
    assert orders.stripe_secret_key is not None
    for settings, service in ((catalog, "catalog"), (certification, "certification"), (orders, "orders")):
        assert isinstance(settings, (CatalogSettings, CertificationSettings, OrdersSettings))
        assert settings.db_url.endswith(f"@postgres:5432/tongnan_{service}"), settings.db_url


def test_init_script_creates_each_database_that_the_services_use(compose: dict[str, Any]) -> None:
    env = compose["x-service"]["environment"]
    template = env["TONGNAN_DATABASE_URL_TEMPLATE"]
    created = set(re.findall(r"CREATE DATABASE (\w+);", (ROOT / "deploy/postgres/create-databases.sql").read_text()))
    database_pattern = template.rsplit("/", 1)[1]
    assert created == {database_pattern.format(service=s) for s in APP_SERVICES}


def test_dockerfile_installs_from_the_lock_file_and_copies_the_code() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile
    for folder in ("services", "gateway", "storefront", "ops", "seed", "migrations"):
        assert f"COPY {folder} " in dockerfile


# --- development by default, production only on values of its own ------------------------------

PRODUCTION_FILE = ROOT / "docker-compose.production.yml"
# Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
# ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}.
VARIABLE = re.compile(r"\$(?:(\$)|([A-Za-z_]\w*)|\{([A-Za-z_]\w*)(?:(:?[-?+])([^}]*))?\})")


class MissingVariables(Exception):
    """What `docker compose` says before starting anything: the variables it must be given."""


def interpolate(value: Any, env: dict[str, str], missing: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: interpolate(v, env, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, missing) for v in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match[1]:
            return "$"
        name = match[2] or match[3]
        operator, argument = match[4], match[5] or ""
        unset = name not in env or (operator is not None and operator.startswith(":") and env[name] == "")
        if operator is None:
            return env.get(name, "")
        if operator.endswith("-"):
            return argument if unset else env[name]
        if operator.endswith("+"):
            return "" if unset else argument
        if unset:
            missing[name] = argument
            return ""
        return env[name]

    return VARIABLE.sub(substitute, value)


def merged(files: list[Path], env: dict[str, str]) -> dict[str, Any]:
    """The configuration `docker compose -f a -f b` runs: each file interpolated, then the later
    ones merged into the first (mappings key by key, anything else replaced)."""

    def merge(base: Any, override: Any) -> Any:
        if isinstance(base, dict) and isinstance(override, dict):
            return {k: merge(base[k], v) if k in base else v for k, v in override.items()} | {
                k: v for k, v in base.items() if k not in override
            }
        return override

    missing: dict[str, str] = {}
    config: dict[str, Any] = {}
    for path in files:
        config = merge(config, interpolate(yaml.safe_load(path.read_text()), env, missing))
    if missing:
        raise MissingVariables(missing)
    return config


def started(config: dict[str, Any]) -> dict[str, Any]:
    """The services `docker compose up` starts with no profile turned on."""
    return {name: s for name, s in config["services"].items() if not s.get("profiles")}


def start_settings(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, service: str) -> list[BaseSettings]:
    """Build each settings a service's process builds, in the environment Compose gives it."""
    environment = {k: str(v) for k, v in config["services"][service]["environment"].items()}
    set_environment(monkeypatch, environment)
    return [cls() for cls in SETTINGS_OF[service]]


def test_every_service_a_process_calls_is_reached_by_its_compose_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a container 127.0.0.1 is the container itself: each upstream URL a process is
    given must name the compose service that answers it."""
    config = merged([ROOT / "docker-compose.yml"], {})
    services = config["services"]
    expected = {"catalog_url": "catalog", "certification_url": "certification", "orders_url": "orders"}
    checked = []
    for process in SETTINGS_OF:
        for settings in start_settings(config, monkeypatch, process):
            for field, target in expected.items():
                url = getattr(settings, field, None)
                if url is None:
                    continue
                host = urlsplit(url).hostname
                assert host == target and target in services, (process, type(settings).__name__, field, url)
                checked.append((process, type(settings).__name__, field))
    assert ("orders", "OrdersSettings", "catalog_url") in checked
    assert ("worker", "WorkerSettings", "certification_url") in checked
    assert ("gateway", "GatewaySettings", "certification_url") in checked


def test_alone_the_file_runs_development_with_localstripe(monkeypatch: pytest.MonkeyPatch) -> None:
    config = merged([ROOT / "docker-compose.yml"], {})
    assert "localstripe" in started(config)
    for service in SETTINGS_OF:
        for settings in start_settings(config, monkeypatch, service):
            assert settings.environment == "development"  # type: ignore[attr-defined]
    [orders] = start_settings(config, monkeypatch, "orders")
    assert isinstance(orders, OrdersSettings) and orders.stripe_api_base == "http://localstripe:8420"


def test_localstripe_posts_payments_to_the_orders_service_by_name_and_is_published_on_loopback_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """localstripe's container cannot reach 0.0.0.0:8002: the webhook URL orders registers must
    name the orders service. The buyer's browser loads Stripe.js from localstripe on this
    machine, never from the network."""
    config = merged([ROOT / "docker-compose.yml"], {})
    [orders] = start_settings(config, monkeypatch, "orders")
    assert isinstance(orders, OrdersSettings)
    assert orders.stripe_webhook_url == "http://orders:8002/webhooks/stripe"
    assert config["services"]["localstripe"]["ports"] == ["127.0.0.1:8420:8420"]
    [gateway] = start_settings(config, monkeypatch, "gateway")
    assert isinstance(gateway, GatewaySettings)
    assert (
        gateway.jwt_secret.get_secret_value()
        == config["services"]["gateway"]["environment"]["TONGNAN_GATEWAY_JWT_SECRET"]
    )


def test_certificate_documents_and_part_pictures_are_kept_on_named_volumes(monkeypatch: pytest.MonkeyPatch) -> None:
    config = merged([ROOT / "docker-compose.yml"], {})
    [certification] = start_settings(config, monkeypatch, "certification")
    assert isinstance(certification, CertificationSettings)
    # The image's working directory is /app (Dockerfile), where the var directory is relative to.
    mount = f"documents:/app/{certification.documents_path.as_posix()}"
    assert mount in config["services"]["certification"]["volumes"]
    [catalog] = start_settings(config, monkeypatch, "catalog")
    assert isinstance(catalog, CatalogSettings) and catalog.image_dir is not None
    assert f"images:/app/{catalog.image_dir.as_posix()}" in config["services"]["catalog"]["volumes"]
    assert {"documents", "images"} <= set(config["volumes"])


def test_outside_compose_the_webhook_url_is_this_process_with_any_address_read_as_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_environment(monkeypatch, {"TONGNAN_ORDERS_HOST": "0.0.0.0", "TONGNAN_ORDERS_PORT": "8102"})
    assert OrdersSettings().stripe_webhook_url == "http://127.0.0.1:8102/webhooks/stripe"
    set_environment(monkeypatch, {"TONGNAN_ORDERS_PUBLIC_URL": "https://orders.parts.example/"})
    assert OrdersSettings().stripe_webhook_url == "https://orders.parts.example/webhooks/stripe"


def test_alone_the_file_cannot_start_production_on_its_development_values(monkeypatch: pytest.MonkeyPatch) -> None:
    config = merged([ROOT / "docker-compose.yml"], {"TONGNAN_ENVIRONMENT": "production"})
    for service in ("migrate", "catalog", "certification", "orders", "gateway", "storefront", "worker"):
        with pytest.raises(ConfigurationError):
            start_settings(config, monkeypatch, service)


def test_production_starts_nothing_until_every_secret_is_given() -> None:
    with pytest.raises(MissingVariables) as refused:
        merged([ROOT / "docker-compose.yml", PRODUCTION_FILE], {})
    missing = refused.value.args[0]
    assert set(missing) == {
        "POSTGRES_PASSWORD",
        "TONGNAN_INTERNAL_SECRET",
        "TONGNAN_GATEWAY_JWT_SECRET",
        "TONGNAN_ORDERS_STRIPE_SECRET_KEY",
        "TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY",
        "TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET",
        "TONGNAN_STOREFRONT_SECRET_KEY",
        "TONGNAN_STOREFRONT_PUBLIC_ORIGIN",
        "TONGNAN_SMTP_URL",
    }
    assert all(message.startswith(f"set {name}") for name, message in missing.items())


def production_values() -> dict[str, str]:
    values = {k: v for k, v in PRODUCTION.items() if k != "TONGNAN_ENVIRONMENT"}
    values.pop("TONGNAN_DATABASE_URL_TEMPLATE")
    return values | {"POSTGRES_PASSWORD": "a-database-password"}


def test_production_with_its_own_values_is_valid_and_leaves_localstripe_out(monkeypatch: pytest.MonkeyPatch) -> None:
    config = merged([ROOT / "docker-compose.yml", PRODUCTION_FILE], production_values())
    assert_valid_compose(config)
    services = started(config)
    assert "localstripe" not in services
    for name, service in services.items():
        assert "localstripe" not in (service.get("depends_on") or {}), name
        assert "localstripe" not in json.dumps(service.get("environment") or {}), name
    assert config["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == "a-database-password"
    for service in SETTINGS_OF:
        for settings in start_settings(config, monkeypatch, service):
            assert settings.environment == "production"  # type: ignore[attr-defined]
    [orders] = start_settings(config, monkeypatch, "orders")
    assert isinstance(orders, OrdersSettings) and orders.stripe_api_base == "https://api.stripe.com"


# What the development file gives, given again by hand for production.
DEVELOPMENT_VALUES = [
    ("TONGNAN_INTERNAL_SECRET", DEVELOPMENT_INTERNAL_SECRET, "TONGNAN_INTERNAL_SECRET"),
    ("TONGNAN_GATEWAY_JWT_SECRET", DEVELOPMENT_JWT_SECRET, "TONGNAN_GATEWAY_JWT_SECRET"),
    ("TONGNAN_STOREFRONT_SECRET_KEY", DEVELOPMENT_STOREFRONT_SECRET, "TONGNAN_STOREFRONT_SECRET_KEY"),
    ("TONGNAN_ORDERS_STRIPE_SECRET_KEY", "sk_test_localstripe", "TONGNAN_ORDERS_STRIPE_SECRET_KEY"),
    ("TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY", "pk_test_localstripe", "TONGNAN_ORDERS_STRIPE_PUBLISHABLE_KEY"),
    ("TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET", "whsec_localstripe", "TONGNAN_ORDERS_STRIPE_WEBHOOK_SECRET"),
    ("TONGNAN_ORDERS_STRIPE_API_BASE", "http://localstripe:8420", "TONGNAN_ORDERS_STRIPE_API_BASE"),
    # The processes see it inside the database URL.
    ("POSTGRES_PASSWORD", "tongnan", "TONGNAN_DATABASE_URL_TEMPLATE"),
]


@pytest.mark.parametrize(
    ("variable", "value", "setting"), DEVELOPMENT_VALUES, ids=[v for v, _, _ in DEVELOPMENT_VALUES]
)
def test_production_refuses_the_development_values_given_by_hand(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, setting: str
) -> None:
    config = merged([ROOT / "docker-compose.yml", PRODUCTION_FILE], production_values() | {variable: value})
    refused = {}
    for service in SETTINGS_OF:
        try:
            start_settings(config, monkeypatch, service)
        except ConfigurationError as error:
            refused[service] = str(error)
    # The processes that read the setting refuse to start, naming it.
    readers = {s for s, classes in SETTINGS_OF.items() for cls in classes if setting in variables_of(cls)}
    assert readers and readers <= set(refused), refused
    assert all(refused[service].startswith(setting) for service in readers), refused


def variables_of(settings_cls: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads."""
    prefix = str(settings_cls.model_config.get("env_prefix", "")).upper()
    names = set()
    for name, field in settings_cls.model_fields.items():
        alias = field.validation_alias
        names |= {str(a).upper() for a in alias.choices} if isinstance(alias, AliasChoices) else {prefix + name.upper()}
    return names
