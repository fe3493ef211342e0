"""A buyer abroad, in English: search, filter by VIN, open a part, see whether it may be shipped."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.factories import RunningStack, new_page, screenshot

VIN = "WVWZZZ3CZ9W123456"  # a Volkswagen Passat (model code 3C) of model year 2009


def test_buyer_searches_filters_by_vin_opens_a_part_and_sees_eligibility(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Search by part, OEM number or vehicle").fill("flywheel")
    page.get_by_role("button", name="Search", exact=True).click()
    titles = page.locator("ol.result-list h3")
    expect(titles.first).to_contain_text("flywheel", ignore_case=True)
    # Facets: counts per category, condition and make over the matches.
    expect(page.locator(".facet").first).to_contain_text("Flywheel")

    page.get_by_label("Or by VIN").fill(VIN)
    page.get_by_role("button", name="Find by VIN").click()
    expect(page.locator("#current-vehicle")).to_contain_text("Volkswagen Passat 2009")
    expect(page.locator("#vehicle-filter")).to_contain_text("Parts that fit your Volkswagen Passat 2009")
    expect(page).to_have_url(re.compile(f"vin={VIN}"))
    assert titles.count() > 0
    for text in titles.all_inner_texts():
        assert "Volkswagen Passat" in text, text
    first = page.locator("ol.result-list li.result").first
    expect(first.locator(".price")).to_contain_text(re.compile(r"\d"))
    expect(first.locator(".stock")).to_contain_text(re.compile(r"in stock|Out of stock"))
    expect(first.locator(".badge")).to_contain_text("Germany")
    screenshot(page, "search-vin", "desktop")

    title = titles.first.inner_text()
    titles.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    eligibility = page.locator("#eligibility")
    expect(eligibility).to_contain_text("Shipping to Germany")
    expect(eligibility.locator(".badge")).to_contain_text(re.compile("Ships to Germany|Not available in Germany"))
    expect(page.get_by_role("heading", name="Fits these vehicles")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("Volkswagen")
    expect(page.get_by_text("OEM numbers")).to_be_visible()
    expect(page.get_by_text("CO2e saved")).to_be_visible()

    # A certificate's public verification, one click from the part.
    page.locator("a", has_text="Verify").filter(has=page.locator(".visually-hidden")).first.click()
    expect(page).to_have_url(re.compile(r"/verify\?scheme="))
    expect(page.locator("#verification")).to_contain_text(re.compile("Valid|Expired|Revoked|Suspended"))
    expect(page.locator("#verification")).to_contain_text("Holder")


def test_a_part_that_may_not_be_sold_names_the_missing_certificates(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack)
    page.goto("/?q=battery+module")
    blocked = page.locator("li.result", has=page.locator(".badge.no")).first
    expect(blocked).to_contain_text("Not available in Germany")
    blocked.locator("h3 a").click()
    eligibility = page.locator("#eligibility")
    expect(eligibility).to_contain_text("may not be sold in Germany until these certificates are valid")
    screenshot(page, "part-not-eligible", "desktop")
    missing = eligibility.locator("ul.schemes li")
    assert missing.count() >= 1
    assert all(re.fullmatch(r"[A-Z0-9_]+", s) for s in missing.all_inner_texts())

    # The ship-to country is remembered: in the United States the verdict is asked again.
    page.get_by_label("Ship to").select_option("US")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#eligibility")).to_contain_text("Shipping to United States")
    page.reload()
    expect(page.get_by_label("Ship to")).to_have_value("US")


def test_language_and_currency_are_remembered(browser: Browser, running_stack: RunningStack) -> None:
    page = new_page(browser, running_stack)
    page.goto("/")
    page.get_by_label("Currency").select_option("CNY")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_label("Currency")).to_have_value("CNY")
    expect(page.locator(".result .price").first).to_contain_text("¥")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wiederaufbereitete Autoteile aus Tongnan")
    page.get_by_label("Sprache").select_option("zh")
    page.get_by_role("button", name="Übernehmen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("潼南再制造汽车配件")
    page.goto("/verify")
    expect(page.get_by_role("heading", level=1)).to_have_text("查验证书")
