"""No database connection is held across a call to another service or to Stripe on the checkout
path: quote, placeOrder (first attempt, a retry, a double click, a failed attempt), card set-up
and payOrder.

Every pool of the process (the catalog's, certification's and orders' apps are served in this
test process's threads) reports each connection it hands out and takes back, with the thread that
holds it. Every call out, through our `ServiceClient` and through the stripe SDK's HTTP client,
looks whether its own thread holds a connection at that moment, and records a violation if it
does, with the route it was made for. The second test shows the check catches one.

Stripe's webhook and the cancellation, refund and return paths still hold their order's row
lock across their calls (they apply one delivery atomically with its record): they are outside
this proof, and the violations recorded for them are left out by route.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import stripe
from sqlalchemy import event, text
from sqlalchemy.pool import Pool
from sqlmodel import Session

from services.common.http import ServiceClient
from services.common.settings import DEVELOPMENT_INTERNAL_SECRET
from services.orders.clients.catalog import CatalogClient
from tests.orders.factories import Stack, as_buyer

# The routes whose calls out are proven to hold no connection (services/*/api.py functions).
CHECKOUT_ROUTES = {"create_quote", "place_order", "start_card_setup", "pay_order"}


@dataclass
class Violation:
    route: str | None
    call: str


@dataclass
class HeldConnections:
    """Which thread holds which pooled connection now, and the calls out made while holding one."""

    holders: dict[int, int] = field(default_factory=dict)  # id(connection record) -> thread id
    calls: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def checked_out(self, _dbapi: Any, record: Any, _proxy: Any) -> None:
        with self.lock:
            self.holders[id(record)] = threading.get_ident()

    def checked_in(self, _dbapi: Any, record: Any) -> None:
        with self.lock:
            self.holders.pop(id(record), None)

    def calling_out(self, call: str) -> None:
        me = threading.get_ident()
        with self.lock:
            self.calls.append(call)
            if me in self.holders.values():
                self.violations.append(Violation(_route(), call))

    def in_routes(self, routes: set[str]) -> list[Violation]:
        return [v for v in self.violations if v.route in routes]


def _route() -> str | None:
    """The route function (in a services api module) this thread is serving, if any."""
    frame = sys._getframe(2)
    found = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("services.") and module.endswith(".api"):
            found = frame.f_code.co_qualname.split(".")[0]
        frame = frame.f_back  # type: ignore[assignment]
    return found


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldConnections]:
    watch = HeldConnections()
    event.listen(Pool, "checkout", watch.checked_out)
    event.listen(Pool, "checkin", watch.checked_in)

    service_call = ServiceClient.request_sync

    def watched_service_call(self: ServiceClient, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        watch.calling_out(f"{self.name} {method} {path}")
        return service_call(self, method, path, *args, **kwargs)  # type: ignore[arg-type]

    stripe_call = stripe.HTTPXClient.request

    def watched_stripe_call(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        watch.calling_out(f"stripe {method.upper()} {url}")
        return stripe_call(self, method, url, *args, **kwargs)

    monkeypatch.setattr(ServiceClient, "request_sync", watched_service_call)
    monkeypatch.setattr(stripe.HTTPXClient, "request", watched_stripe_call)
    try:
        yield watch
    finally:
        event.remove(Pool, "checkout", watch.checked_out)
        event.remove(Pool, "checkin", watch.checked_in)


def test_quote_place_order_and_pay_hold_no_connection_while_calling_out(
    held: HeldConnections, stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 1)])
    placed = stack.place(buyer, quote["id"], key="no-conn-first")
    assert stack.place(buyer, quote["id"], key="no-conn-first", expect=200)["order"]["id"] == placed["order"]["id"]

    # A double click: eight attempts of one checkout at once.
    second = stack.quote(buyer, [(alternator["id"], 1)])
    body = {"quote_id": second["id"], "idempotency_key": "no-conn-double-click"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = sorted(
            r.status_code
            for r in pool.map(lambda _: stack.orders.post("/orders", json=body, headers=as_buyer(buyer)), range(8))
        )
    assert codes == [200] * 7 + [201]

    # An attempt that fails at the catalog gives its order up (and calls out to do so).
    scarce = stack.part(stack.supplier(), on_hand=1)
    taken = stack.quote("acct-no-conn-other", [(scarce["id"], 1)])
    late = stack.quote(buyer, [(scarce["id"], 1)])
    stack.place("acct-no-conn-other", taken["id"])
    assert stack.place(buyer, late["id"], expect=409)["code"] == "OUT_OF_STOCK"

    stack.pay(buyer, placed["order"]["id"], stack.card(buyer))
    assert stack.wait_status(placed["order"]["id"], "PAID")["payment_status"] == "PAID"

    made = " | ".join(held.calls)
    # The path called out to the catalog (offers, markets, reservations) and to Stripe.
    for call in (
        "catalog POST /parts/offers",
        "catalog POST /parts/markets",
        "catalog POST /reservations",
        "stripe POST",
    ):
        assert call in made, made
    assert "payment_intents" in made and "/confirm" in made, made
    assert held.in_routes(CHECKOUT_ROUTES) == []


def test_the_check_catches_a_connection_held_across_a_call(
    held: HeldConnections, stack: Stack, alternator: dict[str, Any]
) -> None:
    catalog = CatalogClient(str(stack.catalog.base_url), secret=DEVELOPMENT_INTERNAL_SECRET, timeout=10)
    # The stripe SDK with the HTTP client the orders service gives it (payments.StripePayments).
    provider = stripe.StripeClient(
        "sk_test_no_conn",
        base_addresses={"api": stack.localstripe_url},
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
    )
    try:
        with Session(stack.engine) as session:
            session.execute(text("SELECT 1"))  # the session now holds a connection
            catalog.parts([uuid.UUID(alternator["id"])])
            provider.v1.payment_intents.list(params={"limit": 1})
            assert [v.call.split(" ")[0] for v in held.violations] == ["catalog", "stripe"]
            session.commit()  # gives the connection back
            catalog.parts([uuid.UUID(alternator["id"])])
            provider.v1.payment_intents.list(params={"limit": 1})
    finally:
        catalog.close()
    assert len(held.violations) == 2
    assert len(held.calls) == 4
