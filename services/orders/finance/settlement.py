"""Settlement: payout batches per supplier in CNY, their statements as CSV, and the ISO 20022
pain.001 credit-transfer file for the platform's bank (Stripe Connect cannot pay mainland-China
suppliers, so this is our own ledger plus a bank file).

A line is settled once: delivered, past the hold period (`settlement_hold_days`, for returns
and disputes), its order not cancelled, and in no batch yet. A batch pays each line's
`supplier_payable_fen` (goods net of the platform fee, plus any core deposit credited to the
supplier before the run) and posts `Dr supplier:<id>:payable / Cr bank:cny_payouts`.
Each supplier's bank account is kept by payouts.py, which exports the pain.001 paying batches
to it and reads the bank's status reports; `pain001_file` below still builds a file from
accounts given with the request (an internal route for finance's own tools).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common import csvfile
from services.common.clock import utcnow
from services.common.errors import BadInput, Forbidden, NotFound
from services.orders import outbox
from services.orders.contract.finance import Pain001Request
from services.orders.contract.statuses import LineStatus, OrderStatus
from services.orders.deps import OrdersDeps
from services.orders.finance import ledger, pain001
from services.orders.finance.ledger import Entry
from services.orders.models import Order, OrderLine, SettlementBatch

CSV_COLUMNS = (
    "batch_id",
    "supplier_id",
    "order_id",
    "order_line_id",
    "sku",
    "title",
    "quantity",
    "delivered_at",
    "goods_cny",
    "platform_fee_cny",
    "payable_cny",
)


def _require_finance(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("only finance (an admin) or the scheduler settles suppliers")


def run(session: Session, actor: Actor, deps: OrdersDeps, *, now: datetime | None = None) -> list[SettlementBatch]:
    """One batch per supplier with lines due; lines already in a batch are never paid twice."""
    _require_finance(actor)
    now = now or utcnow()
    cutoff = now - timedelta(days=deps.settings.settlement_hold_days)
    due = list(
        session.scalars(
            select(OrderLine)
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(
                col(OrderLine.status) == LineStatus.DELIVERED,
                col(OrderLine.delivered_at) <= cutoff,
                col(OrderLine.settlement_batch_id).is_(None),
                col(Order.status).in_([OrderStatus.DELIVERED, OrderStatus.COMPLETED]),
            )
            .order_by(col(OrderLine.supplier_id), col(OrderLine.delivered_at))
            .with_for_update(of=OrderLine)
        )
    )
    by_supplier: dict[uuid.UUID, list[OrderLine]] = defaultdict(list)
    for line in due:
        by_supplier[line.supplier_id].append(line)
    batches = []
    for supplier_id, lines in by_supplier.items():
        total = sum(line.supplier_payable_fen for line in lines)
        batch = SettlementBatch(supplier_id=supplier_id, total_fen=total, line_count=len(lines), cutoff=cutoff)
        session.add(batch)
        session.flush()
        for line in lines:
            line.settlement_batch_id = batch.id
            session.add(line)
        ledger.post(
            session,
            reference=f"settlement:{batch.id}",
            kind="payout",
            description=f"CNY payout batch {batch.id} to supplier {supplier_id}",
            entries=[Entry(ledger.supplier_payable(supplier_id), "CNY", total), Entry(ledger.BANK_CNY, "CNY", -total)],
        )
        outbox.record_payout(session, batch)
        batches.append(batch)
    session.flush()
    return batches


def get(session: Session, actor: Actor, batch_id: uuid.UUID) -> SettlementBatch:
    batch = session.get(SettlementBatch, batch_id)
    if batch is None:
        raise NotFound("no such settlement batch", field="batch_id")
    if actor.role in (Role.ADMIN, Role.SYSTEM) or (
        actor.role == Role.SUPPLIER and actor.supplier_id == str(batch.supplier_id)
    ):
        return batch
    raise NotFound("no such settlement batch", field="batch_id")


def list_batches(
    session: Session, actor: Actor, supplier_id: uuid.UUID | None, limit: int, after: uuid.UUID | None = None
) -> list[SettlementBatch]:
    """Newest first, keyset-paged after the batch `after`. A supplier sees its own batches
    (whatever `supplier_id` it sends); finance sees all, or one supplier's."""
    if actor.role == Role.SUPPLIER and actor.supplier_id:
        supplier_id = uuid.UUID(actor.supplier_id)
    elif actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("settlement batches are for suppliers and finance")
    query = select(SettlementBatch)
    if supplier_id is not None:
        query = query.where(col(SettlementBatch.supplier_id) == supplier_id)
    if after is not None:
        try:
            last = get(session, actor, after)
        except NotFound:
            raise BadInput("no such settlement batch to page after", field="after") from None
        query = query.where(
            (col(SettlementBatch.created_at) < last.created_at)
            | ((col(SettlementBatch.created_at) == last.created_at) & (col(SettlementBatch.id) < last.id))
        )
    query = query.order_by(col(SettlementBatch.created_at).desc(), col(SettlementBatch.id).desc())
    return list(session.scalars(query.limit(limit)))


def delivery_periods(session: Session, batch_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[datetime, datetime]]:
    """The first and last delivery each batch pays for: the period its statement covers."""
    if not batch_ids:
        return {}
    rows = session.execute(
        select(
            col(OrderLine.settlement_batch_id),
            func.min(col(OrderLine.delivered_at)),
            func.max(col(OrderLine.delivered_at)),
        )
        .where(col(OrderLine.settlement_batch_id).in_(batch_ids))
        .group_by(col(OrderLine.settlement_batch_id))
    )
    return {batch_id: (first, last) for batch_id, first, last in rows if first is not None and last is not None}


def lines(session: Session, batch_id: uuid.UUID) -> list[OrderLine]:
    return list(
        session.scalars(
            select(OrderLine)
            .where(col(OrderLine.settlement_batch_id) == batch_id)
            .order_by(col(OrderLine.delivered_at), col(OrderLine.id))
        )
    )


def _yuan(fen: int) -> str:
    return pain001.amount_text(fen)


def statement_csv(session: Session, batch: SettlementBatch) -> bytes:
    """The batch's statement as the supplier's bookkeeping imports it: one row per line."""
    return csvfile.write_csv(
        CSV_COLUMNS,
        (
            (
                str(batch.id),
                str(batch.supplier_id),
                str(line.order_id),
                str(line.id),
                line.sku,
                line.title,
                line.quantity,
                line.delivered_at.isoformat() if line.delivered_at else "",
                _yuan(line.unit_price_fen * line.quantity),
                _yuan(line.platform_fee_fen),
                _yuan(line.supplier_payable_fen),
            )
            for line in lines(session, batch.id)
        ),
    )


def pain001_file(session: Session, actor: Actor, data: Pain001Request, *, now: datetime | None = None) -> bytes:
    """One pain.001 paying the given batches, each to the bank account given for its supplier."""
    _require_finance(actor)
    now = now or utcnow()
    payouts = []
    for i, batch_id in enumerate(data.batch_ids):
        batch = session.get(SettlementBatch, batch_id)
        if batch is None:
            raise NotFound("no such settlement batch", field=f"batch_ids.{i}")
        account = data.creditors.get(str(batch.supplier_id))
        if account is None:
            raise BadInput(f"no bank account given for supplier {batch.supplier_id}", field="creditors")
        payouts.append(
            pain001.Payout(
                end_to_end_id=batch.id.hex[:32],
                creditor=pain001.Party(name=account.name, uscc=account.uscc, town=account.town),
                account=pain001.Account(number=account.account_number),
                bank=pain001.Bank(bic=account.bic, cnaps=account.cnaps, name=account.bank_name),
                amount_fen=batch.total_fen,
                remittance=f"Tongnan Parts Exchange payout {batch.id} ({batch.line_count} lines)",
            )
        )
    debtor = data.debtor
    return pain001.build_pain001(
        message_id=f"TPX-{now:%Y%m%d}-{uuid.uuid4().hex[:12]}",
        created_at=now,
        execution_date=data.execution_date or date.today(),
        debtor=pain001.Debtor(
            party=pain001.Party(name=debtor.name, uscc=debtor.uscc, town=debtor.town),
            account=pain001.Account(number=debtor.account_number),
            bank=pain001.Bank(bic=debtor.bic, cnaps=debtor.cnaps, name=debtor.bank_name),
        ),
        payouts=payouts,
        version=data.version,
    )
