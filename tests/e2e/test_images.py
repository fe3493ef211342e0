"""Part pictures in the browser: a supplier adds one from the part page (a fake or oversized
file is refused with a message in the page's language), and a buyer sees it on the listing
and on the part page."""

from __future__ import annotations

import io
import uuid

from PIL import Image
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.catalog.factories import png_claiming
from tests.e2e.factories import RunningStack, new_page, register_supplier, screenshot
from tests.storefront.factories import sku_prefix


def _png(size: tuple[int, int]) -> bytes:
    picture = Image.new("RGB", size, (30, 90, 160))
    for x in range(0, size[0], 20):  # a stripe, so the picture is not one flat colour
        picture.paste((230, 200, 40), (x, 0, x + 6, size[1]))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _choose(page: Page, name: str, content: bytes, mime: str) -> None:
    upload: FilePayload = {"name": name, "mimeType": mime, "buffer": content}
    page.set_input_files("#f-image", files=[upload])
    page.locator("#pictures").get_by_role("button", name="上传图片").click()


def _loaded_width(page: Page, selector: str) -> int:
    """The picture's width as the browser decoded it: 0 when it did not load."""
    image = page.locator(selector).first
    expect(image).to_be_visible()
    page.wait_for_function("(img) => img.complete", arg=image.element_handle())
    return int(image.evaluate("img => img.naturalWidth"))


def test_a_supplier_adds_a_picture_and_the_buyer_sees_it_on_the_listing_and_the_part_page(
    browser: Browser, running_stack: RunningStack
) -> None:
    supplier = new_page(browser, running_stack, locale="zh-CN")
    register_supplier(supplier, "Tupian", running_stack)
    sku = f"{sku_prefix()}-ALT-P"
    marker = f"Pic{uuid.uuid4().hex[:6]}"
    supplier.goto("/supplier/parts/new")
    supplier.locator("#f-sku").fill(sku)
    supplier.locator("#f-title_en").fill(f"Remanufactured alternator {marker}")
    supplier.locator("#f-price_cny").fill("880")
    supplier.locator("#f-weight_grams").fill("5200")
    supplier.locator("#f-on_hand").fill("3")
    supplier.get_by_role("button", name="保存配件").click()
    expect(supplier.locator(".alert.success")).to_contain_text(sku)
    supplier.locator(f"#part-{sku} a[href$='/edit']").click()
    expect(supplier.locator("#pictures")).to_contain_text("尚无图片")

    # A text file named .jpg, and a tiny PNG claiming 2.5 gigapixels: refused, in Chinese.
    _choose(supplier, "photo.jpg", b"this is not a picture\n" * 50, "image/jpeg")
    expect(supplier.locator("#f-image-error")).to_have_text("该文件不是可用的图片：请选择 JPEG、PNG 或 WebP 图片。")
    expect(supplier.locator("#f-image")).to_have_attribute("aria-invalid", "true")
    _choose(supplier, "huge.png", png_claiming(50_000, 50_000), "image/png")
    expect(supplier.locator("#f-image-error")).to_have_text("图片过大（文件或像素过多），请选择较小的图片。")
    screenshot(supplier, "supplier-picture-refused", "desktop")

    _choose(supplier, "alternator.png", _png((800, 600)), "image/png")
    expect(supplier.locator("#pictures .alert.success")).to_have_text("图片已添加。")
    expect(supplier.locator(".part-pictures img")).to_have_count(1)
    assert _loaded_width(supplier, ".part-pictures img") == 320

    buyer = new_page(browser, running_stack)
    buyer.goto(f"/?q={marker}")
    result = buyer.locator("ol.result-list li.result").first
    expect(result.locator("h3 a")).to_contain_text(marker)
    assert _loaded_width(buyer, "ol.result-list li.result .result-picture img") == 320
    result.locator("h3 a").click()
    expect(buyer.get_by_role("heading", level=1)).to_contain_text(marker)
    assert _loaded_width(buyer, ".gallery img") == 800
    cached = buyer.request.get(buyer.locator(".gallery img").first.get_attribute("src") or "")
    assert cached.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert cached.headers["content-type"] == "image/webp"
    screenshot(buyer, "part-with-picture", "desktop")


def test_a_listing_shows_an_estimated_landed_price_and_the_cart_its_subtotal_and_shipping_options(
    browser: Browser, running_stack: RunningStack
) -> None:
    buyer = new_page(browser, running_stack)
    buyer.goto("/?q=alternator")
    eligible = buyer.locator("li.result", has=buyer.locator(".badge.ok"), has_text="in stock").first
    estimate = eligible.locator(".estimate")
    expect(estimate.locator(".estimate-label")).to_have_text("Estimated delivered to Germany:")
    expect(estimate.locator(".estimate-total")).to_contain_text("€")
    expect(estimate).to_contain_text("duty, tax and")
    eligible.locator("h3 a").click()
    expect(buyer.locator(".buy .estimate .estimate-label")).to_have_text("Estimated delivered to Germany:")
    buyer.get_by_role("button", name="Add to cart").click()

    # Before signing in: a subtotal, and each shipping service with its price and delivery time.
    expect(buyer.locator("#cart-subtotal")).to_contain_text("Subtotal")
    expect(buyer.locator("#cart-subtotal dd").first).to_contain_text("€")
    options = buyer.locator("#shipping-options .option")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("Cheapest")
    expect(options.first).to_contain_text("days")
    totals = [
        float(text.replace("about", "").replace("in all", "").replace("€", "").replace(",", "").strip())
        for text in buyer.locator("#shipping-options .option-total").all_inner_texts()
    ]
    assert totals == sorted(totals)
    # The cheapest is chosen, not express by habit.
    expect(options.first.locator("input[type=radio]")).to_be_checked()
    expect(options.nth(1).locator("input[type=radio]")).not_to_be_checked()
    screenshot(buyer, "cart-shipping-options", "desktop")
