"""Mail after the sale, through a real SMTP server the test runs (aiosmtpd): a buyer orders
and pays and receives the order-placed and paid mails with the order number; a buyer who
forgot the password sets a new one from the link in the mail and signs in with it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.factories import SAMPLE_ADDRESSES, RunningStack, fill_card, new_page
from tests.mailcatcher import MailCatcher
from tests.storefront.factories import PASSWORD, unique_email

NUMBER = re.compile(r"TN-\d{4}-\d{6}")


def test_a_buyer_who_orders_and_pays_gets_the_placed_and_paid_mails_with_the_order_number(
    browser: Browser, running_stack: RunningStack, mail: MailCatcher
) -> None:
    email = unique_email("mailed")
    page = new_page(browser, running_stack, locale="de-DE")
    page.goto("/account/register?next=/")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("form[action='/account/register'] button[type=submit]").click()
    page.goto("/?q=alternator&ships=1&stock=1")
    page.locator("li.result h3 a").first.click()
    page.locator("form[action='/cart/add'] button[type=submit]").click()
    for name, value in SAMPLE_ADDRESSES["DE"].items():  # where the order ships, before the quote
        page.locator(f"#f-{name}").fill(value)
    page.locator("form[action='/cart/quote'] button[type=submit]").click()
    expect(page).to_have_url(re.compile("/quotes/"))
    page.locator("form[action$='/order'] button[type=submit]").click()
    number_text = page.locator("#order-number").inner_text()
    number = NUMBER.search(number_text)
    assert number is not None, number_text
    fill_card(page, "4242424242424242")
    page.locator("#pay-form button[type=submit]").click()

    # The order's page names it by its number, and says what happened in the page's language.
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"), timeout=20_000)
    timeline = page.locator("#order-timeline")
    expect(page.locator("#order-number")).to_have_text(f"Bestellung {number.group(0)}")
    placed = mail.wait_for(lambda m: m.to == email and "eingegangen" in m.subject)
    assert placed.subject == f"Ihre Bestellung {number.group(0)} ist eingegangen"
    assert number.group(0) in placed.text()
    paid = mail.wait_for(lambda m: m.to == email and "Zahlung" in m.subject, timeout=30)
    assert paid.subject == f"Zahlung für Bestellung {number.group(0)} erhalten"
    assert f"/orders/{number.group(0)}" in paid.text()
    page.goto(f"/orders/{number.group(0)}")  # the link in the mail
    expect(timeline).to_contain_text("Mit Karte bezahlt")
    assert len(mail.messages(to=email)) == 2  # one mail per event, none twice


def test_a_buyer_resets_a_forgotten_password_from_the_mailed_link_and_signs_in_with_it(
    browser: Browser, running_stack: RunningStack, mail: MailCatcher
) -> None:
    email = unique_email("forgetful")
    page = new_page(browser, running_stack)
    page.goto("/account/register?next=/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("button", name="Sign out").click()

    page.goto("/account/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#reset-sent")).to_contain_text("If an account has this address")

    sent = mail.wait_for(lambda m: m.to == email)
    assert sent.subject == "Set a new password for Tongnan Parts Exchange"
    link = re.search(r"https?://\S+/account/reset\?token=\S+", sent.text())
    assert link is not None, sent.text()
    page.goto(link.group(0))
    new_password = "heron kettle basalt window"
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Set the password").click()
    expect(page.locator("#password-set")).to_be_visible()

    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(new_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    # The link worked once.
    page.goto(link.group(0))
    page.get_by_label("New password").fill("another heron kettle")
    page.get_by_role("button", name="Set the password").click()
    expect(page.locator("#reset-invalid")).to_contain_text("invalid, used or expired")
