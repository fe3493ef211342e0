"""Small things a buyer notices: one 3-D Secure challenge per payment, and a cart, quote and
supplier page that fit a phone's screen."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.factories import (
    RunningStack,
    fill_card,
    new_page,
    register_supplier,
    screenshot,
    ship_to,
    to_payment,
    wait_until_paid,
)
from tests.storefront.factories import GOOD_AND_BAD_CSV, PASSWORD, sku_prefix, unique_email


def assert_fits(page: Page, *, tables: bool = True) -> None:
    """No horizontal scroll on the page itself."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url}: the page is {width[0]} px wide in a {width[1]} px window"
    if not tables:  # a wide data table may scroll inside its own labelled region
        return
    # Nor inside a table's scroller, where a column would be cut off at the edge.
    cut = page.evaluate(
        "[...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth).length"
    )
    assert cut == 0, f"{page.url}: {cut} table(s) wider than the screen"


def assert_inside(inner: Locator, outer: Locator) -> None:
    a, b = inner.bounding_box(), outer.bounding_box()
    assert a is not None and b is not None
    assert a["x"] >= b["x"] - 0.5 and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5, (a, b)
    # And on the screen, not behind the edge of a scroller.
    assert a["x"] + a["width"] <= float(inner.page.evaluate("window.innerWidth")) + 0.5, a


def test_cart_quote_and_supplier_parts_fit_a_390_px_phone(browser: Browser, running_stack: RunningStack) -> None:
    page = new_page(browser, running_stack, viewport="phone")
    page.goto("/account/register?next=/")
    page.get_by_label("E-mail address").fill(unique_email("phone"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto("/?q=water pump&ships=1&stock=1")
    page.locator("li.result h3 a").first.click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart$"))
    assert_fits(page)
    row = page.locator("table.cart-table tbody tr").first
    assert_inside(row.get_by_role("button", name=re.compile("Remove")), row.locator("td").nth(3))
    screenshot(page, "cart", "phone")

    ship_to(page)
    page.get_by_role("button", name="Get quote").click()
    expect(page).to_have_url(re.compile("/quotes/"))
    assert_fits(page)
    for amount in page.locator("table.amounts tr").all():
        assert_inside(amount.locator("td"), amount)
    for line in page.locator("#lines-heading ~ .table-wrap tbody tr").all():
        for cell in line.locator("td").all():
            assert_inside(cell, line)
    screenshot(page, "quote", "phone")

    supplier = new_page(browser, running_stack, viewport="phone", locale="zh-CN")
    register_supplier(supplier, "Phone", running_stack)
    supplier.goto("/supplier/import")
    supplier.locator("#f-csv").fill(GOOD_AND_BAD_CSV.format(p=sku_prefix()))
    supplier.get_by_role("button", name="导入", exact=True).click()
    supplier.goto("/supplier")
    expect(supplier.locator("table tbody tr").first).to_be_visible()
    assert_fits(supplier, tables=False)
    screenshot(supplier, "supplier-parts", "phone")


def test_a_3d_secure_card_is_challenged_once_and_the_order_is_paid(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack)
    to_payment(page, "water pump")
    fill_card(page, "4000002760003184")  # localstripe: authentication on every payment
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    complete = page.get_by_role("button", name="Complete authentication")
    challenges = 0
    deadline = time.monotonic() + 20
    while "/pay" in page.url and time.monotonic() < deadline:
        if complete.count():
            complete.first.click()
            challenges += 1
        time.sleep(0.2)
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"))
    assert challenges == 1
    wait_until_paid(page)


def test_search_results_are_counted_and_sorted_by_price_across_pages(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack)
    page.goto("/?q=alternator")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"^\d+ parts$"))
    page.get_by_label("Sort by").select_option("price-desc")
    page.get_by_role("button", name="Sort", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=price-desc"))
    expect(page.get_by_label("Sort by")).to_have_value("price-desc")
    page.get_by_role("link", name=re.compile("Next page")).click()
    expect(page).to_have_url(re.compile(r"sort=price-desc.*after=|after=.*sort=price-desc"))
    expect(page.get_by_label("Sort by")).to_have_value("price-desc")
