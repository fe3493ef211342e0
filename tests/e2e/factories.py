"""What the browser tests do again and again: open a page, sign in, ship to an address, verify a
supplier, list a part and pay for it.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, FilePayload, Page, ViewportSize, expect
from pypdf import PdfWriter
from sqlalchemy import update
from sqlmodel import Session, col

from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.db import make_engine
from services.orders.models import OrderLine
from tests.factories import headers_for
from tests.storefront.factories import PASSWORD, new_uscc, sku_prefix, unique_email

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@dataclass
class RunningStack:
    storefront: str
    gateway: str
    certification: str
    orders: str
    database_url_template: str
    log: list[str] = field(default_factory=list)
    localstripe: str = ""  # what the orders service calls Stripe, to check what Stripe holds


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
    address in the country it offers (the visitor's). A buyer with a saved address keeps it.
    The cart is waited for first: `is_visible` does not wait, and a page still on its way back
    from signing in would look like a cart with a saved address."""
    expect(page.locator("form[action='/cart/quote']")).to_be_visible()
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


_ADMIN_TOKENS: dict[str, str] = {}


def licence_file() -> FilePayload:
    """A business licence PDF as the file chooser hands it to the page."""
    from tests.catalog.factories import licence_pdf

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
    from tests.catalog.factories import licence_pdf

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


def graphql(stack: RunningStack, token: str | None, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{stack.gateway}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=20
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return dict(body["data"])


PART = """
mutation Part($input: PartInput!) { createPart(input: $input) { id } }"""


CERTIFICATE = """
mutation Certificate($input: CertificateInput!) { addCertificate(input: $input) { id } }"""


def certified_supplier_with_part(running_stack: RunningStack, marker: str, email: str) -> str:
    """A supplier through the API: its account and company, a part with a year's warranty (its title
    holds `marker`), and its ISO 9001 certificate, which an inspector approves in the back office.
    Returns the supplier's token."""
    uscc = new_uscc()
    registered = graphql(
        running_stack,
        None,
        "mutation R($input: RegisterInput!) { register(input: $input) { token } }",
        {
            "input": {
                "email": email,
                "password": PASSWORD,
                "role": "SUPPLIER",
                "supplier": {
                    "nameEn": f"Chongqing Tongnan {marker} Reman Co., Ltd.",
                    "nameZh": f"重庆潼南{marker}再制造有限公司",
                    "uscc": uscc,
                },
            }
        },
    )
    token = registered["register"]["token"]
    verified_through_the_api(running_stack, token, uscc)
    graphql(
        running_stack,
        token,
        PART,
        {
            "input": {
                "sku": f"{sku_prefix()}-{marker[:3].upper()}",
                "titleEn": f"Remanufactured alternator {marker} for Toyota Corolla",
                "category": "alternator",
                "condition": "REMANUFACTURED",
                "oemNumbers": ["27060-0D030"],
                "priceCny": 98000,
                "warrantyMonths": 12,
                "weightGrams": 5200,
                "onHand": 3,
            }
        },
    )
    number = f"CQC-QMS-{uuid.uuid4().hex[:6].upper()}"
    certificate = {
        "scheme": "ISO_9001",
        "number": number,
        "issuingBody": "China Quality Certification Centre (CQC)",
        "validFrom": "2026-01-01",
        "validUntil": "2029-01-01",
    }
    graphql(running_stack, token, CERTIFICATE, {"input": certificate})
    approve_in_back_office(running_stack, number)
    return str(token)


def fill_card(page: Page, number: str) -> None:
    """localstripe's stand-in for Stripe Elements: plain inputs inside the card element."""
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill(number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("20095")


def to_payment(page: Page, search: str) -> None:
    """A new buyer with one in-stock part that ships to Germany, at the card form."""
    page.goto("/account/register?next=/")
    page.get_by_label("E-mail address").fill(unique_email("buyer"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto(f"/?q={search}&ships=1&stock=1")
    page.locator("li.result h3 a").first.click()
    page.get_by_role("button", name="Add to cart").click()
    ship_to(page)
    page.get_by_role("button", name="Get quote").click()
    page.get_by_role("button", name=re.compile("Order and pay")).click()
    expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()


def approve_in_back_office(stack: RunningStack, number: str, *, attach_document: bool = True) -> None:
    """What an inspector does: attach the scanned certificate (unless its holder uploaded it) and approve it."""
    inspector = headers_for(Role.INSPECTOR, actor_id="inspector-e2e")
    listed = httpx.get(
        f"{stack.certification}/certificates",
        params={"status": "PENDING_REVIEW", "scheme": "ISO_9001", "first": 100},
        headers=inspector,
        timeout=10,
    ).json()
    certificate = next(c for c in listed["items"] if c["number"] == number)
    if attach_document:
        attach_scan(stack, certificate)
    approved = httpx.post(
        f"{stack.certification}/certificates/{certificate['id']}/approve",
        headers=inspector,
        json={"reason": "document checked against the CQC register"},
        timeout=10,
    )
    assert approved.status_code == 200, approved.text


def attach_scan(stack: RunningStack, certificate: dict[str, str]) -> None:
    """A scanned certificate attached on its holder's behalf in the back office."""
    pdf = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(pdf)
    holder = headers_for(Role.SUPPLIER, actor_id="holder", supplier_id=certificate["holder_id"])
    upload = httpx.post(
        f"{stack.certification}/certificates/{certificate['id']}/document",
        headers=holder,
        files={"file": ("iso9001.pdf", pdf.getvalue(), "application/pdf")},
        timeout=10,
    )
    assert upload.status_code == 200, upload.text


def list_part(
    supplier: Page, sku: str, title: str, *, category: str, price: str, weight: str, core_charge: str = ""
) -> None:
    """A part listed on the portal's form (in Chinese), three on hand."""
    supplier.goto("/supplier/parts/new")
    supplier.locator("#f-sku").fill(sku)
    supplier.locator("#f-title_en").fill(title)
    supplier.locator("#f-category").select_option(category)
    supplier.locator("#f-price_cny").fill(price)
    supplier.locator("#f-core_charge_cny").fill(core_charge)
    supplier.locator("#f-weight_grams").fill(weight)
    supplier.locator("#f-on_hand").fill("3")
    supplier.get_by_role("button", name="保存配件").click()
    expect(supplier.locator(".alert.success")).to_be_visible()


def pay_for(buyer: Page, marker: str) -> str:
    """Search, cart, DDP quote to Germany, card payment; returns the order page's path once PAID."""
    buyer.goto(f"/?q={marker}")
    buyer.locator("li.result h3 a").first.click()
    expect(buyer.locator("#eligibility")).to_contain_text("Ships to Germany")
    buyer.get_by_role("button", name="Add to cart").click()
    buyer.get_by_role("button", name="Get quote").click()
    buyer.get_by_role("link", name="Create an account").click()
    buyer.get_by_label("E-mail address").fill(unique_email("fleet"))
    buyer.get_by_label("Password").fill(PASSWORD)
    buyer.get_by_role("button", name="Create account").click()
    ship_to(buyer)
    buyer.get_by_role("button", name="Get quote").click()
    buyer.get_by_role("button", name=re.compile("Order and pay")).click()
    fill_card(buyer, "4242424242424242")
    buyer.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(buyer).to_have_url(re.compile(r"/orders/[^/]+$"), timeout=20_000)
    wait_until_paid(buyer)
    return buyer.url


def register_supplier(page: Page, name: str, stack: RunningStack | None = None) -> None:
    """Register the company in the portal; with the stack, also have it verified (licence sent
    from the portal, an admin's decision through the API), so that it may list parts."""
    page.goto("/supplier")
    expect(page).to_have_url(re.compile(r"/supplier/login"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")  # Chinese first for suppliers
    page.get_by_role("link", name="注册公司").click()
    page.locator("#f-name_zh").fill(f"重庆潼南{name}再制造有限公司")
    page.locator("#f-name_en").fill(f"Chongqing Tongnan {name} Remanufacturing Co., Ltd.")
    page.locator("#f-uscc").fill(new_uscc())
    page.locator("#f-email").fill(unique_email())
    page.locator("#f-password").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.locator(".alert.success")).to_contain_text("公司注册成功")
    if stack is not None:
        verify_signed_in_supplier(page, stack)
        page.goto("/supplier")


UNLABELLED = """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                && !el.getAttribute("aria-labelledby") && !(el.tagName === "BUTTON" && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 80))"""


def fits_the_width(page: Page) -> None:
    """No sideways scrolling on a phone, and every form control has a name a screen reader says."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    assert page.evaluate(UNLABELLED) == [], page.url
