"""Part returns (RMA): a wrong, faulty or misdescribed part sent back under warranty.

Distinct from core returns (services/orders/fulfilment/core_returns.py), which give back the deposit for
the old part the buyer replaced. Here the part we sold goes back to its supplier:

    REQUESTED --approve--> APPROVED --buyer ships it back--> SHIPPED_BACK --received-->
        REFUNDED                                  (the line refunded through Stripe), or
        REPLACEMENT_PENDING --replacement shipped--> REPLACED   (the same part, stock sold)
    REQUESTED --reject--> REJECTED

Only the order's buyer opens a return, for one shipped or delivered line, within the part's
warranty: the part's warranty months (the catalog's) from delivery, or from shipment while
delivery is not recorded, and never less than MINIMUM_WINDOW, so a part sold without warranty
can still go back when it was the wrong one. Only the line's supplier (or an admin) decides,
receives and ships a replacement. Every step is idempotent: repeating it with the same input
answers the return as it is; a different input once the step is done is a conflict.

A refund gives back the whole line (its quantity, its share of shipping, duty and VAT, and its
core deposit unless a core return handles that) and reverses the line's share of the payment in
the ledger: the supplier's payable and the platform's fee for the line go, and shipping already
bought is borne by the platform. A line not yet in a payout batch is settled at what is left.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.cards import charge_step
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.errors import BadInput, Conflict, Forbidden, NotFound
from services.orders import outbox
from services.orders.clients.catalog import OutOfStock
from services.orders.contract.statuses import LineStatus, PartReturnStatus, PaymentStatus
from services.orders.deps import OrdersDeps
from services.orders.finance import ledger
from services.orders.finance.ledger import Entry
from services.orders.fulfilment.lifecycle import _refund, lock
from services.orders.models import CoreReturn, Order, OrderLine, PartReturn

REASONS = ("WRONG_PART", "FAULTY", "NOT_AS_DESCRIBED")
RESOLUTIONS = ("REFUND", "REPLACEMENT")
# A wrong part is a wrong part even when it came without warranty.
MINIMUM_WINDOW = timedelta(days=30)


class WarrantyExpired(Conflict):
    code = "WARRANTY_EXPIRED"


class InvalidReturnStep(Conflict):
    code = "INVALID_TRANSITION"


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def warranty_until(line: OrderLine, warranty_months: int) -> datetime:
    start = line.delivered_at or line.shipped_at
    assert start is not None
    return max(add_months(start, warranty_months), start + MINIMUM_WINDOW)


# --- who may see and do what ---------------------------------------------------------------


def get_return(session: Session, actor: Actor, return_id: uuid.UUID) -> PartReturn:
    """The return, for its buyer, the line's supplier and admins; NotFound for anyone else."""
    found = session.get(PartReturn, return_id)
    if found is not None and (
        actor.is_staff
        or found.buyer_id == actor.id
        or (actor.role == Role.SUPPLIER and actor.supplier_id == str(found.supplier_id))
    ):
        return found
    raise NotFound("no such part return", field="id")


def _as_decider(session: Session, actor: Actor, return_id: uuid.UUID) -> tuple[PartReturn, Order]:
    """The return and its order locked, for the line's supplier or an admin."""
    if actor.role != Role.SUPPLIER and not actor.is_staff:
        raise Forbidden("only the part's supplier or an admin decides on a part return")
    found = get_return(session, actor, return_id)
    order = lock(session, found.order_id)
    session.refresh(found)
    return found, order


def _as_buyer(session: Session, actor: Actor, return_id: uuid.UUID) -> tuple[PartReturn, Order]:
    found = get_return(session, actor, return_id)
    if found.buyer_id != actor.id:
        raise Forbidden("only the buyer who opened the return sends the part back")
    order = lock(session, found.order_id)
    session.refresh(found)
    return found, order


def _require_status(found: PartReturn, *allowed: str, action: str) -> None:
    if found.status not in allowed:
        raise InvalidReturnStep(
            f"the part return is {found.status}; it cannot be {action}", field="status", return_status=found.status
        )


# --- the steps -----------------------------------------------------------------------------


def open_return(
    session: Session,
    actor: Actor,
    line_id: uuid.UUID,
    reason: str,
    description: str,
    deps: OrdersDeps,
    *,
    now: datetime | None = None,
) -> PartReturn:
    """The buyer asks to send a shipped or delivered line back. One return per line: asking
    again answers the one already open (or decided)."""
    if actor.role != Role.BUYER:
        raise Forbidden("only the buyer of the order opens a part return")
    if reason not in REASONS:
        raise BadInput(f"the reason is one of {', '.join(REASONS)}", field="reason")
    description = description.strip()
    if not description:
        raise BadInput("say what is wrong with the part", field="description")
    line = session.get(OrderLine, line_id)
    order = lock(session, line.order_id) if line is not None else None
    if line is None or order is None or order.buyer_id != actor.id:
        raise NotFound("no such order line", field="order_line_id")
    existing = session.scalars(select(PartReturn).where(PartReturn.order_line_id == line.id)).first()
    if existing is not None:
        return existing
    if line.status not in (LineStatus.SHIPPED, LineStatus.DELIVERED):
        raise InvalidReturnStep(
            f"the line is {line.status}; a part is returned once it has shipped (cancel the order before that)",
            field="order_line_id",
        )
    facts = deps.catalog.parts([line.part_id]).get(line.part_id)
    months = facts.warranty_months if facts is not None else 12
    until = warranty_until(line, months)
    now = now or utcnow()
    if now > until:
        raise WarrantyExpired(f"the warranty of this part ended on {until.date().isoformat()}", field="order_line_id")
    found = PartReturn(
        order_id=order.id,
        order_line_id=line.id,
        buyer_id=order.buyer_id,
        supplier_id=line.supplier_id,
        reason=reason,
        description=description[:2000],
        status=PartReturnStatus.REQUESTED,
        warranty_until=until,
        currency=order.currency,
        requested_at=now,
    )
    session.add(found)
    session.flush()
    outbox.record_part_return(session, outbox.PART_RETURN_REQUESTED, order, found)
    return found


def _updated(session: Session, order: Order, found: PartReturn) -> PartReturn:
    """The step is recorded: the return saved and its event written with it."""
    session.add(found)
    session.flush()
    outbox.record_part_return(session, outbox.PART_RETURN_UPDATED, order, found)
    return found


def decide(session: Session, actor: Actor, return_id: uuid.UUID, approved: bool, note: str | None) -> PartReturn:
    """The supplier (or an admin) approves the return, or rejects it saying why."""
    found, order = _as_decider(session, actor, return_id)
    wanted = PartReturnStatus.APPROVED if approved else PartReturnStatus.REJECTED
    note = (note or "").strip() or None
    if found.status == wanted:
        return found
    _require_status(found, PartReturnStatus.REQUESTED, action="approved or rejected again")
    if not approved and note is None:
        raise BadInput("a rejection says why", field="note")
    found.status, found.decision_note, found.decided_at = wanted, note, utcnow()
    return _updated(session, order, found)


def ship_back(session: Session, actor: Actor, return_id: uuid.UUID, carrier: str, tracking_number: str) -> PartReturn:
    """The buyer sent the part back, with the carrier's tracking number."""
    found, order = _as_buyer(session, actor, return_id)
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier:
        raise BadInput("name the carrier", field="carrier")
    if not tracking_number:
        raise BadInput("give the tracking number", field="tracking_number")
    if found.status != PartReturnStatus.APPROVED and found.return_tracking_number is not None:
        if (found.return_carrier, found.return_tracking_number) == (carrier, tracking_number):
            return found
        raise InvalidReturnStep(
            f"the part was already sent back with {found.return_carrier} {found.return_tracking_number}",
            field="tracking_number",
        )
    _require_status(found, PartReturnStatus.APPROVED, action="sent back (it must be approved first)")
    found.status, found.return_carrier, found.return_tracking_number = (
        PartReturnStatus.SHIPPED_BACK,
        carrier,
        tracking_number,
    )
    found.shipped_back_at = utcnow()
    return _updated(session, order, found)


def receive(session: Session, actor: Actor, return_id: uuid.UUID, resolution: str, deps: OrdersDeps) -> PartReturn:
    """The supplier has the part back and settles the return: the line refunded, or the same
    part sent again (its units reserved and sold now, shipped with `ship_replacement`)."""
    if resolution not in RESOLUTIONS:
        raise BadInput(f"the resolution is one of {', '.join(RESOLUTIONS)}", field="resolution")
    found, order = _as_decider(session, actor, return_id)
    if found.resolution is not None:
        if found.resolution == resolution:
            return found
        raise InvalidReturnStep(f"the return was already settled by {found.resolution}", field="resolution")
    _require_status(found, PartReturnStatus.SHIPPED_BACK, action="received (the buyer has not sent the part back)")
    line = session.get(OrderLine, found.order_line_id)
    assert line is not None
    found.received_at = utcnow()
    if resolution == "REFUND":
        _refund_line(session, deps, order, line, found)
        found.status = PartReturnStatus.REFUNDED
    else:
        key = f"part-return:{found.id}:replacement"
        try:
            deps.catalog.reserve(
                key,
                [(line.part_id, line.quantity)],
                ttl_seconds=deps.settings.reservation_ttl_seconds,
                order_ref=str(order.id),
            )
        except OutOfStock:
            raise OutOfStock(
                f"no {line.sku} on hand to send as a replacement; refund the line instead", field="resolution"
            ) from None
        deps.catalog.commit(key)
        found.replacement_reservation_key = key
        found.status = PartReturnStatus.REPLACEMENT_PENDING
    found.resolution = resolution
    return _updated(session, order, found)


def ship_replacement(
    session: Session, actor: Actor, return_id: uuid.UUID, carrier: str, tracking_number: str
) -> PartReturn:
    found, order = _as_decider(session, actor, return_id)
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier:
        raise BadInput("name the carrier", field="carrier")
    if not tracking_number:
        raise BadInput("give the tracking number", field="tracking_number")
    if found.status == PartReturnStatus.REPLACED:
        if (found.replacement_carrier, found.replacement_tracking_number) == (carrier, tracking_number):
            return found
        raise InvalidReturnStep("the replacement has already shipped", field="tracking_number")
    _require_status(found, PartReturnStatus.REPLACEMENT_PENDING, action="replaced (no replacement is due)")
    found.status, found.replacement_carrier, found.replacement_tracking_number = (
        PartReturnStatus.REPLACED,
        carrier,
        tracking_number,
    )
    found.replacement_shipped_at = utcnow()
    return _updated(session, order, found)


# --- the refund of a returned line -------------------------------------------------------


def refundable(session: Session, order: Order, line: OrderLine) -> tuple[int, bool]:
    """What the line gives back and whether its core deposit is in it (not when a core return
    deals with the deposit), rounded to what the card network refunds in."""
    has_core_return = (
        session.scalars(select(CoreReturn.id).where(col(CoreReturn.order_line_id) == line.id)).first() is not None
    )
    with_deposit = not has_core_return
    amount = line.total - (0 if with_deposit else line.core_deposit)
    step = charge_step(order.currency)
    amount = int((Decimal(amount) / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) * step
    return min(amount, order.total - order.refunded), with_deposit


def _refund_line(session: Session, deps: OrdersDeps, order: Order, line: OrderLine, found: PartReturn) -> None:
    """Refund the line to the card and reverse its share of the payment, balanced per currency."""
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        raise Conflict(f"the order's payment is {order.payment_status}; nothing to refund", field="resolution")
    amount, with_deposit = refundable(session, order, line)
    reference = f"part-return:{found.id}"
    refund = _refund(session, deps, order, amount, reference=reference, reason="part returned")
    c = order.currency
    deposit = line.core_deposit if with_deposit else 0
    duty = line.duty if order.duty_collected else 0
    vat = line.vat if order.duty_collected or order.tax_scheme else 0
    carriage = line.shipping + line.insurance
    goods = line.total - line.core_deposit - duty - vat - carriage
    goods_fen = line.unit_price_fen * line.quantity
    payable_fen = goods_fen - line.platform_fee_fen
    entries = [
        Entry(ledger.STRIPE, c, -refund.amount),
        Entry(ledger.CORE_HELD, c, deposit),
        Entry(ledger.duty_payable(order.destination_country), c, duty),
        Entry(ledger.vat_payable(order.destination_country), c, vat),
        # The carrier was paid to bring the part: the platform bears that, not the buyer.
        Entry(ledger.REFUNDS_EXPENSE, c, carriage),
        Entry(ledger.FX, c, goods),
        # What rounding to the card's step left over (zero in most currencies).
        Entry(ledger.REFUNDS_EXPENSE, c, refund.amount - (deposit + duty + vat + carriage + goods)),
        Entry(ledger.FX, "CNY", -goods_fen),
        Entry(ledger.supplier_payable(line.supplier_id), "CNY", payable_fen),
        Entry(ledger.FEE, "CNY", line.platform_fee_fen),
    ]
    ledger.post(
        session,
        reference=reference,
        kind="refund",
        description=f"part return {found.id}: line {line.line_no} of order {order.id} refunded",
        entries=entries,
        order_id=order.id,
    )
    if line.settlement_batch_id is None:
        # Not paid out yet: the payout pays what is left of the line (a credited core, say).
        line.supplier_payable_fen = max(0, line.supplier_payable_fen - payable_fen)
        session.add(line)
    found.refunded = refund.amount


def returns_of(session: Session, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PartReturn]]:
    out: dict[uuid.UUID, list[PartReturn]] = {i: [] for i in order_ids}
    if order_ids:
        rows = session.scalars(
            select(PartReturn).where(col(PartReturn.order_id).in_(order_ids)).order_by(col(PartReturn.requested_at))
        )
        for row in rows:
            out[row.order_id].append(row)
    return out
