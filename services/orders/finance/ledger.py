"""Double-entry ledger: each transaction is a set of signed postings (debit positive, credit
negative) in minor units, and sums to zero in each currency it touches.

A transaction has a unique `reference` (e.g. `order:<id>:paid`), so an event applied twice
posts once. FX conversions are two-legged through the `fx:position` account: the buyer-currency
leg and the CNY leg of the same transaction each balance on their own.

Accounts (one string each):
  stripe:clearing                 money collected through Stripe, less refunds (buyer currency)
  buyer:core_deposits_held        refundable core deposits (buyer currency)
  tax:duty_payable:<CC>           import duty collected under DDP, owed in the destination
  tax:vat_payable:<CC>            import VAT/GST collected under DDP
  carrier:shipping_payable        shipping and insurance collected, owed to the carrier
  fx:position                     the platform's currency position (both legs)
  supplier:<uuid>:payable         owed to a supplier, in CNY
  platform:fee_revenue            the platform's fee, in CNY
  platform:refunds_expense        goodwill/partial refunds the platform bears
  bank:cny_payouts                CNY paid out to suppliers by bank transfer
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from services.orders.models import LedgerPosting, LedgerTransaction

STRIPE = "stripe:clearing"
CORE_HELD = "buyer:core_deposits_held"
SHIPPING = "carrier:shipping_payable"
FX = "fx:position"
FEE = "platform:fee_revenue"
REFUNDS_EXPENSE = "platform:refunds_expense"
BANK_CNY = "bank:cny_payouts"
# Money the card network took that pays no order (not the order's amount or currency): owed
# back to the buyer until an admin's cancellation refunds it.
UNMATCHED = "buyer:unmatched_payments"


def duty_payable(country: str) -> str:
    return f"tax:duty_payable:{country}"


def vat_payable(country: str) -> str:
    return f"tax:vat_payable:{country}"


def supplier_payable(supplier_id: uuid.UUID | str) -> str:
    return f"supplier:{supplier_id}:payable"


@dataclass(frozen=True, slots=True)
class Entry:
    account: str
    currency: str
    amount: int  # debit positive, credit negative


class Unbalanced(ValueError):
    """A programming error: postings that do not sum to zero per currency."""


def check_balanced(entries: Iterable[Entry]) -> None:
    sums: dict[str, int] = defaultdict(int)
    for e in entries:
        if isinstance(e.amount, bool) or not isinstance(e.amount, int):
            raise Unbalanced(f"{e.account}: amounts are integer minor units")
        sums[e.currency] += e.amount
    bad = {c: s for c, s in sums.items() if s != 0}
    if bad:
        raise Unbalanced(f"transaction does not balance: {bad}")


def post(
    session: Session,
    *,
    reference: str,
    kind: str,
    description: str,
    entries: Sequence[Entry],
    order_id: uuid.UUID | None = None,
) -> LedgerTransaction | None:
    """Post once per reference; returns None when this reference was already posted."""
    check_balanced(entries)
    if session.scalars(select(LedgerTransaction.id).where(LedgerTransaction.reference == reference)).first():
        return None
    txn = LedgerTransaction(reference=reference, kind=kind, description=description[:300], order_id=order_id)
    # Callers hold the order's lock, so the reference check above cannot race; a concurrent
    # duplicate would fail on the unique reference and roll the whole unit of work back.
    session.add(txn)
    session.flush()
    merged: dict[tuple[str, str], int] = defaultdict(int)
    for e in entries:
        merged[(e.account, e.currency)] += e.amount
    session.add_all(
        LedgerPosting(transaction_id=txn.id, account=account, currency=currency, amount=amount)
        for (account, currency), amount in merged.items()
        if amount != 0
    )
    session.flush()
    return txn


def postings_of(session: Session, reference: str) -> list[Entry]:
    rows = session.execute(
        select(LedgerPosting.account, LedgerPosting.currency, LedgerPosting.amount)
        .join(LedgerTransaction, col(LedgerTransaction.id) == col(LedgerPosting.transaction_id))
        .where(LedgerTransaction.reference == reference)
    )
    return [Entry(a, c, int(m)) for a, c, m in rows]


def reverse(entries: Iterable[Entry]) -> list[Entry]:
    return [Entry(e.account, e.currency, -e.amount) for e in entries]


def balance(session: Session, account: str, currency: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerPosting.amount), 0)).where(
            LedgerPosting.account == account,
            LedgerPosting.currency == currency,
        )
    )
    return int(total or 0)


def unbalanced_transactions(session: Session) -> list[tuple[uuid.UUID, str, int]]:
    """Every (transaction, currency, sum) whose postings do not sum to zero: the invariant."""
    rows = session.execute(
        select(LedgerPosting.transaction_id, LedgerPosting.currency, func.sum(LedgerPosting.amount))
        .group_by(col(LedgerPosting.transaction_id), col(LedgerPosting.currency))
        .having(func.sum(LedgerPosting.amount) != 0)
    )
    return [(t, c, int(s)) for t, c, s in rows]
