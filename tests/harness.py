"""What tests and benchmarks need to run parts of the stack: free loopback ports, the
environment of a `tongnan up` of their own, localstripe for a block, an ASGI app under uvicorn in
a thread, and reading `tongnan up`'s output until it is ready. Test-only: the production image
carries ops/stack.py, not this."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from ops.stack import KEEP_ALIVE_SECONDS, READY_LINE, localstripe_command


def free_ports(count: int) -> list[int]:
    """Ports free on loopback right now, all different (for tests and benchmarks)."""
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [int(s.getsockname()[1]) for s in sockets]
    for s in sockets:
        s.close()
    return ports


# The port of every process `tongnan up` starts, by the variable that sets it.
PORT_VARIABLES = (
    "TONGNAN_GATEWAY_PORT",
    "TONGNAN_CATALOG_PORT",
    "TONGNAN_ORDERS_PORT",
    "TONGNAN_CERTIFICATION_PORT",
    "TONGNAN_LOCALSTRIPE_PORT",
    "TONGNAN_STOREFRONT_PORT",
    "TONGNAN_NATS_PORT",
    "TONGNAN_WORKER_METRICS_PORT",
    "TONGNAN_SMTP_PORT",
)


def isolated_environment(var_dir: str, **settings: str) -> tuple[dict[str, str], dict[str, int]]:
    """The environment of a `tongnan up` of its own (tests and benchmarks): this process's,
    without any TONGNAN_ setting it may carry, with a free port for every process, its own var
    directory and these settings; and those ports by variable."""
    ports = dict(zip(PORT_VARIABLES, free_ports(len(PORT_VARIABLES)), strict=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGNAN_")}
    env.update({k: str(v) for k, v in ports.items()})
    env.update({"TONGNAN_VAR_DIR": var_dir, "PYTHONUNBUFFERED": "1", **settings})
    return env, ports


def free_port() -> int:
    return free_ports(1)[0]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@contextlib.contextmanager
def localstripe() -> Iterator[str]:
    """localstripe on a free loopback port for as long as the block runs (tests and benchmarks)."""
    port = free_port()
    process = subprocess.Popen(localstripe_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


class Served:
    """An ASGI app under uvicorn in a background thread, on a free loopback port (tests and
    benchmarks): `start()` and `stop()`, or a `with` block."""

    def __init__(self, app: Any, port: int | None = None, **options: Any) -> None:
        """`options`: more of uvicorn's settings (`ssl_certfile` and `ssl_keyfile` serve https)."""
        self.port = port or free_port()
        self.url = f"{'https' if options.get('ssl_certfile') else 'http'}://127.0.0.1:{self.port}"
        options.setdefault("timeout_keep_alive", KEEP_ALIVE_SECONDS)  # as `tongnan up` serves them
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", proxy_headers=False, **options
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> Served:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def read_until_ready(process: subprocess.Popen[str], timeout: float) -> tuple[bool, list[str]]:
    """Read a `tongnan up` child's output until READY_LINE, its exit or the timeout:
    (whether it became ready, the lines read)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if line.startswith(READY_LINE):
            return True, lines
    return False, lines
