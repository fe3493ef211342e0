"""Webhooks to integrators: order events from the outbox reach a real HTTP receiver, signed,
scoped to what the subscriber may see, retried with the same event id until it answers 2xx.

The sender is a consumer of the event backbone: each test that sends runs a worker (relays and
the webhook consumer) on a nats-server of its own, beside the served orders app, with retries
shortened to fractions of a second. The address-pinning tests drive the sender's handler by
hand on one event, with a clock moved past the backoff and names resolved their own way.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.errors import BadInput
from services.common.events import Event
from services.orders.integrations.delivery import (
    CONSUMER,
    DEAD_AFTER,
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    DeliveriesPending,
    Due,
    Outcome,
    WebhookSender,
    event_body,
    signature_header,
    verify_signature,
)
from services.orders.integrations.network import (
    PinnedNetwork,
    PinnedTransport,
    Resolver,
    system_resolver,
)
from services.orders.integrations.subscriptions import create, validate_url
from services.orders.models import EVENTS, WebhookAttempt, WebhookDelivery, WebhookSubscription
from services.orders.settings import OrdersSettings
from tests.databases import Databases
from tests.events.running import RunningWorker, worker_context
from tests.factories import as_supplier, headers_for
from tests.harness import Served
from tests.orders.factories import ADMIN, INSPECTOR, Stack, as_buyer, events_of, orders_settings, paid_order

SHIP = {"carrier": "SF Express", "tracking_number": "SF1234567890123"}


@dataclass
class Call:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class Receiver:
    """An integrator's endpoint: records every POST to /hooks/<name>, answers 200 unless told
    to answer something else first."""

    def __init__(self, **options: Any) -> None:
        """`options`: uvicorn's, e.g. a certificate to answer over https."""
        self.calls: dict[str, list[Call]] = {}
        self.answers: dict[str, list[int]] = {}
        self.lock = threading.Lock()
        app = FastAPI()

        @app.post("/hooks/{name}")
        async def hook(name: str, request: Request) -> Response:
            body = await request.body()
            with self.lock:
                queue = self.answers.get(name, [])
                status = queue.pop(0) if queue else 200
                self.calls.setdefault(name, []).append(Call(dict(request.headers), body, status))
            return Response(status_code=status)

        self.server = Served(app, **options).start()

    def url(self, name: str) -> str:
        return f"{self.server.url}/hooks/{name}"

    def received(self, name: str) -> list[Call]:
        with self.lock:
            return list(self.calls.get(name, []))

    def wait(self, name: str, count: int, timeout: float = 20.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while len(self.received(name)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} received {len(self.received(name))} calls, expected {count}")
            time.sleep(0.05)
        return self.received(name)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.stop()


StartWorker = Callable[..., RunningWorker]


@pytest.fixture
def start_worker(stack: Stack, databases: Databases, nats_url: str) -> Iterator[StartWorker]:
    """Starts a worker whose orders settings are the stack's with these webhook settings."""
    started: list[RunningWorker] = []

    def start(**webhook_settings: Any) -> RunningWorker:
        settings = orders_settings(stack, databases, **webhook_settings)
        worker = RunningWorker(worker_context(databases, nats_url, settings)).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def worker(start_worker: StartWorker) -> RunningWorker:
    return start_worker()


def subscribe(
    stack: Stack, headers: Mapping[str, str], url: str, events: list[str], expect: int = 201
) -> dict[str, Any]:
    response = stack.orders.post("/webhook-subscriptions", json={"url": url, "events": events}, headers=headers)
    assert response.status_code == expect, response.text
    return dict(response.json())


def deliveries(stack: Stack, subscription_id: str) -> list[WebhookDelivery]:
    with Session(stack.engine) as session:
        return list(
            session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.subscription_id == uuid.UUID(subscription_id))
            )
        )


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def settled(stack: Stack, event: Event) -> bool:
    """The webhook consumer is done with the event: nothing of it is left to send."""
    inbox = EVENTS.inbox
    with stack.engine.connect() as connection:
        found = connection.execute(
            sa_select(inbox.c.event_id).where(inbox.c.consumer == CONSUMER, inbox.c.event_id == event.id)
        ).first()
    return found is not None


def drive(stack: Stack, event: Event, now: datetime, *, resolve: Resolver = system_resolver, **settings: Any) -> int:
    """The sender's handler on one event by hand, at `now`, with these settings and this
    resolver of names; returns the number of POSTs made."""

    async def one_pass() -> int:
        sender = WebhookSender(stack.engine, OrdersSettings(**settings), resolve=resolve, now=lambda: now)
        try:
            await sender.handle(event)
        except DeliveriesPending:
            pass  # the consumer would nak it; the test looks at what was recorded
        finally:
            await sender.aclose()
        return sender.sent

    return asyncio.run(one_pass())


# Production's settings for a sender driven by hand (its database is the test's).
PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "internal_secret": "a production internal secret of some length",
    "database_url": "postgresql://tongnan@db.internal/tongnan_orders",
    "stripe_secret_key": "sk_live_unused",
    "stripe_publishable_key": "pk_live_unused",
    "stripe_webhook_secret": "whsec_unused",
}


def production_settings() -> OrdersSettings:
    return OrdersSettings(**PRODUCTION)


# --- delivery --------------------------------------------------------------------------------


def test_a_paid_and_shipped_order_reaches_buyer_and_supplier_signed(
    stack: Stack, buyer: str, alternator: dict[str, Any], receiver: Receiver, worker: RunningWorker
) -> None:
    supplier_id = alternator["supplier_id"]
    mine = subscribe(stack, as_buyer(buyer), receiver.url("buyer"), ["order.paid", "order.shipped"])
    theirs = subscribe(stack, as_supplier(supplier_id), receiver.url("supplier"), ["order.shipped"])
    assert mine["secret"].startswith("whsec_") and mine["secret"] != theirs["secret"]

    order = paid_order(stack, buyer, alternator)
    shipped = stack.orders.post(f"/orders/{order['id']}/ship", json=SHIP, headers=as_supplier(supplier_id))
    assert shipped.status_code == 200, shipped.text

    calls = receiver.wait("buyer", 2)
    assert [c.event["type"] for c in calls] == ["order.paid", "order.shipped"]
    for call in calls:
        signature = call.headers[SIGNATURE_HEADER.lower()]
        assert verify_signature(mine["secret"], signature, call.body)
        assert not verify_signature(theirs["secret"], signature, call.body)
        tampered = call.body.replace(b'"amount":', b'"amount":1')
        assert tampered != call.body and not verify_signature(mine["secret"], signature, tampered)
        assert call.headers[EVENT_ID_HEADER.lower()] == call.event["id"]
        assert call.headers[EVENT_TYPE_HEADER.lower()] == call.event["type"]
        assert call.headers["content-type"] == "application/json"
        assert call.event["data"]["order"]["id"] == order["id"]
        # The event's recipients are the backbone's business, not the integrator's.
        assert set(call.event["data"]) == {"order", "reason"}
        datetime.fromisoformat(call.event["created_at"])
    paid, ship = (c.event["data"]["order"] for c in calls)
    assert paid["status"] == "PAID" and paid["payment_status"] == "PAID"
    assert paid["total"] == {"amount": order["total"]["amount"], "currency": "EUR"}
    assert ship["status"] == "SHIPPED" and ship["lines"][0]["carrier"] == "SF Express"
    assert ship["lines"][0]["tracking_number"] == SHIP["tracking_number"]

    [supplier_call] = receiver.wait("supplier", 1)
    assert supplier_call.event["type"] == "order.shipped"
    assert verify_signature(theirs["secret"], supplier_call.headers[SIGNATURE_HEADER.lower()], supplier_call.body)
    seen = supplier_call.event["data"]["order"]
    assert "total" not in seen and "refunded" not in seen  # the buyer's payment is not the supplier's
    assert [line["supplier_id"] for line in seen["lines"]] == [supplier_id]
    wait_until(lambda: [(d.status, d.attempts) for d in deliveries(stack, theirs["id"])] == [("DELIVERED", 1)])


def test_a_receiver_answering_500_gets_the_same_event_again_until_it_answers_2xx(
    stack: Stack, buyer: str, alternator: dict[str, Any], receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.answers["flaky"] = [500]
    receiver.answers["down"] = [503] * 10
    flaky = subscribe(stack, as_buyer(buyer), receiver.url("flaky"), ["order.created"])
    down = subscribe(stack, as_buyer(buyer), receiver.url("down"), ["order.created"])
    steady = subscribe(stack, as_buyer(buyer), receiver.url("steady"), ["order.created"])
    # Two attempts each, half a second apart: production's schedule (30 s, doubling), shortened.
    start_worker(webhook_max_attempts=2, webhook_retry_base_seconds=0.5)
    order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]

    first, second = receiver.wait("flaky", 2)
    assert (first.answered, second.answered) == (500, 200)
    assert first.event["type"] == "order.created" and first.event["data"]["order"]["id"] == order["id"]
    assert second.event["id"] == first.event["id"] == second.headers[EVENT_ID_HEADER.lower()]
    assert second.body == first.body  # the same event, byte for byte; only its signature is new
    assert (first.headers["tongnan-delivery-attempt"], second.headers["tongnan-delivery-attempt"]) == ("1", "2")
    assert verify_signature(flaky["secret"], second.headers[SIGNATURE_HEADER.lower()], second.body)
    receiver.wait("down", 2)
    [placed] = events_of(stack, order["id"])
    wait_until(lambda: settled(stack, placed))
    [delivered] = deliveries(stack, flaky["id"])
    assert delivered.status == "DELIVERED" and delivered.attempts == 2
    # Attempts exhausted: the endpoint that kept failing is given up on, each attempt recorded.
    [given_up] = deliveries(stack, down["id"])
    assert given_up.status == "FAILED" and given_up.attempts == 2 and given_up.last_status_code == 503
    with Session(stack.engine) as session:
        codes = session.scalars(
            select(WebhookAttempt.status_code)
            .where(col(WebhookAttempt.delivery_id).in_([delivered.id, given_up.id]))
            .order_by(col(WebhookAttempt.delivery_id), col(WebhookAttempt.attempt))
        ).all()
    assert sorted(codes, key=str) == sorted([500, 200, 503, 503], key=str)
    time.sleep(1.5)  # past another backoff: nothing is left to send
    assert (len(receiver.received("flaky")), len(receiver.received("down"))) == (2, 2)
    # The event came back for the others; the endpoint that had it at once never had it again.
    assert [c.event["id"] for c in receiver.received("steady")] == [first.event["id"]]
    assert [(d.status, d.attempts) for d in deliveries(stack, steady["id"])] == [("DELIVERED", 1)]


def test_each_subscriber_receives_only_the_orders_it_may_see(
    stack: Stack, receiver: Receiver, worker: RunningWorker
) -> None:
    s1, s2 = stack.supplier(), stack.supplier()
    p1, p2 = stack.part(s1), stack.part(s2)
    buyer_a, buyer_b = f"acct-a-{uuid.uuid4().hex[:6]}", f"acct-b-{uuid.uuid4().hex[:6]}"
    sub_a = subscribe(stack, as_buyer(buyer_a), receiver.url("a"), ["*"])
    sub_s1 = subscribe(stack, as_supplier(s1), receiver.url("s1"), ["order.created"])
    sub_admin = subscribe(stack, ADMIN, receiver.url("admin"), ["order.created"])
    assert sub_a["events"] == ["*"]

    order_b = stack.place(buyer_b, stack.quote(buyer_b, [(p1["id"], 1)])["id"])["order"]
    order_a = stack.place(buyer_a, stack.quote(buyer_a, [(p2["id"], 1)])["id"])["order"]

    admin_calls = receiver.wait("admin", 2)
    assert {c.event["data"]["order"]["id"] for c in admin_calls} == {order_a["id"], order_b["id"]}
    [a_call] = receiver.wait("a", 1)
    [s1_call] = receiver.wait("s1", 1)
    assert a_call.event["data"]["order"]["id"] == order_a["id"]
    assert s1_call.event["data"]["order"]["id"] == order_b["id"]
    # Both events were fanned out before the admin had both: nothing else was meant for A or S1.
    assert len(deliveries(stack, sub_a["id"])) == 1 and len(deliveries(stack, sub_s1["id"])) == 1
    assert len(deliveries(stack, sub_admin["id"])) == 2
    assert [line["supplier_id"] for line in s1_call.event["data"]["order"]["lines"]] == [s1]
    assert admin_calls[0].event["data"]["order"]["total"]["amount"] > 0


def test_a_subscription_made_after_an_event_does_not_receive_it(
    stack: Stack, buyer: str, alternator: dict[str, Any], receiver: Receiver, start_worker: StartWorker
) -> None:
    before = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
    sub = subscribe(stack, as_buyer(buyer), receiver.url("late"), ["order.created"])
    start_worker()  # the first event reaches the consumer only now, after the subscription
    after = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
    [call] = receiver.wait("late", 1)
    assert call.event["data"]["order"]["id"] == after["id"]
    wait_until(lambda: all(settled(stack, e) for e in events_of(stack, before["id"]) + events_of(stack, after["id"])))
    assert len(receiver.received("late")) == 1 and len(deliveries(stack, sub["id"])) == 1


# --- the outbox --------------------------------------------------------------------------------


def test_events_are_written_with_their_change_and_only_with_it(stack: Stack, buyer: str) -> None:
    supplier_id = stack.supplier()
    part = stack.part(supplier_id, on_hand=1)
    taken = stack.quote("acct-first-buyer", [(part["id"], 1)])
    late = stack.quote(buyer, [(part["id"], 1)])
    first = stack.place("acct-first-buyer", taken["id"])["order"]
    refused = stack.place(buyer, late["id"], expect=409)
    assert refused["code"] == "OUT_OF_STOCK"
    with stack.engine.connect() as connection:
        everything = connection.execute(sa_select(EVENTS.outbox.c.envelope)).scalars().all()
    # The orders outbox also carries fx.rates_updated from the stack's rates; the order events:
    envelopes = [e for e in everything if e["aggregate_id"] != "fx-rates"]
    # The refused order rolled back with its event.
    assert [(e["type"], e["aggregate_id"], e["data"]["buyer_id"]) for e in envelopes] == [
        ("order.placed", first["id"], "acct-first-buyer")
    ]
    assert envelopes[0]["source"] == "orders" and envelopes[0]["version"] == 1

    order = paid_order(stack, buyer, stack.part(supplier_id, on_hand=3))
    supplier = as_supplier(supplier_id)
    assert stack.orders.post(f"/orders/{order['id']}/ship", json=SHIP, headers=supplier).status_code == 200
    assert stack.orders.post(f"/orders/{order['id']}/confirm-delivery", headers=as_buyer(buyer)).status_code == 200
    line_id = order["lines"][0]["id"]
    core = stack.orders.post("/core-returns", json={"order_line_id": line_id}, headers=as_buyer(buyer)).json()
    decided = stack.orders.post(f"/core-returns/{core['id']}/decision", json={"accepted": True}, headers=supplier)
    assert decided.status_code == 200, decided.text
    assert stack.orders.post(f"/orders/{order['id']}/complete", headers=as_buyer(buyer)).status_code == 200

    events = events_of(stack, order["id"])
    assert [e.type for e in events] == [
        "order.placed",
        "order.paid",
        "order.shipped",
        "order.delivered",
        "core_return.requested",
        "order.refunded",
        "core_return.resolved",
        "order.completed",
    ]
    by_type = {e.type: e for e in events}
    assert all(e.data["buyer_id"] == buyer and e.source == "orders" for e in events)
    assert by_type["order.paid"].data["supplier_ids"] == [supplier_id]
    assert by_type["order.refunded"].data["supplier_ids"] == []  # between the buyer and us
    refund = by_type["order.refunded"].data["refund"]
    assert refund["amount"]["amount"] == core["deposit"]["amount"] and refund["reason"] == "core deposit"
    resolved = by_type["core_return.resolved"]
    assert resolved.data["core_return"]["status"] == "ACCEPTED"
    assert resolved.data["supplier_ids"] == [supplier_id]
    assert by_type["order.delivered"].data["order"]["lines"][0]["status"] == "DELIVERED"
    # Integrators keep the names they subscribed to: a resolved core return is "received" to them.
    theirs = WebhookSubscription(
        owner_id="x", role="SUPPLIER", supplier_id=uuid.UUID(supplier_id), url="", events=["*"], secret=""
    )
    body = json.loads(event_body(resolved, theirs))
    assert body["type"] == "core_return.received" and body["id"] == resolved.id
    assert set(body["data"]) == {"order", "core_return"}

    cancelled = stack.place(buyer, stack.quote(buyer, [(stack.part(supplier_id)["id"], 1)])["id"])["order"]
    assert stack.orders.post(f"/orders/{cancelled['id']}/cancel", headers=as_buyer(buyer)).status_code == 200
    created, cancel = events_of(stack, cancelled["id"])
    assert (created.type, cancel.type) == ("order.placed", "order.cancelled")
    assert cancel.data["order"]["status"] == "CANCELLED" and cancel.data["reason"] == "cancelled by the buyer"


# --- subscriptions -----------------------------------------------------------------------------


def test_bad_url_or_events_are_4xx_naming_the_field(stack: Stack, buyer: str) -> None:
    good = "http://127.0.0.1:9/hooks"
    for url, events, field in (
        ("ftp://example.com/hooks", ["order.paid"], "url"),
        ("/relative/hooks", ["order.paid"], "url"),
        ("https://", ["order.paid"], "url"),
        ("https://exa mple.com/hooks", ["order.paid"], "url"),
        ("https://example.com:99999/hooks", ["order.paid"], "url"),
        ("https://example.com/hooks#x", ["order.paid"], "url"),
        ("https://example.com/" + "a" * 2100, ["order.paid"], "url"),
        (good, [], "events"),
        (good, ["order.paid", "order.exploded"], "events"),
    ):
        response = stack.orders.post(
            "/webhook-subscriptions", json={"url": url, "events": events}, headers=as_buyer(buyer)
        )
        assert response.status_code == 422, (url, events, response.text)
        assert response.json()["field"] == field, response.json()
    assert stack.orders.post("/webhook-subscriptions", json={"url": good, "events": ["*"]}).status_code == 401
    anonymous = headers_for(Role.ANONYMOUS, actor_id="anonymous")
    for headers, status in ((anonymous, 401), (INSPECTOR, 403)):
        response = stack.orders.post("/webhook-subscriptions", json={"url": good, "events": ["*"]}, headers=headers)
        assert response.status_code == status, response.text
    assert stack.orders.get("/webhook-subscriptions", headers=anonymous).status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/tongnan",
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.7/hooks",
        "https://169.254.169.254/latest",
        "https://[::1]/hooks",
        "https://localhost:8443/hooks",
        "https://erp.internal/hooks",
    ],
)
def test_production_takes_https_to_public_hosts_only(url: str) -> None:
    with pytest.raises(BadInput) as refused:
        validate_url(url, production=True)
    assert refused.value.field == "url"
    assert validate_url(url, production=False) == url


def test_production_accepts_a_public_https_endpoint() -> None:
    assert validate_url(" https://erp.example.com/hooks/tongnan?x=1 ", production=True) == (
        "https://erp.example.com/hooks/tongnan?x=1"
    )


def test_the_same_subscription_twice_is_one_and_only_its_owner_sees_or_deletes_it(stack: Stack, buyer: str) -> None:
    me, stranger = as_buyer(buyer), as_buyer("acct-stranger")
    url = "https://erp.example.com/hooks/tongnan"
    first = subscribe(stack, me, url, ["order.shipped", "order.paid"])
    again = subscribe(stack, me, url, ["order.paid", "order.shipped", "order.paid"], expect=200)
    assert again["id"] == first["id"] and again["secret"] == first["secret"]
    assert first["events"] == ["order.paid", "order.shipped"] and first["active"] is True
    other = subscribe(stack, me, url, ["order.paid"])
    assert other["id"] != first["id"] and other["secret"] != first["secret"]

    listed = stack.orders.get("/webhook-subscriptions", headers=me).json()
    assert [s["id"] for s in listed] == [first["id"], other["id"]]
    assert all(s["secret"] is None for s in listed)
    assert stack.orders.get("/webhook-subscriptions", headers=stranger).json() == []
    assert stack.orders.get(f"/webhook-subscriptions/{first['id']}", headers=stranger).status_code == 404
    assert stack.orders.delete(f"/webhook-subscriptions/{first['id']}", headers=stranger).status_code == 404

    gone = stack.orders.delete(f"/webhook-subscriptions/{first['id']}", headers=me)
    assert gone.status_code == 200 and gone.json()["active"] is False and gone.json()["secret"] is None
    assert stack.orders.delete(f"/webhook-subscriptions/{first['id']}", headers=me).status_code == 200
    assert [s["id"] for s in stack.orders.get("/webhook-subscriptions", headers=me).json()] == [other["id"]]
    anew = subscribe(stack, me, url, ["order.paid", "order.shipped"])
    assert anew["id"] != first["id"] and anew["secret"] != first["secret"]

    for n in range(23):  # up to 25 active subscriptions per account
        subscribe(stack, me, f"{url}/{n}", ["*"])
    too_many = stack.orders.post("/webhook-subscriptions", json={"url": url, "events": ["*"]}, headers=me)
    assert too_many.status_code == 409 and too_many.json()["field"] == "url"
    assert subscribe(stack, stranger, url, ["*"])["secret"]  # the limit is per account


def test_unsubscribing_drops_what_was_still_to_be_sent(
    stack: Stack, buyer: str, alternator: dict[str, Any], receiver: Receiver, start_worker: StartWorker
) -> None:
    receiver.answers["gone"] = [500]
    sub = subscribe(stack, as_buyer(buyer), receiver.url("gone"), ["order.created"])
    start_worker(webhook_retry_base_seconds=2)
    order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
    receiver.wait("gone", 1)
    wait_until(lambda: [d.attempts for d in deliveries(stack, sub["id"])] == [1])
    assert stack.orders.delete(f"/webhook-subscriptions/{sub['id']}", headers=as_buyer(buyer)).status_code == 200
    assert [d.status for d in deliveries(stack, sub["id"])] == ["CANCELLED"]
    # The event comes back two seconds on and finds nothing left to send.
    [placed] = events_of(stack, order["id"])
    wait_until(lambda: settled(stack, placed))
    assert len(receiver.received("gone")) == 1


# --- signatures --------------------------------------------------------------------------------


def test_signatures_are_bound_to_secret_body_and_time() -> None:
    body = b'{"id":"e1","type":"order.paid"}'
    now = int(time.time())
    header = signature_header("whsec_a", body, now)
    assert verify_signature("whsec_a", header, body)
    assert verify_signature("whsec_a", header, body.decode())
    assert not verify_signature("whsec_b", header, body)
    assert not verify_signature("whsec_a", header, body + b" ")
    assert not verify_signature("whsec_a", signature_header("whsec_a", body, now - 301), body)
    assert verify_signature("whsec_a", signature_header("whsec_a", body, now - 301), body, tolerance=600)
    rotated = f"{header},v1={'0' * 64}"
    assert verify_signature("whsec_a", rotated, body)
    for broken in (None, "", "v1=abc", f"t=soon,{header.split(',')[1]}", f"t={now}"):
        assert not verify_signature("whsec_a", broken, body)


def test_production_refuses_to_post_to_a_name_that_resolves_to_a_private_address(stack: Stack) -> None:
    settings = production_settings()
    due = Due(
        delivery_id=uuid.uuid4(),
        subscription_id=uuid.uuid4(),
        attempt=1,
        url="https://localhost:9/hooks",  # a name, so it passed validation; it resolves to loopback
        secret="whsec_x",
        event_id=str(uuid.uuid4()),
        event_type="order.paid",
        body=b"{}",
    )

    async def send() -> Outcome:
        sender = WebhookSender(stack.engine, settings)
        try:
            return await sender._send(due)
        finally:
            await sender.aclose()

    outcome = asyncio.run(send())
    assert outcome.status_code is None and not outcome.ok
    assert outcome.error is not None and outcome.error.startswith("RefusedAddress")


def test_an_endpoint_that_fails_five_deliveries_in_a_row_is_turned_off(
    stack: Stack, buyer: str, receiver: Receiver, start_worker: StartWorker
) -> None:
    part = stack.part(stack.supplier(), on_hand=10)
    receiver.answers["dead"] = [503] * 100
    dead = subscribe(stack, as_buyer(buyer), receiver.url("dead"), ["order.created"])
    start_worker(webhook_max_attempts=2, webhook_retry_base_seconds=0.3)
    for _ in range(DEAD_AFTER):
        stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])
    # Each delivery is tried twice and given up on; the fifth given up turns the endpoint off.
    wait_until(lambda: [d.status for d in deliveries(stack, dead["id"])] == ["FAILED"] * DEAD_AFTER)
    assert len(receiver.received("dead")) == 2 * DEAD_AFTER
    wait_until(lambda: stack.orders.get("/webhook-subscriptions", headers=as_buyer(buyer)).json()[0]["active"] is False)
    [listed] = stack.orders.get("/webhook-subscriptions", headers=as_buyer(buyer)).json()
    assert listed["id"] == dead["id"]
    # A new order reaches it no more; subscribing again gives a new, active subscription.
    later = stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])["order"]
    [placed] = events_of(stack, later["id"])
    wait_until(lambda: settled(stack, placed))
    assert len(deliveries(stack, dead["id"])) == DEAD_AFTER
    assert len(receiver.received("dead")) == 2 * DEAD_AFTER
    again = subscribe(stack, as_buyer(buyer), receiver.url("dead"), ["order.created"])
    assert again["id"] != dead["id"] and again["active"] is True


def prune(stack: Stack, now: datetime) -> int:
    sender = WebhookSender(stack.engine, OrdersSettings())
    try:
        return sender.prune(now)
    finally:
        asyncio.run(sender.aclose())


def test_finished_deliveries_go_after_30_days_with_their_attempts(
    stack: Stack, buyer: str, receiver: Receiver, worker: RunningWorker
) -> None:
    part = stack.part(stack.supplier(), on_hand=10)
    receiver.answers["down"] = [503] * 100
    up = subscribe(stack, as_buyer(buyer), receiver.url("up"), ["order.created"])
    down = subscribe(stack, as_buyer(buyer), receiver.url("down"), ["order.cancelled"])
    kept = stack.place(buyer, stack.quote(buyer, [(part["id"], 1)])["id"])["order"]
    stack.orders.post(f"/orders/{kept['id']}/cancel", headers=as_buyer(buyer)).raise_for_status()
    receiver.wait("up", 1)
    wait_until(lambda: [d.status for d in deliveries(stack, up["id"])] == ["DELIVERED"])
    wait_until(lambda: [d.attempts for d in deliveries(stack, down["id"])] == [1])
    [delivered] = deliveries(stack, up["id"])

    assert prune(stack, utcnow() + timedelta(days=29)) == 0
    assert prune(stack, utcnow() + timedelta(days=31)) == 1
    # The delivered one went with its attempts; the one still being retried stays.
    assert deliveries(stack, up["id"]) == []
    assert [d.status for d in deliveries(stack, down["id"])] == ["PENDING"]
    with Session(stack.engine) as session:
        assert session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivered.id)).all() == []


# --- where webhooks may go (SSRF) --------------------------------------------------------------

# Loopback and private addresses in each form they can be written: plain, IPv4-mapped,
# IPv4-compatible, 6to4 and NAT64, and the other ranges that are not the public internet.
NOT_PUBLIC = [
    "127.0.0.1",
    "::1",
    "::ffff:127.0.0.1",
    "::127.0.0.1",
    "2002:7f00:1::",
    "64:ff9b::7f00:1",
    "10.1.2.3",
    "::ffff:10.1.2.3",
    "2002:a01:203::",
    "172.16.0.9",
    "192.168.0.7",
    "::ffff:192.168.0.7",
    "169.254.169.254",
    "::ffff:169.254.169.254",
    "2002:a9fe:a9fe::",
    "fe80::1",
    "fd12:3456::1",
    "100.64.0.1",
    "198.18.0.1",
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
]
PUBLIC = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"]


def url_for(address: str, path: str = "/hooks") -> str:
    return f"https://[{address}]{path}" if ":" in address else f"https://{address}{path}"


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_production_refuses_a_url_naming_a_private_address_in_any_form(address: str) -> None:
    with pytest.raises(BadInput) as refused:
        validate_url(url_for(address), production=True)
    assert refused.value.field == "url"
    assert validate_url(url_for(address), production=False) == url_for(address)  # local receivers


def resolving(answers: dict[str, list[str]], asked: list[tuple[str, int]] | None = None) -> Resolver:
    """A resolver of names as DNS would answer them: what the name resolves to at the moment."""

    def resolve(host: str, port: int) -> list[str]:
        if asked is not None:
            asked.append((host, port))
        if host not in answers:
            raise OSError(f"{host}: Name or service not known")
        return answers[host]

    return resolve


def subscribe_in_production(stack: Stack, buyer: str, url: str, resolve: Resolver) -> uuid.UUID:
    """What the subscription route does in production, with names resolved by `resolve`."""
    with Session(stack.engine) as session:
        actor = Actor(id=buyer, role=Role.BUYER)
        subscription, _ = create(session, actor, url, ["order.created"], production=True, resolve=resolve)
        session.commit()
        return subscription.id


def test_production_refuses_to_subscribe_a_name_that_resolves_to_any_private_form(stack: Stack, buyer: str) -> None:
    url = "https://hooks.partner.example/tongnan"
    for answer in [[address] for address in NOT_PUBLIC] + [[PUBLIC[0], "127.0.0.1"], ["::ffff:7f00:1", PUBLIC[1]]]:
        with pytest.raises(BadInput) as refused:
            subscribe_in_production(stack, buyer, url, resolving({"hooks.partner.example": answer}))
        assert refused.value.field == "url" and "public host" in refused.value.detail, answer
    with pytest.raises(BadInput) as unknown:
        subscribe_in_production(stack, buyer, url, resolving({}))
    assert unknown.value.field == "url" and "does not resolve" in unknown.value.detail
    assert stack.orders.get("/webhook-subscriptions", headers=as_buyer(buyer)).json() == []
    subscribe_in_production(stack, buyer, url, resolving({"hooks.partner.example": PUBLIC}))
    assert [s["url"] for s in stack.orders.get("/webhook-subscriptions", headers=as_buyer(buyer)).json()] == [url]


def test_production_delivery_refuses_a_name_that_now_resolves_to_loopback(
    stack: Stack, buyer: str, alternator: dict[str, Any], receiver: Receiver
) -> None:
    # Public when subscribed; at delivery the same name answers our own loopback (DNS rebinding).
    host = "hooks.rebinding.example"
    url = f"https://{host}:{receiver.server.port}/hooks/rebound"
    subscription_id = subscribe_in_production(stack, buyer, url, resolving({host: [PUBLIC[0]]}))
    order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
    [placed] = events_of(stack, order["id"])
    later = utcnow()
    for answer in [[address] for address in NOT_PUBLIC] + [[PUBLIC[0], "127.0.0.1"]]:
        later += timedelta(hours=2)  # past the backoff of the attempt before
        resolve = resolving({host: answer})
        assert drive(stack, placed, later, resolve=resolve, webhook_max_attempts=30, **PRODUCTION) == 1
        [delivery] = deliveries(stack, str(subscription_id))
        assert delivery.status == "PENDING" and delivery.last_status_code is None
        assert delivery.last_error == (
            f"RefusedAddress: {host} resolves to {answer[-1]}, which is not a public internet address"
        )
    assert receiver.received("rebound") == []


def test_a_delivery_connects_to_the_address_it_checked_with_the_name_as_host(
    stack: Stack, buyer: str, alternator: dict[str, Any], receiver: Receiver
) -> None:
    # A name no DNS knows: the POST can reach the receiver only at the address the check gave.
    host = "hooks.pinned.test"
    port = receiver.server.port
    sub = subscribe(stack, as_buyer(buyer), f"http://{host}:{port}/hooks/pinned", ["order.created"])
    order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
    [placed] = events_of(stack, order["id"])
    asked: list[tuple[str, int]] = []
    assert drive(stack, placed, utcnow(), resolve=resolving({host: ["127.0.0.1"]}, asked)) == 1
    [call] = receiver.wait("pinned", 1)
    assert call.headers["host"] == f"{host}:{port}"
    assert call.event["type"] == "order.created"
    assert asked == [(host, port)]  # resolved once, for the one connection
    assert [d.status for d in deliveries(stack, sub["id"])] == ["DELIVERED"]
    # The event again (a redelivery): what was delivered is not sent again.
    assert drive(stack, placed, utcnow() + timedelta(hours=1), resolve=resolving({host: ["127.0.0.1"]})) == 0
    assert len(receiver.received("pinned")) == 1


def make_certificate(directory: Path, name: str) -> tuple[Path, Path, Path]:
    """A certificate authority of the test's own and a server certificate for `name` signed by
    it: (authority, certificate, key)."""

    def openssl(command: str) -> None:
        subprocess.run(["openssl", *command.split()], cwd=directory, check=True, capture_output=True)

    (directory / "ca.cnf").write_text(
        "[req]\ndistinguished_name=dn\nprompt=no\nx509_extensions=ca\n[dn]\nCN=Tongnan webhook test authority\n"
        "[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n"
    )
    (directory / "server.ext").write_text(
        f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    openssl("req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -config ca.cnf")
    openssl(f"req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN={name}")
    openssl(
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out server.pem -extfile server.ext"
    )
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


def test_https_to_the_checked_address_verifies_the_certificate_against_the_name(tmp_path: Path) -> None:
    authority, certificate, key = make_certificate(tmp_path, "hooks.pinned.test")
    receiver = Receiver(ssl_certfile=str(certificate), ssl_keyfile=str(key))
    port = receiver.server.port
    # Both names resolve to the receiver; its certificate names only the first.
    resolve = resolving({"hooks.pinned.test": ["127.0.0.1"], "other.pinned.test": ["127.0.0.1"]})

    async def post(url: str) -> int:
        transport = PinnedTransport(
            PinnedNetwork(production=False, resolve=resolve),
            limits=httpx.Limits(),
            verify=ssl.create_default_context(cafile=str(authority)),
        )
        async with httpx.AsyncClient(transport=transport) as client:
            return (await client.post(url, content=b"{}")).status_code

    try:
        assert asyncio.run(post(f"https://hooks.pinned.test:{port}/hooks/tls")) == 200
        [call] = receiver.received("tls")
        assert call.headers["host"] == f"hooks.pinned.test:{port}"
        with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
            asyncio.run(post(f"https://other.pinned.test:{port}/hooks/tls"))
        assert len(receiver.received("tls")) == 1
    finally:
        receiver.server.stop()
