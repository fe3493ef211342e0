"""A new supplier's part, from listing to the core coming back: the supplier lists parts and
submits its ISO 9001 certificate; an inspector approves it (in the certification service's back
office: the public API has no approval yet); a buyer pays for the part; the supplier marks the
order shipped; the buyer confirms its delivery, returns the core and the supplier accepts it,
refunding the deposit."""

from __future__ import annotations

import io
import re
import uuid

import httpx
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfWriter

from marketplace.roles import Role
from tests.conftest import headers_for
from tests.e2e.conftest import RunningStack, new_page, screenshot, ship_to, wait_until_paid
from tests.e2e.test_checkout import fill_card
from tests.e2e.test_supplier import register_supplier
from tests.storefront.factories import PASSWORD, sku_prefix, unique_email


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


def test_supplier_certified_part_is_bought_shipped_delivered_and_its_core_returned(
    browser: Browser, running_stack: RunningStack
) -> None:
    supplier = new_page(browser, running_stack, locale="zh-CN")
    register_supplier(supplier, "Jiahe", running_stack)
    marker = f"Jiahe{uuid.uuid4().hex[:6]}"
    title = f"Remanufactured alternator {marker} for Toyota Corolla"
    list_part(
        supplier, f"{sku_prefix()}-ALT", title, category="alternator", price="980", weight="5200", core_charge="300"
    )

    # The certificate, submitted on the portal, waits for review.
    number = f"CQC-QMS-{uuid.uuid4().hex[:6].upper()}"
    supplier.get_by_role("link", name="证书").first.click()
    supplier.locator("#f-scheme").fill("ISO_9001")
    supplier.locator("#f-number").fill(number)
    supplier.locator("#f-issuing_body").fill("China Quality Certification Centre (CQC)")
    supplier.locator("#f-valid_from").fill("2026-01-01")
    supplier.locator("#f-valid_until").fill("2029-01-01")
    supplier.get_by_role("button", name="提交审核").click()
    expect(supplier.locator("#certificate-added")).to_contain_text("待审核")
    approve_in_back_office(running_stack, number)

    buyer = new_page(browser, running_stack)
    order_url = pay_for(buyer, marker)

    supplier.get_by_role("link", name="待发货订单").click()
    order = supplier.locator("section.panel", has_text=marker)
    expect(order).to_contain_text("已付款")
    screenshot(supplier, "supplier-orders", "desktop")
    order.get_by_role("button", name="标记为已发货").click()
    expect(supplier.locator("[aria-invalid=true]").first).to_be_visible()  # both fields are needed
    order = supplier.locator("section.panel", has_text=marker)
    order.get_by_label("承运商").fill("DHL Express")
    order.get_by_label("运单号").fill("JD014600006281234567")
    order.get_by_role("button", name="标记为已发货").click()
    expect(supplier.locator(".alert.success")).to_contain_text("发货信息已保存")

    buyer.goto(order_url)
    expect(buyer.get_by_text("Shipped with DHL Express, tracking number JD014600006281234567")).to_be_visible()
    expect(buyer.locator("#order-status")).to_have_text("Shipped")

    # The parts arrive: the buyer confirms it (the supplier's portal offers no such button).
    supplier.reload()
    expect(supplier.locator("section.panel", has_text=marker).get_by_role("button", name="标记为已送达")).to_have_count(
        0
    )
    buyer.get_by_role("button", name="Confirm delivery").click()
    expect(buyer.locator("#order-status")).to_have_text("Delivered")

    # The order carried a core deposit: the buyer sends the old part back, the supplier accepts it.
    buyer.get_by_role("button", name="Return the old part for the deposit").click()
    expect(buyer.locator(".alert.success")).to_contain_text("Core return requested")
    supplier.get_by_role("link", name="待发货订单").click()
    supplier.locator("section.panel", has_text=marker).get_by_role("button", name="旧件已收到并验收").click()
    expect(supplier.locator(".alert.success")).to_contain_text("旧件退回已记录")
    buyer.reload()
    expect(buyer.get_by_text(re.compile(r"Deposit refunded: €\d"))).to_be_visible()
