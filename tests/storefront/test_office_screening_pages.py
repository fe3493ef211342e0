"""The back office's sanctions screening page, server-rendered over the whole stack (orders
included, with localstripe): a held order with its match, a decision refused without a reason,
a hold cleared; an inspector is told the page is for admins."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from marketplace.roles import AccountRole
from storefront.app import create_app
from storefront.settings import StorefrontSettings
from tests.gateway.factories import CREATE, HAMBURG, PLACE_TO, QUOTE, Gateway, ddp_to_germany, raw_id
from tests.orders.factories import Stack
from tests.storefront.factories import BrowserClient, GatewayTransport


@pytest.fixture
def office(gateway: Gateway) -> Iterator[BrowserClient]:
    app = create_app(StorefrontSettings(gateway_url="http://gateway"), transport=GatewayTransport(gateway.gql.client))
    with BrowserClient(app, base_url="http://storefront.test") as client:
        yield client


def _held(stack: Stack, gateway: Gateway, company: str) -> tuple[str, str, str]:
    """A placed order to `company` in Hamburg: (global id, number, the buyer's token)."""
    buyer = gateway.account(AccountRole.BUYER)
    part = stack.part(stack.supplier())
    address = gateway.ok(CREATE, {"input": {**HAMBURG, "companyName": company}}, token=buyer)["addressCreate"]
    quote = gateway.ok(QUOTE, {"input": ddp_to_germany(part["id"])}, token=buyer)["createQuote"]
    placed = gateway.ok(PLACE_TO, {"q": quote["id"], "k": f"checkout-{uuid.uuid4()}", "a": address["id"]}, token=buyer)
    order_id = str(placed["placeOrder"]["order"]["id"])
    return order_id, stack.order(raw_id(order_id))["number"], buyer


def test_an_admin_sees_the_match_and_clears_the_hold_with_a_reason(
    office: BrowserClient,
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    order_id, number, buyer = _held(orders_stack, gateway, "Korea Ryongbong General Corporation")
    _, ordinary, _ = _held(orders_stack, gateway, "Fischer Kfz-Teile GmbH")

    # The buyer reads that the order is under review, and nothing of the match.
    office.cookies.set("tn_token", buyer)
    mine = office.get(f"/orders/{order_id}", headers={"Accept-Language": "en"})
    assert mine.status_code == 200 and 'id="screening-review"' in mine.text and "KPe.002" not in mine.text

    office.cookies.set("tn_token", gateway.account(AccountRole.INSPECTOR))
    assert office.get("/office/screening").status_code == 403

    office.cookies.set("tn_token", gateway.account(AccountRole.ADMIN))
    page = office.get("/office/screening")  # the office speaks Chinese first
    assert page.status_code == 200 and "制裁名单筛查" in page.text
    office.cookies.set("tn_locale", "en")
    page = office.get("/office/screening")
    assert page.status_code == 200
    assert f'id="hold-{number}"' in page.text and f'id="hold-{ordinary}"' not in page.text
    row = re.search(r'<table class="matches">.*?</table>', page.text, re.S)
    assert row is not None
    for shown in ("KPe.002", "KOREA RYONBONG GENERAL CORPORATION", "Korea Ryongbong General Corporation", "97.8"):
        assert shown in row.group(0), shown
    assert "United Nations Security Council Consolidated List (2026-12-04)" in page.text

    blank = office.post(f"/office/screening/{order_id}/decision", data={"decision": "clear", "reason": "  "})
    assert blank.status_code == 422
    assert re.search(rf'id="reason-{number}"[^>]*aria-invalid="true"', blank.text)
    assert orders_stack.order(raw_id(order_id))["screening_status"] == "HELD"

    cleared = office.post(
        f"/office/screening/{order_id}/decision",
        data={"decision": "clear", "reason": "Hamburg importer, registration checked"},
    )
    assert cleared.status_code == 200 and 'id="decision-notice"' in cleared.text
    assert 'id="no-holds"' in cleared.text
    assert orders_stack.order(raw_id(order_id))["screening_status"] == "CLEARED"
    office.cookies.set("tn_token", buyer)
    assert 'id="screening-review"' not in office.get(f"/orders/{order_id}").text
