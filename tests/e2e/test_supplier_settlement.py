"""A supplier's certificate and money: the PDF uploaded with the certificate on the portal and
shown as awaiting review; after an inspector approves it, a buyer pays, the supplier ships, the
carrier delivers and the hold passes, the supplier opens its settlement statement and downloads
the CSV."""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid

import httpx
from playwright.sync_api import Browser, expect

from marketplace.roles import Role
from tests.e2e.factories import (
    RunningStack,
    approve_in_back_office,
    fits_the_width,
    list_part,
    make_settleable,
    new_page,
    pay_for,
    register_supplier,
    screenshot,
)
from tests.factories import headers_for
from tests.orders.factories import pdf_bytes
from tests.storefront.factories import sku_prefix


def deliver_past_the_hold(stack: RunningStack, order_id: str) -> None:
    """The carrier reports delivery, three weeks ago, and finance runs the settlement."""
    make_settleable(stack, order_id)
    run = httpx.post(f"{stack.orders}/settlements/run", headers=headers_for(Role.ADMIN, actor_id="finance"), timeout=30)
    assert run.status_code == 200, run.text


def test_supplier_uploads_its_certificate_pdf_and_downloads_its_settlement_csv(
    browser: Browser, running_stack: RunningStack
) -> None:
    supplier = new_page(browser, running_stack, locale="zh-CN")
    register_supplier(supplier, "Fuxing", running_stack)
    marker = f"Fuxing{uuid.uuid4().hex[:6]}"
    sku = f"{sku_prefix()}-STA"
    title = f"Remanufactured starter {marker} for Toyota Corolla"
    list_part(supplier, sku, title, category="starter", price="640.50", weight="3100")

    # A picture instead of the PDF is refused on its field, with the typing kept.
    number = f"CQC-QMS-{uuid.uuid4().hex[:6].upper()}"
    supplier.get_by_role("link", name="证书").first.click()
    supplier.get_by_label("认证类型").fill("ISO_9001")
    supplier.get_by_label("证书编号").fill(number)
    supplier.get_by_label("发证机构").fill("China Quality Certification Centre (CQC)")
    supplier.get_by_label("生效日期").fill("2026-01-01")
    supplier.get_by_label("有效期至").fill("2029-01-01")
    supplier.get_by_label("证书 PDF").set_input_files(
        {"name": "scan.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n"}
    )
    supplier.get_by_role("button", name="提交审核").click()
    expect(supplier.get_by_label("证书 PDF")).to_have_attribute("aria-invalid", "true")
    expect(supplier.locator("#f-file-error")).to_contain_text("PDF")
    expect(supplier.get_by_label("证书编号")).to_have_value(number)

    supplier.get_by_label("证书 PDF").set_input_files(
        {"name": "iso9001.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    supplier.get_by_role("button", name="提交审核").click()
    expect(supplier.locator("#certificate-added")).to_contain_text("待审核")
    row = supplier.locator(f"#certificate-{number}")
    expect(row).to_contain_text("待审核")
    expect(row).to_contain_text("PDF 已存档")
    fits_the_width(supplier)
    screenshot(supplier, "supplier-certificate-pending", "desktop")
    approve_in_back_office(running_stack, number, attach_document=False)
    supplier.reload()
    expect(supplier.locator(f"#certificate-{number} .badge").first).to_have_text("有效")

    buyer = new_page(browser, running_stack)
    order_url = pay_for(buyer, marker)
    order_id = base64.b64decode(order_url.rsplit("/", 1)[1]).decode().split(":", 1)[1]

    supplier.get_by_role("link", name="待发货订单").click()
    order = supplier.locator("section.panel", has_text=marker)
    order.get_by_label("承运商").fill("SF Express")
    order.get_by_label("运单号").fill("SF1234567890123")
    order.get_by_role("button", name="标记为已发货").click()
    expect(supplier.locator(".alert.success")).to_contain_text("发货信息已保存")
    deliver_past_the_hold(running_stack, order_id)

    supplier.get_by_role("link", name="结算", exact=True).click()
    expect(supplier.get_by_role("heading", level=1)).to_have_text("结算")
    statement_row = supplier.locator("table.settlements-table tbody tr").first
    expect(statement_row).to_contain_text("¥")
    statement_row.get_by_role("link", name=re.compile("^结算单")).click()
    lines = supplier.locator("table.settlement-lines tbody tr")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text(sku)
    expect(lines.first).to_contain_text(order_id[:8])
    fits_the_width(supplier)
    screenshot(supplier, "supplier-settlement", "desktop")

    with supplier.expect_download() as download_info:
        supplier.get_by_role("link", name="下载 CSV").click()
    download = download_info.value
    assert re.fullmatch(r"settlement-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.csv", download.suggested_filename)
    text = download.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["order_id"], r["sku"], r["quantity"]) for r in rows] == [(order_id, sku, "1")]
