"""The whole stack as `tongnan up` runs it (real processes on free ports, a temporary var
directory), and Debian's Chromium driven by Playwright.

These tests run in the SQLite pass only: the storefront has no database, and every
service's PostgreSQL behaviour is proven by its own tests in the PostgreSQL pass.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.databases import Databases
from tests.e2e.factories import SCREENSHOTS, VIEWPORTS, RunningStack
from tests.harness import isolated_environment, read_until_ready
from tests.mailcatcher import MailCatcher, mail_catcher

CHROMIUM = Path("/usr/bin/chromium")
# Headless flags for Debian's Chromium under root in CI, with no network of its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STACK_LOG = SCREENSHOTS.parent / "e2e-stack.log"
START_TIMEOUT_SECONDS = 150


def _drain(pipe: object, into: list[str]) -> None:
    assert hasattr(pipe, "readline")
    for line in iter(pipe.readline, ""):
        into.append(line)


@pytest.fixture(scope="package")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailCatcher]:
    """The SMTP server the stack sends its mail to: aiosmtpd of the test's own, catching it."""
    with mail_catcher(tmp_path_factory.mktemp("mail") / "maildir") as catcher:
        yield catcher


@pytest.fixture(scope="package")
def running_stack(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory, mail: MailCatcher
) -> Iterator[RunningStack]:
    if databases.is_postgres:
        pytest.skip("browser tests run in the SQLite pass (the storefront has no database)")
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (CI installs it)")
    env, ports = isolated_environment(
        str(tmp_path_factory.mktemp("e2e-var")),
        TONGNAN_DATABASE_URL_TEMPLATE=databases.url_template(),
        # Every page of every browser test comes from 127.0.0.1: per-address limits are tested in
        # tests/gateway, not here.
        TONGNAN_GATEWAY_RATE_PER_MINUTE_PER_ADDRESS="100000",
        TONGNAN_GATEWAY_RATE_BURST_PER_ADDRESS="10000",
        TONGNAN_SMTP_URL=mail.url,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "ops.cli", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    try:
        ready, log = read_until_ready(proc, timeout=START_TIMEOUT_SECONDS)
        text = "".join(log)
        if not ready:
            raise AssertionError(f"tongnan up did not start:\n{text[-4000:]}")
        storefront = f"http://127.0.0.1:{ports['TONGNAN_STOREFRONT_PORT']}"
        assert f"{storefront}/" in text, "tongnan up does not print the storefront's URL"
        # Keep reading so the children never block on a full pipe.
        threading.Thread(target=_drain, args=(proc.stdout, log), daemon=True).start()
        yield RunningStack(
            storefront=storefront,
            gateway=f"http://127.0.0.1:{ports['TONGNAN_GATEWAY_PORT']}",
            certification=f"http://127.0.0.1:{ports['TONGNAN_CERTIFICATION_PORT']}",
            orders=f"http://127.0.0.1:{ports['TONGNAN_ORDERS_PORT']}",
            database_url_template=env["TONGNAN_DATABASE_URL_TEMPLATE"],
            log=log,
            localstripe=f"http://127.0.0.1:{ports['TONGNAN_LOCALSTRIPE_PORT']}",
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        # Every process's log, for CI's artifacts when a browser test fails.
        STACK_LOG.parent.mkdir(parents=True, exist_ok=True)
        STACK_LOG.write_text("".join(log), encoding="utf-8")


# Package scope: Playwright's sync API keeps an event loop running in this thread until it
# stops, which would refuse asyncio.run() in any test that runs after the browser tests.
@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(running_stack: RunningStack, playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- supplier verification ------------------------------------------------------------------
