"""Stock, orders and the ledger as one state machine, driven by hypothesis against the real stack.

Every example lists two fresh parts of one certified supplier and runs the steps a marketplace
meets: the supplier sets stock, a buyer places orders (reserving units), pays with a good card or
through an intent whose amount or currency was changed at Stripe, the buyer or an admin cancels,
an admin refunds in part, reservations lapse and the catalog sweeps them, and the reconciliation
run asks Stripe what happened. localstripe's webhooks go nowhere, so each payment outcome reaches
the orders service only through reconciliation, at a step the machine chose: the run is
deterministic. A model says what every step must answer and leave behind.

After every step, from the catalog's and the orders' databases and from Stripe itself:
- per part: units sold + units reserved <= units ever put on hand, and none available below zero;
- every ledger transaction balances, and what the ledger holds on Stripe's clearing account for
  an order is what Stripe took for it less what Stripe refunded;
- each order is in exactly one status, reached by a path of allowed transitions;
- no PAID order without its money: its payment booked under `order:<id>:paid` and its intent
  succeeded at Stripe for the order's amount and currency.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import update
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.catalog.models import Reservation, ReservationLine, Stock
from services.common.clock import utcnow
from services.orders.contract.statuses import LineStatus, OrderStatus, PaymentStatus
from services.orders.finance import ledger
from services.orders.fulfilment import status as order_status
from services.orders.models import LedgerPosting, LedgerTransaction, Order, OrderLine, OrderStatusChange
from tests.databases import Databases
from tests.factories import as_supplier
from tests.harness import Served, free_port
from tests.orders.factories import ADMIN, SYSTEM, Stack, as_buyer, orders_settings, paid_order, serve_orders

# 200 examples of up to 8 steps each, measured on a shared 2-core machine: about 60-80 s on
# PostgreSQL and less on SQLite; more steps per example would not fit a 90 s budget.
SETTINGS = settings(
    max_examples=200,
    stateful_step_count=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
MAX_ORDERS = 4  # per example: enough to compete for stock, few enough to check every step
CURRENCY = "EUR"
STRIPE_STATUSES = {
    "open": {"requires_payment_method", "requires_confirmation"},
    "succeeded": {"succeeded"},
    "canceled": {"canceled"},
}


@dataclass
class PartModel:
    id: str
    on_hand: int
    reserved: int = 0
    supplied: int = 0  # units ever put on hand: the listing's stock and every increase since

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass
class OrderModel:
    id: str
    intent_id: str
    lines: list[tuple[PartModel, int]]
    total: int
    status: str = OrderStatus.PENDING_PAYMENT
    payment: str = PaymentStatus.UNPAID
    reservation: str = "ACTIVE"  # the catalog's reservation for the order
    intent: str = "open"  # at Stripe: open, succeeded or canceled
    asks: tuple[int, str] = (0, CURRENCY)  # what the intent asks: the order's total unless changed
    taken: tuple[int, str] | None = None  # what Stripe took
    booked: bool = False  # whether the orders service has booked what Stripe took
    refunded: int = 0  # the order's own money given back (the order's `refunded`)
    refunded_at_stripe: int = 0  # every refund Stripe made on the intent

    @property
    def matches(self) -> bool:
        return self.taken == (self.total, CURRENCY)


@dataclass
class StripeView:
    """An intent as Stripe reports it, with the refunds Stripe made on it."""

    status: str
    amount: int
    currency: str
    refunded: int

    @property
    def clearing(self) -> dict[str, int]:
        """What should sit on the clearing account for it: taken less refunded."""
        held = (self.amount if self.status == "succeeded" else 0) - self.refunded
        return {self.currency: held} if held else {}


@dataclass
class World:
    """What the examples share: the stack, one certified supplier, and a count of examples run."""

    stack: Stack
    supplier_id: str
    examples: int = 0
    steps: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class StockOrdersLedger(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.stack = world.stack
        self.buyer = f"acct-buyer-{uuid.uuid4().hex[:10]}"
        self.parts: list[PartModel] = []
        self.orders: list[OrderModel] = []
        self.card: str | None = None
        self.stripe_views: dict[str, StripeView] = {}
        self.touched: set[str] = set()  # orders a step acted on: Stripe is asked about them again
        world.examples += 1

    # --- helpers -------------------------------------------------------------------------------

    def _card(self) -> str:
        if self.card is None:
            self.card = self.stack.card(self.buyer)
        return self.card

    def _expect(self, response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
        assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
        body: dict[str, Any] = response.json()
        if code is not None:
            assert body["code"] == code, body
        return body

    def _step(self, name: str) -> None:
        self.world.steps[name] += 1
        self.touched.clear()

    def _release(self, order: OrderModel) -> None:
        """The order will not be paid: its units back on sale (a lapsed reservation already is)."""
        if order.reservation == "ACTIVE":
            for part, quantity in order.lines:
                part.reserved -= quantity
            order.reservation = "RELEASED"

    def _commit(self, order: OrderModel) -> bool:
        """The payment is applied: the reservation committed, or taken again if it lapsed."""
        if order.reservation == "EXPIRED" and any(quantity > part.available for part, quantity in order.lines):
            return False
        for part, quantity in order.lines:
            if order.reservation == "ACTIVE":
                part.reserved -= quantity
            part.on_hand -= quantity
        order.reservation = "COMMITTED"
        return True

    def _apply_payment(self, order: OrderModel) -> None:
        """The orders service learns that Stripe took the money for a pending order."""
        order.booked = True
        if order.payment == PaymentStatus.REVIEW or not order.matches:
            order.payment = PaymentStatus.REVIEW  # held: the money booked as unmatched
        elif self._commit(order):
            order.status, order.payment = OrderStatus.PAID, PaymentStatus.PAID
        else:
            # Paid after the reservation lapsed and the units sold: the money goes straight back.
            self._refund_all_at_stripe(order)
            order.refunded, order.payment = order.total, PaymentStatus.REFUNDED
            order.status = OrderStatus.CANCELLED

    def _refund_all_at_stripe(self, order: OrderModel) -> None:
        assert order.taken is not None
        order.refunded_at_stripe = order.taken[0]

    # --- rules ---------------------------------------------------------------------------------

    @initialize(stocks=st.tuples(st.integers(1, 4), st.integers(1, 4)))
    def list_parts(self, stocks: tuple[int, int]) -> None:
        for on_hand in stocks:
            created = self.stack.part(self.world.supplier_id, on_hand=on_hand, price_cny=10_000 + on_hand)
            self.parts.append(PartModel(id=created["id"], on_hand=on_hand, supplied=on_hand))

    @precondition(lambda self: bool(self.orders))  # before any order it only restates the listing
    @rule(data=st.data(), on_hand=st.integers(0, 6))
    def set_stock(self, data: st.DataObject, on_hand: int) -> None:
        self._step("set_stock")
        part = data.draw(st.sampled_from(self.parts), label="part")
        response = self.stack.catalog.put(
            f"/parts/{part.id}/stock", json={"on_hand": on_hand}, headers=as_supplier(self.world.supplier_id)
        )
        if on_hand < part.reserved:
            body = self._expect(response, 409, "CONFLICT")
            assert body["field"] == "on_hand"
            return
        body = self._expect(response, 200)
        part.supplied += max(0, on_hand - part.on_hand)
        part.on_hand = on_hand
        assert (body["on_hand"], body["reserved"], body["available"]) == (on_hand, part.reserved, part.available)

    @precondition(lambda self: len(self.orders) < MAX_ORDERS)
    @rule(data=st.data())
    def place_order(self, data: st.DataObject) -> None:
        self._step("place_order")
        chosen = data.draw(st.sampled_from([[0], [1], [0, 1]]), label="parts")
        lines = [(self.parts[i], data.draw(st.integers(1, 3), label="quantity")) for i in chosen]
        body = {
            "lines": [{"part_id": part.id, "quantity": quantity} for part, quantity in lines],
            "destination_country": "DE",
            "incoterm": "DDP",
            "currency": CURRENCY,
        }
        quoted = self.stack.orders.post("/quotes", json=body, headers=as_buyer(self.buyer))
        if any(quantity > part.available for part, quantity in lines):
            problem = self._expect(quoted, 422, "PART_NOT_AVAILABLE")
            assert problem["field"].startswith("lines.")
            return
        quote = self._expect(quoted, 201)
        placed = self.stack.orders.post(
            "/orders",
            json={"quote_id": quote["id"], "idempotency_key": f"checkout-{uuid.uuid4()}"},
            headers=as_buyer(self.buyer),
        )
        order = self._expect(placed, 201)["order"]
        assert (order["status"], order["payment_status"]) == ("PENDING_PAYMENT", "UNPAID")
        for part, quantity in lines:
            part.reserved += quantity
        total = int(order["total"]["amount"])
        self.orders.append(
            OrderModel(
                id=order["id"],
                intent_id=order["payment_intent_id"],
                lines=lines,
                total=total,
                asks=(total, CURRENCY),
            )
        )
        self.touched.add(order["id"])

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        """payOrder with a good card: Stripe takes the money; the order waits for reconciliation."""
        self._step("pay")
        order = data.draw(st.sampled_from(self.orders), label="order")
        self.touched.add(order.id)
        response = self.stack.orders.post(
            f"/orders/{order.id}/pay", json={"payment_method_id": self._card()}, headers=as_buyer(self.buyer)
        )
        if order.status != OrderStatus.PENDING_PAYMENT:
            self._expect(response, 409, "INVALID_TRANSITION")
            return
        if order.payment == PaymentStatus.REVIEW:
            self._expect(response, 409, "PAYMENT_HELD_FOR_REVIEW")
            return
        if order.asks != (order.total, CURRENCY):
            # The intent asks another amount or currency: nothing is charged, or what was taken
            # is booked as unmatched; either way the order is held for review.
            self._expect(response, 409, "PAYMENT_HELD_FOR_REVIEW")
            order.payment = PaymentStatus.REVIEW
            if order.taken is not None:
                order.booked = True
            return
        self._expect(response, 200)
        if order.intent == "open":
            order.intent, order.taken = "succeeded", order.asks

    @precondition(lambda self: any(o.intent == "open" for o in self.orders))
    @rule(data=st.data(), change=st.sampled_from(["amount", "currency"]), confirm=st.booleans())
    def pay_changed_intent(self, data: st.DataObject, change: str, confirm: bool) -> None:
        """Someone holding the client secret changes the intent at Stripe, then either confirms it
        there or pays through us."""
        self._step(f"pay_changed_intent:{confirm}")
        order = data.draw(st.sampled_from([o for o in self.orders if o.intent == "open"]), label="order")
        self.touched.add(order.id)
        params: dict[str, Any] = {"amount": 50} if change == "amount" else {"currency": "usd"}
        self.stack.stripe.v1.payment_intents.update(order.intent_id, params=params)  # type: ignore[arg-type]
        order.asks = (50, order.asks[1]) if change == "amount" else (order.asks[0], "USD")
        if confirm:
            self.stack.stripe.v1.payment_intents.update(order.intent_id, params={"payment_method": self._card()})
            self.stack.stripe.v1.payment_intents.confirm(order.intent_id)
            order.intent, order.taken = "succeeded", order.asks
            return
        response = self.stack.orders.post(
            f"/orders/{order.id}/pay", json={"payment_method_id": self._card()}, headers=as_buyer(self.buyer)
        )
        self._expect(response, 409, "PAYMENT_HELD_FOR_REVIEW")
        order.payment = PaymentStatus.REVIEW

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data(), by_admin=st.booleans())
    def cancel(self, data: st.DataObject, by_admin: bool) -> None:
        self._step("cancel")
        order = data.draw(st.sampled_from(self.orders), label="order")
        self.touched.add(order.id)
        response = self.stack.orders.post(
            f"/orders/{order.id}/cancel", headers=ADMIN if by_admin else as_buyer(self.buyer)
        )
        if order.status == OrderStatus.CANCELLED:
            self._expect(response, 409, "INVALID_TRANSITION")
            return
        self._expect(response, 200)
        if order.status == OrderStatus.PENDING_PAYMENT and order.intent == "succeeded" and not order.booked:
            # Stripe took money the orders service had not heard of: applied first, then given back.
            self._apply_payment(order)
        if order.status == OrderStatus.CANCELLED:
            return
        if order.status == OrderStatus.PAID:
            # Refunded first, then the sold units back on sale.
            self._refund_all_at_stripe(order)
            order.refunded, order.payment = order.total, PaymentStatus.REFUNDED
            for part, quantity in order.lines:
                part.on_hand += quantity
            order.reservation, order.status = "RESTOCKED", OrderStatus.CANCELLED
            return
        if order.booked:
            # A payment held for review: what was taken goes back whole.
            self._refund_all_at_stripe(order)
            order.payment = PaymentStatus.REFUNDED
        else:
            order.intent = "canceled"
            if order.payment == PaymentStatus.REVIEW:
                order.payment = PaymentStatus.FAILED
        self._release(order)
        order.status = OrderStatus.CANCELLED

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data(), percent=st.integers(1, 110))
    def refund_in_part(self, data: st.DataObject, percent: int) -> None:
        """An admin's goodwill refund of part of an order."""
        self._step("refund_in_part")
        order = data.draw(st.sampled_from(self.orders), label="order")
        self.touched.add(order.id)
        amount = max(1, order.total * percent // 100)
        response = self.stack.orders.post(
            f"/orders/{order.id}/refunds",
            json={"amount": amount, "reason": "goodwill", "idempotency_key": f"refund-{uuid.uuid4()}"},
            headers=ADMIN,
        )
        if order.payment not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
            self._expect(response, 409, "CONFLICT")
            return
        if amount > order.total - order.refunded:
            problem = self._expect(response, 409, "CONFLICT")
            assert problem["field"] == "amount"
            return
        self._expect(response, 201)
        order.refunded += amount
        order.refunded_at_stripe += amount
        order.payment = PaymentStatus.REFUNDED if order.refunded == order.total else PaymentStatus.PARTIALLY_REFUNDED

    @precondition(lambda self: any(o.reservation == "ACTIVE" for o in self.orders))
    @rule()
    def lapse_reservations(self) -> None:
        """The buyer takes longer than a reservation lives: the catalog's sweep expires them."""
        self._step("lapse_reservations")
        ours = [o.id for o in self.orders]
        with Session(self.stack.catalog_engine) as session:
            session.execute(
                update(Reservation)
                .where(col(Reservation.order_ref).in_(ours), col(Reservation.status) == "ACTIVE")
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            session.commit()
        self._expect(self.stack.catalog.post("/reservations/sweep", headers=SYSTEM), 200)
        lapsing = [o for o in self.orders if o.reservation == "ACTIVE"]
        # The served catalog also sweeps on its own timer, so this call may find them gone already:
        # what counts is that none of them is still active.
        with Session(self.stack.catalog_engine) as session:
            still_active = session.scalars(
                select(Reservation.order_ref).where(
                    col(Reservation.order_ref).in_([o.id for o in lapsing]), col(Reservation.status) == "ACTIVE"
                )
            ).all()
        assert still_active == []
        for order in lapsing:
            for part, quantity in order.lines:
                part.reserved -= quantity
            order.reservation = "EXPIRED"

    @precondition(lambda self: any(o.status == OrderStatus.PENDING_PAYMENT for o in self.orders))
    @rule()
    def reconcile(self) -> None:
        """The scheduler's run: every pending order is settled by what Stripe says, oldest first."""
        self._step("reconcile")
        self._expect(
            self.stack.orders.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM), 200
        )
        for order in self.orders:
            if order.status != OrderStatus.PENDING_PAYMENT or order.booked:
                continue  # settled, or held for review with its money booked: left to an admin
            self.touched.add(order.id)
            if order.intent == "succeeded":
                self._apply_payment(order)
            elif order.payment != PaymentStatus.REVIEW:
                order.intent = "canceled"
                self._release(order)
                order.status, order.payment = OrderStatus.CANCELLED, PaymentStatus.FAILED

    def teardown(self) -> None:
        """Orders left pending are cancelled, so the next example's reconciliation runs only over
        its own (it settles every pending order in the database)."""
        for order in self.orders:
            if order.status == OrderStatus.PENDING_PAYMENT:
                self._expect(self.stack.orders.post(f"/orders/{order.id}/cancel", headers=ADMIN), 200)

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def stock_is_never_oversold(self) -> None:
        if not self.parts:
            return
        ids = [uuid.UUID(p.id) for p in self.parts]
        with Session(self.stack.catalog_engine) as session:
            stock = {s.part_id: s for s in session.scalars(select(Stock).where(col(Stock.part_id).in_(ids)))}
            units: dict[tuple[uuid.UUID, str], int] = defaultdict(int)
            for part_id, status, quantity in session.execute(
                select(ReservationLine.part_id, Reservation.status, ReservationLine.quantity)
                .join(Reservation, col(Reservation.id) == col(ReservationLine.reservation_id))
                .where(col(ReservationLine.part_id).in_(ids))
            ):
                units[(part_id, status)] += quantity
            # An order's latest reservation: the one taken again at payment if the first lapsed.
            latest = {
                order_ref: status
                for order_ref, status in session.execute(
                    select(Reservation.order_ref, Reservation.status)
                    .where(col(Reservation.order_ref).in_([o.id for o in self.orders]))
                    .order_by(col(Reservation.created_at))
                )
            }
        for order in self.orders:
            assert latest[order.id] == order.reservation, f"order {order.id}: reservation {latest[order.id]}"
        for part in self.parts:
            row = stock[uuid.UUID(part.id)]
            sold, active = units[(row.part_id, "COMMITTED")], units[(row.part_id, "ACTIVE")]
            assert row.reserved == active, f"part {part.id}: {row.reserved} reserved, {active} in active reservations"
            assert sold + row.reserved <= part.supplied, f"part {part.id}: {sold} sold + {row.reserved} reserved"
            assert row.on_hand - row.reserved >= 0
            assert (row.on_hand, row.reserved) == (part.on_hand, part.reserved), f"part {part.id}"

    @invariant()
    def orders_are_each_in_one_status_reached_by_allowed_steps(self) -> None:
        if not self.orders:
            return
        ids = [uuid.UUID(o.id) for o in self.orders]
        with Session(self.stack.engine) as session:
            rows = {o.id: o for o in session.scalars(select(Order).where(col(Order.id).in_(ids)))}
            history: dict[uuid.UUID, list[OrderStatusChange]] = defaultdict(list)
            for change in session.scalars(
                select(OrderStatusChange)
                .where(col(OrderStatusChange.order_id).in_(ids))
                .order_by(col(OrderStatusChange.at))
            ):
                history[change.order_id].append(change)
            lines: dict[uuid.UUID, set[str]] = defaultdict(set)
            for order_id, line_status in session.execute(
                select(OrderLine.order_id, OrderLine.status).where(col(OrderLine.order_id).in_(ids))
            ):
                lines[order_id].add(line_status)
        for model in self.orders:
            row = rows[uuid.UUID(model.id)]
            assert (row.status, row.payment_status, row.refunded) == (model.status, model.payment, model.refunded), (
                f"order {model.id}: {row.status}/{row.payment_status}/{row.refunded}, "
                f"expected {model.status}/{model.payment}/{model.refunded}"
            )
            if row.status == OrderStatus.CANCELLED:
                assert row.attention is None, f"order {model.id}: cancelled, yet {row.attention}"
            path = history[row.id]
            # placeOrder's saga commits the order RESERVING, then places it.
            assert path[0].from_status is None and path[0].to_status == OrderStatus.RESERVING
            assert path[1].to_status == OrderStatus.PENDING_PAYMENT
            for before, after in itertools.pairwise(path):
                assert after.from_status == before.to_status, f"order {model.id}: history jumps"
                assert after.to_status in order_status.ALLOWED[OrderStatus(before.to_status)], (
                    f"order {model.id}: history"
                )
            assert path[-1].to_status == row.status, f"order {model.id}: history ends elsewhere"
            expected_lines = {LineStatus.CANCELLED} if row.status == OrderStatus.CANCELLED else {LineStatus.PENDING}
            assert lines[row.id] == expected_lines, f"order {model.id}: lines {lines[row.id]}"

    @invariant()
    def the_ledger_holds_what_stripe_took_less_what_it_refunded(self) -> None:
        with Session(self.stack.engine) as session:
            assert ledger.unbalanced_transactions(session) == []
            if not self.orders:
                return
            ids = [uuid.UUID(o.id) for o in self.orders]
            clearing: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            paid_postings: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
            for order_id, reference, currency, amount in session.execute(
                select(
                    col(LedgerTransaction.order_id),
                    col(LedgerTransaction.reference),
                    col(LedgerPosting.currency),
                    col(LedgerPosting.amount),
                )
                .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
                .where(col(LedgerTransaction.order_id).in_(ids), LedgerPosting.account == ledger.STRIPE)
            ):
                assert order_id is not None
                clearing[order_id][currency] += amount
                if reference == f"order:{order_id}:paid":
                    paid_postings[order_id][currency] = amount
            statuses = {o.id: o.status for o in session.scalars(select(Order).where(col(Order.id).in_(ids)))}
        for model in self.orders:
            order_id = uuid.UUID(model.id)
            view = self._stripe_view(model)
            expected_at_stripe = (*(model.taken or model.asks), model.refunded_at_stripe)
            assert (view.amount, view.currency, view.refunded) == expected_at_stripe, (
                f"order {model.id}: Stripe says {view}, expected {model.intent} {expected_at_stripe}"
            )
            assert STRIPE_STATUSES[model.intent] >= {view.status}, f"order {model.id}: Stripe says {view}"
            held = {c: a for c, a in clearing[order_id].items() if a}
            assert held == (view.clearing if model.booked else {}), (
                f"order {model.id}: the ledger holds {held} on {ledger.STRIPE}; Stripe took and kept "
                f"{view.clearing}, {'booked' if model.booked else 'not yet told'}"
            )
            if statuses[order_id] == OrderStatus.PAID:
                # No PAID order without its money.
                assert paid_postings[order_id] == {CURRENCY: model.total}, f"order {model.id}: payment not booked"
                assert (view.status, view.amount, view.currency) == ("succeeded", model.total, CURRENCY)

    def _stripe_view(self, order: OrderModel) -> StripeView:
        """Asks Stripe again about an order a step acted on; the others cannot have changed there."""
        if order.id in self.touched or order.id not in self.stripe_views:
            intent = self.stack.stripe.v1.payment_intents.retrieve(order.intent_id)
            refunded = 0
            if intent["latest_charge"]:  # (localstripe lists refunds only of an intent that charged)
                refunds = self.stack.stripe.v1.refunds.list(params={"payment_intent": order.intent_id, "limit": 100})
                refunded = sum(int(r["amount"]) for r in refunds.data)
            self.stripe_views[order.id] = StripeView(
                status=str(intent["status"]),
                amount=int(intent["amount"]),
                currency=str(intent["currency"]).upper(),
                refunded=refunded,
            )
        return self.stripe_views[order.id]


def _stripe_that_lets_another_request_commit_first(
    localstripe_url: str, intent_id: str, meanwhile: Callable[[], None]
) -> Starlette:
    """localstripe behind a proxy that, asked about `intent_id`, first lets `meanwhile` (another
    request) run, waiting for it a few seconds at most: a request that holds the database can
    still go on."""

    started: list[threading.Thread] = []

    async def forward(request: Request) -> Response:
        if request.method == "GET" and request.url.path == f"/v1/payment_intents/{intent_id}" and not started:
            other = threading.Thread(target=meanwhile, daemon=True)
            started.append(other)
            other.start()
            await asyncio.to_thread(other.join, 3.0)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with httpx.AsyncClient(base_url=localstripe_url, timeout=30) as client:
            upstream = await client.request(
                request.method,
                request.url.path,
                params=request.query_params,
                content=await request.body(),
                headers=headers,
            )
        return Response(upstream.content, upstream.status_code, media_type=upstream.headers.get("content-type"))

    return Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "DELETE"])])


def test_reconciliation_goes_on_while_another_request_commits_during_its_call_to_stripe(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any]
) -> None:
    """Found by the machine on SQLite: the run read an order, asked Stripe, and meanwhile another
    request committed (the webhook deliverer, a cancellation); the run could then no longer write
    and answered 500 "database is locked"."""
    other = paid_order(stack, buyer, alternator, 1)
    stack.point_webhooks_at(f"http://127.0.0.1:{free_port()}/nobody")
    pending = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 2)])["id"])["order"]
    stack.pay(buyer, pending["id"], stack.card(buyer))
    cancelled: list[httpx.Response] = []

    def cancel_the_other_order() -> None:
        cancelled.append(httpx.post(f"{stack.orders_url}/orders/{other['id']}/cancel", headers=ADMIN, timeout=30))

    proxy = _stripe_that_lets_another_request_commit_first(
        stack.localstripe_url, pending["payment_intent_id"], cancel_the_other_order
    )
    with (
        Served(proxy) as stripe_proxy,
        serve_orders(
            orders_settings(stack, databases, stripe_api_base=stripe_proxy.url, stripe_timeout_seconds=10)
        ) as client,
    ):
        reconciled = client.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM)
    assert reconciled.status_code == 200, reconciled.text
    assert reconciled.json()["paid"] == 1
    assert stack.order(pending["id"])["status"] == "PAID"
    # The other request waited for the run's lock instead of failing either.
    deadline = time.monotonic() + 15
    while not cancelled and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(cancelled) == 1 and cancelled[0].status_code == 200, cancelled
    assert stack.order(other["id"])["status"] == "CANCELLED"
    assert stack.stock(alternator["id"]) == {"on_hand": 3, "reserved": 0, "available": 3}


def test_money_taken_at_stripe_after_the_order_was_held_is_booked_and_given_back(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    """Found by the machine: payOrder refused an intent whose amount had been changed, then the
    same intent was confirmed at Stripe and its webhook lost. Reconciliation left the held order
    alone, so the money never reached the ledger, and every cancel answered 409 "cancel again"."""
    stack.point_webhooks_at(f"http://127.0.0.1:{free_port()}/nobody")
    order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 1)])["id"])["order"]
    intent_id, card = order["payment_intent_id"], stack.card(buyer)
    stack.stripe.v1.payment_intents.update(intent_id, params={"amount": 50})
    assert stack.pay(buyer, order["id"], card, expect=409)["code"] == "PAYMENT_HELD_FOR_REVIEW"
    stack.stripe.v1.payment_intents.update(intent_id, params={"payment_method": card})
    stack.stripe.v1.payment_intents.confirm(intent_id)

    reconciled = stack.orders.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM)
    assert reconciled.status_code == 200 and reconciled.json()["held_for_review"] == 1, reconciled.text
    held = stack.order(order["id"])
    assert held["status"] == "PENDING_PAYMENT" and held["payment_status"] == "REVIEW"
    assert "took €0.50" in held["attention"]
    assert stack.balance(ledger.UNMATCHED, "EUR") == -50 and stack.balance(ledger.STRIPE, "EUR") == 50
    # Booked once: the next run leaves it to the admin.
    assert (
        stack.orders.post("/reconcile/pending", params={"older_than_minutes": 0}, headers=SYSTEM).json()["checked"] == 0
    )

    cancelled = stack.orders.post(f"/orders/{order['id']}/cancel", headers=ADMIN)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED" and cancelled.json()["payment_status"] == "REFUNDED"
    assert [r["amount"] for r in stack.stripe.v1.refunds.list(params={"payment_intent": intent_id}).data] == [50]
    assert stack.balance(ledger.UNMATCHED, "EUR") == 0 and stack.balance(ledger.STRIPE, "EUR") == 0
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}


def test_a_cancel_after_stripe_took_the_money_unheard_refunds_it_at_once(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    """Found by the machine: with the payment's webhook lost, a cancel answered 409 "the payment
    has just succeeded; cancel again to refund it", and again, until reconciliation ran."""
    stack.point_webhooks_at(f"http://127.0.0.1:{free_port()}/nobody")
    order = stack.place(buyer, stack.quote(buyer, [(alternator["id"], 2)])["id"])["order"]
    stack.pay(buyer, order["id"], stack.card(buyer))

    cancelled = stack.orders.post(f"/orders/{order['id']}/cancel", headers=as_buyer(buyer))
    assert cancelled.status_code == 200, cancelled.text
    done = cancelled.json()
    assert (done["status"], done["payment_status"]) == ("CANCELLED", "REFUNDED")
    assert done["refunded"] == done["total"]
    assert [h["to_status"] for h in done["history"]] == ["RESERVING", "PENDING_PAYMENT", "PAID", "CANCELLED"]
    refunds = stack.stripe.v1.refunds.list(params={"payment_intent": order["payment_intent_id"]}).data
    assert [r["amount"] for r in refunds] == [order["total"]["amount"]]
    assert stack.balance(ledger.STRIPE, "EUR") == 0
    assert stack.stock(alternator["id"]) == {"on_hand": 5, "reserved": 0, "available": 5}


def test_stock_orders_and_the_ledger_hold_their_invariants_under_any_sequence_of_steps(stack: Stack) -> None:
    # Every payment outcome reaches the orders service through reconciliation, when the machine
    # runs it, never through a webhook racing the next step.
    stack.point_webhooks_at(f"http://127.0.0.1:{free_port()}/nobody")
    world = World(stack=stack, supplier_id=stack.supplier())

    class OnThisStack(StockOrdersLedger):
        def __init__(self) -> None:
            super().__init__(world)

    run_state_machine_as_test(OnThisStack, settings=SETTINGS)
    assert world.examples >= 200
    # Every rule ran (a changed intent both confirmed at Stripe and paid through us), or the
    # machine would prove less than it says.
    ran = {name for name, count in world.steps.items() if count}
    assert ran == {
        "set_stock",
        "place_order",
        "pay",
        "pay_changed_intent:True",
        "pay_changed_intent:False",
        "cancel",
        "refund_in_part",
        "lapse_reservations",
        "reconcile",
    }, world.steps
