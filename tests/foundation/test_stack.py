"""`tongnan up` and `tongnan migrate` as an operator uses them: real child processes."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.settings import GatewaySettings
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.orders.settings import OrdersSettings
from services.stack import PORT_VARIABLES, isolated_environment, plan, read_until_ready
from storefront.settings import StorefrontSettings
from tests.databases import Databases
from tests.foundation.production import PRODUCTION, set_environment


def processes_listening_on(ports: list[int]) -> list[str]:
    """Command lines of processes still started with one of our ports."""
    found = []
    wanted = {str(p) for p in ports}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        if any(a == "--port" and b in wanted for a, b in itertools.pairwise(words)):
            found.append(" ".join(words))
    return found


@pytest.fixture
def stack_env(databases: Databases, tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, int]]]:
    env, ports = isolated_environment(str(tmp_path / "var"), TONGNAN_DATABASE_URL_TEMPLATE=databases.url_template())
    yield env, ports
    assert processes_listening_on(list(ports.values())) == []


def tongnan(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


def test_up_brings_every_process_to_ready_and_sigterm_leaves_none(
    stack_env: tuple[dict[str, str], dict[str, int]],
) -> None:
    env, ports = stack_env
    proc = subprocess.Popen(tongnan("up"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        started, output = read_until_ready(proc, timeout=120)
        text = "".join(output)
        assert started, text
        gateway = f"http://127.0.0.1:{ports['TONGNAN_GATEWAY_PORT']}"
        assert f"{gateway}/graphql" in text
        answer = httpx.post(f"{gateway}/graphql", json={"query": "{ __typename }"}, timeout=10)
        assert answer.json() == {"data": {"__typename": "Query"}}
        loaded = re.search(r"catalog: loaded (\d+) parts from (\d+) suppliers", text)
        assert loaded and int(loaded[1]) >= 200 and int(loaded[2]) >= 3, text
        assert re.search(r"certification: loaded \d+ certificates", text), text
        listing = httpx.post(
            f"{gateway}/graphql",
            json={"query": '{ parts(search: "发电机", first: 5) { edges { node { category supplier { nameZh } } } } }'},
            timeout=10,
        ).json()
        edges = listing["data"]["parts"]["edges"]
        assert edges and {e["node"]["category"] for e in edges} == {"alternator"}
        for variable in PORT_VARIABLES[1:4]:
            ready = httpx.get(f"http://127.0.0.1:{ports[variable]}/readyz", timeout=10)
            assert ready.status_code == 200 and ready.json()["status"] == "ready"
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
    assert rest.rstrip().endswith("stopped")


def test_port_in_use_is_one_clear_line_and_nothing_starts(
    stack_env: tuple[dict[str, str], dict[str, int]],
) -> None:
    env, ports = stack_env
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["TONGNAN_CATALOG_PORT"]))
        taken.listen()
        result = subprocess.run(tongnan("up", "--no-demo"), env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: port {ports['TONGNAN_CATALOG_PORT']} (catalog) is already in use; "
        "set TONGNAN_CATALOG_PORT to a free port"
    ]


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"TONGNAN_DATABASE_URL_TEMPLATE": "postgresql://postgres@127.0.0.1:1/tongnan_{service}"},
            "error: cannot reach the catalog database at postgresql+psycopg://postgres@127.0.0.1:1/tongnan_catalog",
        ),
        ({"TONGNAN_CATALOG_DATABASE_URL": "not a url"}, "error: TONGNAN_CATALOG_DATABASE_URL: 'not a url' is not"),
        (
            {
                "TONGNAN_ENVIRONMENT": "production",
                "TONGNAN_INTERNAL_SECRET": "s3cret-for-production-only-" + "x" * 16,
                "TONGNAN_DATABASE_URL_TEMPLATE": "postgresql://postgres@127.0.0.1:1/tongnan_{service}",
            },
            "error: TONGNAN_ORDERS_STRIPE_SECRET_KEY must be set in production",
        ),
        ({"TONGNAN_ENVIRONMENT": "production"}, "error: TONGNAN_INTERNAL_SECRET must be set in production"),
        (
            {"TONGNAN_ENVIRONMENT": "production", "TONGNAN_INTERNAL_SECRET": "s3cret-for-production-only"},
            "error: TONGNAN_INTERNAL_SECRET must be at least 32 random bytes in production",
        ),
        (
            {**PRODUCTION, "TONGNAN_DATABASE_URL_TEMPLATE": "sqlite:///var/{service}.db"},
            "error: TONGNAN_DATABASE_URL_TEMPLATE must name a PostgreSQL database in production",
        ),
        (
            {**PRODUCTION, "TONGNAN_ORDERS_STRIPE_SECRET_KEY": "sk_test_localstripe"},
            "error: TONGNAN_ORDERS_STRIPE_SECRET_KEY is a Stripe test key",
        ),
        (
            {**PRODUCTION, "TONGNAN_ORDERS_STRIPE_API_BASE": "http://127.0.0.1:8420"},
            "error: TONGNAN_ORDERS_STRIPE_API_BASE must be an https:// URL in production",
        ),
    ],
)
def test_bad_configuration_stops_start_up_with_one_line(
    stack_env: tuple[dict[str, str], dict[str, int]], variables: dict[str, str], expected: str
) -> None:
    env, _ = stack_env
    env = {**env, **variables}
    result = subprocess.run(tongnan("up", "--no-demo"), env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected), lines[0]
    assert "Traceback" not in result.stdout + result.stderr


def test_migrate_brings_every_database_to_head(stack_env: tuple[dict[str, str], dict[str, int]]) -> None:
    env, _ = stack_env
    result = subprocess.run(tongnan("migrate"), env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        "catalog",
        "certification",
        "orders",
        "gateway",
    ]


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_localstripe_is_part_of_the_stack_except_in_production(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    set_environment(monkeypatch, PRODUCTION | {"TONGNAN_ENVIRONMENT": environment})
    components = plan(
        CatalogSettings(),
        OrdersSettings(),
        CertificationSettings(),
        GatewaySettings(),
        8420,
        StorefrontSettings(),
    )
    names = [c.name for c in components]
    assert names[-6:] == ["catalog", "certification", "orders", "gateway", "worker", "storefront"]
    assert ("localstripe" in names) is (environment != "production")
    assert not any("localstripe" in " ".join(c.argv) for c in components if environment == "production")


@pytest.mark.postgres_only
def test_up_in_production_runs_without_localstripe_or_demo_data(
    stack_env: tuple[dict[str, str], dict[str, int]],
) -> None:
    env, ports = stack_env
    env = {**env, **PRODUCTION, "TONGNAN_DATABASE_URL_TEMPLATE": env["TONGNAN_DATABASE_URL_TEMPLATE"]}
    proc = subprocess.Popen(tongnan("up"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        started, output = read_until_ready(proc, timeout=120)
        text = "".join(output)
        assert started, text
        assert "localstripe" not in text and "loaded" not in text, text
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", ports["TONGNAN_LOCALSTRIPE_PORT"])) != 0
        gateway = f"http://127.0.0.1:{ports['TONGNAN_GATEWAY_PORT']}"
        answer = httpx.post(
            f"{gateway}/graphql", json={"query": "{ parts(first: 1) { edges { cursor } } }"}, timeout=10
        )
        assert answer.json() == {"data": {"parts": {"edges": []}}}
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
