"""Delivery the buyer confirms: the supplier ships on its portal (in Chinese) with a tracking
number the carrier's format accepts, after one it refuses; the buyer follows the carrier's
tracking link from the order page and confirms delivery there."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, expect

from tests.e2e.factories import RunningStack, certified_supplier_with_part, new_page, pay_for
from tests.storefront.factories import PASSWORD, unique_email


def test_the_supplier_ships_with_tracking_and_the_buyer_confirms_delivery(
    browser: Browser, running_stack: RunningStack
) -> None:
    marker = f"Dlv{uuid.uuid4().hex[:6]}"
    email = unique_email("delivery")
    certified_supplier_with_part(running_stack, marker, email)
    buyer = new_page(browser, running_stack)
    order_url = pay_for(buyer, marker)

    supplier = new_page(browser, running_stack, locale="zh-CN")
    supplier.goto("/supplier/login")
    supplier.locator("#f-email").fill(email)
    supplier.locator("#f-password").fill(PASSWORD)
    supplier.get_by_role("button", name="登录").click()
    supplier.goto("/supplier/orders")
    order = supplier.locator("section.panel", has_text=marker)
    order.get_by_label("承运商").fill("顺丰")
    order.get_by_label("运单号").fill("SF 1234 5678")  # too short for an SF waybill
    order.get_by_role("button", name="标记为已发货").click()
    order = supplier.locator("section.panel", has_text=marker)
    expect(order.locator("[aria-invalid=true]")).to_have_attribute("name", "tracking_number")
    expect(order).to_contain_text("这不是 顺丰 的运单号")
    order.get_by_label("运单号").fill("SF 1234 5678 90123")
    order.get_by_role("button", name="标记为已发货").click()
    expect(supplier.locator(".alert.success")).to_contain_text("发货信息已保存")
    order = supplier.locator("section.panel", has_text=marker)
    expect(order.locator("a.tracking-link")).to_have_attribute("href", re.compile(r"SF1234567890123$"))
    expect(order.get_by_role("button", name="标记为已送达")).to_have_count(0)

    buyer.goto(order_url)
    expect(buyer.locator("#order-status")).to_have_text("Shipped")
    expect(buyer.get_by_text("Shipped with SF Express, tracking number SF1234567890123")).to_be_visible()
    link = buyer.get_by_role("link", name="Track the shipment")
    expect(link).to_have_attribute("href", re.compile(r"^https://www\.sf-international\.com/.*SF1234567890123$"))
    buyer.get_by_role("button", name="Confirm delivery").click()
    expect(buyer.locator("#delivered-notice")).to_be_visible()
    expect(buyer.locator("#order-status")).to_have_text("Delivered")
    expect(buyer.locator("#order-timeline")).to_contain_text("Delivered to you")
    expect(buyer.get_by_role("button", name="Confirm delivery")).to_have_count(0)
