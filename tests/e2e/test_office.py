"""The back office: a staff account made on the command line signs in, in Chinese first; a
buyer's account never opens it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.factories import RunningStack, new_page, office_sign_in, staff_account
from tests.storefront.factories import PASSWORD, unique_email


def test_an_inspector_signs_in_and_a_buyer_is_turned_away(browser: Browser, running_stack: RunningStack) -> None:
    page = new_page(browser, running_stack, locale="en-DE")
    page.goto("/office")
    expect(page).to_have_url(re.compile(r"/office/login"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")  # Chinese first for staff
    expect(page.locator("h1")).to_have_text("管理后台登录")

    # A buyer's account, with its right password, is refused on the e-mail field.
    buyer = unique_email()
    page.goto("/account/register")
    page.locator("#f-email").fill(buyer)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto("/office/login")
    page.locator("#f-email").fill(buyer)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("form[action='/office/login'] button[type=submit]").click()
    expect(page.locator("#f-email-error")).to_have_text("此账号不是员工账号。")

    inspector = staff_account(running_stack, "INSPECTOR")
    office_sign_in(page, inspector)
    expect(page).to_have_url(re.compile(r"/office$"))
    expect(page.locator(".supplier-head")).to_contain_text(inspector)
    expect(page.locator(".supplier-head")).to_contain_text("审核员")

    # Money back is for administrators: an inspector is told so; an admin sees the refunds.
    page.goto("/office/money")
    expect(page.locator("h1")).to_have_text("仅限管理员")
    page.locator("form[action='/office/logout'] button").click()
    admin = staff_account(running_stack, "ADMIN")
    office_sign_in(page, admin)
    page.get_by_role("link", name="退款与争议").first.click()
    expect(page.locator("h1")).to_have_text("退款与争议")
    expect(page.locator("h2").first).to_have_text("退款")
    expect(page.locator("h2").nth(1)).to_have_text("银行卡争议（拒付）")
