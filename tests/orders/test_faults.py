"""Faults on a real stack, on PostgreSQL: processes killed and started again mid-stream, and a
database connection dropped in the middle of a request.

The catalog and localstripe run here as processes of their own (started the way `tongnan up`
starts them), so they can be killed with SIGKILL and brought back on the same port; the orders
service under test talks to them. After every fault the stack is settled the way production
settles it (the reconciliation run, the reservation sweep) and checked against the catalog's
and the orders service's own data.
"""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import Connection, text
from sqlmodel import Session, select

from ops.stack import localstripe_command, uvicorn_command
from services.catalog.models import Reservation
from services.catalog.settings import CatalogSettings
from services.common.errors import PROBLEM_JSON
from services.orders.contract.statuses import OrderStatus
from services.orders.finance import ledger
from services.orders.fulfilment.lifecycle import paid_reference
from services.orders.models import LedgerTransaction, Order, OrderLine
from tests.databases import Databases
from tests.harness import free_port, isolated_environment
from tests.orders.factories import SYSTEM, Stack, as_buyer, orders_settings, paid_order, serve_orders

READY_SECONDS = 90.0  # a loaded CI machine takes its time to import an app
# Orders whose units have left stock.
SOLD = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


class Killable:
    """One process of the stack on a fixed loopback port: killed with SIGKILL mid-work (no
    shutdown, no goodbye), then started again on the same port with the same command."""

    def __init__(self, argv: list[str], port: int, ready_path: str, env: dict[str, str], log: Path) -> None:
        self.argv, self.port, self.ready_path, self.env, self.log = argv, port, ready_path, env, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Killable:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + READY_SECONDS
        while True:
            assert self.process.poll() is None, f"{self.argv} exited: see {self.log}"
            try:
                if httpx.get(self.url + self.ready_path, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{self.argv} not ready: see {self.log}"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None and self.process.poll() is None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _process_env(var_dir: Path, **settings: str) -> dict[str, str]:
    env, _ = isolated_environment(str(var_dir), TONGNAN_ENVIRONMENT="test", **settings)
    return env


@pytest.fixture
def catalog_process(databases: Databases, tmp_path: Path) -> Iterator[Killable]:
    """The catalog on the test catalog database, as `tongnan up` runs it; it sweeps only when asked."""
    settings = CatalogSettings(database_url=databases.migrated("catalog"), port=free_port())
    process = Killable(
        uvicorn_command("services.catalog.app:create_app", settings.host, settings.port),
        settings.port,
        "/readyz",
        _process_env(
            tmp_path, TONGNAN_CATALOG_DATABASE_URL=settings.db_url, TONGNAN_CATALOG_SWEEP_INTERVAL_SECONDS="0"
        ),
        tmp_path / "catalog.log",
    )
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture
def localstripe_process(tmp_path: Path) -> Iterator[Killable]:
    """localstripe with a state file of its own: killed and started again, it knows what it
    knew, as Stripe does after an outage."""
    port = free_port()
    process = Killable(
        localstripe_command(port, str(tmp_path / "localstripe.state")),
        port,
        "/js.stripe.com/v3/",
        _process_env(tmp_path),
        tmp_path / "localstripe.log",
    )
    try:
        yield process.start()
    finally:
        process.stop()


def _shop(stack: Stack, orders: httpx.Client, **upstreams: Any) -> Stack:
    """The stack as seen through a second orders process and the upstreams it was given;
    Stripe's events go to that process."""
    shop = dataclasses.replace(stack, orders=orders, orders_url=str(orders.base_url).rstrip("/"), **upstreams)
    shop.point_webhooks_at(f"{shop.orders_url}/webhooks/stripe")
    return shop


@dataclasses.dataclass
class Tally:
    """What the buyers of a stream saw: checkouts paid, and refusals by (step, status, code)."""

    paid: list[str] = dataclasses.field(default_factory=list)
    refused: Counter[tuple[str, int, str]] = dataclasses.field(default_factory=Counter)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def refuse(self, step: str, response: httpx.Response) -> None:
        # Whatever failed, the buyer got a problem response saying what, never a bare 500.
        assert response.headers.get("content-type") == PROBLEM_JSON, (step, response.status_code, response.text)
        with self.lock:
            self.refused[(step, response.status_code, str(response.json()["code"]))] += 1

    def paid_count(self) -> int:
        with self.lock:
            return len(self.paid)

    def refused_count(self) -> int:
        with self.lock:
            return sum(self.refused.values())


def _checkout(shop: Stack, buyer: str, part_id: str, quantity: int, tally: Tally) -> bool:
    """One buyer's checkout, as the storefront drives it: quote, place, card, pay; whether it paid."""
    headers = as_buyer(buyer)
    body = {"lines": [{"part_id": part_id, "quantity": quantity}], "destination_country": "DE"}
    quoted = shop.orders.post("/quotes", json=body | {"incoterm": "DDP", "currency": "EUR"}, headers=headers)
    if quoted.status_code != 201:
        tally.refuse("quote", quoted)
        return False
    key = f"checkout-{uuid.uuid4()}"
    placed = shop.orders.post(
        "/orders", json={"quote_id": quoted.json()["id"], "idempotency_key": key}, headers=headers
    )
    if placed.status_code != 201:
        tally.refuse("place", placed)
        return False
    order_id = placed.json()["order"]["id"]
    paying = shop.orders.post(f"/orders/{order_id}/pay", json={"payment_method_id": shop.card(buyer)}, headers=headers)
    if paying.status_code != 200:
        tally.refuse("pay", paying)
        return False
    with tally.lock:
        tally.paid.append(order_id)
    return True


def _wait_for(condition: Any, what: str, timeout: float = 30.0, alongside: Sequence[Future[None]] = ()) -> None:
    """Until `condition()` holds; a thread of `alongside` that failed fails the wait with its error."""
    deadline = time.monotonic() + timeout
    while not condition():
        for future in alongside:
            if future.done():
                future.result()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _reconcile(client: httpx.Client) -> dict[str, int]:
    response = client.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _sweep(client: httpx.Client) -> None:
    response = client.post("/reservations/sweep", headers=SYSTEM)
    assert response.status_code == 200, response.text


def assert_stock_matches_orders(stack: Stack, on_hand: dict[str, int]) -> None:
    """The invariants between the two services' data once everything is settled: no order is
    left pending; each part's sold units are exactly the units of its paid orders, and nothing
    stays reserved; a paid order has its reservation committed and its payment booked; a
    cancelled order has no reservation left holding stock and no money kept at Stripe."""
    with Session(stack.engine) as session:
        orders = list(session.scalars(select(Order)))
        lines = list(session.scalars(select(OrderLine)))
        booked = set(session.scalars(select(LedgerTransaction.reference)))
    with Session(stack.catalog_engine) as session:
        reservations = {r.idempotency_key: r for r in session.scalars(select(Reservation))}
    assert [o.id for o in orders if o.status == OrderStatus.PENDING_PAYMENT] == []
    paid = {o.id: o for o in orders if o.status in SOLD}
    for order in paid.values():
        reservation = reservations.get(order.reservation_key)
        assert reservation is not None and reservation.status == "COMMITTED", (order.id, reservation)
        assert paid_reference(order) in booked, order.id
        assert stack.stripe.v1.payment_intents.retrieve(str(order.payment_intent_id))["status"] == "succeeded"
    for order in orders:
        if order.status == OrderStatus.CANCELLED:
            reservation = reservations.get(order.reservation_key)
            # Released unsold, or sold and put back on sale once the money went back.
            assert reservation is None or reservation.status in ("RELEASED", "EXPIRED", "RESTOCKED"), order.id
            if order.payment_intent_id is None:
                continue  # abandoned before it had an intent: nothing was asked of Stripe
            intent = stack.stripe.v1.payment_intents.retrieve(str(order.payment_intent_id))
            assert intent["status"] != "succeeded" or order.refunded == order.total, order.id
    assert [r.idempotency_key for r in reservations.values() if r.status == "ACTIVE"] == []
    sold: Counter[str] = Counter()
    for line in lines:
        if line.order_id in paid:
            sold[str(line.part_id)] += line.quantity
    for part_id, units in on_hand.items():
        assert stack.stock(part_id) == {
            "on_hand": units - sold[part_id],
            "reserved": 0,
            "available": units - sold[part_id],
        }, part_id


def _wait_until_blocked(connection: Connection, database: str, statement: str, timeout: float = 15.0) -> None:
    """Until another backend of `database` waits for a lock in a statement starting `statement`
    (the request behind the lock this connection holds)."""
    deadline = time.monotonic() + timeout
    while True:
        # Within a transaction the server answers from one snapshot of its statistics unless told.
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        waiting = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'"
                " AND pid <> pg_backend_pid() AND starts_with(query, :statement)"
            ),
            {"db": database, "statement": statement},
        )
        if waiting:
            return
        assert time.monotonic() < deadline, "the request never reached the locked row"
        time.sleep(0.05)


def _drop_other_connections(connection: Connection, database: str) -> int:
    """What a database restart or a network cut does to a service: every connection of its but
    ours terminated by the server."""
    return int(
        connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        )
        or 0
    )


@pytest.mark.postgres_only
def test_a_database_connection_dropped_mid_request_fails_cleanly_and_the_next_request_succeeds(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 2)])
    order = stack.place(buyer, quote["id"])["order"]
    intent_id = order["payment_intent_id"]
    database = str(stack.engine.url.database)

    # The cancellation must lock the order row first; holding that lock keeps it in flight.
    with stack.engine.connect() as holder, ThreadPoolExecutor(max_workers=1) as pool:
        holder.execute(text("SELECT id FROM orders WHERE id = :id FOR UPDATE"), {"id": order["id"]})
        pending = pool.submit(stack.orders.post, f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
        _wait_until_blocked(holder, database, "UPDATE orders")
        assert _drop_other_connections(holder, database) >= 1
        dropped = pending.result(timeout=30)
        holder.rollback()

    assert dropped.status_code == 503, dropped.text
    assert dropped.headers["content-type"] == PROBLEM_JSON
    problem = dropped.json()
    assert problem["code"] == "DATABASE_UNAVAILABLE" and "try again" in problem["detail"]
    assert dropped.headers["retry-after"] == "1"
    # Nothing of the cancellation happened: not the order's change, not the release, not Stripe's.
    assert stack.order(order["id"])["status"] == "PENDING_PAYMENT"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 2, "available": 3}
    assert stack.stripe.v1.payment_intents.retrieve(intent_id)["status"] == "requires_payment_method"

    again = stack.orders.post(f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "CANCELLED"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}
    assert stack.stripe.v1.payment_intents.retrieve(intent_id)["status"] == "canceled"


@pytest.mark.postgres_only
def test_a_database_connection_dropped_at_the_end_of_place_order_leaves_it_reserving_and_the_retry_places_it_once(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    quote = stack.quote(buyer, [(alternator["id"], 2)])
    body = {"quote_id": quote["id"], "idempotency_key": f"checkout-{uuid.uuid4()}"}
    database = str(stack.engine.url.database)

    # The order's last write, its outbox event, waits on the table; by then the order is
    # committed RESERVING, the catalog has reserved the units and Stripe has made the intent.
    with stack.engine.connect() as holder, ThreadPoolExecutor(max_workers=1) as pool:
        holder.execute(text("LOCK TABLE outbox_event IN EXCLUSIVE MODE"))
        pending = pool.submit(stack.orders.post, "/orders", json=body, headers=as_buyer(buyer))
        _wait_until_blocked(holder, database, "INSERT INTO outbox_event")
        assert _drop_other_connections(holder, database) >= 1
        dropped = pending.result(timeout=30)
        holder.rollback()

    assert dropped.status_code == 503, dropped.text
    assert dropped.json()["code"] == "DATABASE_UNAVAILABLE"
    with Session(stack.engine) as session:
        assert [o.status for o in session.scalars(select(Order))] == ["RESERVING"]
    assert stack.stock(alternator["id"])["reserved"] == 2  # held for the RESERVING order

    assert _reconcile(stack.orders)["reservations_released"] == 0  # it has an order
    placed = stack.place(buyer, quote["id"], body["idempotency_key"])  # the buyer's retry
    assert placed["order"]["status"] == "PENDING_PAYMENT"
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 2, "available": 3}  # the same hold


BUYERS = 4
UNITS = 40


@pytest.mark.postgres_only
def test_the_catalog_killed_during_a_stream_of_checkouts_leaves_no_paid_order_unsold_and_nothing_reserved(
    stack: Stack, databases: Databases, catalog_process: Killable
) -> None:
    supplier = stack.supplier()
    parts = [stack.part(supplier, on_hand=UNITS)["id"] for _ in range(3)]
    # A checkout whose reservation the catalog committed just before it was killed keeps its
    # order RESERVING (its release could not be sent) until the reconcile job abandons it: after
    # a second here, so that the run below settles it.
    settings = orders_settings(stack, databases, catalog_url=catalog_process.url, checkout_abandon_seconds=1)
    with serve_orders(settings) as orders, httpx.Client(base_url=catalog_process.url, timeout=30) as catalog:
        shop = _shop(stack, orders, catalog=catalog)
        tally = Tally()
        stop = threading.Event()

        def buyer(n: int) -> None:
            choose = random.Random(n)  # the same choices on every run
            while not stop.is_set():
                if not _checkout(shop, f"acct-stream-{n}", choose.choice(parts), choose.randint(1, 2), tally):
                    time.sleep(0.1)  # a buyer's next try comes a moment later

        # Placed while the catalog is up, paid while it is dead: Stripe takes the money, and
        # the order may not turn PAID before its units are committed.
        waiting = shop.place("acct-stream-late", shop.quote("acct-stream-late", [(parts[0], 1)])["id"])["order"]

        with ThreadPoolExecutor(max_workers=BUYERS) as pool:
            running = [pool.submit(buyer, n) for n in range(BUYERS)]
            try:
                _wait_for(lambda: tally.paid_count() >= BUYERS, "checkouts before the kill", alongside=running)
                catalog_process.kill()
                dead_since, refused_before = time.monotonic(), tally.refused_count()
                shop.pay("acct-stream-late", waiting["id"], shop.card("acct-stream-late"))
                _wait_for(
                    lambda: tally.refused_count() >= refused_before + BUYERS and time.monotonic() > dead_since + 1,
                    "checkouts refused while it is dead",
                    alongside=running,
                )
                # Stripe took the money, but whenever its event came, the units could not be committed.
                assert shop.order(waiting["id"])["status"] == "PENDING_PAYMENT"
                paid_while_dead = tally.paid_count()
                catalog_process.start()
                _wait_for(
                    lambda: tally.paid_count() >= paid_while_dead + BUYERS,
                    "checkouts after the restart",
                    alongside=running,
                )
            finally:
                stop.set()
            for future in running:
                future.result(timeout=60)

        refusals = {(step, status, code) for step, status, code in tally.refused}
        assert refusals <= {
            ("quote", 503, "UPSTREAM_UNAVAILABLE"),
            ("place", 503, "UPSTREAM_UNAVAILABLE"),
        }, tally.refused

        time.sleep(1.1)  # every checkout left RESERVING is past checkout_abandon_seconds
        _reconcile(orders)
        _sweep(catalog)
        assert shop.order(waiting["id"])["status"] == "PAID"
        assert_stock_matches_orders(shop, dict.fromkeys(parts, UNITS))


@pytest.mark.postgres_only
def test_localstripe_killed_at_place_order_pay_and_refund_fails_cleanly_and_reconciliation_settles_it_once_back(
    stack: Stack, databases: Databases, localstripe_process: Killable
) -> None:
    supplier = stack.supplier()
    part = stack.part(supplier, on_hand=10)
    settings = orders_settings(stack, databases, stripe_api_base=localstripe_process.url)
    dashboard = stripe.StripeClient(
        "sk_test_dashboard", base_addresses={"api": localstripe_process.url}, max_network_retries=0
    )
    with serve_orders(settings) as orders:
        shop = _shop(stack, orders, localstripe_url=localstripe_process.url, stripe=dashboard)
        paid = paid_order(shop, "acct-refunded", part, 2)
        unpaid = shop.place("acct-paying", shop.quote("acct-paying", [(part["id"], 3)])["id"])["order"]
        card = shop.card("acct-paying")
        placing = shop.quote("acct-placing", [(part["id"], 1)])
        before = shop.stock(part["id"])
        assert before == {"on_hand": 8, "reserved": 3, "available": 5}

        localstripe_process.kill()

        # placeOrder: the units it reserved are given back and no order is left behind.
        key = f"checkout-{uuid.uuid4()}"
        body = {"quote_id": placing["id"], "idempotency_key": key}
        placed = orders.post("/orders", json=body, headers=as_buyer("acct-placing"))
        assert placed.status_code == 503, placed.text
        assert placed.headers["content-type"] == PROBLEM_JSON
        assert placed.json()["code"] == "UPSTREAM_UNAVAILABLE" and "payment provider" in placed.json()["detail"]
        assert shop.stock(part["id"]) == before
        with Session(stack.engine) as session:
            assert session.scalars(select(Order).where(Order.buyer_id == "acct-placing")).all() == []

        # Paying: refused, the order still waiting for its payment with its units reserved.
        paying = orders.post(
            f"/orders/{unpaid['id']}/pay", json={"payment_method_id": card}, headers=as_buyer("acct-paying")
        )
        assert paying.status_code == 503 and paying.json()["code"] == "UPSTREAM_UNAVAILABLE", paying.text
        assert shop.order(unpaid["id"])["status"] == "PENDING_PAYMENT"

        # A refund at cancellation: the cancellation is recorded, the money and units stay put.
        cancel = orders.post(f"/orders/{paid['id']}/cancel", headers=as_buyer("acct-refunded"))
        assert cancel.status_code == 503, cancel.text
        assert cancel.json()["code"] == "UPSTREAM_UNAVAILABLE" and "refund" in cancel.json()["detail"]
        waiting = shop.order(paid["id"])
        assert waiting["status"] == "PAID" and waiting["payment_status"] == "PAID"
        assert waiting["cancel_requested_at"] is not None and waiting["attention"].startswith("the refund failed")
        assert shop.stock(part["id"]) == before
        assert shop.balance(ledger.STRIPE, "EUR") == paid["total"]["amount"]

        # The scheduler's run while Stripe is still down changes nothing.
        still = _reconcile(orders)
        assert still["cancellations_pending"] == 1 and still["cancellations_finished"] == 0, still
        assert shop.order(paid["id"])["status"] == "PAID" and shop.stock(part["id"]) == before

        localstripe_process.start()

        # The buyers try again: the same checkout key now places the order, the payment goes through.
        again = orders.post("/orders", json=body, headers=as_buyer("acct-placing"))
        assert again.status_code == 201, again.text
        shop.pay("acct-paying", unpaid["id"], card)
        assert shop.wait_status(unpaid["id"], "PAID")["payment_status"] == "PAID"

        # The next run finishes the cancellation: refunded once, then the units back on sale;
        # the order placed on retry and never paid is cancelled and its units released.
        settled = _reconcile(orders)
        assert settled["cancellations_finished"] == 1 and settled["cancellations_pending"] == 0, settled
        done = shop.order(paid["id"])
        assert done["status"] == "CANCELLED" and done["payment_status"] == "REFUNDED" and done["attention"] is None
        refunds = dashboard.v1.refunds.list(params={"payment_intent": paid["payment_intent_id"]}).data
        assert [r["amount"] for r in refunds] == [paid["total"]["amount"]]
        assert shop.order(again.json()["order"]["id"])["status"] == "CANCELLED"
        assert_stock_matches_orders(shop, {part["id"]: 10})
        assert shop.stock(part["id"]) == {"on_hand": 7, "reserved": 0, "available": 7}


@pytest.mark.postgres_only
def test_a_reservation_the_catalog_made_after_place_order_gave_up_on_it_is_the_one_its_retry_takes(
    stack: Stack, databases: Databases, catalog_process: Killable
) -> None:
    part = stack.part(stack.supplier(), on_hand=5)
    settings = orders_settings(stack, databases, catalog_url=catalog_process.url)
    with serve_orders(settings) as orders, httpx.Client(base_url=catalog_process.url, timeout=30) as catalog:
        shop = _shop(stack, orders, catalog=catalog)
        quote = shop.quote("acct-slow", [(part["id"], 1)])
        key = f"checkout-{uuid.uuid4()}"

        # The catalog stalls on the part's stock row past the orders service's timeout, then
        # goes on and reserves: after placeOrder, told by the catalog that it held nothing yet,
        # gave its RESERVING order up.
        with stack.catalog_engine.connect() as holder:
            holder.execute(text("SELECT part_id FROM stock WHERE part_id = :id FOR UPDATE"), {"id": part["id"]})
            gave_up = orders.post(
                "/orders", json={"quote_id": quote["id"], "idempotency_key": key}, headers=as_buyer("acct-slow")
            )
            holder.rollback()
        assert gave_up.status_code == 503 and gave_up.json()["code"] == "UPSTREAM_UNAVAILABLE", gave_up.text
        _wait_for(lambda: shop.stock(part["id"])["reserved"] == 1, "the catalog to finish the reservation")
        with Session(stack.engine) as session:
            assert session.scalars(select(Order)).all() == []

        # The buyer tries again with the same key: the same catalog key, so the same hold, and
        # pays; the catalog is killed and started again meanwhile.
        order = shop.place("acct-slow", quote["id"], key)["order"]
        assert shop.stock(part["id"]) == {"on_hand": 5, "reserved": 1, "available": 4}
        shop.pay("acct-slow", order["id"], shop.card("acct-slow"))
        shop.wait_status(order["id"], "PAID")
        catalog_process.kill()
        catalog_process.start()
        assert shop.stock(part["id"]) == {"on_hand": 4, "reserved": 0, "available": 4}

        assert _reconcile(orders)["reservations_released"] == 0
        _sweep(catalog)
        assert_stock_matches_orders(shop, {part["id"]: 5})
