"""Stripe webhooks: real localstripe-signed events, delivered three times each in shuffled order
and concurrently, mixed with forgeries. Each order must land in its one right state, post once."""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import stripe
from fastapi import FastAPI, Request
from sqlalchemy import func
from sqlmodel import Session, col, select

from services.orders.models import LedgerTransaction, StripeEvent
from tests.harness import Served
from tests.orders.factories import WEBHOOK_SECRET, Stack, as_buyer


class Capture:
    """Stands where our endpoint would: records what localstripe sends, signature and all."""

    def __init__(self) -> None:
        self.events: list[tuple[bytes, str]] = []
        self.lock = threading.Lock()
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> dict[str, bool]:
            body = await request.body()
            with self.lock:
                self.events.append((body, request.headers.get("stripe-signature", "")))
            return {"ok": True}

        self.server = Served(app)

    def wait(self, count: int, intents: set[str], timeout: float = 15.0) -> list[tuple[bytes, str]]:
        """The events about these intents (an earlier test's late event may also arrive here)."""

        def ours() -> list[tuple[bytes, str]]:
            with self.lock:
                return [(b, s) for b, s in self.events if json.loads(b)["data"]["object"]["id"] in intents]

        deadline = time.monotonic() + timeout
        while len(ours()) < count:
            assert time.monotonic() < deadline, f"only {len(ours())} of {count} webhooks arrived"
            time.sleep(0.05)
        time.sleep(0.3)  # nothing else is on its way
        return ours()


def _post(stack: Stack, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return httpx.post(f"{stack.orders_url}/webhooks/stripe", content=body, headers=headers, timeout=30)


def _order_for_new_part(stack: Stack, buyer: str, on_hand: int = 3) -> tuple[dict[str, Any], dict[str, Any]]:
    part = stack.part(stack.supplier(), on_hand=on_hand)
    quote = stack.quote(buyer, [(part["id"], 1)])
    return part, stack.place(buyer, quote["id"])["order"]


def test_webhook_storm_duplicates_shuffled_and_forged(stack: Stack, buyer: str) -> None:
    capture = Capture()
    capture.server.start()
    try:
        stack.point_webhooks_at(f"{capture.server.url}/hook")
        part_a, paid = _order_for_new_part(stack, buyer)
        part_b, declined = _order_for_new_part(stack, buyer)
        part_c, retried = _order_for_new_part(stack, buyer)
        part_d, unpaid = _order_for_new_part(stack, buyer)

        stack.pay(buyer, paid["id"], stack.card(buyer))
        refused = stack.pay(buyer, declined["id"], "pm_card_chargeCustomerFail", expect=402)
        assert refused == {**refused, "code": "PAYMENT_DECLINED"}
        # 3-D Secure: payOrder answers requires_action, the page finishes it with confirmCardPayment.
        action = stack.pay(buyer, retried["id"], stack.card(buyer, "4000002760003184"))
        assert action["requires_action"] and action["client_secret"].startswith(retried["payment_intent_id"])
        authenticated = httpx.post(
            f"{stack.localstripe_url}/v1/payment_intents/{retried['payment_intent_id']}/_authenticate",
            data={"key": "pk_test_localstripe", "client_secret": action["client_secret"], "success": "true"},
        )
        assert authenticated.status_code == 200, authenticated.text
        events = capture.wait(3, {o["payment_intent_id"] for o in (paid, declined, retried, unpaid)})
    finally:
        capture.server.stop()

    types = sorted(json.loads(body)["type"] for body, _ in events)
    assert types == ["payment_intent.payment_failed"] + ["payment_intent.succeeded"] * 2

    a_body = next(b for b, _ in events if json.loads(b)["data"]["object"]["id"] == paid["payment_intent_id"])
    b_event = next(
        json.loads(b) for b, _ in events if json.loads(b)["data"]["object"]["id"] == declined["payment_intent_id"]
    )
    forged_success = dict(b_event, type="payment_intent.succeeded", id="evt_forged000000001")
    forged_for_d = json.loads(a_body)
    forged_for_d["id"] = "evt_forged000000002"
    forged_for_d["data"]["object"]["id"] = unpaid["payment_intent_id"]
    forged_for_d["data"]["object"]["metadata"]["order_id"] = unpaid["id"]
    original_signature = next(s for b, s in events if b == a_body)
    forgeries: list[tuple[bytes, str | None]] = [
        # Signed with a secret that is not ours.
        (a_body, stripe.WebhookSignature.generate_signature_header(a_body.decode(), "whsec_attacker")),
        (
            json.dumps(forged_for_d).encode(),
            stripe.WebhookSignature.generate_signature_header(json.dumps(forged_for_d), "whsec_attacker"),
        ),
        # A genuine signature over a different body.
        (json.dumps(forged_success).encode(), original_signature),
        # Our secret, but a timestamp from last week (replay).
        (
            a_body,
            stripe.WebhookSignature.generate_signature_header(
                a_body.decode(), WEBHOOK_SECRET, timestamp=int(time.time()) - 7 * 86400
            ),
        ),
        (a_body, None),
        (b"not json at all", "t=1,v1=deadbeef"),
    ]

    deliveries: list[tuple[bytes, str | None, bool]] = [(b, s, True) for b, s in events for _ in range(3)]
    deliveries += [(b, s, False) for b, s in forgeries]
    random.Random(20261126).shuffle(deliveries)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda d: (_post(stack, d[0], d[1]), d[2]), deliveries))

    for response, genuine in answers:
        if genuine:
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 400, response.text
            assert response.json()["code"] == "INVALID_SIGNATURE"

    assert stack.order(paid["id"])["status"] == "PAID"
    assert stack.order(declined["id"])["status"] == "CANCELLED"
    assert stack.order(declined["id"])["payment_status"] == "FAILED"
    assert stack.order(retried["id"])["status"] == "PAID"
    assert stack.order(unpaid["id"])["status"] == "PENDING_PAYMENT"
    assert stack.stock(part_a["id"]) == {"on_hand": 2, "reserved": 0, "available": 2}
    assert stack.stock(part_b["id"]) == {"on_hand": 3, "reserved": 0, "available": 3}
    assert stack.stock(part_c["id"]) == {"on_hand": 2, "reserved": 0, "available": 2}
    assert stack.stock(part_d["id"]) == {"on_hand": 3, "reserved": 1, "available": 2}
    with Session(stack.engine) as session:
        # Each genuine event recorded once (a late event of an earlier test may be recorded too).
        intents = [o["payment_intent_id"] for o in (paid, declined, retried, unpaid)]
        recorded = select(func.count()).select_from(StripeEvent).where(col(StripeEvent.payment_intent_id).in_(intents))
        assert session.scalar(recorded) == 3
        charges = session.scalars(select(LedgerTransaction).where(col(LedgerTransaction.kind) == "charge")).all()
        assert sorted(str(t.order_id) for t in charges) == sorted([paid["id"], retried["id"]])

    # Stripe retries later: still 200, still nothing new.
    again = _post(stack, events[0][0], events[0][1])
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"


def test_a_declined_card_cancels_the_order_and_releases_its_stock(stack: Stack, buyer: str) -> None:
    part, order = _order_for_new_part(stack, buyer, on_hand=1)
    assert stack.stock(part["id"])["available"] == 0
    stack.pay(buyer, order["id"], "pm_card_chargeCustomerFail", expect=402)
    cancelled = stack.wait_status(order["id"], "CANCELLED")
    assert cancelled["payment_status"] == "FAILED"
    assert cancelled["history"][-1]["reason"] == "payment_intent.payment_failed"
    assert stack.stock(part["id"]) == {"on_hand": 1, "reserved": 0, "available": 1}
    assert stack.stripe.v1.payment_intents.retrieve(order["payment_intent_id"])["status"] == "canceled"
    # Paying a cancelled order is refused, naming its status.
    again = stack.pay(buyer, order["id"], stack.card(buyer), expect=409)
    assert "CANCELLED" in again["detail"]


def test_events_of_other_types_and_unknown_intents_are_acknowledged_and_change_nothing(
    stack: Stack, buyer: str
) -> None:
    event = {
        "id": "evt_other0000000001",
        "object": "event",
        "type": "customer.created",
        "created": int(time.time()),
        "data": {"object": {"id": "cus_123", "object": "customer"}},
    }
    body = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    response = _post(stack, body.encode(), signature)
    assert response.status_code == 200 and response.json()["outcome"].startswith("ignored")
    event = dict(event, id="evt_other0000000002", type="payment_intent.succeeded")
    event["data"] = {"object": {"id": "pi_unknown", "object": "payment_intent", "metadata": {}}}
    body = json.dumps(event)
    response = _post(stack, body.encode(), stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET))
    assert response.status_code == 200 and response.json()["outcome"] == "unknown payment intent"
    with Session(stack.engine) as session:
        assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == 0


def test_the_webhook_needs_no_internal_token_but_other_routes_do(stack: Stack, buyer: str) -> None:
    assert stack.orders.get("/orders").status_code == 401
    assert stack.orders.get("/orders", headers=as_buyer(buyer)).status_code == 200


def _charge_refunded(intent_id: str, amount_refunded: int, n: int) -> tuple[bytes, str]:
    event = {
        "id": f"evt_refund{n:010d}",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "ch_dashboard",
                "object": "charge",
                "payment_intent": intent_id,
                "amount_refunded": amount_refunded,
            }
        },
    }
    body = json.dumps(event)
    return body.encode(), stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)


def test_refunds_made_in_the_stripe_dashboard_are_recorded_once_in_any_order(stack: Stack, buyer: str) -> None:
    from tests.orders.factories import ADMIN, paid_order

    order = paid_order(stack, buyer, stack.part(stack.supplier()))
    ours = stack.orders.post(
        f"/orders/{order['id']}/refunds",
        json={"amount": 500, "reason": "scratch", "idempotency_key": "ours-000000001"},
        headers=ADMIN,
    )
    assert ours.status_code == 201
    # Stripe's event for our own refund (cumulative 500): already recorded.
    assert _post(stack, *_charge_refunded(order["payment_intent_id"], 500, 1)).json()["outcome"] == "already recorded"
    # Someone refunds 700 more in the dashboard; its event and the stale one arrive in any order.
    later, earlier = (
        _charge_refunded(order["payment_intent_id"], 1200, 2),
        _charge_refunded(order["payment_intent_id"], 500, 3),
    )
    for body, signature in (later, earlier, later):
        assert _post(stack, body, signature).status_code == 200
    after = stack.order(order["id"])
    assert after["refunded"]["amount"] == 1200 and after["payment_status"] == "PARTIALLY_REFUNDED"
    assert sorted(r["amount"]["amount"] for r in after["refunds"]) == [500, 700]
    assert stack.balance("platform:refunds_expense", "EUR") == 1200
