"""A Hamburg workshop on the German interface: it searches "Wasserpumpe", enters its Golf's
VIN (a mistyped one first, refused in German on the field), sees the decoded vehicle kept in
its garage, the fits badge on a Golf water pump and the warning on a Passat one, gives its
Hamburg address with its VAT number, and buys the fitting pump to PAID."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, expect

from storefront import i18n
from tests.e2e.factories import RunningStack, fill_card, new_page, screenshot, wait_until_paid
from tests.storefront.factories import PASSWORD, unique_email

GOLF_VIN = "WVWZZZ1KZBW123456"  # Volkswagen (WVW), model code 1K: a Golf, model year B = 2011
MISTYPED_VIN = "1HGCM82633A004353"  # a North American VIN whose check digit (9th character) is wrong


def de(text: str, **values: Any) -> str:
    return i18n.translate("de", text, **values)


def test_a_hamburg_workshop_finds_a_water_pump_for_its_golf_by_vin_and_pays(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack, locale="de-DE")
    page.goto("/account/register?next=/")
    page.get_by_label(de("E-mail address")).fill(unique_email("werkstatt-hamburg"))
    page.get_by_label(de("Password")).fill(PASSWORD)
    page.get_by_role("button", name=de("Create account")).click()
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.get_by_label(de("Search by part, OEM number or vehicle")).fill("Wasserpumpe")
    page.get_by_role("button", name=de("Search"), exact=True).click()
    titles = page.locator("ol.result-list h3")
    expect(titles.first).to_contain_text("Wasserpumpe für")  # the supplier's German title

    page.get_by_label(de("Or by VIN")).fill(MISTYPED_VIN)
    page.get_by_role("button", name=de("Find by VIN")).click()
    expect(page.locator("#vin-error")).to_have_text(
        de("This VIN is not valid: its check digit (the 9th character) does not match. Please check it.")
    )
    expect(page.get_by_label(de("Or by VIN"))).to_have_attribute("aria-invalid", "true")

    page.get_by_label(de("Or by VIN")).fill(GOLF_VIN)
    page.get_by_role("button", name=de("Find by VIN")).click()
    expect(page.locator("#current-vehicle")).to_contain_text("Volkswagen Golf 2011")
    expect(page.locator("#garage")).to_contain_text("Volkswagen Golf 2011")
    expect(page.locator("#vehicle-filter")).to_contain_text(
        de("Parts that fit your {vehicle}.", vehicle="Volkswagen Golf 2011")
    )
    results = page.locator("li.result")
    expect(results.first).to_be_visible()
    assert results.count() == results.locator(".fit-badge").count()  # narrowed: every result fits
    for text in titles.all_inner_texts():
        assert "Wasserpumpe für Volkswagen Golf" in text, text

    page.get_by_role("link", name=de("Show all parts, each marked whether it fits")).click()
    passat = results.filter(has_text="Wasserpumpe für Volkswagen Passat").first
    expect(passat.locator(".does-not-fit")).to_have_text(
        de("Does not fit your {vehicle}: check the vehicle list before you buy.", vehicle="Volkswagen Golf 2011")
    )
    golf = results.filter(has_text="Wasserpumpe für Volkswagen Golf").filter(has=page.locator(".fit-badge"))
    expect(golf.first.locator(".fit-badge")).to_contain_text(de("Fits your {vehicle}", vehicle="Volkswagen Golf 2011"))
    screenshot(page, "fitment", "desktop")

    buyable = golf.filter(has=page.locator(".badge.ok")).filter(has_text=re.compile(r"\d+ auf Lager"))
    buyable.first.locator("h3 a").click()
    expect(page.locator(".fit-badge")).to_contain_text(de("Fits your {vehicle}", vehicle="Volkswagen Golf 2011"))
    expect(page.locator(".does-not-fit")).to_have_count(0)
    page.get_by_role("button", name=de("Add to cart")).click()

    expect(page).to_have_url(re.compile("/cart$"))
    # The workshop's address in Hamburg, as a business with its VAT number.
    page.locator("#f-name").fill("Kurt Fischer")
    page.locator("#f-company_name").fill("Fischer Kfz-Teile GmbH")
    page.locator("#f-street_address").fill("Hafenstraße 12")
    page.locator("#f-postal_code").fill("20457")
    page.locator("#f-city").fill("Hamburg")
    expect(page.locator("#f-country")).to_have_value("DE")
    page.locator("#f-vat_number").fill("DE136695976")
    page.get_by_role("button", name=de("Get quote")).click()
    expect(page).to_have_url(re.compile("/quotes/"))
    expect(page.locator("body")).to_contain_text("DE136695976")
    expect(page.locator("#breakdown").get_by_role("row", name=re.compile(de("Total")))).to_contain_text("€")
    page.get_by_role("button", name=re.compile("^Bestellen und")).click()
    expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()
    fill_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^\d.* bezahlen$")).click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"), timeout=20_000)
    wait_until_paid(page, de("PAID"))
