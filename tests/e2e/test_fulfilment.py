"""A new supplier's part, from listing to the core coming back: the supplier lists parts and
submits its ISO 9001 certificate; an inspector approves it (in the certification service's back
office: the public API has no approval yet); a buyer pays for the part; the supplier marks the
order shipped; the buyer confirms its delivery, returns the core and the supplier accepts it,
refunding the deposit."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, expect

from tests.e2e.factories import (
    RunningStack,
    approve_in_back_office,
    list_part,
    new_page,
    pay_for,
    register_supplier,
    screenshot,
)
from tests.storefront.factories import sku_prefix


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
