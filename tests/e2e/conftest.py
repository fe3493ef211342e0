"""The whole stack as `tongnan up` runs it (real processes on free ports, a temporary var
directory), and Debian's Chromium driven by Playwright.

These tests run in the SQLite pass only: the storefront has no database, and every
service's PostgreSQL behaviour is proven by its own tests in the PostgreSQL pass.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, Playwright, ViewportSize, expect, sync_playwright
from sqlalchemy import update
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.db import make_engine
from services.common.internal_auth import Role
from services.orders.models import OrderLine
from tests.conftest import headers_for
from tests.databases import Databases
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
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
STACK_LOG = SCREENSHOTS.parent / "e2e-stack.log"
START_TIMEOUT_SECONDS = 150


@dataclass
class RunningStack:
    storefront: str
    gateway: str
    certification: str
    orders: str
    database_url_template: str
    log: list[str] = field(default_factory=list)
    localstripe: str = ""  # what the orders service calls Stripe, to check what Stripe holds


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


def new_page(browser: Browser, stack: RunningStack, viewport: str = "desktop", locale: str = "en-DE") -> Page:
    """`locale` is the browser's language (its Accept-Language), from which a first visit takes
    its destination and currency: by default a workshop in Germany reading English, in euros."""
    context = browser.new_context(
        base_url=stack.storefront, viewport=VIEWPORTS[viewport], locale=locale, is_mobile=viewport == "phone"
    )
    context.set_default_timeout(15_000)
    return context.new_page()


def screenshot(page: Page, name: str, viewport: str) -> Path:
    """A picture of what the visitor sees, for CI's artifacts and the README's tour."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{viewport}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def wait_until_paid(page: Page, paid: str = "Paid") -> None:
    """The order page shows Paid (`paid`: the word in the page's language): the webhook makes
    the order PAID a moment after the browser lands there, so the page is reloaded until it
    does (30 s at the most)."""
    deadline = time.monotonic() + 30
    while page.locator("#order-status").inner_text() != paid and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    expect(page.locator("#order-status")).to_have_text(paid)


# A valid address in each country the browser tests ship to, as a buyer types it (by form field).
SAMPLE_ADDRESSES = {
    "DE": {"name": "Kurt Fischer", "street_address": "Hafenstraße 12", "postal_code": "20457", "city": "Hamburg"},
    "AE": {"name": "Fleet Desk", "street_address": "Sheikh Zayed Road 1", "country_area": "Dubai"},
    "JP": {"name": "Tanaka", "street_address": "1-2-3 Shibuya", "postal_code": "150-0002", "country_area": "Tokyo"},
    "US": {"name": "Fleet", "street_address": "1 Elm St", "postal_code": "76701", "city": "Waco", "country_area": "TX"},
}  # fmt: skip


def ship_to(page: Page) -> None:
    """Before the first quote of a new buyer: the cart's address form, filled with a valid
    address in the country it offers (the visitor's). A buyer with a saved address keeps it."""
    if not page.get_by_label("Recipient's name").is_visible():
        return
    country = page.locator("#f-country").input_value()
    for name, value in SAMPLE_ADDRESSES[country].items():
        page.locator(f"#f-{name}").fill(value)


STAFF_PASSWORD = "review every certificate twice"


def staff_account(stack: RunningStack, role: str) -> str:
    """A new INSPECTOR or ADMIN account, made as an operator makes one: `tongnan staff create`
    against the running stack's databases. Returns its e-mail address (password STAFF_PASSWORD)."""
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@tongnan-platform.cn"
    env = {
        **os.environ,
        "TONGNAN_DATABASE_URL_TEMPLATE": stack.database_url_template,
        "TONGNAN_STAFF_PASSWORD": STAFF_PASSWORD,
    }
    done = subprocess.run(
        [sys.executable, "-m", "ops.cli", "staff", "create", "--email", email, "--role", role],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return email


def office_sign_in(page: Page, email: str, password: str = STAFF_PASSWORD) -> None:
    """Sign in to the back office in English (its staff may switch from Chinese)."""
    page.goto("/office/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("form[action='/office/login'] button[type=submit]").click()
    page.wait_for_url("**/office**")


# --- supplier verification ------------------------------------------------------------------

_ADMIN_TOKENS: dict[str, str] = {}


def licence_file() -> FilePayload:
    """A business licence PDF as the file chooser hands it to the page."""
    from tests.catalog.conftest import licence_pdf

    return {"name": "licence.pdf", "mimeType": "application/pdf", "buffer": licence_pdf("营业执照")}


def apply_for_verification(page: Page, legal_representative: str = "李伟") -> None:
    """The signed-in supplier applies on its portal's verification page (in Chinese)."""
    page.goto("/supplier/verification")
    page.locator("#f-legal_representative").fill(legal_representative)
    page.locator("#f-file").set_input_files(licence_file())
    page.locator("form[action='/supplier/verification'] button[type=submit]").click()
    expect(page.locator(".alert.success")).to_contain_text("您的申请已提交")


def admin_token(stack: RunningStack) -> str:
    """An ADMIN made by `tongnan staff create`, signed in through the API (one per stack)."""
    if stack.gateway not in _ADMIN_TOKENS:
        email = staff_account(stack, "ADMIN")
        login = "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
        response = httpx.post(
            f"{stack.gateway}/graphql",
            json={"query": login, "variables": {"e": email, "p": STAFF_PASSWORD}},
            timeout=20,
        )
        _ADMIN_TOKENS[stack.gateway] = response.json()["data"]["login"]["token"]
    return _ADMIN_TOKENS[stack.gateway]


def verify_signed_in_supplier(page: Page, stack: RunningStack) -> None:
    """The supplier signed in on `page` applies with its licence, and an admin verifies it
    through the API (the back office's own test, test_office_suppliers.py, clicks through it)."""
    apply_for_verification(page)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "tn_token")
    admin_verifies(stack, token)


SUBMIT_VERIFICATION = """mutation ($input: SupplierVerificationInput!, $licence: Upload!) {
  submitSupplierVerification(input: $input, licence: $licence) { id } }"""


def verified_through_the_api(stack: RunningStack, token: str, uscc: str) -> None:
    """A supplier registered through the API applies with its licence (a GraphQL multipart
    request, as integrators send it) and an admin verifies it, so that it may list parts."""
    from tests.catalog.conftest import licence_pdf

    operations = {
        "query": SUBMIT_VERIFICATION,
        "variables": {"input": {"uscc": uscc, "legalRepresentative": "李伟"}, "licence": None},
    }
    applied = httpx.post(
        f"{stack.gateway}/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.licence"]})},
        files={"0": ("licence.pdf", licence_pdf("营业执照"), "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    assert applied.get("data") and applied["data"]["submitSupplierVerification"], applied
    admin_verifies(stack, token)


def admin_verifies(stack: RunningStack, supplier_token: str) -> None:
    """An admin verifies the supplier of `supplier_token`, whose application is pending."""
    own = httpx.post(
        f"{stack.gateway}/graphql",
        json={"query": "{ viewer { account { supplier { id } } } }"},
        headers={"Authorization": f"Bearer {supplier_token}"},
        timeout=20,
    ).json()
    supplier_id = own["data"]["viewer"]["account"]["supplier"]["id"]
    verify = 'mutation ($id: ID!) { verifySupplier(id: $id, reason: "licence checked") { verified } }'
    verified = httpx.post(
        f"{stack.gateway}/graphql",
        json={"query": verify, "variables": {"id": supplier_id}},
        headers={"Authorization": f"Bearer {admin_token(stack)}"},
        timeout=20,
    ).json()
    assert verified.get("data") and verified["data"]["verifySupplier"]["verified"], verified


def make_settleable(stack: RunningStack, order_id: str) -> None:
    """The order delivered (the carrier's report, as the scheduler sends it) three weeks ago, so
    its line is past the hold. The one place that knows how an order becomes delivered."""
    system = headers_for(Role.SYSTEM, actor_id="carrier")
    delivered = httpx.post(f"{stack.orders}/orders/{order_id}/deliver", headers=system, timeout=10)
    assert delivered.status_code == 200, delivered.text
    engine = make_engine(stack.database_url_template.format(service="orders"))
    try:
        with Session(engine) as session:
            session.execute(
                update(OrderLine)
                .where(col(OrderLine.order_id) == uuid.UUID(order_id))
                .values(delivered_at=utcnow() - timedelta(days=21))
            )
            session.commit()
    finally:
        engine.dispose()
