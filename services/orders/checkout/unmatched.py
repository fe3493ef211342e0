"""Payments that do not match their order: a PaymentIntent whose amount or currency was changed
after the order was placed, so the provider took something other than the order's total.

Such a payment never makes an order PAID. The order is held for review (PENDING_PAYMENT with
payment REVIEW, the reason in `attention`); whatever was taken is booked to the unmatched
payments account, a debt to the buyer, until a cancellation refunds it whole.
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, exists
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.errors import Conflict
from services.common.money import Money
from services.orders.checkout.payments import Intent
from services.orders.contract.statuses import PaymentStatus
from services.orders.deps import OrdersDeps
from services.orders.finance import ledger
from services.orders.finance.ledger import Entry
from services.orders.models import LedgerTransaction, Order, Refund

log = logging.getLogger(__name__)


class PaymentHeldForReview(Conflict):
    """The order's payment is held for review; the state that says so is kept."""

    code = "PAYMENT_HELD_FOR_REVIEW"
    keeps_writes = True


_REFERENCE_SUFFIX = ":unmatched-payment"


def reference(order: Order) -> str:
    return f"order:{order.id}{_REFERENCE_SUFFIX}"


def nothing_taken() -> ColumnElement[bool]:
    """SQL for `taken` being empty: no unmatched payment booked on the order."""
    return ~exists().where(
        col(LedgerTransaction.order_id) == col(Order.id),
        col(LedgerTransaction.reference).endswith(_REFERENCE_SUFFIX),
    )


def taken(session: Session, order: Order) -> list[Entry]:
    """The booking of an unmatched payment on this order; empty when none was taken."""
    return ledger.postings_of(session, reference(order))


def hold_for_review(session: Session, order: Order, intent: Intent, *, source: str) -> str:
    """Not the order's amount or currency: book what was taken, and hold the (locked) order."""
    if intent.status == "succeeded":
        book(session, order, intent)
        what = f"the payment provider took {Money(intent.amount_received, intent.currency).format()}"
    else:
        what = f"the payment asks {Money(intent.amount, intent.currency).format()}"
    order.payment_status = PaymentStatus.REVIEW
    order.attention = f"held for review: {what} for an order of {Money(order.total, order.currency).format()}"
    order.updated_at = utcnow()
    session.add(order)
    log.warning("order %s %s (reported by %s)", order.id, order.attention, source)
    return "held for review"


def book(session: Session, order: Order, intent: Intent) -> None:
    """Money received that pays no order: owed back until it is refunded (once per order)."""
    ledger.post(
        session,
        reference=reference(order),
        kind="charge",
        description=f"card payment not matching order {order.id}, held for review",
        entries=[
            Entry(ledger.STRIPE, intent.currency, intent.amount_received),
            Entry(ledger.UNMATCHED, intent.currency, -intent.amount_received),
        ],
        order_id=order.id,
    )


def give_back(session: Session, deps: OrdersDeps, order: Order) -> None:
    """Refund the whole of an unmatched payment and reverse its booking, once by reference."""
    booked = taken(session, order)
    received = [e for e in booked if e.account == ledger.STRIPE]
    if not received:
        return
    refund_reference = f"order:{order.id}:unmatched-refund"
    amount, currency = received[0].amount, received[0].currency
    if session.scalars(select(Refund.id).where(Refund.reference == refund_reference)).first() is None:
        assert order.payment_intent_id is not None
        stripe_id = deps.payments.refund(
            intent_id=order.payment_intent_id, amount=amount, reference=refund_reference, order_id=str(order.id)
        )
        session.add(
            Refund(
                order_id=order.id,
                reference=refund_reference,
                stripe_refund_id=stripe_id,
                amount=amount,
                currency=currency,
                reason="unmatched payment",
            )
        )
    ledger.post(
        session,
        reference=refund_reference,
        kind="refund",
        description=f"unmatched payment on order {order.id} given back",
        entries=ledger.reverse(booked),
        order_id=order.id,
    )
    order.payment_status = PaymentStatus.REFUNDED
    order.updated_at = utcnow()
    session.add(order)
