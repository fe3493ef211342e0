"""docker-compose.yml, checked without Docker: valid Compose, and every name it uses exists."""

from __future__ import annotations

import importlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("catalog", "certification", "orders", "gateway")
WEB_SERVICES = (*APP_SERVICES, "storefront")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema_file = resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    schema = json.loads(schema_file.read_text())
    jsonschema.validate(compose, schema)


def test_every_command_names_code_that_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        command = service.get("command")
        if not command:
            continue
        if command[0] == "uvicorn":
            module_name, _, factory = command[1].partition(":")
            assert callable(getattr(importlib.import_module(module_name), factory)), name
        elif command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(command[2]) is not None, name
        else:
            assert command[0] == "tongnan", name


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


def test_init_script_creates_each_database_that_the_services_use(compose: dict[str, Any]) -> None:
    env = compose["x-service"]["environment"]
    template = env["TONGNAN_DATABASE_URL_TEMPLATE"]
    created = set(re.findall(r"CREATE DATABASE (\w+);", (ROOT / "deploy/postgres/create-databases.sql").read_text()))
    database_pattern = template.rsplit("/", 1)[1]
    assert created == {database_pattern.format(service=s) for s in APP_SERVICES}


def test_dockerfile_installs_from_the_lock_file_and_copies_the_code() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile
    for folder in ("services", "gateway", "migrations"):
        assert f"COPY {folder} " in dockerfile
