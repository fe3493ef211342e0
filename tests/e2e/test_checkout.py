"""A buyer abroad orders: search, filter by VIN, open a part, get a DDP quote to Germany in
EUR, pay with a test card on localstripe, and see the order PAID (from Stripe's webhook)."""

from __future__ import annotations

import base64
import re
import time
import uuid
from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import update
from sqlmodel import Session

from services.common.clock import utcnow
from services.common.db import make_engine
from services.orders.models import Quote
from tests.e2e.factories import RunningStack, fill_card, new_page, screenshot, ship_to, to_payment, wait_until_paid
from tests.storefront.factories import PASSWORD, unique_email

VIN = "WVWZZZ3CZ9W123456"  # a Passat of 2009: the demo's flywheels fit Passats and Corollas


def test_buyer_gets_a_ddp_quote_in_eur_pays_by_card_and_sees_the_order_paid(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack)
    page.goto("/")
    page.get_by_label("Search by part, OEM number or vehicle").fill("flywheel")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_label("Or by VIN").fill(VIN)
    page.get_by_role("button", name="Find by VIN").click()
    # Prices in the buyer's currency, converted at the platform's rate.
    expect(page.locator("li.result .price").first).to_contain_text("€")
    eligible = page.locator("li.result", has=page.locator(".badge.ok"), has_text="in stock").first
    eligible.locator("h3 a").click()
    expect(page.locator("#eligibility")).to_contain_text("Ships to Germany")
    page.get_by_role("button", name="Add to cart").click()

    expect(page).to_have_url(re.compile("/cart$"))
    page.get_by_label("Delivery terms (Incoterm)").select_option("DDP")
    page.get_by_role("button", name="Get quote").click()
    # Quotes belong to an account: register, then back to the cart.
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("E-mail address").fill(unique_email("workshop"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile("/cart$"))
    page.get_by_label("Delivery terms (Incoterm)").select_option("DDP")
    ship_to(page)
    page.get_by_role("button", name="Get quote").click()

    expect(page).to_have_url(re.compile("/quotes/"))
    breakdown = page.locator("#breakdown")
    for row in ("Goods", "Core deposit (refundable)", "Shipping", "Insurance", "Import duty", "Import VAT", "Total"):
        expect(breakdown.get_by_role("row", name=re.compile(re.escape(row)))).to_contain_text("€")
    expect(page.locator("#quote-expiry")).to_contain_text("Prices are locked until")
    expect(page.get_by_text("To Germany, DDP")).to_be_visible()

    page.get_by_role("button", name=re.compile("Order and pay")).click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+/pay$"))
    expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()
    fill_card(page, "4242424242424242")
    screenshot(page, "pay", "desktop")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"), timeout=20_000)
    wait_until_paid(page)
    screenshot(page, "order", "desktop")
    page.get_by_role("link", name="My orders").click()
    expect(page.locator("table tbody tr").first).to_contain_text("Paid")


def expire(stack: RunningStack, quote_path: str) -> None:
    """Fifteen minutes pass for this quote: its lock ends (set in the orders database)."""
    quote_id = uuid.UUID(base64.b64decode(quote_path.rsplit("/", 1)[1]).decode().split(":", 1)[1])
    engine = make_engine(stack.database_url_template.format(service="orders"))
    try:
        with Session(engine) as session:
            session.execute(
                update(Quote).where(Quote.id == quote_id).values(expires_at=utcnow() - timedelta(minutes=1))  # type: ignore[arg-type]
            )
            session.commit()
    finally:
        engine.dispose()


def test_an_expired_quote_says_so_and_offers_a_new_one(browser: Browser, running_stack: RunningStack) -> None:
    page = new_page(browser, running_stack)
    page.goto("/account/register?next=/")
    page.get_by_label("E-mail address").fill(unique_email("garage"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto("/?q=crankshaft&ships=1&stock=1")
    page.locator("li.result h3 a").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Delivery terms (Incoterm)").select_option("DAP")
    ship_to(page)
    page.get_by_role("button", name="Get quote").click()
    expect(page).to_have_url(re.compile("/quotes/"))
    expect(page.get_by_text("To Germany, DAP")).to_be_visible()
    first_quote = page.url

    expire(running_stack, first_quote)
    page.reload()
    expect(page.locator("#quote-expired")).to_contain_text("This quote has expired.")
    expect(page.get_by_role("button", name=re.compile("Order and pay"))).to_have_count(0)
    screenshot(page, "quote-expired", "desktop")
    page.get_by_role("button", name="Get a new quote").click()
    expect(page).to_have_url(re.compile("/quotes/"))
    assert page.url != first_quote
    expect(page.locator("#quote-expiry")).to_contain_text("Prices are locked until")
    expect(page.get_by_text("To Germany, DAP")).to_be_visible()


def test_a_card_that_needs_3d_secure_is_authenticated_in_the_page(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack)
    to_payment(page, "water pump")
    fill_card(page, "4000002760003184")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    # localstripe's stand-in for the bank's 3-D Secure page, once per intent that asks for it.
    complete = page.get_by_role("button", name="Complete authentication")
    deadline = time.monotonic() + 20
    while "/pay" in page.url and time.monotonic() < deadline:
        if complete.count():
            complete.first.click()
        time.sleep(0.2)
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"))
    wait_until_paid(page)


def test_failed_authentication_leaves_the_order_unpaid_and_says_so(
    browser: Browser, running_stack: RunningStack
) -> None:
    page = new_page(browser, running_stack)
    to_payment(page, "starter")
    fill_card(page, "4000002760003184")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_role("button", name="Fail authentication").first.click()
    expect(page.locator("#pay-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/pay$"))
    expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_be_enabled()
    # Another card, and the same order is paid.
    fill_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"), timeout=20_000)
