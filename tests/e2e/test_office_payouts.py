"""Paying a supplier: it gives its bank account on the portal; an admin runs the settlement in
the back office, downloads the pain.001 (paying that very account), imports the bank's
pain.002 saying the transfer settled, and the supplier sees its payout paid (已付款)."""

from __future__ import annotations

import base64
import uuid

from playwright.sync_api import Browser, expect

from tests.e2e.factories import (
    RunningStack,
    approve_in_back_office,
    list_part,
    make_settleable,
    new_page,
    office_sign_in,
    pay_for,
    register_supplier,
    screenshot,
    staff_account,
)
from tests.orders.finance.bank_reports import pain002, transfers_in
from tests.storefront.factories import sku_prefix

ACCOUNT_NUMBER = "31050161393600012345"


def test_an_admin_pays_a_supplier_by_pain001_and_the_bank_report_marks_it_paid(
    browser: Browser, running_stack: RunningStack
) -> None:
    supplier = new_page(browser, running_stack, locale="zh-CN")
    name = f"Ruixiang{uuid.uuid4().hex[:4]}"
    register_supplier(supplier, name, running_stack)
    name_en = f"Chongqing Tongnan {name} Remanufacturing Co., Ltd."
    marker = f"Ruixiang{uuid.uuid4().hex[:6]}"
    list_part(
        supplier,
        f"{sku_prefix()}-STA",
        f"Remanufactured starter {marker} for Toyota Corolla",
        category="starter",
        price="640.50",
        weight="3100",
    )
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

    # The supplier gives its bank account; a wrong CNAPS code is refused on its field first.
    supplier.get_by_role("link", name="付款", exact=True).first.click()
    expect(supplier.get_by_role("heading", level=1)).to_have_text("付款")
    expect(supplier.locator("#current-account")).to_contain_text("尚未填写银行账户")
    supplier.locator("#f-bank_name").fill("中国建设银行重庆潼南支行")
    supplier.locator("#f-account_name").fill(f"重庆潼南{name}再制造有限公司")
    supplier.locator("#f-account_number").fill(ACCOUNT_NUMBER)
    supplier.locator("#f-cnaps_code").fill("10565300")
    supplier.get_by_role("button", name="保存银行账户").click()
    expect(supplier.locator("#f-cnaps_code")).to_have_attribute("aria-invalid", "true")
    expect(supplier.locator("#f-cnaps_code-error")).to_contain_text("12 位")
    supplier.locator("#f-account_number").fill(ACCOUNT_NUMBER)
    supplier.locator("#f-cnaps_code").fill("105653000015")
    supplier.get_by_role("button", name="保存银行账户").click()
    expect(supplier.locator("#payouts-notice")).to_contain_text("银行账户已保存")
    expect(supplier.locator("#current-account")).to_contain_text("•••• 2345")

    buyer = new_page(browser, running_stack)
    order_url = pay_for(buyer, marker)
    order_id = base64.b64decode(order_url.rsplit("/", 1)[1]).decode().split(":", 1)[1]
    supplier.get_by_role("link", name="待发货订单").click()
    order = supplier.locator("section.panel", has_text=marker)
    order.get_by_label("承运商").fill("SF Express")
    order.get_by_label("运单号").fill("SF1234567890123")
    order.get_by_role("button", name="标记为已发货").click()
    expect(supplier.locator(".alert.success")).to_contain_text("发货信息已保存")
    make_settleable(running_stack, order_id)

    # The admin runs the settlement and pays the supplier's statement by pain.001.
    admin = new_page(browser, running_stack, locale="zh-CN")
    office_sign_in(admin, staff_account(running_stack, "ADMIN"))
    admin.goto("/office/payouts")
    admin.locator("form[action='/office/payouts/run'] button").click()
    expect(admin.locator("#payouts-notice")).to_be_visible()
    row = admin.locator(f"tr[data-supplier='{name_en}']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待付款")
    expect(row).to_contain_text("•••• 2345")
    row.locator("input[name=statement]").check()
    with admin.expect_download() as download_info:
        admin.locator("#export-form button[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pain.001.xml")
    message_id, [transfer] = transfers_in(download.path().read_bytes())
    assert transfer.creditor_account == ACCOUNT_NUMBER
    admin.goto("/office/payouts")
    expect(admin.locator(f"tr[data-supplier='{name_en}']")).to_contain_text("已提交银行")

    # The bank's pain.002 says the transfer settled.
    report = pain002(message_id, [(transfer.end_to_end_id, "ACSC", None)])
    admin.locator("#report-file").set_input_files(
        {"name": "pain002.xml", "mimeType": "application/xml", "buffer": report}
    )
    admin.locator("form[action='/office/payouts/import'] button").click()
    result = admin.locator("#status-report")
    expect(result).to_contain_text("pain.002.001.03")
    expect(result).to_contain_text(transfer.end_to_end_id)
    expect(result).to_contain_text("已付款")
    expect(admin.locator(f"tr[data-supplier='{name_en}']")).to_contain_text("已付款")
    screenshot(admin, "office-payouts", "desktop")

    supplier.get_by_role("link", name="付款", exact=True).first.click()
    expect(supplier.locator("table.payouts-table tbody tr").first).to_contain_text("已付款")
    screenshot(supplier, "supplier-payouts", "desktop")

    # An inspector's staff account does not open the payouts.
    inspector = new_page(browser, running_stack, locale="zh-CN")
    office_sign_in(inspector, staff_account(running_stack, "INSPECTOR"))
    response = inspector.goto("/office/payouts")
    assert response is not None and response.status == 403
    expect(inspector.get_by_role("heading", level=1)).to_have_text("仅限管理员")
