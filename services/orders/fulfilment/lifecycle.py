"""What happens to an order after it is placed: payment outcome, shipment, delivery,
completion, cancellation with refund, partial refunds; each with its ledger postings.

Payment outcomes come from the signed webhook or from reconciliation, both through
`apply_succeeded` / `apply_failed`, which lock the order row and are idempotent: any number
of deliveries, in any order, lead to the same state and post once. A payment whose amount or
currency is not the order's never makes it PAID: the order is held for review, the money
booked as unmatched until an admin's cancellation gives it back.

Cancelling an order whose money was taken refunds first and puts the parts back on sale only
once the refund is booked. A step that fails leaves the cancellation requested, with the reason
in `attention`; a repeated cancel or the reconciliation run finishes it.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import exists, or_, update
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.cards import charge_step
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.errors import BadInput, Conflict, DomainError, Forbidden, NotFound, UpstreamUnavailable
from services.orders import outbox
from services.orders.checkout import unmatched
from services.orders.checkout.payments import Intent, UnknownToProvider
from services.orders.checkout.service import get_order
from services.orders.clients.catalog import OutOfStock
from services.orders.contract.fulfilment import ShipIn
from services.orders.contract.statuses import LineStatus, OrderStatus, PaymentStatus
from services.orders.deps import OrdersDeps
from services.orders.finance import ledger
from services.orders.finance.ledger import Entry
from services.orders.fulfilment import carriers
from services.orders.fulfilment import status as order_status
from services.orders.models import Order, OrderLine, PartReturn, Refund
from services.orders.screening import holds as screening

log = logging.getLogger(__name__)


class CancellationPending(UpstreamUnavailable):
    """The cancellation is recorded, but its refund or restock did not go through yet."""

    keeps_writes = True


def lock(session: Session, order_id: uuid.UUID) -> Order:
    """The order row, locked for this transaction and read fresh.

    A no-op UPDATE takes the lock on both backends: PostgreSQL's row lock, SQLite's database
    write lock (where SELECT ... FOR UPDATE means nothing), so two deliveries of the same
    event, or an event and a cancellation, apply one after the other. It returns the row, so
    locking and reading are one round trip.
    """
    order = session.scalars(
        update(Order)
        .where(col(Order.id) == order_id)
        .values(updated_at=Order.updated_at)
        .returning(Order)
        .execution_options(populate_existing=True, synchronize_session=False)
    ).first()
    if order is None:
        raise NotFound("no such order", field="order_id")
    return order


def lines_of(session: Session, order_id: uuid.UUID) -> list[OrderLine]:
    return list(
        session.scalars(select(OrderLine).where(OrderLine.order_id == order_id).order_by(col(OrderLine.line_no)))
    )


# --- ledger entries --------------------------------------------------------------------------


def payment_entries(order: Order, lines: list[OrderLine]) -> list[Entry]:
    """Buyer charge split into what it is for (buyer currency), and the goods converted at the
    locked rate into CNY owed to the suppliers net of the platform fee (CNY leg)."""
    c = order.currency
    duty = order.duty if order.duty_collected else 0
    vat = order.vat if order.duty_collected or order.tax_scheme else 0  # a point-of-sale tax is collected too
    carriage = order.shipping + order.insurance
    goods = order.total - order.core_deposit - duty - vat - carriage
    entries = [
        Entry(ledger.STRIPE, c, order.total),
        Entry(ledger.CORE_HELD, c, -order.core_deposit),
        Entry(ledger.duty_payable(order.destination_country), c, -duty),
        Entry(ledger.vat_payable(order.destination_country), c, -vat),
        Entry(ledger.SHIPPING, c, -carriage),
        Entry(ledger.FX, c, -goods),
    ]
    payable: dict[uuid.UUID, int] = defaultdict(int)
    for line in lines:
        entries.append(Entry(ledger.FX, "CNY", line.unit_price_fen * line.quantity))
        payable[line.supplier_id] += line.supplier_payable_fen
    for supplier_id, fen in payable.items():
        entries.append(Entry(ledger.supplier_payable(supplier_id), "CNY", -fen))
    entries.append(Entry(ledger.FEE, "CNY", -sum(line.platform_fee_fen for line in lines)))
    return entries


def paid_reference(order: Order) -> str:
    return f"order:{order.id}:paid"


# --- payment outcome -------------------------------------------------------------------------


def apply_succeeded(session: Session, deps: OrdersDeps, order_id: uuid.UUID, *, source: str, intent: Intent) -> str:
    """The provider says `intent` succeeded; it pays the order only when it took exactly the
    order's total in the order's currency."""
    order = lock(session, order_id)
    matches = intent.took(order.total, order.currency)
    if order.status == OrderStatus.PENDING_PAYMENT:
        if order.payment_status == PaymentStatus.HELD:
            # Paid at Stripe although its parts may no longer be sold where it ships: never
            # PAID silently; the money is booked and the order waits for an admin.
            held = order.attention
            outcome = unmatched.hold_for_review(session, order, intent, source=source)
            order.attention = f"{order.attention}; {held}"[:500]
            return outcome
        if order.payment_status == PaymentStatus.REVIEW or not matches:
            return unmatched.hold_for_review(session, order, intent, source=source)
        if not _commit_stock(session, deps, order):
            return _refund_unfulfillable(session, deps, order, source=source)
        order.payment_status = PaymentStatus.PAID
        order.paid_at = utcnow()
        order_status.change(session, order, OrderStatus.PAID, actor_id=source, reason="payment_intent.succeeded")
        _book_payment(session, order, f"card payment for order {order.id}")
        return "paid"
    if order.status == OrderStatus.CANCELLED and order.payment_status in (PaymentStatus.UNPAID, PaymentStatus.FAILED):
        # Money arrived for an order already cancelled (its stock released): give it back.
        if not matches:
            unmatched.book(session, order, intent)
            unmatched.give_back(session, deps, order)
            return "refunded-late-unmatched-payment"
        _book_and_give_back_payment(
            session,
            deps,
            order,
            payment=f"late card payment for cancelled order {order.id}",
            refund=f"refund of a late payment for cancelled order {order.id}",
            refund_reference=f"order:{order.id}:late-payment",
            reversal_reference=f"order:{order.id}:late-payment:reversal",
        )
        return "refunded-late-payment"
    return f"no-op ({order.status})"


def _book_payment(session: Session, order: Order, description: str) -> None:
    """The card payment in the ledger, under the reference every later reversal looks up."""
    ledger.post(
        session,
        reference=paid_reference(order),
        kind="charge",
        description=description,
        entries=payment_entries(order, lines_of(session, order.id)),
        order_id=order.id,
    )


def _book_and_give_back_payment(
    session: Session,
    deps: OrdersDeps,
    order: Order,
    *,
    payment: str,
    refund: str,
    refund_reference: str,
    reversal_reference: str,
) -> None:
    """Money for an order that will not be fulfilled: booked, refunded whole, its postings reversed."""
    _book_payment(session, order, payment)
    _refund(session, deps, order, order.total - order.refunded, reference=refund_reference)
    ledger.post(
        session,
        reference=reversal_reference,
        kind="refund",
        description=refund,
        entries=ledger.reverse(ledger.postings_of(session, paid_reference(order))),
        order_id=order.id,
    )


def _commit_stock(session: Session, deps: OrdersDeps, order: Order) -> bool:
    """Commit the order's reservation. If it lapsed before the payment arrived (the catalog
    swept it), reserve again under a derived key and commit that; False when the units are gone."""
    try:
        deps.catalog.commit(order.reservation_key)
        return True
    except OutOfStock:
        raise
    except Conflict:
        pass
    late_key = f"{order.reservation_key}-late"
    try:
        deps.catalog.reserve(
            late_key,
            [(line.part_id, line.quantity) for line in lines_of(session, order.id)],
            ttl_seconds=deps.settings.reservation_ttl_seconds,
            order_ref=str(order.id),
        )
    except OutOfStock:
        return False
    deps.catalog.commit(late_key)
    order.reservation_key = late_key
    session.add(order)
    return True


def _refund_unfulfillable(session: Session, deps: OrdersDeps, order: Order, *, source: str) -> str:
    """Paid, but the stock lapsed and was sold meanwhile: the money goes straight back."""
    _book_and_give_back_payment(
        session,
        deps,
        order,
        payment=f"card payment for order {order.id} (stock no longer available)",
        refund=f"refund: order {order.id} paid after its stock reservation lapsed and sold out",
        refund_reference=f"order:{order.id}:unfulfillable",
        reversal_reference=f"order:{order.id}:unfulfillable",
    )
    for line in lines_of(session, order.id):
        line.status = LineStatus.CANCELLED
        session.add(line)
    order_status.change(
        session, order, OrderStatus.CANCELLED, actor_id=source, reason="paid after the reservation lapsed; out of stock"
    )
    return "refunded-out-of-stock"


def release_now(deps: OrdersDeps, order: Order) -> None:
    """Give an unpaid order's units back at once, when the catalog answers. Not the guarantee:
    the order.cancelled event this cancellation writes makes the catalog release them
    (services/catalog/order_events.py), so an unreachable catalog does not stop a cancellation."""
    try:
        deps.catalog.release(order.reservation_key)
    except DomainError as exc:
        log.warning("order %s: stock not released now (%s); its order.cancelled event will", order.id, exc.detail)


def apply_failed(session: Session, deps: OrdersDeps, order_id: uuid.UUID, *, source: str, why: str) -> str:
    """A failed or cancelled payment cancels a pending order and releases its stock, unless
    Stripe says the intent succeeded after all (events may arrive in any order)."""
    order = lock(session, order_id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return f"no-op ({order.status})"
    if order.payment_status == PaymentStatus.REVIEW:
        return "no-op (held for review)"
    intent = _cancel_intent(deps, order)
    if intent is not None:
        if intent.status == "succeeded":
            return apply_succeeded(session, deps, order_id, source=source, intent=intent)
        if intent.status in ("processing", "requires_capture"):
            return "left-pending (payment processing)"
    release_now(deps, order)
    order.payment_status = PaymentStatus.FAILED
    for line in lines_of(session, order.id):
        line.status = LineStatus.CANCELLED
        session.add(line)
    order_status.change(session, order, OrderStatus.CANCELLED, actor_id=source, reason=why)
    return "cancelled"


def _cancel_intent(deps: OrdersDeps, order: Order) -> Intent | None:
    """Cancel the order's intent if it still can be; None when there is none to cancel: no intent
    yet, or one the provider no longer knows (a development localstripe that restarted), on
    which nothing can have been taken."""
    if order.payment_intent_id is None:
        return None
    try:
        return deps.payments.cancel_intent(order.payment_intent_id, order_id=str(order.id))
    except UnknownToProvider:
        log.warning("order %s: the payment provider does not know intent %s", order.id, order.payment_intent_id)
        return None


# --- refunds ---------------------------------------------------------------------------------


def _refund(
    session: Session, deps: OrdersDeps, order: Order, amount: int, *, reference: str, reason: str = ""
) -> Refund:
    """One Stripe refund under our reference (so a retry refunds once), recorded on the order."""
    existing = session.scalars(select(Refund).where(Refund.reference == reference)).first()
    if existing is not None:
        return existing
    if amount <= 0:
        raise BadInput("a refund must be more than zero", field="amount")
    if amount > order.total - order.refunded:
        raise Conflict(f"at most {order.total - order.refunded} can still be refunded on this order", field="amount")
    assert order.payment_intent_id is not None
    stripe_id = deps.payments.refund(
        intent_id=order.payment_intent_id, amount=amount, reference=reference, order_id=str(order.id)
    )
    refund = Refund(
        order_id=order.id,
        reference=reference,
        stripe_refund_id=stripe_id,
        amount=amount,
        currency=order.currency,
        reason=(reason or reference.rsplit(":", 1)[-1])[:40],
    )
    session.add(refund)
    order.refunded += amount
    order.payment_status = PaymentStatus.REFUNDED if order.refunded == order.total else PaymentStatus.PARTIALLY_REFUNDED
    order.updated_at = utcnow()
    session.add(order)
    outbox.record(session, outbox.ORDER_REFUNDED, order, suppliers=(), refund=outbox.refund_snapshot(refund))
    return refund


def apply_refunded_in_stripe(session: Session, order_id: uuid.UUID, *, amount_refunded: int, event_id: str) -> str:
    """`charge.refunded` carries the charge's cumulative refunded amount. Whatever exceeds what we
    recorded was refunded outside this service (Stripe's dashboard): record it and post it.
    Our own refunds are recorded under the order's lock before their events can be applied, and
    a cumulative figure makes the arrival order irrelevant."""
    order = lock(session, order_id)
    external = min(amount_refunded, order.total) - order.refunded
    if external <= 0:
        return "already recorded"
    reference = f"stripe-event:{event_id}"
    refund = Refund(
        order_id=order.id,
        reference=reference,
        amount=external,
        currency=order.currency,
        reason="refunded in Stripe",
    )
    session.add(refund)
    order.refunded += external
    order.payment_status = PaymentStatus.REFUNDED if order.refunded == order.total else PaymentStatus.PARTIALLY_REFUNDED
    order.updated_at = utcnow()
    session.add(order)
    outbox.record(session, outbox.ORDER_REFUNDED, order, suppliers=(), refund=outbox.refund_snapshot(refund))
    ledger.post(
        session,
        reference=reference,
        kind="refund",
        description=f"refund made in Stripe on order {order.id}",
        entries=[
            Entry(ledger.REFUNDS_EXPENSE, order.currency, external),
            Entry(ledger.STRIPE, order.currency, -external),
        ],
        order_id=order.id,
    )
    return f"recorded external refund of {external}"


def partial_refund(
    session: Session, actor: Actor, order_id: uuid.UUID, amount: int, reason: str, key: str, deps: OrdersDeps
) -> Refund:
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("only an admin issues goodwill refunds")
    order = lock(session, order_id)
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        raise Conflict(f"order is {order.status} with payment {order.payment_status}; nothing to refund")
    step = charge_step(order.currency)
    if amount % step:
        raise BadInput(f"{order.currency} is refunded to cards in multiples of {step} minor units", field="amount")
    reference = f"order:{order.id}:refund:{key}"
    refund = _refund(session, deps, order, amount, reference=reference, reason=reason)
    ledger.post(
        session,
        reference=reference,
        kind="refund",
        description=f"goodwill refund on order {order.id}: {reason}",
        entries=[
            Entry(ledger.REFUNDS_EXPENSE, order.currency, refund.amount),
            Entry(ledger.STRIPE, order.currency, -refund.amount),
        ],
        order_id=order.id,
    )
    return refund


# --- cancellation ----------------------------------------------------------------------------


def cancel(session: Session, actor: Actor, order_id: uuid.UUID, reason: str | None, deps: OrdersDeps) -> Order:
    """Before shipment only. No money taken: intent cancelled, stock released. Money taken (a
    paid order, a payment held for review, or a payment Stripe took that was not applied yet):
    everything not yet refunded goes back to the card first, and only then do the units go back
    on sale (`finish_cancellation`)."""
    order = get_order(session, actor, order_id)
    if not (actor.is_staff or order.buyer_id == actor.id):
        raise Forbidden("only the buyer or an admin cancels an order")
    order = lock(session, order.id)
    order_status.require(
        order, OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, action="cancelled (it has shipped or is already closed)"
    )
    if any(line.status != LineStatus.PENDING for line in lines_of(session, order.id)):
        raise order_status.InvalidTransition("a line has shipped; the order can no longer be cancelled", field="status")
    why = reason or ("cancelled by the buyer" if order.buyer_id == actor.id else "cancelled by an admin")
    if order.status == OrderStatus.PENDING_PAYMENT and not unmatched.taken(session, order):
        intent = _cancel_intent(deps, order)
        if intent is None or intent.status != "succeeded":
            release_now(deps, order)
            if order.payment_status in (PaymentStatus.REVIEW, PaymentStatus.HELD):
                order.payment_status, order.attention = PaymentStatus.FAILED, None
            _close_cancelled(session, order, actor_id=actor.id, why=why)
            return order
        # Stripe took the money and no event saying so was applied (a webhook lost or still on
        # its way): apply it here, as reconciliation would, and give it back below.
        apply_succeeded(session, deps, order.id, source=actor.id, intent=intent)
        if order.status == OrderStatus.CANCELLED:
            return order  # paid after its units sold out: already refunded
    if order.cancel_requested_at is None:
        order.cancel_requested_at, order.cancel_reason = utcnow(), why
    if not finish_cancellation(session, deps, order, actor_id=actor.id):
        assert order.attention is not None
        raise CancellationPending(
            f"{order.attention}. The cancellation is recorded and will be finished automatically", field="status"
        )
    return order


def finish_cancellation(session: Session, deps: OrdersDeps, order: Order, *, actor_id: str) -> bool:
    """The steps of a requested cancellation of an order whose money was taken, each idempotent:
    the refund and its booking, then the units back on sale, then CANCELLED. Never raises for a
    failed step: it records why in `attention` and answers False, so the steps already done
    stay done (the caller commits them) and a later call goes on from there."""
    try:
        if order.status == OrderStatus.PAID:
            _refund_paid_order(session, deps, order)
        else:
            unmatched.give_back(session, deps, order)
    except DomainError as exc:
        return _stuck(session, order, f"the refund failed: {exc.detail}")
    try:
        if order.status == OrderStatus.PAID:
            deps.catalog.restock(order.reservation_key)
        else:
            deps.catalog.release(order.reservation_key)
    except DomainError as exc:
        return _stuck(session, order, f"refunded, but the parts could not be put back on sale: {exc.detail}")
    order.attention = None
    _close_cancelled(session, order, actor_id=actor_id, why=order.cancel_reason or "cancelled")
    return True


def _stuck(session: Session, order: Order, why: str) -> bool:
    order.attention = why[:500]
    order.updated_at = utcnow()
    session.add(order)
    log.warning("order %s: cancellation not finished: %s", order.id, why)
    return False


def _refund_paid_order(session: Session, deps: OrdersDeps, order: Order) -> None:
    """Everything not yet refunded back to the card, and the payment's postings reversed."""
    prior = order.refunded  # goodwill refunds already paid back: now part of the full refund
    remaining = order.total - order.refunded
    if remaining > 0:
        _refund(session, deps, order, remaining, reference=f"order:{order.id}:cancel", reason="cancelled")
    entries = ledger.reverse(ledger.postings_of(session, paid_reference(order)))
    if prior:
        entries += [
            Entry(ledger.STRIPE, order.currency, prior),
            Entry(ledger.REFUNDS_EXPENSE, order.currency, -prior),
        ]
    ledger.post(
        session,
        reference=f"order:{order.id}:cancel",
        kind="refund",
        description=f"order {order.id} cancelled before shipment, refunded",
        entries=entries,
        order_id=order.id,
    )


def _close_cancelled(session: Session, order: Order, *, actor_id: str, why: str) -> None:
    for line in lines_of(session, order.id):
        line.status = LineStatus.CANCELLED
        session.add(line)
    order_status.change(session, order, OrderStatus.CANCELLED, actor_id=actor_id, reason=why)


# --- shipment and delivery -------------------------------------------------------------------


def ship(session: Session, actor: Actor, order_id: uuid.UUID, data: ShipIn) -> Order:
    """The supplier of the lines marks them shipped; the order is SHIPPED when every line is."""
    actor.require(Role.SUPPLIER)
    carrier, number = carriers.checked_shipment(data.carrier, data.tracking_number)
    order = get_order(session, actor, order_id)
    order = lock(session, order.id)
    screening.require_not_held(order, action="shipped")
    order_status.require(order, OrderStatus.PAID, action="shipped")
    if order.cancel_requested_at is not None:
        raise order_status.InvalidTransition(
            "the buyer's cancellation is waiting for its refund; the order must not be shipped", field="status"
        )
    lines = lines_of(session, order.id)
    if data.line_ids is not None:
        by_id = {line.id: line for line in lines}
        chosen = []
        for i, line_id in enumerate(data.line_ids):
            if line_id not in by_id:
                raise NotFound("no such line on this order", field=f"line_ids.{i}")
            chosen.append(by_id[line_id])
    else:
        chosen = [
            line
            for line in lines
            if line.status == LineStatus.PENDING
            and (actor.is_staff or (actor.supplier_id is not None and str(line.supplier_id) == actor.supplier_id))
        ]
        if not chosen:
            raise Conflict("no line of yours is waiting to ship on this order", field="line_ids")
    now = utcnow()
    for line in chosen:
        if not actor.is_staff and str(line.supplier_id) != actor.supplier_id:
            raise Forbidden("a supplier ships only its own lines", field="line_ids")
        if line.status != LineStatus.PENDING:
            raise order_status.InvalidTransition(
                f"line {line.id} is {line.status}; it cannot be shipped", field="line_ids"
            )
        line.status, line.carrier, line.tracking_number, line.shipped_at = (
            LineStatus.SHIPPED,
            carrier.name,
            number,
            now,
        )
        session.add(line)
    session.flush()
    if all(line.status == LineStatus.SHIPPED for line in lines):
        order_status.change(session, order, OrderStatus.SHIPPED, actor_id=actor.id, reason=f"{carrier.name} {number}")
    return order


# Who says an order arrived. The supplier does not: its payout clock starts at delivery, so
# its own word would start it. The buyer confirms; an admin (support, or a carrier's proof)
# records it; and a shipment nobody objected to is delivered `auto_deliver_days` after it left.
BY_BUYER = "confirmed by the buyer"
BY_ADMIN = "recorded by an admin"
BY_SILENCE = "no objection within {days} days of shipment"


def _deliver(session: Session, order_id: uuid.UUID, *, actor_id: str, reason: str) -> Order:
    """Every shipped line delivered now, and the order DELIVERED; an order already delivered
    (or completed since) is returned as it is, so a retried confirmation changes nothing."""
    order = lock(session, order_id)
    if order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return order
    order_status.require(order, OrderStatus.SHIPPED, action="delivered")
    now = utcnow()
    for line in lines_of(session, order.id):
        if line.status == LineStatus.SHIPPED:
            line.status, line.delivered_at = LineStatus.DELIVERED, now
            session.add(line)
    session.flush()
    order_status.change(session, order, OrderStatus.DELIVERED, actor_id=actor_id, reason=reason)
    return order


def deliver(session: Session, actor: Actor, order_id: uuid.UUID) -> Order:
    """An admin records delivery (every line): the carrier's proof, or a buyer who told support."""
    if not actor.is_staff:
        raise Forbidden("only the buyer confirms delivery (confirmDelivery), or an admin records it; a supplier cannot")
    order = get_order(session, actor, order_id)
    return _deliver(session, order.id, actor_id=actor.id, reason=BY_ADMIN)


def confirm_delivery(session: Session, actor: Actor, order_id: uuid.UUID) -> Order:
    """The buyer says the parts arrived (an admin may say it for them)."""
    order = get_order(session, actor, order_id)
    if not (actor.is_staff or order.buyer_id == actor.id):
        raise Forbidden("only the buyer of this order confirms its delivery")
    return _deliver(session, order.id, actor_id=actor.id, reason=BY_BUYER if not actor.is_staff else BY_ADMIN)


def report_non_delivery(session: Session, actor: Actor, order_id: uuid.UUID, note: str) -> Order:
    """The buyer says the shipped order has not arrived: it is kept from automatic delivery, and
    an admin follows it up with the carrier. Reporting again keeps the first report."""
    order = get_order(session, actor, order_id)
    if not (actor.is_staff or order.buyer_id == actor.id):
        raise Forbidden("only the buyer of this order reports that it has not arrived")
    note = " ".join(note.split())
    if len(note) > 1000:
        raise BadInput("say it in at most 1000 characters", field="note")
    order = lock(session, order.id)
    if order.non_delivery_reported_at is not None:
        return order
    order_status.require(order, OrderStatus.SHIPPED, action="reported as not delivered")
    order.non_delivery_reported_at, order.non_delivery_note = utcnow(), note or None
    session.add(order)
    session.flush()
    return order


def objected(session: Session, order: Order) -> bool:
    """Whether the buyer objected to the shipment: reported that it has not arrived, or opened a
    part return on any of its lines (whatever has become of it since). Such an order is delivered
    only by the buyer's own confirmation or an admin, never by the passing of time."""
    if order.non_delivery_reported_at is not None:
        return True
    return session.scalars(select(PartReturn.id).where(PartReturn.order_id == order.id)).first() is not None


def due_for_auto_delivery(session: Session, *, days: int, limit: int) -> list[uuid.UUID]:
    """SHIPPED orders whose last line left more than `days` ago and whose buyer did not object."""
    cutoff = utcnow() - timedelta(days=days)
    shipped_late = exists().where(
        col(OrderLine.order_id) == col(Order.id),
        or_(col(OrderLine.shipped_at).is_(None), col(OrderLine.shipped_at) > cutoff),
        col(OrderLine.status) == LineStatus.SHIPPED,
    )
    returned = exists().where(col(PartReturn.order_id) == col(Order.id))
    return list(
        session.scalars(
            select(Order.id)
            .where(
                col(Order.status) == OrderStatus.SHIPPED,
                col(Order.non_delivery_reported_at).is_(None),
                ~shipped_late,
                ~returned,
            )
            .order_by(col(Order.updated_at), col(Order.id))
            .limit(limit)
        )
    )


def auto_deliver(session: Session, actor: Actor, *, days: int, limit: int = 200) -> list[uuid.UUID]:
    """The scheduler's run: every order due delivered, each under its own row lock and checked
    again under it (a buyer may have confirmed or objected since it was picked). Safe to repeat."""
    actor.require(Role.SYSTEM)
    delivered = []
    for order_id in due_for_auto_delivery(session, days=days, limit=limit):
        order = lock(session, order_id)
        if order.status != OrderStatus.SHIPPED or objected(session, order):
            continue
        _deliver(session, order_id, actor_id=actor.id, reason=BY_SILENCE.format(days=days))
        delivered.append(order_id)
    return delivered


def complete(session: Session, actor: Actor, order_id: uuid.UUID) -> Order:
    order = get_order(session, actor, order_id)
    if not (actor.is_staff or order.buyer_id == actor.id):
        raise Forbidden("only the buyer or an admin completes an order")
    order = lock(session, order.id)
    order_status.require(order, OrderStatus.DELIVERED, action="completed")
    order_status.change(session, order, OrderStatus.COMPLETED, actor_id=actor.id)
    return order
