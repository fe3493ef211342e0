"""Request and response shapes of refunds, settlement, bank accounts and payouts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from services.orders.contract.shared import IdempotencyKey, MoneyRead, Strict


class RefundRead(BaseModel):
    id: uuid.UUID
    stripe_refund_id: str | None
    amount: MoneyRead
    reason: str
    created_at: datetime


class RefundListed(RefundRead):
    order_id: uuid.UUID
    order_number: str


class RefundIn(Strict):
    amount: Annotated[int, Field(gt=0, le=10**12)] = Field(description="minor units of the order currency")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    idempotency_key: IdempotencyKey


class PayoutRead(BaseModel):
    end_to_end_id: str
    status: str
    sent_at: datetime
    settled_at: datetime | None
    reason_code: str | None
    reason_text: str | None
    account_masked: str = Field(description="the account it was sent to, for display")
    bank_name: str


class SettlementBatchRead(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    total: MoneyRead = Field(description="CNY")
    line_count: int
    cutoff: datetime
    created_at: datetime
    # The first and last delivery the batch pays for; null for a batch without lines.
    delivered_from: datetime | None = None
    delivered_until: datetime | None = None
    payout_status: str = Field(default="CREATED", description="CREATED, SENT, PAID or FAILED")
    payout: PayoutRead | None = Field(default=None, description="the latest attempt to pay it")


class SettlementLineRead(BaseModel):
    order_id: uuid.UUID
    order_line_id: uuid.UUID
    sku: str
    quantity: int
    delivered_at: datetime | None
    goods: MoneyRead
    platform_fee: MoneyRead
    payable: MoneyRead


class SettlementStatement(SettlementBatchRead):
    lines: list[SettlementLineRead]


class BankParty(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)]
    account_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=34)]
    bic: Annotated[str, StringConstraints(strip_whitespace=True, max_length=11)] | None = None
    cnaps: Annotated[str, StringConstraints(strip_whitespace=True, max_length=12)] | None = None
    bank_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=140)] | None = None
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, max_length=18)] | None = None
    town: Annotated[str, StringConstraints(strip_whitespace=True, max_length=35)] | None = None


class Pain001Request(Strict):
    batch_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=1000)]
    debtor: BankParty = Field(description="the platform's own CNY account")
    creditors: dict[str, BankParty] = Field(description="bank account per supplier id")
    execution_date: date | None = None
    version: Literal["09", "03"] = "09"


class BankAccountIn(Strict):
    bank_name: Annotated[str, StringConstraints(max_length=500)]
    account_name: Annotated[str, StringConstraints(max_length=500)]
    account_number: Annotated[str, StringConstraints(max_length=100)]
    cnaps_code: Annotated[str, StringConstraints(max_length=100)]
    bic: Annotated[str, StringConstraints(max_length=100)] | None = None


class BankAccountRead(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    bank_name: str
    account_name: str
    account_number_masked: str
    cnaps_code: str
    bic: str | None
    since: datetime = Field(description="when the supplier gave it")


class PayoutExportIn(Strict):
    batch_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=1000)]
    execution_date: date | None = None


class PayoutFileRead(BaseModel):
    id: uuid.UUID
    message_id: str
    execution_date: date
    payout_count: int
    total: MoneyRead
    created_at: datetime
    document: str = Field(description="the pain.001.001.09 XML")


class StatusReportEntryRead(BaseModel):
    end_to_end_id: str | None
    batch_id: uuid.UUID | None
    outcome: str = Field(description="PAID, FAILED, UNCHANGED, PENDING, AMOUNT_MISMATCH or UNKNOWN")
    bank_status: str
    reason_code: str | None
    reason_text: str | None


class StatusReportRead(BaseModel):
    id: uuid.UUID
    kind: str
    message_id: str
    imported_at: datetime
    already_imported: bool
    entries: list[StatusReportEntryRead]
