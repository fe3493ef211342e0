"""Placing an order from a quote (the stock saga), card set-up and paying on the server.

placeOrder: unexpired quote of this buyer -> order PENDING_PAYMENT (unique per buyer and
idempotency key, and one order per quote) -> all lines reserved in the catalog under a key
derived from the order -> PaymentIntent created with our order id in metadata and an
idempotency key derived from it. A failure after the reservation releases it. The same key
again returns the same order and the same intent: nothing is reserved or charged twice.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.errors import Conflict, DomainError, NotFound
from services.common.internal_auth import Actor, Role
from services.orders import outbox, unmatched
from services.orders import quotes as quote_service
from services.orders import status as st
from services.orders.deps import OrdersDeps
from services.orders.models import Order, OrderLine, OrderStatusChange, Quote
from services.orders.payments import Intent, PaymentMismatch
from services.orders.schemas import OrderCreate


class QuoteExpired(Conflict):
    code = "QUOTE_EXPIRED"


class QuoteAlreadyOrdered(Conflict):
    code = "QUOTE_ALREADY_ORDERED"


def platform_fee(goods_fen: int, bps: int) -> int:
    return int((Decimal(goods_fen) * bps / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def reservation_key_for(order_id: uuid.UUID) -> str:
    """The key placeOrder reserves an order's stock under in the catalog."""
    return f"order-{order_id}"


def by_key(session: Session, buyer_id: str, key: str) -> Order | None:
    return session.scalars(select(Order).where(Order.buyer_id == buyer_id, Order.idempotency_key == key)).first()


def _repeat(existing: Order, data: OrderCreate) -> Order:
    if existing.quote_id != data.quote_id:
        raise Conflict("this idempotency key was used for an order from another quote", field="idempotency_key")
    return existing


def place_order(session: Session, actor: Actor, data: OrderCreate, deps: OrdersDeps) -> tuple[Order, bool]:
    """Returns (order, created)."""
    actor.require(Role.BUYER)
    existing = by_key(session, actor.id, data.idempotency_key)
    if existing is not None:
        return _repeat(existing, data), False
    quote: Quote = quote_service.get_quote(session, actor, data.quote_id)
    if quote.buyer_id != actor.id:
        raise NotFound("no such quote", field="quote_id")
    now = utcnow()
    if quote.expires_at <= now:
        raise QuoteExpired(
            f"the quote expired at {quote.expires_at.isoformat()}; ask for a new quote", field="quote_id"
        )
    already = session.scalars(select(Order.id).where(Order.quote_id == quote.id)).first()
    if already is not None:
        # The same key may have won a race since the first look: answer with its order.
        existing = by_key(session, actor.id, data.idempotency_key)
        if existing is not None:
            return _repeat(existing, data), False
        raise QuoteAlreadyOrdered(
            "an order was already placed from this quote", field="quote_id", order_id=str(already)
        )

    order_id = uuid.uuid4()
    order = Order(
        id=order_id,
        buyer_id=actor.id,
        quote_id=quote.id,
        idempotency_key=data.idempotency_key,
        status=st.PENDING_PAYMENT,
        payment_status=st.UNPAID,
        destination_country=quote.destination_country,
        incoterm=quote.incoterm,
        currency=quote.currency,
        fx_rate=quote.fx_rate,
        duty_collected=quote.duty_status == "collected",
        goods=quote.goods,
        core_deposit=quote.core_deposit,
        shipping=quote.shipping,
        insurance=quote.insurance,
        duty=quote.duty,
        vat=quote.vat,
        total=quote.total,
        reservation_key=reservation_key_for(order_id),
        created_at=now,
        updated_at=now,
    )
    try:
        # Nothing is written before this insert, so a rollback undoes only it (no savepoint:
        # pysqlite would commit at RELEASE of a savepoint that opened the transaction).
        session.add(order)
        session.flush()
    except IntegrityError:
        # The same key (or quote) sent twice at once: the other request won.
        session.rollback()
        existing = by_key(session, actor.id, data.idempotency_key)
        if existing is not None:
            return _repeat(existing, data), False
        raise QuoteAlreadyOrdered("an order was already placed from this quote", field="quote_id") from None

    bps = deps.settings.platform_fee_bps
    lines = quote_service.quote_lines(session, quote.id)
    for ql in lines:
        goods_fen = ql.unit_price_fen * ql.quantity
        fee = platform_fee(goods_fen, bps)
        session.add(
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
                goods=ql.goods,
                core_deposit=ql.core_deposit,
                shipping=ql.shipping,
                insurance=ql.insurance,
                duty=ql.duty,
                vat=ql.vat,
                total=ql.total,
                supplier_payable_fen=goods_fen - fee,
                platform_fee_fen=fee,
                status=st.LINE_PENDING,
            )
        )
    session.add(OrderStatusChange(order_id=order.id, to_status=st.PENDING_PAYMENT, actor_id=actor.id, at=now))
    session.flush()

    # The saga: reserve (all or nothing; OutOfStock rolls everything back), then the intent.
    deps.catalog.reserve(
        order.reservation_key,
        [(ql.part_id, ql.quantity) for ql in lines],
        ttl_seconds=deps.settings.reservation_ttl_seconds,
        order_ref=str(order.id),
    )
    try:
        intent = deps.payments.create_intent(
            order_id=str(order.id), buyer_id=actor.id, amount=order.total, currency=order.currency
        )
    except DomainError:
        deps.catalog.release(order.reservation_key)
        raise
    order.payment_intent_id = intent.id
    order.client_secret = intent.client_secret
    session.add(order)
    outbox.record(session, outbox.ORDER_PLACED, order)
    return order, True


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


def pay_order(
    session: Session, actor: Actor, order_id: uuid.UUID, payment_method_id: str, deps: OrdersDeps
) -> tuple[Order, Intent]:
    """Attach the buyer's payment method and confirm on the server. The order turns PAID only
    from the signed webhook (or reconciliation), never from this call."""
    actor.require(Role.BUYER)
    order = get_order(session, actor, order_id)
    if order.buyer_id != actor.id:
        raise NotFound("no such order", field="order_id")
    st.require(order, st.PENDING_PAYMENT, action="paid")
    if order.payment_status == st.REVIEW:
        raise unmatched.PaymentHeldForReview(order.attention or "the payment is held for review", field="orderId")
    # Checked again at payment: a certificate may have been revoked since the quote.
    from services.orders import market_holds  # it builds on lifecycle, which imports this module

    if market_holds.recheck(session, deps.catalog, order.id, {}) == "held" or order.payment_status == st.HELD:
        raise market_holds.PaymentHeldForMarkets(order.attention or "the payment is held", field="orderId")
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
            col(Order.id).in_(select(OrderLine.order_id).where(OrderLine.supplier_id == uuid.UUID(actor.supplier_id)))
        )
    elif not actor.is_staff:
        query = query.where(Order.buyer_id == actor.id)
    if after is not None:
        try:
            at, last_id = datetime.fromisoformat(after[0]), uuid.UUID(after[1])
        except (TypeError, ValueError):
            from services.common.errors import BadInput

            raise BadInput("malformed cursor", field="after") from None
        query = query.where((Order.created_at < at) | ((Order.created_at == at) & (Order.id < last_id)))
    rows = list(session.scalars(query.order_by(col(Order.created_at).desc(), col(Order.id).desc()).limit(first + 1)))
    return rows[:first], len(rows) > first
