"""The public "How this price was made" page, over the real orders service and gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from markupsafe import escape

from gateway.ids import global_id
from marketplace.roles import AccountRole
from storefront.app import create_app
from storefront.settings import StorefrontSettings
from tests.gateway.factories import Gateway, ddp_to_germany
from tests.orders.factories import Stack
from tests.storefront.factories import BrowserClient, GatewayTransport

CREATE = """
mutation ($input: QuoteInput!) {
  createQuote(input: $input) { id pricedBy { table key says source validFrom validTo } }
}"""


@pytest.fixture
def shop(gateway: Gateway) -> Iterator[BrowserClient]:
    app = create_app(StorefrontSettings(gateway_url="http://gateway"), transport=GatewayTransport(gateway.gql.client))
    with BrowserClient(app, base_url="http://storefront.test") as client:
        yield client


def test_anyone_with_the_link_reads_the_rules_and_sources_and_nothing_of_the_buyer(
    orders_stack: Stack,
    gateway: Gateway,
    shop: BrowserClient,
) -> None:
    part = orders_stack.part(orders_stack.supplier())
    buyer = gateway.account(AccountRole.BUYER)
    quote = gateway.ok(CREATE, {"input": {**ddp_to_germany(part["id"]), "date": "2025-03-01"}}, token=buyer)
    quote = quote["createQuote"]

    # No cookie, no account: a customs broker who was sent the link.
    page = shop.get(f"/quotes/{quote['id']}/pricing", headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    assert page.headers["x-robots-tag"] == "noindex"
    text = page.text
    assert "How this price was made" in text
    assert 'id="rules-date"' in text and "2025-03-01" in text and 'id="pricing-dated"' in text
    assert "<code>851150</code>" in text and "DDP" in text and "customs territory EU" in text
    assert "19 %" in text  # DE import VAT 0.19
    for rule in quote["pricedBy"]:
        # As the page's templates escape text (markupsafe: an apostrophe becomes &#39;).
        assert str(escape(rule["source"])) in text, rule["source"]
        assert str(escape(rule["key"])) in text
    assert part["sku"] not in text and part["title_en"] not in text

    german = shop.get(f"/quotes/{quote['id']}/pricing", headers={"Accept-Language": "de-DE"})
    assert "Wie dieser Preis zustande kam" in german.text and "Regeln und Quellen" in german.text

    assert shop.get(f"/quotes/{global_id('Quote', '00000000-0000-4000-8000-000000000000')}/pricing").status_code == 404
    assert shop.get("/quotes/not-an-id/pricing").status_code == 404


def test_the_quote_page_links_to_how_its_price_was_made_and_a_dated_quote_offers_no_order(
    orders_stack: Stack,
    gateway: Gateway,
    shop: BrowserClient,
) -> None:
    part = orders_stack.part(orders_stack.supplier())
    buyer = gateway.account(AccountRole.BUYER)
    dated = gateway.ok(CREATE, {"input": {**ddp_to_germany(part["id"]), "date": "2025-03-01"}}, token=buyer)
    today = gateway.ok(CREATE, {"input": ddp_to_germany(part["id"])}, token=buyer)
    shop.cookies.set("tn_token", buyer)

    page = shop.get(f"/quotes/{today['createQuote']['id']}", headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    assert f'href="/quotes/{today["createQuote"]["id"]}/pricing"' in page.text
    assert "/order" in page.text and 'id="quote-dated"' not in page.text

    page = shop.get(f"/quotes/{dated['createQuote']['id']}", headers={"Accept-Language": "en"})
    assert page.status_code == 200, page.text
    assert 'id="quote-dated"' in page.text and "It can be read, not ordered." in page.text
    assert f'action="/quotes/{dated["createQuote"]["id"]}/order"' not in page.text
