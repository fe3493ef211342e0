"""Core returns: the buyer sends the old part to the core hub of its region (never back to
China), the hub or the supplier inspects it, and the deposit is refunded (all, or the share
accepted) through Stripe; what is not refunded is credited to the supplier in CNY.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from marketplace.actors import Actor
from marketplace.cards import charge_step
from marketplace.roles import Role
from services.common.clock import utcnow
from services.common.errors import BadInput, Conflict, Forbidden, NotFound
from services.orders import outbox
from services.orders.contract.fulfilment import CoreReturnDecision
from services.orders.contract.statuses import CoreReturnStatus, LineStatus, PartReturnStatus
from services.orders.deps import OrdersDeps
from services.orders.finance import ledger
from services.orders.finance.ledger import Entry
from services.orders.fulfilment.lifecycle import _refund, lock
from services.orders.models import CoreReturn, OrderLine, PartReturn

# Once a return is requested, the old part must reach the hub within this time.
CORE_ARRIVAL_DAYS = timedelta(days=30)

HUBS_FILE = Path(__file__).with_name("core_hubs.json")


class ReturnWindowClosed(Conflict):
    code = "CORE_RETURN_WINDOW_CLOSED"


@cache
def hubs() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(HUBS_FILE.read_text(encoding="utf-8"))["hubs"]
    return data


def hub_for(country: str) -> dict[str, Any]:
    for hub in hubs():
        if country in hub["countries"]:
            return {k: hub[k] for k in ("code", "name", "address")}
    raise Conflict(f"no core hub serves {country}; contact support to return the core", field="order_line_id")


def hub_by_code(code: str) -> dict[str, Any]:
    for hub in hubs():
        if hub["code"] == code:
            return {k: hub[k] for k in ("code", "name", "address")}
    return {"code": code, "name": code, "address": ""}


def _half_even(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def request_return(session: Session, actor: Actor, line_id: uuid.UUID, deps: OrdersDeps) -> CoreReturn:
    actor.require(Role.BUYER)
    line = session.get(OrderLine, line_id)
    order = lock(session, line.order_id) if line is not None else None
    if line is None or order is None or (order.buyer_id != actor.id and not actor.is_staff):
        raise NotFound("no such order line", field="order_line_id")
    if line.core_deposit <= 0:
        raise BadInput("this line carries no core deposit", field="order_line_id")
    if line.status != LineStatus.DELIVERED or line.delivered_at is None:
        raise Conflict(f"the line is {line.status}; a core is returned after delivery", field="order_line_id")
    window = timedelta(days=deps.settings.core_return_window_days)
    now = utcnow()
    if now > line.delivered_at + window:
        raise ReturnWindowClosed(
            f"cores are returned within {window.days} days of delivery; this line was delivered "
            f"on {line.delivered_at.date().isoformat()}",
            field="order_line_id",
        )
    existing = session.scalars(select(CoreReturn).where(CoreReturn.order_line_id == line.id)).first()
    if existing is not None:
        return existing
    if session.scalars(
        select(PartReturn.id).where(PartReturn.order_line_id == line.id, PartReturn.status == PartReturnStatus.REFUNDED)
    ).first():
        raise Conflict("this part was returned and refunded with its deposit", field="order_line_id")
    core = CoreReturn(
        order_id=order.id,
        order_line_id=line.id,
        buyer_id=order.buyer_id,
        supplier_id=line.supplier_id,
        hub_code=hub_for(order.destination_country)["code"],
        status=CoreReturnStatus.REQUESTED,
        deposit=line.core_deposit,
        currency=order.currency,
        requested_at=now,
    )
    session.add(core)
    session.flush()
    outbox.record_core_return(session, outbox.CORE_RETURN_REQUESTED, order, core)
    return core


def get_return(session: Session, actor: Actor, return_id: uuid.UUID) -> CoreReturn:
    core = session.get(CoreReturn, return_id)
    if core is None:
        raise NotFound("no such core return", field="id")
    if actor.is_staff or actor.role == Role.INSPECTOR or core.buyer_id == actor.id:
        return core
    if actor.role == Role.SUPPLIER and actor.supplier_id == str(core.supplier_id):
        return core
    raise NotFound("no such core return", field="id")


def decide(
    session: Session, actor: Actor, return_id: uuid.UUID, decision: CoreReturnDecision, deps: OrdersDeps
) -> CoreReturn:
    """The hub (an inspector) or the part's supplier records the inspection. Refunds exactly the
    accepted share of the deposit to the card; credits the rest to the supplier in CNY."""
    if actor.role not in (Role.SUPPLIER, Role.INSPECTOR, Role.ADMIN, Role.SYSTEM):
        raise Forbidden("the core hub or the part's supplier decides on a returned core")
    core = get_return(session, actor, return_id)
    if actor.role == Role.SUPPLIER and actor.supplier_id != str(core.supplier_id):
        raise NotFound("no such core return", field="id")
    order = lock(session, core.order_id)
    session.refresh(core)
    if core.status != CoreReturnStatus.REQUESTED:
        raise Conflict(f"the core return is already {core.status}", field="accepted", return_status=core.status)
    if not decision.accepted and decision.accepted_share_pct not in (None, 0):
        raise BadInput("a rejected core has no accepted share", field="accepted_share_pct")
    share = (100 if decision.accepted_share_pct is None else decision.accepted_share_pct) if decision.accepted else 0
    line = session.get(OrderLine, core.order_line_id)
    assert line is not None
    # In the tens a card can be refunded in for KWD and its kind, like every amount charged.
    step = charge_step(order.currency)
    refund = core.deposit if share == 100 else _half_even(Decimal(core.deposit) * share / 100 / step) * step
    kept = core.deposit - refund
    deposit_fen = line.core_charge_fen * line.quantity
    credit_fen = 0 if share == 100 else deposit_fen - _half_even(Decimal(deposit_fen) * share / 100)
    reference = f"core-return:{core.id}"
    c = order.currency
    entries: list[Entry] = []
    if refund:
        _refund(session, deps, order, refund, reference=reference, reason="core deposit")
        entries += [Entry(ledger.CORE_HELD, c, refund), Entry(ledger.STRIPE, c, -refund)]
    if kept:
        entries += [
            Entry(ledger.CORE_HELD, c, kept),
            Entry(ledger.FX, c, -kept),
            Entry(ledger.FX, "CNY", credit_fen),
            Entry(ledger.supplier_payable(core.supplier_id), "CNY", -credit_fen),
        ]
    ledger.post(
        session,
        reference=reference,
        kind="core_deposit",
        description=f"core return {core.id}: {share}% accepted",
        entries=entries,
        order_id=order.id,
    )
    core.status = (
        CoreReturnStatus.ACCEPTED
        if share == 100
        else CoreReturnStatus.REJECTED
        if share == 0
        else CoreReturnStatus.PARTLY_ACCEPTED
    )
    core.accepted_share_pct = share
    core.refunded = refund
    core.credited_supplier_fen = credit_fen
    core.inspection_note = decision.note
    core.decided_at = utcnow()
    session.add(core)
    if credit_fen:
        line.supplier_payable_fen += credit_fen
        session.add(line)
    outbox.record_core_return(session, outbox.CORE_RETURN_RESOLVED, order, core)
    return core
