"""`tongnan up` and `tongnan migrate` as an operator uses them: real child processes."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.settings import GatewaySettings
from ops.stack import CRASH_LOOP_DEATHS, Component, StackError, Supervisor, check_ports_free, plan
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.orders.settings import OrdersSettings
from storefront.settings import StorefrontSettings
from tests.databases import Databases
from tests.foundation.production import PRODUCTION, set_environment
from tests.harness import PORT_VARIABLES, free_port, isolated_environment, read_until_ready


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
    return [sys.executable, "-m", "ops.cli", *args]


@pytest.mark.alone
def test_up_brings_every_process_to_ready_restarts_a_killed_one_and_starts_again_at_once_after_ctrl_c(
    stack_env: tuple[dict[str, str], dict[str, int]],
) -> None:
    env, ports = stack_env
    gateway = f"http://127.0.0.1:{ports['TONGNAN_GATEWAY_PORT']}"
    proc = subprocess.Popen(tongnan("up"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    later = Lines(proc)
    try:
        started, output = read_until_ready(proc, timeout=120)
        text = "".join(output)
        assert started, text
        later.start()
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

        # One buyer's page, followed by its request id through every process it reached.
        storefront = f"http://127.0.0.1:{ports['TONGNAN_STOREFRONT_PORT']}"
        page = httpx.get(f"{storefront}/", params={"q": "alternator"}, timeout=10)
        assert page.status_code == 200
        request_id = page.headers["x-request-id"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(
            any(line.startswith(f"{name} ") and request_id in line for line in later.lines)
            for name in ("storefront", "gateway", "catalog", "orders")
        ):
            time.sleep(0.1)
        # The listing (catalog) with its prices converted and landed estimates (orders).
        reached = {line.split(" ", 1)[0] for line in later.lines if request_id in line}
        assert {"storefront", "gateway", "catalog", "orders"} <= reached, later.text()

        # kill -9 of the orders service: it is started again and the gateway answers for it.
        orders_port = ports["TONGNAN_ORDERS_PORT"]
        os.kill(pid_listening_on(orders_port), signal.SIGKILL)
        killed_at = time.monotonic()
        noticed = "orders exited with code -9; starting it again"
        # Back means a new orders process ready and the gateway answering through it (a read the
        # gateway's cache could still answer does not count).
        while time.monotonic() - killed_at < 10 and not (
            noticed in later.text() and is_ready(orders_port) and orders_answers(gateway)
        ):
            time.sleep(0.1)
        back_after = time.monotonic() - killed_at
        assert back_after < 5, later.text()
        before_ctrl_c = len(later.lines)
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    later.thread.join(timeout=10)
    assert proc.returncode == 0, later.text()
    assert later.text().rstrip().endswith("stopped")
    # Everything stops cleanly, NATS last: no process fails on its way out.
    assert "Traceback" not in "".join(later.lines[before_ctrl_c:]), later.text()

    # At once, on the same ports: the stopped stack's sockets in TIME_WAIT do not count as taken.
    again = subprocess.Popen(
        tongnan("up", "--no-demo"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        started, output = read_until_ready(again, timeout=120)
        assert started, "".join(output)
        assert orders_answers(gateway)
    finally:
        again.send_signal(signal.SIGTERM)
        rest, _ = again.communicate(timeout=60)
    assert again.returncode == 0, rest


class Lines:
    """What a `tongnan up` prints after it is ready, read in the background so it never blocks."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)


def pid_listening_on(port: int) -> int:
    """The process started with `--port <port>` (the orders service's uvicorn)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if any(a == "--port" and b == str(port) for a, b in itertools.pairwise(words)):
            return int(pid)
    raise AssertionError(f"no process started with --port {port}")


def is_ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def orders_answers(gateway: str) -> bool:
    """Whether the gateway answers a query the orders service serves (the list of currencies)."""
    try:
        body = httpx.post(f"{gateway}/graphql", json={"query": "{ currencies { code } }"}, timeout=2).json()
    except httpx.HTTPError:
        return False
    return not body.get("errors") and any(c["code"] == "EUR" for c in body["data"]["currencies"])


def test_a_child_that_keeps_dying_is_started_again_with_backoff_and_reported_with_its_last_lines(
    capfd: pytest.CaptureFixture[str],
) -> None:
    dying = Component(
        "flaky", 0, "", [sys.executable, "-c", "print('cannot open the ledger'); raise SystemExit(3)"], None
    )
    supervisor = Supervisor([dying], dict(os.environ))
    supervisor.start()
    deadline = time.monotonic() + 15
    while dying.deaths_in_a_row < CRASH_LOOP_DEATHS and time.monotonic() < deadline:
        supervisor._watch(dying, time.monotonic())
        time.sleep(0.05)
    supervisor.stop()
    out = capfd.readouterr().out
    assert out.count("flaky exited with code 3; starting it again") == CRASH_LOOP_DEATHS
    # Backoff: at once (0.1 s), then 1 s, then 2 s.
    assert "again in 0.1 s" in out and "again in 1 s" in out and "again in 2 s" in out
    assert f"flaky has died {CRASH_LOOP_DEATHS} times in a row; its last lines:" in out
    assert "flaky | cannot open the ledger" in out.split("its last lines:")[1]


def test_a_port_left_in_time_wait_by_a_stopped_stack_is_free_and_a_listening_one_is_not() -> None:
    port = free_port()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first: its end waits in TIME_WAIT
    client.close()
    component = Component("catalog", port, "TONGNAN_CATALOG_PORT", [], "/readyz")
    with pytest.raises(StackError, match="already in use"):
        check_ports_free([component])
    listener.close()
    check_ports_free([component])


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
