"""Supplier verification end to end: a new company registers and sends its business licence
and legal representative; it cannot list a part yet and the portal says why; an admin opens
the queue in the back office, opens the licence beside the application and verifies it; the
part the supplier lists then is on sale in the storefront's search."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.factories import (
    RunningStack,
    apply_for_verification,
    new_page,
    office_sign_in,
    register_supplier,
    screenshot,
    staff_account,
)
from tests.storefront.factories import sku_prefix


def fill_part(page: Page, sku: str, title: str) -> None:
    page.goto("/supplier/parts/new")
    page.locator("#f-sku").fill(sku)
    page.locator("#f-title_en").fill(title)
    page.locator("#f-price_cny").fill("1280")
    page.locator("#f-weight_grams").fill("6200")
    page.locator("#f-on_hand").fill("3")
    page.get_by_role("button", name="保存配件").click()


def test_an_admin_verifies_a_new_supplier_whose_part_then_goes_on_sale(
    browser: Browser, running_stack: RunningStack
) -> None:
    supplier = new_page(browser, running_stack, locale="zh-CN")
    register_supplier(supplier, "Renzheng")
    expect(supplier.locator("#verify-company")).to_be_visible()

    # Not verified: the part is refused, and the page says why (in Chinese, as the portal is).
    sku = f"{sku_prefix()}-KYB-1"
    marker = f"Kyb{uuid.uuid4().hex[:6]}"
    fill_part(supplier, sku, f"Remanufactured alternator {marker}")
    expect(supplier.locator("#form-errors")).to_contain_text("须通过企业认证后才能发布配件")
    expect(supplier.locator("#f-sku")).to_have_value(sku)

    apply_for_verification(supplier, "张敏")
    expect(supplier.locator("#verification-status")).to_contain_text("审核中")
    screenshot(supplier, "supplier-verification-pending", "desktop")

    # An inspector is no admin: the supplier queue is refused to it.
    office = new_page(browser, running_stack, locale="zh-CN")
    office_sign_in(office, staff_account(running_stack, "INSPECTOR"))
    office.goto("/office/suppliers")
    expect(office.locator("h1")).to_have_text("仅限管理员")
    office.locator("form[action='/office/logout'] button").click()

    office_sign_in(office, staff_account(running_stack, "ADMIN"))
    office.get_by_role("link", name="供应商认证").first.click()
    expect(office).to_have_url(re.compile(r"/office/suppliers$"))
    row = office.locator("#suppliers tbody tr", has_text="Renzheng")
    expect(row).to_contain_text("张敏")
    expect(row).to_contain_text("审核中")
    row.get_by_role("link").click()

    # The licence beside the application: the frame shows the PDF the supplier sent.
    frame = office.locator("#licence-frame")
    expect(frame).to_be_visible()
    licence = office.request.get(frame.get_attribute("src") or "")
    assert licence.status == 200 and licence.headers["content-type"] == "application/pdf"
    assert licence.body().startswith(b"%PDF-")
    expect(office.locator("#legal-representative")).to_have_text("张敏")
    screenshot(office, "office-supplier-verification", "desktop")

    office.locator("#f-reason").fill("营业执照与国家企业信用信息公示系统一致")
    office.get_by_role("button", name="通过认证").click()
    expect(office.locator("#decision-notice")).to_contain_text("已通过认证")
    expect(office.locator("#verification-status")).to_contain_text("已认证")

    # Verified: the same part is now listed, and a buyer finds it.
    supplier.goto("/supplier/verification")
    expect(supplier.locator("#verification-status")).to_contain_text("已认证")
    expect(supplier.locator("#verify-company")).to_have_count(0)
    fill_part(supplier, sku, f"Remanufactured alternator {marker}")
    expect(supplier.locator(".alert.success")).to_contain_text(sku)

    buyer = new_page(browser, running_stack)
    buyer.goto(f"/?q={marker}")
    result = buyer.locator("ol.result-list li.result").first
    expect(result.locator("h3 a")).to_contain_text(marker)
