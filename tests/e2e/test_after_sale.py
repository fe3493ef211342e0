"""After the sale, from the buyer's order page: a paid order cancelled before it ships comes back
to the card (and the receipt PDF shows its VAT); a faulty part is returned under warranty: the
buyer opens the return, the supplier approves it, the buyer gives the tracking number, the
supplier receives the part and refunds the line. The supplier's steps go through the public
GraphQL API where the portal's pages would only add time (listing, shipping), and through the
supplier portal for the return's decision and receipt."""

from __future__ import annotations

import re
import uuid

import httpx
import stripe
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from strawberry import relay

from tests.e2e.factories import (
    RunningStack,
    certified_supplier_with_part,
    fill_card,
    graphql,
    new_page,
    pay_for,
    ship_to,
    wait_until_paid,
)
from tests.storefront.factories import PASSWORD, unique_email


def stripe_refunds(stack: RunningStack, order_global_id: str) -> list[int]:
    """The refunds Stripe (localstripe) holds for the order's payment intent."""
    from marketplace.roles import Role
    from tests.factories import headers_for

    order_id = relay.GlobalID.from_id(order_global_id).node_id
    order = httpx.get(f"{stack.orders}/orders/{order_id}", headers=headers_for(Role.ADMIN, actor_id="e2e"), timeout=10)
    intent = order.json()["payment_intent_id"]
    client = stripe.StripeClient("sk_test_dashboard", base_addresses={"api": stack.localstripe}, max_network_retries=0)
    return sorted(r["amount"] for r in client.v1.refunds.list(params={"payment_intent": intent}).data)


def receipt_text(page: Page) -> str:
    with page.expect_download() as download:
        page.locator("#receipt-link").click()
    path = download.value.path()
    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


def test_a_paid_order_cancelled_before_shipment_is_refunded(browser: Browser, running_stack: RunningStack) -> None:
    page = new_page(browser, running_stack)
    page.goto("/account/register?next=/")
    page.get_by_label("E-mail address").fill(unique_email("cancel"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.goto("/?q=alternator&ships=1&stock=1")
    page.locator("li.result h3 a").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Delivery terms (Incoterm)").select_option("DDP")
    ship_to(page)
    page.get_by_role("button", name="Get quote").click()
    page.get_by_role("button", name=re.compile("Order and pay")).click()
    fill_card(page, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(re.compile(r"/orders/[^/]+$"), timeout=20_000)
    wait_until_paid(page)
    order_id = page.url.rsplit("/", 1)[-1]

    # The receipt: a tax invoice (DDP: VAT collected), the VAT rate per line, in euros.
    text = receipt_text(page)
    assert "Tax invoice" in text and "Currency: EUR" in text and "19%" in text, text
    assert "Seller: Tongnan Parts Exchange" in text and "@tn-reman.cn" in text  # the buyer by e-mail

    page.get_by_text("Cancel order", exact=True).click()
    page.get_by_role("button", name="Yes, cancel the order").click()
    expect(page.locator("#cancel-notice")).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Cancelled")
    expect(page.locator("#refunded")).to_contain_text(re.compile(r"Refunded to your card: €[\d,]+\.\d\d"))
    expect(page.get_by_text("Cancel order", exact=True)).to_have_count(0)
    total = page.locator("#refunded").inner_text().rsplit("€", 1)[-1].replace(",", "")
    assert stripe_refunds(running_stack, order_id) == [round(float(total) * 100)]


SHIPPED = """
mutation Ship($id: ID!) {
  markShipped(orderId: $id, carrier: "DHL Express", trackingNumber: "JD014600006281234567") { id }
}"""
ITS_RETURN = """
query Return($id: ID!) { order(id: $id) { lines { partReturn { id status reason refunded { amount } } } } }"""


def test_a_faulty_part_is_returned_under_warranty_and_refunded(browser: Browser, running_stack: RunningStack) -> None:
    marker = f"Rma{uuid.uuid4().hex[:6]}"
    email = unique_email("rma")
    token = certified_supplier_with_part(running_stack, marker, email)

    buyer = new_page(browser, running_stack)
    order_url = pay_for(buyer, marker)
    order_id = order_url.rsplit("/", 1)[-1]
    graphql(running_stack, token, SHIPPED, {"id": order_id})

    # The buyer confirms delivery: no cancelling any more; a cancel posted from a page opened
    # before is refused, saying why.
    buyer.reload()
    buyer.get_by_role("button", name="Confirm delivery").click()
    expect(buyer.locator("#order-status")).to_have_text("Delivered")
    expect(buyer.get_by_text("Cancel order", exact=True)).to_have_count(0)
    buyer.evaluate(
        """orderId => {
            const form = document.querySelector("form[method=post]").cloneNode(true);
            form.action = `/orders/${orderId}/cancel`;
            document.body.appendChild(form);
            form.submit();
        }""",
        order_id,
    )
    expect(buyer.locator(".alert.error")).to_contain_text("This order has shipped and can no longer be cancelled.")
    buyer.goto(order_url)

    # The buyer: the part does not charge; a return, with what is wrong.
    buyer.get_by_text("Return this part").click()
    buyer.get_by_label("Why").select_option("FAULTY")
    buyer.get_by_label("What is wrong").fill("No charge at idle; the bearing is noisy.")
    buyer.get_by_role("button", name="Request the return").click()
    expect(buyer.locator(".alert.success")).to_contain_text("Return requested")
    expect(buyer.get_by_text("Return of this part: Requested")).to_be_visible()

    # The supplier, on its portal (in Chinese): approves, with a word for the buyer.
    supplier = new_page(browser, running_stack, locale="zh-CN")
    supplier.goto("/supplier/login")
    supplier.locator("#f-email").fill(email)
    supplier.locator("#f-password").fill(PASSWORD)
    supplier.get_by_role("button", name="登录").click()
    supplier.goto("/supplier/orders")
    rma_panel = supplier.locator(".part-return")
    expect(rma_panel).to_contain_text("有故障: No charge at idle; the bearing is noisy.")
    rma_panel.get_by_label("给买家的备注（拒绝时必填）").fill("send it to our Tongnan plant")
    rma_panel.get_by_role("button", name="批准退货").click()
    expect(supplier.locator(".alert.success")).to_contain_text("您的决定已保存")

    buyer.reload()
    expect(buyer.get_by_text("Supplier's note: send it to our Tongnan plant")).to_be_visible()
    buyer.get_by_label("Carrier").fill("DHL Express")
    buyer.get_by_label("Tracking number").fill("JD0146000099887")
    buyer.get_by_role("button", name="Part sent back").click()
    expect(buyer.get_by_text("Sent back with DHL Express, tracking number JD0146000099887")).to_be_visible()

    supplier.goto("/supplier/orders")
    supplier.get_by_role("button", name="已收到配件：向买家退款").click()
    expect(supplier.locator(".alert.success")).to_contain_text("退回的配件已记录为已收到")
    rma = graphql(running_stack, token, ITS_RETURN, {"id": order_id})["order"]["lines"][0]["partReturn"]
    assert rma["status"] == "REFUNDED" and rma["reason"] == "FAULTY"
    buyer.reload()
    expect(buyer.get_by_text("Return of this part: Refunded")).to_be_visible()
    expect(buyer.get_by_text(re.compile(r"^Refunded: €[\d,]+\.\d\d$"))).to_be_visible()
    expect(buyer.locator("#order-status")).to_have_text("Refunded")
    assert stripe_refunds(running_stack, order_id) == [rma["refunded"]["amount"]]
    assert "returned and refunded" in receipt_text(buyer)
