"""People and the audit log in the back office: an admin disables a buyer, whose open session is
refused at its next page, and enables it again; the audit log shows both with their reasons. An
inspector is kept out of both pages."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.factories import RunningStack, new_page, office_sign_in, screenshot, staff_account
from tests.storefront.factories import PASSWORD, unique_email


def test_an_admin_disables_a_buyer_whose_next_page_is_refused_and_the_audit_log_says_why(
    browser: Browser, running_stack: RunningStack
) -> None:
    buyer_email = unique_email("disabled")
    buyer = new_page(browser, running_stack, locale="en-DE")
    buyer.goto("/account/register?next=/orders")
    buyer.get_by_label("E-mail address").fill(buyer_email)
    buyer.get_by_label("Password").fill(PASSWORD)
    buyer.get_by_role("button", name="Create account").click()
    expect(buyer).to_have_url(re.compile(r"/orders$"))

    admin_email = staff_account(running_stack, "ADMIN")
    admin = new_page(browser, running_stack, locale="zh-CN")
    office_sign_in(admin, admin_email)
    admin.locator("ul.office-areas a[href='/office/people']").click()
    admin.locator("#f-q").fill(buyer_email)
    admin.locator("#f-role").select_option("BUYER")
    admin.get_by_role("button", name="搜索").click()
    row = admin.locator(f"tr[data-email='{buyer_email}']")
    expect(row).to_contain_text("买家")
    expect(row).to_contain_text("正常")

    # No reason, no change.
    row.get_by_role("button", name="停用").click()
    row = admin.locator(f"tr[data-email='{buyer_email}']")
    expect(row.locator("p.error")).to_have_text("请填写此操作的理由。")
    reason = "Chargebacks on three cards within an hour"
    row.get_by_role("textbox").fill(reason)
    row.get_by_role("button", name="停用").click()
    expect(admin.locator("#people-notice")).to_have_text("该账号已停用：其下一次请求将被拒绝。")
    row = admin.locator(f"tr[data-email='{buyer_email}']")
    expect(row).to_contain_text("已停用")
    expect(row).to_contain_text(reason)
    screenshot(admin, "office-people", "desktop")

    # The buyer's open session: its very next page is refused, and signs it out.
    buyer.goto("/orders")
    expect(buyer).to_have_url(re.compile(r"/account/login"))
    # Signing in again is refused, saying why (only to whoever knows the password).
    buyer.get_by_label("E-mail address").fill(buyer_email)
    buyer.get_by_label("Password").fill(PASSWORD)
    buyer.locator("main form button[type=submit]").click()
    expect(buyer.locator("#f-password-error")).to_contain_text("disabled")

    row.get_by_role("textbox").fill("Bank confirmed the cards are the buyer's own")
    row.get_by_role("button", name="启用").click()
    expect(admin.locator("#people-notice")).to_have_text("该账号已重新启用。")
    buyer.get_by_label("E-mail address").fill(buyer_email)
    buyer.get_by_label("Password").fill(PASSWORD)
    buyer.locator("main form button[type=submit]").click()
    expect(buyer).to_have_url(re.compile(r"/orders$"))

    admin.locator("nav.main-nav a[href='/office/audit']").click()
    log = admin.locator("#audit-log tbody tr")
    expect(log.nth(0)).to_contain_text("enableAccount")
    expect(log.nth(0)).to_contain_text("Bank confirmed the cards are the buyer's own")
    expect(log.nth(1)).to_contain_text("disableAccount")
    expect(log.nth(1)).to_contain_text(reason)
    expect(log.nth(1)).to_contain_text(admin_email)

    inspector = new_page(browser, running_stack, locale="zh-CN")
    office_sign_in(inspector, staff_account(running_stack, "INSPECTOR"))
    expect(inspector.locator("a[href='/office/certificates']").first).to_be_visible()
    expect(inspector.locator("a[href='/office/people'], a[href='/office/audit']")).to_have_count(0)
    for path in ("/office/people", "/office/audit"):
        response = inspector.goto(path)
        assert response is not None and response.status == 403
        expect(inspector.locator("h1")).to_have_text("仅限管理员")
