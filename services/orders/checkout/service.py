"""Placing an order from a quote (the stock saga), card set-up and paying on the server.

placeOrder is a saga whose state is the order row:

1. the order, its lines and its history commit first, in status RESERVING (unique per buyer and
   idempotency key, and one order per quote);
2. all lines are reserved in the catalog under a key derived from the buyer and the idempotency
   key (`reservation_key_for`), so every attempt of one checkout asks for the same hold, and
   the catalog, which answers a repeated key with its first reservation, keeps one;
3. the PaymentIntent is created with our order id in metadata and an idempotency key derived
   from it (the same intent on every attempt);
4. the order becomes PENDING_PAYMENT and order.placed is written, in one transaction.

No database connection is held across a call to the catalog or to Stripe: each step's reads
and writes commit before the call out, and the next step reads the order afresh. Two attempts of
one checkout at once (a double click) both reserve under the same key, so the catalog keeps one
hold; both may ask Stripe for an intent, which Stripe answers with one (the idempotency key);
where it does not (localstripe), the attempt that finds the order placed by the other cancels
the intent it made, so one intent stays live.

A step that fails gives back what the attempt held and removes the RESERVING order, so nothing
is left and the same key may be sent again. A placeOrder that dies between the steps leaves the
order RESERVING: the same key again resumes it from step 2 and converges on the same hold; if
no retry comes, the reconcile job cancels it after `checkout_abandon_seconds`, and the
order.cancelled event releases its stock (services/catalog/order_events.py).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.db import release_connection
from services.common.errors import BadInput, Conflict, DomainError, NotFound, UpstreamUnavailable
from services.orders import outbox
from services.orders.checkout import numbers, unmatched
from services.orders.checkout.payments import Intent, PaymentMismatch
from services.orders.contract.checkout import OrderCreate
from services.orders.contract.statuses import LineStatus, OrderStatus, PaymentStatus
from services.orders.deps import OrdersDeps
from services.orders.fulfilment import dangerous_goods
from services.orders.fulfilment import status as order_status
from services.orders.models import Order, OrderLine, OrderStatusChange, Quote, amounts_from
from services.orders.quotes import service as quote_service
from services.orders.screening import holds as screening

log = logging.getLogger(__name__)

# Called with the order right after the catalog reserved its stock, before anything else: the
# fault tests kill the process here (tests/orders/checkout/kill_after_reserve.py). None in service.
after_reserve: Callable[[Order], None] | None = None

# A checkout whose hold was given back (the attempt failed, or it expired) reserves again under
# the next key of its series: the catalog answers a repeated key with its first reservation,
# released or not. More attempts than this of one checkout is a client looping.
MAX_HOLDS = 20


class QuoteExpired(Conflict):
    code = "QUOTE_EXPIRED"


class QuoteDated(Conflict):
    code = "QUOTE_DATED"


class QuoteAlreadyOrdered(Conflict):
    code = "QUOTE_ALREADY_ORDERED"


class CheckoutAbandoned(Conflict):
    code = "CHECKOUT_ABANDONED"


def _cancelled_meanwhile(order_id: uuid.UUID) -> CheckoutAbandoned:
    """An attempt finds its RESERVING order cancelled (by the reconcile job) while it worked."""
    return CheckoutAbandoned(
        "this checkout took too long and was cancelled; place the order again with a new idempotency key",
        field="idempotency_key",
        order_id=str(order_id),
    )


def platform_fee(goods_fen: int, bps: int) -> int:
    return int((Decimal(goods_fen) * bps / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def reservation_key_for(buyer_id: str, idempotency_key: str) -> str:
    """The key placeOrder reserves a checkout's stock under in the catalog: the same for every
    attempt with this buyer's idempotency key, and no other checkout's."""
    digest = hashlib.sha256(f"{buyer_id}\n{idempotency_key}".encode()).hexdigest()[:40]
    return f"checkout-{digest}"


def legacy_reservation_key_for(order_id: uuid.UUID) -> str:
    """The key placeOrder reserved under before the saga committed its order first."""
    return f"order-{order_id}"


def hold_keys(base: str) -> list[str]:
    """A checkout's keys in the order its attempts use them."""
    return [base] + [f"{base}.{n}" for n in range(2, MAX_HOLDS + 1)]


def by_key(session: Session, buyer_id: str, key: str) -> Order | None:
    return session.scalars(select(Order).where(Order.buyer_id == buyer_id, Order.idempotency_key == key)).first()


def _repeat(existing: Order, data: OrderCreate) -> Order:
    """A retried placeOrder answers with the order it placed, which keeps the address it was placed
    with (a retry that names another address does not move the shipment)."""
    if existing.quote_id != data.quote_id:
        raise Conflict("this idempotency key was used for an order from another quote", field="idempotency_key")
    return existing


def _shipping_address(quote: Quote, data: OrderCreate) -> dict[str, str] | None:
    """The copy of the address the order keeps; it must be in the country the quote priced."""
    if data.shipping_address is None:
        return None
    if data.shipping_address.country_code != quote.destination_country:
        raise BadInput(
            f"the quote is for delivery to {quote.destination_country}, this address is in "
            f"{data.shipping_address.country_code}; ask for a quote to the address's country",
            field="shipping_address",
        )
    return data.shipping_address.model_dump()


def place_order(session: Session, actor: Actor, data: OrderCreate, deps: OrdersDeps) -> tuple[Order, bool]:
    """Returns (order, placed by this call)."""
    actor.require(Role.BUYER)
    existing = by_key(session, actor.id, data.idempotency_key)
    if existing is not None:
        return _resume(session, deps, _repeat(existing, data))
    quote: Quote = quote_service.get_quote(session, actor, data.quote_id)
    if quote.buyer_id != actor.id:
        raise NotFound("no such quote", field="quote_id")
    if quote_service.is_dated(quote):
        raise QuoteDated(
            f"the quote is priced by the rules of {quote_service.quote_date(quote)}, not today's: it can be read, not "
            "ordered; ask for a quote without a date",
            field="quote_id",
        )
    now = utcnow()
    if quote.expires_at <= now:
        raise QuoteExpired(
            f"the quote expired at {quote.expires_at.isoformat()}; ask for a new quote", field="quote_id"
        )
    shipping_address = _shipping_address(quote, data)
    already = session.scalars(select(Order.id).where(Order.quote_id == quote.id)).first()
    if already is not None:
        # The same key may have won a race since the first look: answer with its order.
        existing = by_key(session, actor.id, data.idempotency_key)
        if existing is not None:
            return _resume(session, deps, _repeat(existing, data))
        raise QuoteAlreadyOrdered(
            "an order was already placed from this quote", field="quote_id", order_id=str(already)
        )

    quoted = quote_service.quote_lines(session, quote.id)
    # Committed at once: every checkout takes the year's counter lock, so it is held for one
    # statement; a checkout that fails from here leaves a gap in the numbers, as they may.
    number = numbers.allocate(session, now)
    session.commit()
    order = Order(
        id=uuid.uuid4(),
        number=number,
        buyer_id=actor.id,
        quote_id=quote.id,
        idempotency_key=data.idempotency_key,
        status=OrderStatus.RESERVING,
        payment_status=PaymentStatus.UNPAID,
        destination_country=quote.destination_country,
        incoterm=quote.incoterm,
        currency=quote.currency,
        fx_rate=quote.fx_rate,
        duty_collected=quote.duty_status == "collected",
        tax_scheme=quote.detail.get("taxScheme"),
        tax_registration=quote.detail.get("taxRegistration"),
        **amounts_from(quote),
        reservation_key=reservation_key_for(actor.id, data.idempotency_key),
        placing_until=now + _lease(deps),
        shipping_address=shipping_address,
        dangerous_goods=dangerous_goods.declaration(quote.detail, deps.settings.dangerous_goods_emergency_contact),
        created_at=now,
        updated_at=now,
    )
    # Screened once, with the order's first insert: a retry answers with this screening.
    screening.screen_new_order(order, at=now)
    bps = deps.settings.platform_fee_bps
    lines = []
    for ql in quoted:
        goods_fen = ql.unit_price_fen * ql.quantity
        fee = platform_fee(goods_fen, bps)
        lines.append(
            OrderLine(
                order_id=order.id,
                line_no=ql.line_no,
                part_id=ql.part_id,
                supplier_id=ql.supplier_id,
                sku=ql.sku,
                title=ql.title,
                quantity=ql.quantity,
                unit_price_fen=ql.unit_price_fen,
                core_charge_fen=ql.core_charge_fen,
                **amounts_from(ql),
                supplier_payable_fen=goods_fen - fee,
                platform_fee_fen=fee,
                status=LineStatus.PENDING,
            )
        )
    try:
        # The order, its lines and its history in one flush, the order's row first (their
        # foreign keys order them). Nothing is written before it, so a rollback undoes only it
        # (no savepoint: pysqlite would commit at RELEASE of a savepoint that opened the
        # transaction).
        session.add(order)
        session.add_all(lines)
        session.add(OrderStatusChange(order_id=order.id, to_status=OrderStatus.RESERVING, actor_id=actor.id, at=now))
        session.flush()
    except IntegrityError:
        # The same key (or quote) sent twice at once: the other request won.
        session.rollback()
        existing = by_key(session, actor.id, data.idempotency_key)
        if existing is not None:
            return _resume(session, deps, _repeat(existing, data))
        raise QuoteAlreadyOrdered("an order was already placed from this quote", field="quote_id") from None

    # The saga's first step is durable before the catalog holds anything for it: the one commit
    # outside session_scope, because everything after it must find this row, whatever dies.
    session.commit()
    return _call_out_and_place(session, deps, order, lines)


def _resume(session: Session, deps: OrdersDeps, order: Order) -> tuple[Order, bool]:
    if order.status != OrderStatus.RESERVING:
        if order.client_secret is None:  # cancelled while RESERVING: never placed
            raise CheckoutAbandoned(
                "this checkout did not finish and was cancelled; place the order again with a new idempotency key",
                field="idempotency_key",
                order_id=str(order.id),
            )
        return order, False
    return _reserve_and_place(session, deps, order.id)


def _lease(deps: OrdersDeps) -> timedelta:
    return timedelta(seconds=deps.settings.checkout_attempt_lease_seconds)


def _reserve_and_place(session: Session, deps: OrdersDeps, order_id: uuid.UUID) -> tuple[Order, bool]:
    """Steps 2 to 4 for an order committed RESERVING; safe to run again, and concurrently.
    Returns (order, placed by this call).

    No lock is held across the catalog and Stripe calls: the attempt takes the order's lease
    (`placing_until`) instead. A concurrent attempt (a double click) waits, without a connection,
    until the order is placed, so Stripe is asked for one intent even where it ignores
    idempotency keys (localstripe); it takes over once the lease has passed (the attempt died).
    """
    from services.orders.fulfilment import lifecycle  # lifecycle imports this module

    pause = 0.01
    while True:
        order = lifecycle.lock(session, order_id)
        if order.status != OrderStatus.RESERVING:
            if order.client_secret is not None:
                return order, False  # a concurrent attempt placed it, with the same hold and intent
            raise _cancelled_meanwhile(order_id)
        now = utcnow()
        if order.placing_until is None or order.placing_until <= now:
            break
        release_connection(session)
        time.sleep(min(pause, (order.placing_until - now).total_seconds()))
        pause = min(pause * 2, 0.2)
    order.placing_until = now + _lease(deps)
    session.add(order)
    lines = lifecycle.lines_of(session, order_id)
    release_connection(session)  # the lease is taken
    return _call_out_and_place(session, deps, order, lines)


def _call_out_and_place(session: Session, deps: OrdersDeps, order: Order, lines: list[OrderLine]) -> tuple[Order, bool]:
    """Steps 2 and 3 with no connection held (the session's work so far is committed: a slow
    catalog or Stripe holds no connection and no lock of ours), then step 4."""
    order_id = order.id
    wanted = [(line.part_id, line.quantity) for line in lines]
    held: str | None = None
    try:
        held = _hold(deps, order.reservation_key, wanted, order_ref=str(order_id))
        if after_reserve is not None:
            after_reserve(order)
        intent = deps.payments.create_intent(
            order_id=str(order_id), buyer_id=order.buyer_id, amount=order.total, currency=order.currency
        )
    except DomainError:
        _give_up(session, deps, order_id, held or order.reservation_key)
        raise
    return _record_placed(session, deps, order_id, held, intent, lines)


def _record_placed(
    session: Session, deps: OrdersDeps, order_id: uuid.UUID, held: str, intent: Intent, lines: list[OrderLine]
) -> tuple[Order, bool]:
    """Step 4 under the order's row lock: PENDING_PAYMENT and order.placed, unless a concurrent
    attempt got there first (then its order is the answer) or the order was cancelled meanwhile."""
    from services.orders.fulfilment import lifecycle  # lifecycle imports this module

    now = utcnow()
    # The usual case in one statement: the order, still RESERVING, is placed, locked and read back.
    order = session.scalars(
        update(Order)
        .where(col(Order.id) == order_id, col(Order.status) == OrderStatus.RESERVING)
        .values(
            status=OrderStatus.PENDING_PAYMENT,
            placing_until=None,
            reservation_key=held,
            payment_intent_id=intent.id,
            client_secret=intent.client_secret,
            updated_at=now,
        )
        .returning(Order)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).first()
    if order is None:
        try:
            order = lifecycle.lock(session, order_id)
        except NotFound:
            order = None
        placed = order is not None and order.client_secret is not None
        # Ours is a second intent only where the provider ignored the idempotency key.
        surplus = not placed or (order is not None and order.payment_intent_id != intent.id)
        release_connection(session)
        if surplus:
            _cancel_surplus_intent(deps, intent, order_id)
        if placed and order is not None:
            return order, False
        _release_quietly(deps, held)
        raise _cancelled_meanwhile(order_id)
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=OrderStatus.RESERVING,
            to_status=OrderStatus.PENDING_PAYMENT,
            actor_id=order.buyer_id,
            at=now,
        )
    )
    # The lines as committed RESERVING: placing changes none of them.
    outbox.record(session, outbox.ORDER_PLACED, order, lines=lines)
    return order, True


def _cancel_surplus_intent(deps: OrdersDeps, intent: Intent, order_id: uuid.UUID) -> None:
    try:
        deps.payments.cancel_intent(intent.id, order_id=str(order_id))
    except DomainError as exc:
        # Nothing can be paid on it: no order hands out its client secret.
        log.warning("could not cancel surplus payment intent %s of order %s (%s)", intent.id, order_id, exc.detail)


def _hold(deps: OrdersDeps, base: str, lines: list[tuple[uuid.UUID, int]], *, order_ref: str) -> str:
    """Reserve the lines (all or nothing; OutOfStock raises) under the first key of the series
    that is still holding or new; returns that key."""
    for key in hold_keys(base):
        reservation = deps.catalog.reserve(
            key, lines, ttl_seconds=deps.settings.reservation_ttl_seconds, order_ref=order_ref
        )
        if reservation.status == "ACTIVE":
            return key
    raise Conflict("this checkout was attempted too many times; use a new idempotency key", field="idempotency_key")


def _release_quietly(deps: OrdersDeps, key: str) -> bool:
    try:
        deps.catalog.release(key)
    except DomainError as exc:
        log.warning("could not release reservation %s now (%s); the reconcile job will", key, exc.detail)
        return False
    return True


def _give_up(session: Session, deps: OrdersDeps, order_id: uuid.UUID, key: str) -> None:
    """A step failed: give back the hold, then remove the never-placed order, so the same key
    can be sent again and start afresh. When the catalog cannot be told, the order stays
    RESERVING for a retry or the reconcile job: removing it would forget the hold."""
    from services.orders.fulfilment import lifecycle

    session.rollback()
    try:
        current = lifecycle.lock(session, order_id)
    except NotFound:
        current = None
    # Placed by an attempt that took over after this one's lease passed (with the same hold), or
    # given up already: nothing to give back.
    placed_or_gone = current is None or current.status != OrderStatus.RESERVING
    session.rollback()  # no connection held while the catalog is called
    if placed_or_gone:
        return
    if not _release_quietly(deps, key):
        # The order stays, for a retry (which need not wait for this attempt's lease) or the
        # reconcile job.
        order = lifecycle.lock(session, order_id)
        order.placing_until = None
        session.add(order)
        session.commit()
        return
    order = lifecycle.lock(session, order_id)
    if order.status != OrderStatus.RESERVING:
        session.rollback()
        return
    session.execute(delete(OrderStatusChange).where(col(OrderStatusChange.order_id) == order_id))
    session.execute(delete(OrderLine).where(col(OrderLine.order_id) == order_id))
    session.execute(delete(Order).where(col(Order.id) == order_id))
    session.commit()


def abandon(session: Session, deps: OrdersDeps, order_id: uuid.UUID, *, actor_id: str) -> bool:
    """Cancel an order a placeOrder left RESERVING (it died and was not retried). Its stock is
    released here when the catalog answers, and by the order.cancelled event in any case."""
    from services.orders.fulfilment import lifecycle

    order = lifecycle.lock(session, order_id)
    if order.status != OrderStatus.RESERVING:
        return False
    # The attempt that died may have held any key of the series; the catalog has never seen the
    # first key past the last one it held.
    for key in hold_keys(order.reservation_key):
        try:
            if deps.catalog.release(key) is None:
                break
        except DomainError:
            break  # the order.cancelled event releases them once the catalog is back
    for line in lifecycle.lines_of(session, order.id):
        line.status = LineStatus.CANCELLED
        session.add(line)
    order.payment_status = PaymentStatus.FAILED
    order_status.change(
        session, order, OrderStatus.CANCELLED, actor_id=actor_id, reason="checkout abandoned: placeOrder did not finish"
    )
    return True


def get_order(session: Session, actor: Actor, order_id: uuid.UUID) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("no such order", field="order_id")
    if actor.is_staff or actor.role == Role.INSPECTOR or order.buyer_id == actor.id:
        return order
    if actor.role == Role.SUPPLIER and actor.supplier_id:
        mine = session.scalars(
            select(OrderLine.id).where(
                OrderLine.order_id == order.id,
                OrderLine.supplier_id == uuid.UUID(actor.supplier_id),
            )
        ).first()
        if mine is not None:
            return order
    raise NotFound("no such order", field="order_id")


def get_order_by_number(session: Session, actor: Actor, number: str) -> Order:
    """An order by its number, for whoever may see it by id; anyone else is told there is none."""
    stored = numbers.normalise(number)
    order_id = None if stored is None else session.scalars(select(Order.id).where(Order.number == stored)).first()
    if order_id is None:
        raise NotFound("no order with this number", field="number")
    try:
        return get_order(session, actor, order_id)
    except NotFound:
        raise NotFound("no order with this number", field="number") from None


def pay_order(
    session: Session, actor: Actor, order_id: uuid.UUID, payment_method_id: str, deps: OrdersDeps
) -> tuple[Order, Intent]:
    """Attach the buyer's payment method and confirm on the server. The order turns PAID only
    from the signed webhook (or reconciliation), never from this call."""
    actor.require(Role.BUYER)
    order = get_order(session, actor, order_id)
    if order.buyer_id != actor.id:
        raise NotFound("no such order", field="order_id")
    order_status.require(order, OrderStatus.PENDING_PAYMENT, action="paid")
    if order.payment_status == PaymentStatus.REVIEW:
        raise unmatched.PaymentHeldForReview(order.attention or "the payment is held for review", field="orderId")
    # Checked again at payment: a certificate may have been revoked since the quote.
    from services.orders.checkout import market_holds  # it builds on lifecycle, which imports this module
    from services.orders.fulfilment import lifecycle

    lines = lifecycle.lines_of(session, order.id)
    # Read: the connection goes back to the pool while the catalog and Stripe are asked.
    release_connection(session)
    try:
        verdicts = market_holds.ask(deps.catalog, order, lines)
    except UpstreamUnavailable:
        # The catalog cannot answer: the order's own hold is the answer, as the worker keeps it
        # from part.markets_changed, and a buyer's payment does not wait on the catalog. Only a
        # revocation within the same outage goes unseen here (the worker's hold for it waits on
        # the catalog too).
        log.warning("order %s paid without the catalog's market check: the catalog is unreachable", order.id)
    else:
        if order.payment_status in market_holds.HOLDABLE:
            market_holds.apply(session, order.id, lines, verdicts, {})
            order = get_order(session, actor, order_id)
            release_connection(session)
    if order.payment_status == PaymentStatus.HELD:
        raise market_holds.PaymentHeldForMarkets(order.attention or "the payment is held", field="orderId")
    order_status.require(order, OrderStatus.PENDING_PAYMENT, action="paid")
    assert order.payment_intent_id is not None
    try:
        intent = deps.payments.pay(
            intent_id=order.payment_intent_id,
            order_id=str(order.id),
            payment_method_id=payment_method_id,
            amount=order.total,
            currency=order.currency,
        )
    except PaymentMismatch:
        intent = deps.payments.retrieve_intent(order.payment_intent_id)
        unmatched.hold_for_review(session, order, intent, source="payOrder")
        raise unmatched.PaymentHeldForReview(
            f"{order.attention}; nothing was charged, and the order is held for review", field="orderId"
        ) from None
    return order, intent


def start_card_setup(actor: Actor, deps: OrdersDeps) -> tuple[str, str]:
    actor.require(Role.BUYER)
    return deps.payments.create_setup_intent(buyer_id=actor.id)


def list_orders(session: Session, actor: Actor, first: int, after: list[str] | None) -> tuple[list[Order], bool]:
    """Newest first. A buyer's own orders; a supplier's orders holding its lines; staff: all."""
    from datetime import datetime

    query = select(Order)
    if actor.role == Role.SUPPLIER and actor.supplier_id:
        query = query.where(
            col(Order.id).in_(select(OrderLine.order_id).where(OrderLine.supplier_id == uuid.UUID(actor.supplier_id))),
            screening.released_to_suppliers(),
        )
    elif not actor.is_staff:
        query = query.where(Order.buyer_id == actor.id)
    if not actor.is_staff:
        # Not placed yet (or never: a placeOrder that died): nothing a buyer or supplier can act on.
        query = query.where(Order.status != OrderStatus.RESERVING)
    if after is not None:
        try:
            at, last_id = datetime.fromisoformat(after[0]), uuid.UUID(after[1])
        except (TypeError, ValueError):
            from services.common.errors import BadInput

            raise BadInput("malformed cursor", field="after") from None
        query = query.where((Order.created_at < at) | ((Order.created_at == at) & (Order.id < last_id)))
    rows = list(session.scalars(query.order_by(col(Order.created_at).desc(), col(Order.id).desc()).limit(first + 1)))
    return rows[:first], len(rows) > first
