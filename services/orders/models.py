"""Tables of the orders database. Only this service reads or writes them.

Money is always an integer count of minor units beside its ISO 4217 code: buyer-facing
amounts in the quote's currency, supplier amounts in CNY fen. Ledger postings are signed
(debit positive, credit negative); every transaction sums to zero per currency.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypedDict, cast

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Column, Index, String, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from services.common.clock import UtcDateTime, utcnow
from services.common.db import service_registry
from services.common.events.tables import event_tables
from services.common.money import Money


class OrdersTable(SQLModel, registry=service_registry()):
    """Base of every orders table: its own MetaData, so its migrations see only its tables."""


def _money(default: int | None = None, description: str | None = None) -> Any:
    """Minor units as BIGINT: a yen or fen total can outgrow 32 bits."""
    if default is None:
        return Field(sa_type=BigInteger, nullable=False, description=description)
    return Field(default=default, sa_type=BigInteger, nullable=False, description=description)


def _now_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


class LandedAmounts(OrdersTable):
    """The landed cost's seven amounts, in minor units of the buyer's currency: a quote's and an
    order's, and each of their lines'."""

    goods: int = _money()
    core_deposit: int = _money()
    shipping: int = _money()
    insurance: int = _money()
    duty: int = _money()
    vat: int = _money()
    total: int = _money()


class LandedAmountValues(TypedDict):
    """The seven amounts as LandedAmounts' columns take them (minor units), to pass as `**values`."""

    goods: int
    core_deposit: int
    shipping: int
    insurance: int
    duty: int
    vat: int
    total: int


AMOUNT_FIELDS: tuple[str, ...] = tuple(LandedAmountValues.__annotations__)


def amounts_from(source: object) -> LandedAmountValues:
    """The seven amounts of `source`, in minor units: of a landed-cost result (whose amounts are
    Money) or of another LandedAmounts row. The one place a quote copies its landed cost, an order
    its quote, a line its quote line, and a read model a row."""
    values = {}
    for name in AMOUNT_FIELDS:
        value = getattr(source, name)
        values[name] = value.amount if isinstance(value, Money) else int(value)
    return cast(LandedAmountValues, values)


def amounts_summed(rows: Iterable[LandedAmounts]) -> LandedAmountValues:
    """The seven amounts of some lines added up (a supplier's share of an order)."""
    listed = list(rows)
    return cast(LandedAmountValues, {name: sum(getattr(row, name) for row in listed) for name in AMOUNT_FIELDS})


# --- FX ------------------------------------------------------------------------------------


class FxRateRow(OrdersTable, table=True):
    """One rate against CNY (units of `currency` per 1 CNY), as imported; feeds fx.FxTable."""

    __tablename__ = "fx_rates"

    currency: str = Field(primary_key=True, max_length=3)
    per_cny: str = Field(max_length=64, description="decimal string, never a float")
    source: str = Field(max_length=300)
    as_of: datetime = Field(sa_type=UtcDateTime, nullable=False)
    imported_at: datetime = _now_field()
    # Loaded from the bundled snapshot because the ECB could not be reached: an operator and
    # every quote priced on it can see so.
    offline_fallback: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


# --- Quotes --------------------------------------------------------------------------------


class Quote(LandedAmounts, table=True):
    __tablename__ = "quotes"
    __table_args__ = (Index("ix_quotes_buyer_created", "buyer_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    buyer_id: str = Field(max_length=100)
    destination_country: str = Field(max_length=2)
    incoterm: str = Field(max_length=3)
    currency: str = Field(max_length=3)
    shipping_service: str = Field(max_length=40)
    fx_rate: str = Field(max_length=64, description="CNY -> currency, margin included")
    fx_source: str = Field(max_length=300)
    fx_as_of: datetime = Field(sa_type=UtcDateTime, nullable=False)
    duty_status: str = Field(max_length=20)
    core_deposit_in_duty_base: bool
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _now_field()
    expires_at: datetime = Field(sa_type=UtcDateTime, nullable=False)


class QuoteLine(LandedAmounts, table=True):
    __tablename__ = "quote_lines"
    __table_args__ = (UniqueConstraint("quote_id", "line_no"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    quote_id: uuid.UUID = Field(foreign_key="quotes.id", index=True)
    line_no: int
    part_id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str = Field(max_length=64)
    title: str = Field(max_length=300)
    category: str = Field(max_length=40)
    hs_code: str = Field(max_length=20)
    quantity: int
    unit_price_fen: int = _money()
    core_charge_fen: int = _money()


# --- Orders --------------------------------------------------------------------------------


class Order(LandedAmounts, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("buyer_id", "idempotency_key"),
        UniqueConstraint("quote_id"),
        Index("ix_orders_buyer_created", "buyer_id", "created_at"),
        Index("ix_orders_status_created", "status", "created_at"),
        CheckConstraint("total > 0", name="total_positive"),
        CheckConstraint("refunded >= 0 AND refunded <= total", name="refund_within_total"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # What people read and say: TN-<year>-<sequence>, allocated by services/orders/checkout/numbers.py.
    number: str = Field(max_length=20, unique=True)
    buyer_id: str = Field(max_length=100)
    quote_id: uuid.UUID = Field(foreign_key="quotes.id")
    idempotency_key: str = Field(max_length=200)
    status: str = Field(max_length=20)
    payment_status: str = Field(max_length=20)
    destination_country: str = Field(max_length=2)
    incoterm: str = Field(max_length=3)
    currency: str = Field(max_length=3)
    fx_rate: str = Field(max_length=64)
    duty_collected: bool = Field(description="DDP: duty and VAT are in the total and owed by us on import")
    # A point-of-sale regime (UK VAT <= GBP 135, IOSS, VOEC ...): the VAT/GST is in the total and
    # owed by us on our return under the scheme, whatever the Incoterm; our number under it.
    tax_scheme: str | None = Field(default=None, max_length=40)
    tax_registration: str | None = Field(default=None, max_length=60)
    refunded: int = _money(0)
    reservation_key: str = Field(max_length=200)
    payment_intent_id: str | None = Field(default=None, max_length=100, unique=True)
    client_secret: str | None = Field(default=None, max_length=300)
    # Until when a placeOrder attempt is calling the catalog and Stripe for this RESERVING order:
    # another attempt of the same checkout waits for it rather than asking for a second intent,
    # and takes over once it has passed (the attempt died).
    placing_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = _now_field()
    updated_at: datetime = _now_field()
    paid_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # A cancellation of an order whose money was taken is finished in steps (refund, then the
    # parts back on sale); until every step has gone through it stays requested, and the
    # reconciliation run and a repeated cancel finish it.
    cancel_requested_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancel_reason: str | None = Field(default=None, max_length=500)
    attention: str | None = Field(
        default=None,
        max_length=500,
        description="why the order waits for an admin: a payment that does not match it, a refund that failed",
    )
    # The buyer says a shipped order has not arrived: it is then never delivered by the passing
    # of time (lifecycle.auto_deliver), only by the buyer's confirmation or an admin.
    non_delivery_reported_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    non_delivery_note: str | None = Field(default=None, max_length=1000)
    # A copy, not a reference: the buyer's address book may change, the consignee of a placed
    # order does not.
    shipping_address: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Sanctions screening of the parties at placement (services/orders/screening): CLEAR, HELD
    # (a potential match: not shipped until an admin decides), CLEARED (a false positive) or
    # CONFIRMED (cancelled and refunded); null for orders placed before screening. `screening`
    # keeps what was screened, against which lists of which date, the matches and the decision.
    screening_status: str | None = Field(default=None, sa_column=Column(String(10), nullable=True, index=True))
    screening: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The dangerous-goods declaration data (UN number, packing instruction, packages ... per line,
    # the mode, the emergency contact), copied from the quote; null when nothing is dangerous.
    dangerous_goods: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class OrderNumberCounter(OrdersTable, table=True):
    """The last order number given out in each year; its row lock serialises allocation."""

    __tablename__ = "order_number_counters"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = Field(default=0)


class OrderLine(LandedAmounts, table=True):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        Index("ix_order_lines_supplier_status", "supplier_id", "status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    line_no: int
    part_id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str = Field(max_length=64)
    title: str = Field(max_length=300)
    quantity: int
    unit_price_fen: int = _money()
    core_charge_fen: int = _money()
    supplier_payable_fen: int = _money(description="CNY fen owed to the supplier, net of the platform fee")
    platform_fee_fen: int = _money()
    status: str = Field(max_length=20, default="PENDING")
    carrier: str | None = Field(default=None, max_length=60)
    tracking_number: str | None = Field(default=None, max_length=100)
    shipped_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    settlement_batch_id: uuid.UUID | None = Field(default=None, foreign_key="settlement_batches.id", index=True)


class OrderStatusChange(OrdersTable, table=True):
    __tablename__ = "order_status_history"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    actor_id: str = Field(max_length=100)
    reason: str | None = Field(default=None, max_length=500)
    at: datetime = _now_field()


class Refund(OrdersTable, table=True):
    __tablename__ = "refunds"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    reference: str = Field(max_length=200, unique=True, description="our idempotency key for this refund")
    stripe_refund_id: str | None = Field(default=None, max_length=100)
    amount: int = _money()
    currency: str = Field(max_length=3)
    reason: str = Field(max_length=40)
    created_at: datetime = _now_field()


# --- Stripe events -------------------------------------------------------------------------


class StripeEvent(OrdersTable, table=True):
    __tablename__ = "stripe_events"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: str = Field(max_length=100, unique=True)
    type: str = Field(max_length=80)
    payment_intent_id: str | None = Field(default=None, max_length=100, index=True)
    outcome: str = Field(max_length=200)
    received_at: datetime = _now_field()


class Dispute(OrdersTable, table=True):
    """A card payment the buyer's bank disputes (Stripe's `charge.dispute.*` events): one row per
    Stripe dispute however often its events arrive, kept at the state of the newest event."""

    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_status_created", "status", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    stripe_dispute_id: str = Field(max_length=100, unique=True)
    # Null when the disputed charge is not one of our orders' payments: kept, so finance sees it.
    order_id: uuid.UUID | None = Field(default=None, foreign_key="orders.id", index=True)
    charge_id: str | None = Field(default=None, max_length=100)
    payment_intent_id: str | None = Field(default=None, max_length=100)
    amount: int = _money(description="minor units of `currency`: what the bank took back or may")
    currency: str = Field(max_length=3)
    reason: str = Field(max_length=40, description="Stripe's reason: fraudulent, product_not_received, ...")
    status: str = Field(
        max_length=30, description="Stripe's status: needs_response, under_review, won, lost, warning_* ..."
    )
    evidence_due_by: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # `created` of the newest event applied: an older event delivered late changes nothing.
    last_event_at: datetime = Field(sa_type=UtcDateTime, nullable=False)
    created_at: datetime = _now_field()
    updated_at: datetime = _now_field()


# --- Ledger --------------------------------------------------------------------------------


class LedgerTransaction(OrdersTable, table=True):
    __tablename__ = "ledger_transactions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(max_length=200, unique=True, description="posts once: e.g. order:<id>:paid")
    kind: str = Field(max_length=40)
    order_id: uuid.UUID | None = Field(default=None, foreign_key="orders.id", index=True)
    description: str = Field(max_length=300)
    created_at: datetime = _now_field()


class LedgerPosting(OrdersTable, table=True):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        Index("ix_ledger_postings_account_currency", "account", "currency"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    transaction_id: uuid.UUID = Field(foreign_key="ledger_transactions.id", index=True)
    account: str = Field(max_length=120)
    currency: str = Field(max_length=3)
    amount: int = _money(description="minor units; debit positive, credit negative")


# --- Core returns --------------------------------------------------------------------------


class CoreReturn(OrdersTable, table=True):
    __tablename__ = "core_returns"
    __table_args__ = (UniqueConstraint("order_line_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    order_line_id: uuid.UUID = Field(foreign_key="order_lines.id")
    buyer_id: str = Field(max_length=100)
    supplier_id: uuid.UUID = Field(index=True)
    hub_code: str = Field(max_length=40)
    status: str = Field(max_length=20)
    deposit: int = _money()
    currency: str = Field(max_length=3)
    accepted_share_pct: int | None = None
    refunded: int = _money(0)
    credited_supplier_fen: int = _money(0)
    inspection_note: str | None = Field(default=None, max_length=1000)
    requested_at: datetime = _now_field()
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


# --- Part returns (RMA) --------------------------------------------------------------------


class PartReturn(OrdersTable, table=True):
    """A wrong, faulty or misdescribed part sent back under warranty (services/orders/fulfilment/part_returns.py);
    distinct from a core return, which only gives back the deposit for the old part."""

    __tablename__ = "part_returns"
    __table_args__ = (UniqueConstraint("order_line_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True)
    order_line_id: uuid.UUID = Field(foreign_key="order_lines.id")
    buyer_id: str = Field(max_length=100)
    supplier_id: uuid.UUID = Field(index=True)
    reason: str = Field(max_length=20, description="WRONG_PART, FAULTY or NOT_AS_DESCRIBED")
    description: str = Field(max_length=2000)
    status: str = Field(max_length=20)
    warranty_until: datetime = Field(sa_type=UtcDateTime, nullable=False)
    decision_note: str | None = Field(default=None, max_length=1000)
    return_carrier: str | None = Field(default=None, max_length=60)
    return_tracking_number: str | None = Field(default=None, max_length=100)
    resolution: str | None = Field(default=None, max_length=20, description="REFUND or REPLACEMENT")
    refunded: int = _money(0)
    currency: str = Field(max_length=3)
    replacement_reservation_key: str | None = Field(default=None, max_length=200)
    replacement_carrier: str | None = Field(default=None, max_length=60)
    replacement_tracking_number: str | None = Field(default=None, max_length=100)
    requested_at: datetime = _now_field()
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    shipped_back_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    received_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    replacement_shipped_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


# --- Settlement ----------------------------------------------------------------------------


class SettlementBatch(OrdersTable, table=True):
    __tablename__ = "settlement_batches"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    supplier_id: uuid.UUID = Field(index=True)
    currency: str = Field(default="CNY", max_length=3)
    total_fen: int = _money()
    line_count: int
    cutoff: datetime = Field(sa_type=UtcDateTime, nullable=False)
    created_at: datetime = _now_field()
    # CREATED -> SENT (in a pain.001 file) -> PAID or FAILED (the bank's status report); a
    # FAILED payout is sent again in a new file. Its latest attempt (Payout) says more.
    payout_status: str = Field(
        default="CREATED", sa_column=Column(String(10), nullable=False, server_default="CREATED", index=True)
    )


class SupplierBankAccount(OrdersTable, table=True):
    """Where a supplier is paid. Never updated: a change adds a row, the newest is the one in
    use, and every payout keeps the row it was sent to."""

    __tablename__ = "supplier_bank_accounts"
    __table_args__ = (Index("ix_supplier_bank_accounts_supplier_created", "supplier_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    supplier_id: uuid.UUID
    bank_name: str = Field(max_length=140)
    account_name: str = Field(max_length=140, description="the holder, as registered with the bank")
    account_number: str = Field(max_length=34)
    cnaps_code: str = Field(max_length=12, description="the 12-digit CNAPS bank code (行号)")
    bic: str | None = Field(default=None, max_length=11)
    created_by: str = Field(max_length=100)
    created_at: datetime = _now_field()


class PayoutFile(OrdersTable, table=True):
    """One pain.001 file as it was handed to finance: kept whole so that a retried export
    returns the same bytes (the same MsgId and end-to-end ids), never a second instruction."""

    __tablename__ = "payout_files"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    message_id: str = Field(max_length=35, unique=True)
    execution_date: date
    document: str = Field(sa_column=Column(Text, nullable=False))
    payout_count: int
    total_fen: int = _money()
    created_by: str = Field(max_length=100)
    created_at: datetime = _now_field()


class Payout(OrdersTable, table=True):
    """One attempt to pay a settlement batch: a credit transfer in a pain.001 file, matched to
    the bank's status reports by its end-to-end id."""

    __tablename__ = "payouts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    batch_id: uuid.UUID = Field(foreign_key="settlement_batches.id", index=True)
    file_id: uuid.UUID = Field(foreign_key="payout_files.id", index=True)
    bank_account_id: uuid.UUID = Field(foreign_key="supplier_bank_accounts.id")
    end_to_end_id: str = Field(max_length=35, unique=True)
    amount_fen: int = _money()
    status: str = Field(max_length=10, description="SENT, PAID or FAILED")
    reason_code: str | None = Field(default=None, max_length=10, description="the bank's ISO reason code")
    reason_text: str | None = Field(default=None, max_length=300)
    sent_at: datetime = _now_field()
    settled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class BankStatusReport(OrdersTable, table=True):
    """A bank status report (pain.002 or camt.054) once imported, by its bytes' SHA-256: the
    same file imported again changes nothing and answers what the first import did."""

    __tablename__ = "bank_status_reports"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    sha256: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=20, description="pain.002.001.03, camt.054.001.08 ...")
    message_id: str = Field(max_length=35)
    entries: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    imported_by: str = Field(max_length=100)
    imported_at: datetime = _now_field()


# --- Webhooks to integrators --------------------------------------------------------------


class WebhookSubscription(OrdersTable, table=True):
    """An integrator's endpoint for order events, scoped by who created it: a buyer's orders, a
    supplier's orders (its lines), or all of them for an admin."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_owner", "owner_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: str = Field(max_length=100)
    role: str = Field(max_length=20)
    supplier_id: uuid.UUID | None = Field(default=None, index=True)
    url: str = Field(max_length=2048)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: str = Field(max_length=100, description="HMAC-SHA256 key of the signatures; kept to sign")
    # Owner, url and events of an active subscription, hashed: creating it again finds it.
    # Cleared on deletion (NULLs never collide), so the same endpoint can be subscribed anew.
    fingerprint: str | None = Field(default=None, max_length=64, unique=True)
    active: bool = True
    created_at: datetime = _now_field()
    deleted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class WebhookDelivery(OrdersTable, table=True):
    """One event to one subscription: retried until the endpoint answers 2xx or attempts run out.
    The event is in the event outbox (`EVENTS`), which the webhook sender consumes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscriptions.id", index=True)
    status: str = Field(
        max_length=20, description="PENDING, DELIVERED, FAILED (attempts exhausted) or CANCELLED (unsubscribed)"
    )
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UtcDateTime, nullable=False)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = _now_field()
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class WebhookAttempt(OrdersTable, table=True):
    """Each POST made for a delivery, with what came back."""

    __tablename__ = "webhook_attempts"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    delivery_id: uuid.UUID = Field(foreign_key="webhook_deliveries.id", index=True)
    attempt: int
    at: datetime = _now_field()
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=300)
    duration_ms: int


# The orders service's events: its outbox, inbox and dead letters (services/common/events).
EVENTS = event_tables(OrdersTable.metadata, source="orders")
