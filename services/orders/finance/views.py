"""Refund, settlement batch, payout and bank account rows -> response schemas (reads only)."""

from __future__ import annotations

from sqlmodel import Session

from services.orders.contract.finance import BankAccountRead, PayoutRead, RefundRead, SettlementBatchRead
from services.orders.finance import payouts, settlement
from services.orders.models import Payout, Refund, SettlementBatch, SupplierBankAccount
from services.orders.schemas import money_read


def refund_read(r: Refund) -> RefundRead:
    return RefundRead(
        id=r.id,
        stripe_refund_id=r.stripe_refund_id,
        amount=money_read(r.amount, r.currency),
        reason=r.reason,
        created_at=r.created_at,
    )


def payout_read(attempt: tuple[Payout, SupplierBankAccount] | None) -> PayoutRead | None:
    if attempt is None:
        return None
    payout, account = attempt
    return PayoutRead(
        end_to_end_id=payout.end_to_end_id,
        status=payout.status,
        sent_at=payout.sent_at,
        settled_at=payout.settled_at,
        reason_code=payout.reason_code,
        reason_text=payout.reason_text,
        account_masked=payouts.masked(account.account_number),
        bank_name=account.bank_name,
    )


def batch_reads(session: Session, batches: list[SettlementBatch]) -> list[SettlementBatchRead]:
    periods = settlement.delivery_periods(session, [b.id for b in batches])
    attempts = payouts.latest_attempts(session, [b.id for b in batches])
    return [
        SettlementBatchRead(
            id=batch.id,
            supplier_id=batch.supplier_id,
            total=money_read(batch.total_fen, "CNY"),
            line_count=batch.line_count,
            cutoff=batch.cutoff,
            created_at=batch.created_at,
            delivered_from=periods.get(batch.id, (None, None))[0],
            delivered_until=periods.get(batch.id, (None, None))[1],
            payout_status=batch.payout_status,
            payout=payout_read(attempts.get(batch.id)),
        )
        for batch in batches
    ]


def account_read(account: SupplierBankAccount) -> BankAccountRead:
    return BankAccountRead(
        id=account.id,
        supplier_id=account.supplier_id,
        bank_name=account.bank_name,
        account_name=account.account_name,
        account_number_masked=payouts.masked(account.account_number),
        cnaps_code=account.cnaps_code,
        bic=account.bic,
        since=account.created_at,
    )
