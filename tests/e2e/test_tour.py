"""The main pages at desktop and phone width: screenshots for the README's tour, and checks
that a phone never has to scroll sideways and a keyboard reaches the content first."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.factories import RunningStack, fits_the_width, new_page, screenshot, ship_to, verified_through_the_api
from tests.storefront.factories import GOOD_AND_BAD_CSV, PASSWORD, new_uscc, sku_prefix, unique_email

REGISTER = """
mutation ($input: RegisterInput!) { register(input: $input) { token refreshToken } }"""
IMPORT = "mutation ($csv: String!) { importParts(csv: $csv) { created } }"


def gql(stack: RunningStack, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        f"{stack.gateway}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=30
    ).json()
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture(scope="module")
def supplier_tokens(running_stack: RunningStack) -> dict[str, str]:
    """A supplier with a few parts, registered through the public API."""
    uscc = new_uscc()
    tokens = gql(
        running_stack,
        REGISTER,
        {
            "input": {
                "email": unique_email("tour"),
                "password": PASSWORD,
                "role": "SUPPLIER",
                "supplier": {
                    "nameEn": "Chongqing Tongnan Ruifeng Remanufacturing Co., Ltd.",
                    "nameZh": "重庆潼南瑞丰再制造有限公司",
                    "uscc": uscc,
                },
            }
        },
    )["register"]
    verified_through_the_api(running_stack, tokens["token"], uscc)
    gql(running_stack, IMPORT, {"csv": GOOD_AND_BAD_CSV.format(p=sku_prefix())}, tokens["token"])
    return dict(tokens)


def signed_in(page: Page, stack: RunningStack, tokens: dict[str, str]) -> None:
    page.context.add_cookies(
        [
            {"name": "tn_token", "value": tokens["token"], "url": stack.storefront},
            {"name": "tn_refresh", "value": tokens["refreshToken"], "url": stack.storefront},
        ]
    )


def test_tour_of_the_main_pages(
    browser: Browser, running_stack: RunningStack, viewport: str, supplier_tokens: dict[str, str]
) -> None:
    page = new_page(browser, running_stack, viewport)
    page.goto("/?q=alternator")
    expect(page.locator("li.result").first).to_be_visible()
    fits_the_width(page)
    screenshot(page, "search", viewport)
    if viewport == "phone":  # the results come first; the filters unfold on demand
        expect(page.get_by_label("Or by VIN")).to_be_hidden()
        page.get_by_text("Fits my vehicle").click()
        expect(page.get_by_label("Or by VIN")).to_be_visible()
    if viewport == "desktop":
        page.keyboard.press("Tab")
        expect(page.locator(".skip-link")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()

    # The first part that may be sold here (other tests list parts that may not).
    page.locator("li.result:not(:has(.not-for-sale)) h3 a").first.click()
    expect(page.locator("#eligibility")).to_be_visible()
    fits_the_width(page)
    screenshot(page, "part", viewport)

    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("table.cart-table tbody tr")).to_have_count(1)
    fits_the_width(page)
    screenshot(page, "cart", viewport)
    page.get_by_role("button", name="Get quote").click()
    page.get_by_label("E-mail address").fill(unique_email("tour-buyer"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")  # no such account yet
    fits_the_width(page)
    screenshot(page, "sign-in-error", viewport)
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("E-mail address").fill(unique_email("tour-buyer"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    ship_to(page)
    page.get_by_role("button", name="Get quote").click()
    expect(page.locator("#breakdown")).to_be_visible()
    fits_the_width(page)
    screenshot(page, "quote", viewport)

    page.goto("/verify?scheme=ISO_9001&number=CQC-QMS-2023-68308")
    expect(page.locator("#verification")).to_be_visible()
    fits_the_width(page)
    screenshot(page, "verify", viewport)

    supplier = new_page(browser, running_stack, viewport, locale="zh-CN")
    supplier.goto("/supplier/login")
    fits_the_width(supplier)
    screenshot(supplier, "supplier-login", viewport)

    signed_in(supplier, running_stack, supplier_tokens)
    supplier.goto("/supplier")
    expect(supplier.locator("table.parts-table tbody tr")).to_have_count(2)
    fits_the_width(supplier)
    screenshot(supplier, "supplier-parts", viewport)

    supplier.goto("/supplier/certificates")
    expect(supplier.get_by_role("heading", name="提交证书")).to_be_visible()
    fits_the_width(supplier)
    screenshot(supplier, "supplier-certificates", viewport)

    supplier.goto("/supplier/settlements")
    expect(supplier.get_by_role("heading", name="结算", exact=True)).to_be_visible()
    fits_the_width(supplier)
    screenshot(supplier, "supplier-settlements", viewport)
