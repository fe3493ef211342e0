"""Checkout through the public GraphQL API, against the real services and localstripe:
quote, order, card, payment, shipping and core return, as the buyer and the supplier see them."""

from __future__ import annotations

import uuid

from marketplace.roles import AccountRole
from tests.gateway.factories import PLACE, QUOTE, Gateway, ddp_to_germany, gid, metric, raw_id
from tests.orders.factories import Stack

ORDER = """
query ($id: ID!) {
  order(id: $id) {
    id status paymentStatus total { amount currency }
    statusHistory { status at }
    lines { id quantity supplier { id } part { sku } total { amount }
            shipment { carrier trackingNumber } coreReturn { id status deadline refund { amount } } }
  }
}"""


def test_buyer_checks_out_ddp_to_germany_and_the_supplier_ships(orders_stack: Stack, gateway: Gateway) -> None:
    paid_before = metric(orders_stack.orders, "tongnan_order_status_changes_total", to_status="PAID")
    placed_before = metric(orders_stack.orders, "tongnan_order_status_changes_total", to_status="PENDING_PAYMENT")
    mutations_before = metric(
        gateway.gql.client, "tongnan_graphql_operations_total", operation="(anonymous)", type="mutation", outcome="ok"
    )
    supplier_id = orders_stack.supplier()
    part = orders_stack.part(supplier_id, on_hand=3)
    buyer = gateway.account(AccountRole.BUYER)
    supplier = gateway.account(AccountRole.SUPPLIER, supplier_id)

    converted = gateway.ok(
        'query ($id: ID!) { part(id: $id) { price(currency: "EUR") { amount currency } } }',
        {"id": gid("Part", part["id"])},
    )["part"]["price"]
    assert converted["currency"] == "EUR" and converted["amount"] > 0

    quote_input = ddp_to_germany(part["id"])
    quote = gateway.ok(QUOTE, {"input": quote_input}, token=buyer)["createQuote"]
    parts_of_total = ("goods", "coreDeposit", "shipping", "insurance", "duty", "vat")
    assert quote["total"]["amount"] == sum(quote[k]["amount"] for k in parts_of_total)
    assert quote["dutyStatus"] == "collected" and quote["vat"]["amount"] > 0
    assert quote["lines"][0]["part"]["sku"] == part["sku"]
    # Today's rates (the stack imports them): neither late nor the offline snapshot.
    assert (quote["fxStale"], quote["fxOfflineFallback"]) == (False, False) and quote["fxAsOf"]

    key = f"checkout-{uuid.uuid4()}"
    placed = gateway.ok(PLACE, {"q": quote["id"], "k": key}, token=buyer)["placeOrder"]
    again = gateway.ok(PLACE, {"q": quote["id"], "k": key}, token=buyer)["placeOrder"]
    assert again["order"]["id"] == placed["order"]["id"] and placed["clientSecret"]
    assert placed["order"]["status"] == "PENDING_PAYMENT"
    assert placed["order"]["total"] == quote["total"]

    payment_method = gateway.card(orders_stack, buyer)
    order_id = placed["order"]["id"]
    paid = gateway.ok(
        "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id requiresAction } }",
        {"o": order_id, "pm": payment_method},
        token=buyer,
    )["payOrder"]
    assert paid["requiresAction"] is False
    orders_stack.wait_status(raw_id(order_id), "PAID")

    order = gateway.ok(ORDER, {"id": order_id}, token=buyer)["order"]
    assert order["status"] == "PAID" and order["paymentStatus"] == "PAID"
    assert [h["status"] for h in order["statusHistory"]][:2] == ["PENDING_PAYMENT", "PAID"]
    mine = gateway.ok("{ myOrders(first: 5) { edges { node { id } } } }", token=buyer)["myOrders"]["edges"]
    assert [e["node"]["id"] for e in mine] == [order_id]

    # What an operator's dashboard sees of this checkout.
    assert metric(orders_stack.orders, "tongnan_order_status_changes_total", to_status="PAID") == paid_before + 1
    placed = metric(orders_stack.orders, "tongnan_order_status_changes_total", to_status="PENDING_PAYMENT")
    assert placed == placed_before + 1
    mutations = metric(
        gateway.gql.client, "tongnan_graphql_operations_total", operation="(anonymous)", type="mutation", outcome="ok"
    )
    assert mutations >= mutations_before + 4  # the quote, two placeOrder, the card's setup, payOrder
    assert metric(orders_stack.orders, "http_requests_total", handler="/orders/{order_id}/pay", method="POST") >= 1

    stranger = gateway.account(AccountRole.BUYER)
    seen = gateway.gql(ORDER, {"id": order_id}, token=stranger)
    assert seen["data"] is None or seen["data"]["order"] is None
    assert not seen.get("errors") or seen["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")
    assert gateway.ok("{ myOrders { edges { node { id } } } }", token=stranger)["myOrders"]["edges"] == []

    ship = 'mutation ($o: ID!) { markShipped(orderId: $o, carrier: "DHL Express", trackingNumber: "1234567890") { status lines { shipment { carrier trackingNumber } } } }'  # noqa: E501
    refused = gateway.gql(ship, {"o": order_id}, token=buyer)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    shipped = gateway.ok(ship, {"o": order_id}, token=supplier)["markShipped"]
    assert shipped["status"] == "SHIPPED"
    assert shipped["lines"][0]["shipment"] == {"carrier": "DHL Express", "trackingNumber": "1234567890"}
    cancel = gateway.gql("mutation ($o: ID!) { cancelOrder(id: $o) { status } }", {"o": order_id}, token=buyer)
    assert cancel["errors"][0]["extensions"]["code"] == "CONFLICT"


def test_bad_quote_input_names_the_field(orders_stack: Stack, gateway: Gateway) -> None:
    part = orders_stack.part(orders_stack.supplier())
    buyer = gateway.account(AccountRole.BUYER)
    base = ddp_to_germany(part["id"])
    for change, field in (
        ({"currency": "XXX"}, "currency"),
        ({"destinationCountry": "ZZ"}, "destination_country"),
        ({"lines": [{"partId": gid("Part", part["id"]), "quantity": 0}]}, "lines.0.quantity"),
    ):
        result = gateway.gql(QUOTE, {"input": {**base, **change}}, token=buyer)
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", result
        assert field in (result["errors"][0]["extensions"].get("field") or ""), result
    anonymous = gateway.gql(QUOTE, {"input": base})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_payment_changed_at_stripe_is_held_for_review_and_says_why(orders_stack: Stack, gateway: Gateway) -> None:
    part = orders_stack.part(orders_stack.supplier(), on_hand=3)
    buyer = gateway.account(AccountRole.BUYER)
    quote_input = ddp_to_germany(part["id"])
    quote = gateway.ok(QUOTE, {"input": quote_input}, token=buyer)["createQuote"]
    order_id = gateway.ok(PLACE, {"q": quote["id"], "k": f"checkout-{uuid.uuid4()}"}, token=buyer)["placeOrder"][
        "order"
    ]["id"]
    intent_id = orders_stack.order(raw_id(order_id))["payment_intent_id"]
    orders_stack.stripe.v1.payment_intents.update(intent_id, params={"amount": 50})

    payment_method = gateway.card(orders_stack, buyer)
    refused = gateway.gql(
        "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id } }",
        {"o": order_id, "pm": payment_method},
        token=buyer,
    )
    assert refused["errors"][0]["extensions"]["code"] == "CONFLICT", refused
    assert "nothing was charged" in refused["errors"][0]["message"]
    held = gateway.ok(
        "query ($id: ID!) { order(id: $id) { status paymentStatus attention cancellationRequestedAt } }",
        {"id": order_id},
        token=buyer,
    )["order"]
    assert held["status"] == "PENDING_PAYMENT" and held["paymentStatus"] == "REVIEW"
    assert held["attention"].startswith("held for review: the payment asks €0.50")
    assert held["cancellationRequestedAt"] is None


CURRENCIES = "{ currencies { code name symbol minorUnitDigits rateSource } }"


def test_every_currency_listed_is_quoted_and_zero_decimal_ones_are_paid_in_whole_units(
    orders_stack: Stack,
    gateway: Gateway,
) -> None:
    listed = {c["code"]: c for c in gateway.ok(CURRENCIES)["currencies"]}  # public: no token
    assert {"CNY", "EUR", "USD", "GBP", "JPY", "KRW", "AED", "SAR", "KWD"} <= set(listed)
    assert {code: listed[code]["minorUnitDigits"] for code in ("JPY", "KRW", "EUR", "AED", "KWD")} == {
        "JPY": 0,
        "KRW": 0,
        "EUR": 2,
        "AED": 2,
        "KWD": 3,
    }
    assert "pegged at 3.75 per USD" in listed["SAR"]["rateSource"]
    assert listed["JPY"]["name"] == "Japanese Yen"
    # A rate is held for ISK, but Stripe counts it in hundredths where CLDR has none: not offered.
    assert "ISK" not in listed

    part = orders_stack.part(orders_stack.supplier(), on_hand=10)
    buyer = gateway.account(AccountRole.BUYER)
    quotes = {}
    for code in sorted(listed):
        quote_input = {**ddp_to_germany(part["id"]), "currency": code}
        quotes[code] = gateway.ok(QUOTE, {"input": quote_input}, token=buyer)["createQuote"]
        assert quotes[code]["total"]["currency"] == code
    refused = gateway.gql(QUOTE, {"input": {**ddp_to_germany(part["id"]), "currency": "ISK"}}, token=buyer)
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # The same cart in each: AED is USD times the peg (to the rounding of each amount).
    usd, aed = quotes["USD"]["total"]["amount"], quotes["AED"]["total"]["amount"]
    assert abs(aed - round(usd * 3.6725)) <= 10
    # JPY and KRW have no minor unit: the amount counts whole yen and won, i.e. CNY fen / 100 * rate
    # (not * 100 again, as a two-digit currency would be).
    cny = quotes["CNY"]["total"]["amount"]
    for code in ("JPY", "KRW"):
        expected = cny / 100 * float(quotes[code]["fxRate"])
        assert abs(quotes[code]["total"]["amount"] - expected) < 0.001 * expected, code

    placed = gateway.ok(PLACE, {"q": quotes["KRW"]["id"], "k": f"krw-{uuid.uuid4()}"}, token=buyer)["placeOrder"]
    assert placed["order"]["total"] == quotes["KRW"]["total"]
    gateway.ok(
        "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id } }",
        {"o": placed["order"]["id"], "pm": gateway.card(orders_stack, buyer)},
        token=buyer,
    )
    # PAID only when Stripe took exactly the order's amount in its currency (zero-decimal: won).
    orders_stack.wait_status(raw_id(placed["order"]["id"]), "PAID")


BY_NUMBER = "query ($n: String!) { orderByNumber(number: $n) { id number status } }"


def test_a_buyer_finds_an_order_by_its_number_and_no_one_else_does(orders_stack: Stack, gateway: Gateway) -> None:
    part = orders_stack.part(orders_stack.supplier(), on_hand=2)
    buyer, stranger = gateway.account(AccountRole.BUYER), gateway.account(AccountRole.BUYER)
    quote = gateway.ok(QUOTE, {"input": ddp_to_germany(part["id"])}, token=buyer)["createQuote"]
    placed = gateway.ok(
        "mutation ($q: ID!, $k: String!) { placeOrder(quoteId: $q, idempotencyKey: $k) { order { id number } } }",
        {"q": quote["id"], "k": f"n-{uuid.uuid4()}"},
        token=buyer,
    )["placeOrder"]["order"]
    number = placed["number"]
    found = gateway.ok(BY_NUMBER, {"n": number.lower()}, token=buyer)["orderByNumber"]
    assert found == {"id": placed["id"], "number": number, "status": "PENDING_PAYMENT"}

    hidden = gateway.gql(BY_NUMBER, {"n": number}, token=stranger)
    assert hidden["data"]["orderByNumber"] is None
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    empty = gateway.gql(BY_NUMBER, {"n": "  "}, token=buyer)
    assert (empty["errors"][0]["extensions"]["code"], empty["errors"][0]["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "number",
    )


REFUNDS = """query ($first: Int, $after: String) { refunds(first: $first, after: $after) {
  edges { node { id orderId orderNumber amount { amount currency } reason stripeRefundId createdAt } }
  pageInfo { hasNextPage endCursor } } }"""


def test_finance_sees_every_refund_with_its_order_and_no_one_else_does(orders_stack: Stack, gateway: Gateway) -> None:
    part = orders_stack.part(orders_stack.supplier(), on_hand=4)
    buyer, admin = gateway.account(AccountRole.BUYER), gateway.account(AccountRole.ADMIN)
    cancelled = []
    for _ in range(2):
        quote = gateway.ok(QUOTE, {"input": ddp_to_germany(part["id"])}, token=buyer)["createQuote"]
        placed = gateway.ok(PLACE, {"q": quote["id"], "k": f"r-{uuid.uuid4()}"}, token=buyer)["placeOrder"]["order"]
        gateway.ok(
            "mutation ($o: ID!, $pm: String!) { payOrder(orderId: $o, paymentMethodId: $pm) { id } }",
            {"o": placed["id"], "pm": gateway.card(orders_stack, buyer)},
            token=buyer,
        )
        orders_stack.wait_status(raw_id(placed["id"]), "PAID")
        gateway.ok("mutation ($o: ID!) { cancelOrder(id: $o) { status } }", {"o": placed["id"]}, token=buyer)
        cancelled.append((placed["id"], gateway.ok(ORDER, {"id": placed["id"]}, token=buyer)["order"]))

    first = gateway.ok(REFUNDS, {"first": 1}, token=admin)["refunds"]
    assert first["pageInfo"]["hasNextPage"] is True
    second = gateway.ok(REFUNDS, {"first": 1, "after": first["pageInfo"]["endCursor"]}, token=admin)["refunds"]
    listed = [e["node"] for e in first["edges"] + second["edges"]]
    # Newest first: the second cancellation's refund, then the first's, each the whole amount paid.
    for refund, (order_id, order) in zip(listed, reversed(cancelled), strict=True):
        assert refund["orderId"] == order_id and refund["orderNumber"].startswith("TN-")
        assert refund["amount"] == {"amount": order["total"]["amount"], "currency": order["total"]["currency"]}
        assert refund["stripeRefundId"] and refund["reason"]

    refused = gateway.gql(REFUNDS, {"first": 5}, token=buyer)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    bad = gateway.gql(REFUNDS, {"first": 5, "after": "not-a-cursor"}, token=admin)
    assert bad["errors"][0]["extensions"]["field"] == "after"
