"""`tongnan up`: every process of the stack as children on localhost, supervised.

Start order: migrations, demo data, then localstripe, the services and the gateway. In
production neither demo data nor localstripe: the services talk to Stripe itself.
Each child's output is streamed with a name prefix. A child that dies is started again after
a backoff, as a process manager would; one that keeps dying is reported with its last lines.
Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from gateway.settings import GatewaySettings
from services.catalog.settings import CatalogSettings
from services.certification.settings import CertificationSettings
from services.common import mail
from services.common.events import server as nats_server
from services.orders.settings import OrdersSettings
from storefront.settings import StorefrontSettings

READY_TIMEOUT_SECONDS = 90.0
# Printed by `tongnan up` once every process answers; scripts that start the stack wait for it.
READY_LINE = "Ctrl-C stops every process."
STOP_TIMEOUT_SECONDS = 10.0
# Waits before starting a dead child again, by how many times in a row it has died.
RESTART_BACKOFF_SECONDS = (0.1, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
# How often the supervisor looks for dead children: a death is noticed, and the child started
# again after its backoff, within this; a look is one poll() per child, so looking often costs nothing.
WATCH_SECONDS = 0.05
# A child up this long has recovered: its next death starts the backoff from the beginning.
HEALTHY_AFTER_SECONDS = 60.0
# From this many deaths in a row a child is crash-looping: its last lines are printed.
CRASH_LOOP_DEATHS = 3
TAIL_LINES = 20


class StackError(Exception):
    """Start-up cannot go on; the message is one line for the operator."""


@dataclass
class Component:
    name: str
    port: int
    port_variable: str
    argv: list[str]
    # An HTTP path that answers 200 once ready; None: ready once the port listens (NATS), or at
    # once for a process without a port (the worker, port 0).
    ready_path: str | None
    url_path: str = "/"
    scheme: str = "http"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started_at: float = 0.0
    deaths_in_a_row: int = 0
    restart_at: float | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES), repr=False)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + self.url_path if self.port else "(no port)"


# How long a service keeps an idle connection open: longer than our clients keep one (httpx's
# 5 s, which the gateway's aiohttp pool takes too), so a client never sends on a connection the
# server is closing at that moment ("Server disconnected without sending a response": a call
# that is not retried, such as a mutation's, failed). uvicorn's own default is the same 5 s.
KEEP_ALIVE_SECONDS = 30


def uvicorn_command(factory: str, host: str, port: int, workers: int = 1, quiet: bool = False) -> list[str]:
    """The command serving one app. `quiet`: no access log (for the gateway, where every line
    would read "POST /graphql 200" and say nothing an operator can use).

    uvicorn would otherwise take X-Forwarded-For from any peer on 127.0.0.1 (its default
    FORWARDED_ALLOW_IPS), so every local process could name its own address; the gateway and
    the storefront read the header themselves, from their configured proxy networks only."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--no-server-header",
        "--no-proxy-headers",
        "--timeout-keep-alive",
        str(KEEP_ALIVE_SECONDS),
        *(["--no-access-log"] if quiet else []),
        *(["--workers", str(workers)] if workers > 1 else []),
    ]


def plan(
    catalog: CatalogSettings,
    orders: OrdersSettings,
    certification: CertificationSettings,
    gateway: GatewaySettings,
    localstripe_port: int,
    storefront: StorefrontSettings | None = None,
    nats_port: int | None = None,
    smtp_port: int | None = None,
) -> list[Component]:
    """`nats_port`: start our own nats-server there (None: TONGNAN_NATS_URL names one).
    `smtp_port`: start the development mail catcher there (None: TONGNAN_SMTP_URL names a
    server, and always in production)."""
    components = []
    if nats_port is not None:
        components.append(
            Component(
                "nats",
                nats_port,
                "TONGNAN_NATS_PORT",
                nats_server.command(nats_port, orders.var_dir / "nats"),
                ready_path=None,
                url_path="",
                scheme="nats",
            )
        )
    if orders.environment != "production":
        components.append(
            Component(
                "localstripe",
                localstripe_port,
                "TONGNAN_LOCALSTRIPE_PORT",
                localstripe_command(localstripe_port),
                ready_path="/js.stripe.com/v3/",
                url_path="/js.stripe.com/v3/",
            )
        )
    if smtp_port is not None and orders.environment != "production":
        components.append(
            Component(
                "mail",
                smtp_port,
                "TONGNAN_SMTP_PORT",
                mail.server_command(smtp_port, orders.var_dir / "mail"),
                ready_path=None,
                url_path="",
                scheme="smtp",
            )
        )
    for name, settings, factory in (
        ("catalog", catalog, "services.catalog.app:create_app"),
        ("certification", certification, "services.certification.app:create_app"),
        ("orders", orders, "services.orders.app:create_app"),
        ("gateway", gateway, "gateway.app:create_app"),
    ):
        components.append(
            Component(
                name,
                settings.port,
                f"TONGNAN_{name.upper()}_PORT",
                uvicorn_command(
                    factory,
                    settings.host,
                    settings.port,
                    gateway.workers if name == "gateway" else 1,
                    quiet=name == "gateway",
                ),
                ready_path="/readyz",
                url_path="/graphql" if name == "gateway" else "/docs",
            )
        )
    worker_port = int(os.environ.get("TONGNAN_WORKER_METRICS_PORT", "9108"))
    components.append(
        Component(
            "worker",
            worker_port,
            "TONGNAN_WORKER_METRICS_PORT",
            [sys.executable, "-m", "ops.cli", "worker"],
            # Ready once its /metrics listens: its relays and consumers have started by then.
            ready_path=None,
            url_path="/metrics",
        )
    )
    if storefront is not None:
        components.append(
            Component(
                "storefront",
                storefront.port,
                "TONGNAN_STOREFRONT_PORT",
                uvicorn_command("storefront.app:create_app", storefront.host, storefront.port),
                # Ready once it reaches the gateway.
                ready_path="/readyz",
                url_path="/",
            )
        )
    return components


def check_ports_free(components: Sequence[Component]) -> None:
    seen: dict[int, str] = {}
    for c in components:
        if not c.port:
            continue
        if c.port in seen:
            raise StackError(
                f"port {c.port} is set for both {seen[c.port]} and {c.name}; set {c.port_variable} to another port"
            )
        seen[c.port] = c.name
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            # As the servers bind: a port whose last connections are in TIME_WAIT (a stack
            # stopped a moment ago) is free; one with a listener is not.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", c.port))
            except OSError:
                raise StackError(
                    f"port {c.port} ({c.name}) is already in use; set {c.port_variable} to a free port"
                ) from None


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _stream(prefix: str, pipe: object, tail: deque[str]) -> None:
    assert hasattr(pipe, "readline")
    for raw in iter(pipe.readline, b""):
        line = raw.decode(errors="replace")
        tail.append(line.rstrip("\n"))
        sys.stdout.write(f"{prefix} | {line}")
        sys.stdout.flush()


class Supervisor:
    def __init__(self, components: Sequence[Component], env: dict[str, str]) -> None:
        self.components = list(components)
        self.env = env
        self._stopping = threading.Event()
        self._width = max(len(c.name) for c in self.components)

    def start(self) -> None:
        for c in self.components:
            if c.name == "worker":
                # Everything else connects to NATS lazily; the worker needs it at once.
                for other in self.components:
                    if other.name == "nats":
                        nats_server.wait_until_listening(other.port)
            self._spawn(c)

    def _spawn(self, c: Component) -> None:
        c.process = subprocess.Popen(
            c.argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Own process group: the terminal's Ctrl-C reaches us, and we stop children in order.
            start_new_session=True,
        )
        c.started_at = time.monotonic()
        name = c.name.ljust(self._width)
        threading.Thread(target=_stream, args=(name, c.process.stdout, c.tail), daemon=True).start()

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        pending = list(self.components)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for c in list(pending):
                    assert c.process is not None
                    if c.process.poll() is not None:
                        raise StackError(f"{c.name} exited with code {c.process.returncode} during start-up")
                    if c.ready_path is None:
                        if not c.port or _listening(c.port):
                            pending.remove(c)
                        continue
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(c.base_url + c.ready_path).status_code == 200:
                            pending.remove(c)
                if pending and time.monotonic() > deadline:
                    names = ", ".join(c.name for c in pending)
                    raise StackError(f"not ready after {timeout:.0f} s: {names}")
                if pending:
                    time.sleep(0.2)

    def wait(self) -> int:
        """Keep every child running until a signal; return the exit code for the CLI."""
        while not self._stopping.is_set():
            for c in self.components:
                self._watch(c, time.monotonic())
            self._stopping.wait(WATCH_SECONDS)
        return 0

    def _watch(self, c: Component, now: float) -> None:
        """Notice a child's death and start it again once its backoff has passed."""
        assert c.process is not None
        if c.restart_at is not None:
            if now >= c.restart_at:
                c.restart_at = None
                self._spawn(c)
            return
        code = c.process.poll()
        up_for = now - c.started_at
        if code is None:
            if c.deaths_in_a_row and up_for >= HEALTHY_AFTER_SECONDS:
                c.deaths_in_a_row = 0
            return
        # What the dead child left in its group (a uvicorn worker, say) would hold its port.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(c.process.pid, signal.SIGKILL)
        c.deaths_in_a_row = c.deaths_in_a_row + 1 if up_for < HEALTHY_AFTER_SECONDS else 1
        delay = RESTART_BACKOFF_SECONDS[min(c.deaths_in_a_row, len(RESTART_BACKOFF_SECONDS)) - 1]
        print(f"{c.name} exited with code {code}; starting it again in {delay:g} s", flush=True)
        if c.deaths_in_a_row >= CRASH_LOOP_DEATHS:
            print(f"{c.name} has died {c.deaths_in_a_row} times in a row; its last lines:", flush=True)
            for line in c.tail:
                print(f"{c.name} | {line}", flush=True)
        c.restart_at = now + delay

    def request_stop(self, *_: object) -> None:
        self._stopping.set()

    def stop(self) -> None:
        """Everything but NATS first, so nothing loses its connection while it shuts down."""
        self._stop([c for c in self.components if c.name != "nats"])
        self._stop([c for c in self.components if c.name == "nats"])

    def _stop(self, components: Sequence[Component]) -> None:
        running = [c for c in reversed(components) if c.process and c.process.poll() is None]
        for c in running:
            assert c.process is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(c.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for c in running:
            assert c.process is not None
            try:
                c.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(c.process.pid, signal.SIGKILL)
                c.process.wait()


def localstripe_command(port: int, state_file: str | None = None) -> list[str]:
    """`state_file`: a file of its own where localstripe keeps what it knows across restarts."""
    return [
        sys.executable,
        "-m",
        "services.orders.checkout.localstripe_server",
        "--port",
        str(port),
        *(["--state-file", state_file] if state_file else []),
    ]


def url_table(components: Sequence[Component]) -> str:
    rows = [(c.name, c.url) for c in components]
    width = max(len(name) for name, _ in rows)
    lines = [f"{'process'.ljust(width)}  url", f"{'-' * width}  {'-' * 40}"]
    lines += [f"{name.ljust(width)}  {url}" for name, url in rows]
    return "\n".join(lines)
