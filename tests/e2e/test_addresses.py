"""A business buyer in Hamburg ships to its own address: on a German page, a postcode of the wrong
format is refused on its field in German; with the address right and a German VAT number, the
quote goes to Germany and is paid. The supplier sees the address on its orders to ship and
downloads the packing slip and the commercial invoice for customs."""

from __future__ import annotations

import base64
import io
import re
import uuid

import httpx
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from gateway.identity import service as identity_service
from marketplace.roles import AccountRole, Role
from services.common.db import make_engine, session_scope
from tests.e2e.factories import RunningStack, fill_card, new_page, wait_until_paid
from tests.factories import headers_for
from tests.storefront.factories import PASSWORD, unique_email


def supplier_account(stack: RunningStack, supplier_id: str) -> str:
    """A portal login for the catalog supplier whose part was sold (the demo suppliers have none);
    its e-mail address."""
    email = unique_email("supplier")
    engine = make_engine(stack.database_url_template.format(service="gateway"))
    try:
        with session_scope(engine) as session:
            identity_service.register(
                session, email=email, password=PASSWORD, role=AccountRole.SUPPLIER, supplier_id=uuid.UUID(supplier_id)
            )
    finally:
        engine.dispose()
    return email


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_business_buyer_ships_to_hamburg_and_the_supplier_prints_its_customs_papers(
    browser: Browser, running_stack: RunningStack
) -> None:
    buyer = new_page(browser, running_stack, locale="de-DE")
    buyer.goto("/account/register?next=/")
    buyer.get_by_label("E-Mail-Adresse").fill(unique_email("hamburg"))
    buyer.get_by_label("Passwort").fill(PASSWORD)
    buyer.get_by_role("button", name="Konto anlegen").click()
    buyer.goto("/?q=alternator&ships=1&stock=1&condition=REMANUFACTURED")
    buyer.locator("li.result h3 a").first.click()
    buyer.get_by_role("button", name="In den Warenkorb").click()

    # The address comes before the quote; a four-digit postcode is not German, and the page says so.
    buyer.locator("#f-name").fill("Kurt Fischer")
    buyer.locator("#f-company_name").fill("Fischer Kfz-Teile GmbH")
    buyer.locator("#f-street_address").fill("Hafenstraße 12")
    buyer.locator("#f-postal_code").fill("2045")
    buyer.locator("#f-city").fill("Hamburg")
    expect(buyer.locator("#f-country")).to_have_value("DE")
    buyer.locator("#f-vat_number").fill("DE 136 695 976")
    buyer.get_by_role("button", name="Angebot anfordern").click()
    expect(buyer.locator("#f-postal_code")).to_have_attribute("aria-invalid", "true")
    expect(buyer.locator("#f-postal_code-error")).to_have_text(
        "Diese Postleitzahl hat nicht das in Deutschland übliche Format."
    )
    expect(buyer.locator("#f-company_name")).to_have_value("Fischer Kfz-Teile GmbH")  # the typing is kept

    buyer.locator("#f-postal_code").fill("20457")
    buyer.get_by_role("button", name="Angebot anfordern").click()
    expect(buyer).to_have_url(re.compile("/quotes/"))
    expect(buyer.locator("#shipping-address")).to_contain_text("20457 HAMBURG")
    expect(buyer.locator("#shipping-address")).to_contain_text("USt-IdNr. DE136695976")
    buyer.get_by_role("button", name=re.compile("^Bestellen und")).click()
    fill_card(buyer, "4242424242424242")
    buyer.get_by_role("button", name=re.compile(r"bezahlen$")).click()
    expect(buyer).to_have_url(re.compile(r"/orders/[^/]+$"), timeout=20_000)
    buyer.context.add_cookies([{"name": "tn_locale", "value": "en", "url": running_stack.storefront}])
    wait_until_paid(buyer)
    expect(buyer.locator("#order-shipping-address")).to_contain_text("20457 HAMBURG")
    order_gid = buyer.url.rsplit("/", 1)[1]
    order_id = base64.b64decode(order_gid).decode().split(":", 1)[1]

    order = httpx.get(
        f"{running_stack.orders}/orders/{order_id}", headers=headers_for(Role.ADMIN, actor_id="ops"), timeout=10
    ).json()
    line = order["lines"][0]
    hs_code = httpx.post(
        f"{running_stack.gateway}/graphql",
        json={"query": "query ($id: ID!) { part(id: $id) { hsCode } }", "variables": {"id": line["part_id"]}},
        timeout=10,
    ).json()["data"]["part"]["hsCode"]

    supplier = new_page(browser, running_stack)
    supplier.context.add_cookies([{"name": "tn_locale", "value": "en", "url": running_stack.storefront}])
    supplier.goto("/supplier/login?next=/supplier/orders")
    supplier.locator("#f-email").fill(supplier_account(running_stack, line["supplier_id"]))
    supplier.locator("#f-password").fill(PASSWORD)
    supplier.get_by_role("button", name="Sign in").click()
    section = supplier.locator(f"[id='order-{order_gid}']")
    for seen in ("Kurt Fischer", "Fischer Kfz-Teile GmbH", "Hafenstraße 12", "20457 HAMBURG", "VAT number DE136695976"):
        expect(section.locator(".ship-to-address")).to_contain_text(seen)

    with supplier.expect_download() as slip_download:
        section.get_by_role("link", name="Packing slip (PDF)").click()
    slip = pdf_text(slip_download.value.path().read_bytes())
    for seen in ("Packing slip", "Kurt Fischer", "Hafenstraße 12", "20457 HAMBURG", hs_code, line["sku"], "DDP"):
        assert seen in slip, (seen, slip)

    with supplier.expect_download() as invoice_download:
        section.get_by_role("link", name="Commercial invoice (PDF)").click()
    invoice = pdf_text(invoice_download.value.path().read_bytes())
    deposit = line["core_deposit"]["amount"]
    assert deposit > 0
    for seen in (
        "Commercial invoice",
        "Fischer Kfz-Teile GmbH",
        "VAT no. DE136695976",
        "20457 HAMBURG",
        hs_code,
        "Incoterm DDP",
        "Currency EUR",
        f"Core deposit total: {deposit / 100:,.2f} EUR",
    ):
        assert seen in invoice, (seen, invoice)
