"""A supplier in Tongnan: register the company, import a CSV with one bad row, edit stock,
a form that keeps what was typed, and a title with <script> shown to buyers as text."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Dialog, expect

from tests.e2e.factories import RunningStack, new_page, register_supplier, screenshot
from tests.storefront.factories import GOOD_AND_BAD_CSV, PASSWORD, sku_prefix, unique_email


def test_supplier_registers_imports_a_csv_with_one_bad_row_and_edits_stock(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack, locale="zh-CN")
    # A mistake first: the form keeps what was typed and marks the field.
    page.goto("/supplier/register")
    page.locator("#f-name_zh").fill("重庆潼南测试再制造有限公司")
    page.locator("#f-name_en").fill("Tongnan Test Reman")
    page.locator("#f-uscc").fill("91500152MA0000000X")
    page.locator("#f-email").fill(unique_email())
    page.locator("#f-password").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.locator("#f-uscc")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-uscc-error")).to_be_visible()
    expect(page.locator("#f-name_en")).to_have_value("Tongnan Test Reman")

    register_supplier(page, "Hengxin", running_stack)

    prefix = sku_prefix()
    page.get_by_role("link", name="导入 CSV").first.click()
    page.locator("#f-csv").fill(GOOD_AND_BAD_CSV.format(p=prefix))
    page.get_by_role("button", name="导入", exact=True).click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("新建 2 个，更新 0 个，1 行有错误")
    rows = page.locator("table.import-errors tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(0)).to_have_text("3")
    expect(rows.first.locator("td").nth(1)).to_have_text("condition")
    screenshot(page, "supplier-import-report", "desktop")

    page.get_by_role("link", name="返回我的配件").click()
    row = page.locator(f"#part-{prefix}-ALT-1")
    expect(row.get_by_role("textbox")).to_have_value("4")
    row.get_by_role("textbox").fill("7")
    row.get_by_role("button").click()
    expect(page.locator(".alert.success")).to_contain_text(f"{prefix}-ALT-1 的库存已保存")
    expect(page.locator(f"#part-{prefix}-ALT-1").get_by_role("textbox")).to_have_value("7")
    # A bad number is refused inline, with what was typed kept.
    row = page.locator(f"#part-{prefix}-STA-1")
    row.get_by_role("textbox").fill("-3")
    row.get_by_role("button").click()
    row = page.locator(f"#part-{prefix}-STA-1")
    expect(row.get_by_role("textbox")).to_have_value("-3")
    expect(row.get_by_role("textbox")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "supplier-stock-error", "desktop")


def test_part_form_keeps_what_was_typed_and_marks_the_field_the_api_names(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack, locale="zh-CN")
    register_supplier(page, "Xinda", running_stack)
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="应用").click()
    page.get_by_role("link", name="New part").first.click()
    sku = f"{sku_prefix()}-TUR-1"
    page.get_by_label("SKU").fill(sku)
    page.get_by_label("Title (English)").fill("Remanufactured turbocharger for Hyundai Tucson")
    page.get_by_label("Category").select_option("turbocharger")
    page.get_by_label("OEM numbers").fill("28231-2F000")
    page.get_by_label("Vehicles it fits").fill("Hyundai:Tucson:2015-2020:D4HA")
    page.get_by_label("Price (CNY)").fill("2150.00")
    page.get_by_label("Weight (grams)").fill("0")  # the catalog refuses it, naming weight_grams
    page.get_by_role("button", name="Save part").click()
    expect(page.locator("#f-weight_grams")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-weight_grams-error")).to_contain_text("greater than 0")
    expect(page.get_by_label("Title (English)")).to_have_value("Remanufactured turbocharger for Hyundai Tucson")
    expect(page.get_by_label("Vehicles it fits")).to_have_value("Hyundai:Tucson:2015-2020:D4HA")
    screenshot(page, "supplier-part-form-error", "desktop")

    page.locator("#f-weight_grams").fill("8400")
    page.get_by_role("button", name="Save part").click()
    expect(page.locator(".alert.success")).to_contain_text(f"Part {sku} saved.")

    # Edit it: a new price, then the buyer's page shows the change.
    page.locator(f"#part-{sku}").get_by_role("link", name=re.compile("Edit")).click()
    expect(page.get_by_label("SKU")).to_have_attribute("readonly", "")
    page.get_by_label("Price (CNY)").fill("1999.50")
    page.get_by_role("button", name="Save part").click()
    expect(page.locator(f"#part-{sku}")).to_contain_text("1,999.50")


def test_a_title_with_a_script_tag_is_shown_as_text(browser: Browser, running_stack: RunningStack) -> None:
    page = new_page(browser, running_stack, locale="zh-CN")
    register_supplier(page, "Anquan", running_stack)
    sku = f"{sku_prefix()}-ALT-X"
    marker = f"Xss{uuid.uuid4().hex[:6]}"
    title = f"<script>window.__pwned = 1</script> Alternator {marker} <b>bold</b>"
    page.goto("/supplier/parts/new")
    page.locator("#f-sku").fill(sku)
    page.locator("#f-title_en").fill(title)
    page.locator("#f-price_cny").fill("100")
    page.locator("#f-weight_grams").fill("1000")
    page.get_by_role("button", name="保存配件").click()
    expect(page.locator(".alert.success")).to_contain_text(sku)

    dialogs: list[str] = []
    buyer = new_page(browser, running_stack)

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    buyer.on("dialog", refuse)
    buyer.goto(f"/?q={marker}")
    link = buyer.locator("ol.result-list h3 a").first
    expect(link).to_have_text(title)
    link.click()
    expect(buyer.get_by_role("heading", level=1)).to_have_text(title)
    assert buyer.evaluate("window.__pwned") is None
    assert buyer.locator("main b").count() == 0
    assert dialogs == []
