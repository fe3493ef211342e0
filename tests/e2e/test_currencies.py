"""Buyers abroad in their own currency: a first visit takes its country and currency from the
browser's languages, the switcher offers exactly the API's quoting currencies, and a Dubai fleet
(AED, pegged to the dollar and not an ECB rate) and a Tokyo workshop (JPY, no minor unit) each
see listing, part page, cart and quote in their currency and pay to PAID."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.factories import RunningStack, fill_card, new_page, ship_to, wait_until_paid
from tests.storefront.factories import PASSWORD, unique_email


def register(page: Page) -> None:
    page.goto("/account/register?next=/")
    page.get_by_label("E-mail address").fill(unique_email("abroad"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def buy_to_paid(page: Page, search: str, shows: re.Pattern[str]) -> None:
    """One in-stock part that ships to the chosen country: every price on the way matches `shows`."""
    page.goto(f"/?q={search}&ships=1&stock=1")
    expect(page.locator("li.result .price").first).to_have_text(shows)
    page.locator("li.result h3 a").first.click()
    expect(page.locator(".price.big")).to_have_text(shows)
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile("/cart$"))
    expect(page.locator(".cart-table tbody td").nth(1)).to_have_text(shows)
    ship_to(page)
    page.get_by_role("button", name="Get quote").click()
    expect(page).to_have_url(re.compile("/quotes/"))
    breakdown = page.locator("#breakdown")
    expect(breakdown.get_by_role("row", name=re.compile("Total"))).to_contain_text(shows)
    page.get_by_role("button", name=re.compile("Order and pay")).click()
    expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()
    fill_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"), timeout=20_000)
    wait_until_paid(page)


def test_a_first_visit_from_an_en_us_browser_is_in_dollars_to_the_united_states(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack, locale="en-US")
    page.goto("/?q=alternator")
    expect(page.locator(".prefs-box summary")).to_contain_text("USD · Ship to United States")
    expect(page.locator("li.result .price").first).to_contain_text("$")
    offered = page.get_by_label("Currency").locator("option")
    codes = offered.evaluate_all("options => options.map(o => o.value)")
    assert {"AED", "SAR", "JPY", "KRW", "USD", "EUR", "GBP", "CNY"} <= set(codes)


def test_a_dubai_fleet_pays_in_dirhams(browser: Browser, running_stack: RunningStack) -> None:
    # An Arabic browser in the Emirates: no Arabic pages yet (English), but AED and the UAE.
    page = new_page(browser, running_stack, locale="ar-AE")
    register(page)
    expect(page.locator(".prefs-box summary")).to_contain_text("AED · Ship to United Arab Emirates")
    buy_to_paid(page, "alternator", re.compile(r"AED\s?[\d,]+\.\d\d"))


def test_a_tokyo_workshop_chooses_yen_and_japan_and_pays_in_whole_yen(
    browser: Browser, running_stack: RunningStack
) -> None:
    # An English browser: the switcher's choice wins over Accept-Language, and is kept.
    page = new_page(browser, running_stack, locale="en-US")
    register(page)
    page.get_by_label("Currency").select_option("JPY")
    page.get_by_label("Ship to").select_option("JP")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".prefs-box summary")).to_contain_text("JPY · Ship to Japan")
    buy_to_paid(page, "starter", re.compile(r"¥[\d,]+(?![\d.])"))  # no minor unit: whole yen
    expect(page.locator(".prefs-box summary")).to_contain_text("JPY · Ship to Japan")
