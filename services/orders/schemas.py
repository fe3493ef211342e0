"""Request and response shapes of the orders API.

Money is `{amount, currency, formatted}` with `amount` in minor units of `currency`.
Field names are snake_case like the other services; the gateway maps them to the contract.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.common.money import Money
from services.orders.statuses import LineStatus, OrderStatus, PaymentStatus

# EXW stays accepted so that a request naming it gets INCOTERM_NOT_OFFERED, not a schema error.
Incoterm = Literal["EXW", "FCA", "FOB", "CIF", "CIP", "DAP", "DDP"]
IdempotencyKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MoneyRead(BaseModel):
    amount: int = Field(description="minor units of `currency`")
    currency: str
    formatted: str

    @classmethod
    def of(cls, amount: int, currency: str) -> MoneyRead:
        return cls(amount=amount, currency=currency, formatted=Money(amount, currency).format())


# --- FX --------------------------------------------------------------------------------------


class FxRateRead(BaseModel):
    currency: str
    per_cny: str = Field(description="units of `currency` per 1 CNY, decimal string (mid, no margin)")
    source: str
    as_of: datetime
    offline_fallback: bool = Field(default=False, description="the bundled snapshot: the ECB was unreachable")


class FxImportResult(BaseModel):
    imported: int
    rates: list[FxRateRead]


# --- Quotes ----------------------------------------------------------------------------------


class QuoteLineIn(Strict):
    part_id: uuid.UUID
    quantity: Annotated[int, Field(ge=1, le=9_999)]


class QuoteCreate(Strict):
    lines: Annotated[list[QuoteLineIn], Field(min_length=1, max_length=50)]
    destination_country: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2)]
    incoterm: Incoterm
    currency: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=3)]
    shipping_service: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    date: dt.date | None = Field(
        default=None,
        description="the day whose rules price the quote (default: today, UTC); a past date gives a quote that "
        "can be read, not ordered",
    )
    destination_region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=6)] | None = Field(
        default=None, description="ISO 3166-2 subdivision of the delivery address, e.g. CA-ON; required for CA"
    )


class PricingRuleRead(BaseModel):
    """One rule row that priced a quote."""

    table: str = Field(description="the rule table, e.g. duty_rates")
    key: str = Field(description="which row of it, e.g. 'US CN US Section 301 8708'")
    says: str = Field(description="what the row contributed, e.g. '25 %'")
    source: str = Field(description="the instrument (and its date) the row comes from")
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="null: in force until further notice")


class Amounts(BaseModel):
    goods: MoneyRead
    core_deposit: MoneyRead
    shipping: MoneyRead
    insurance: MoneyRead
    duty: MoneyRead
    vat: MoneyRead
    total: MoneyRead


class QuoteLineRead(Amounts):
    id: uuid.UUID
    part_id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str
    title: str
    category: str
    hs_code: str
    quantity: int


class QuoteRead(Amounts):
    id: uuid.UUID
    buyer_id: str
    destination_country: str
    incoterm: Incoterm
    currency: str
    shipping_service: str
    fx_rate: str = Field(description="CNY -> currency, margin included, decimal string")
    fx_source: str
    fx_as_of: datetime
    fx_stale: bool = Field(description="the rates are older than fx_stale_after_hours (the feed is late)")
    fx_offline_fallback: bool = Field(description="the rates are the bundled snapshot: the ECB was unreachable")
    duty_status: Literal["collected", "estimated", "not_quoted"] = Field(
        description="DDP: collected (in total); CIF/DAP: estimated, payable on arrival, not in total"
    )
    core_deposit_in_duty_base: bool
    destination_region: str | None = Field(default=None, description="ISO 3166-2 subdivision the quote taxed for")
    tax_scheme: str | None = Field(
        default=None, description="the point-of-sale regime the tax is collected under (e.g. GB_VAT_POS, EU_IOSS)"
    )
    tax_registration: str | None = Field(default=None, description="our registration number under tax_scheme")
    created_at: datetime
    expires_at: datetime
    expired: bool
    lines: list[QuoteLineRead]
    notes: list[str]
    date: dt.date = Field(description="the day whose rules priced the quote")
    dated: bool = Field(description="priced by the rules of a past day: can be read, not ordered (QUOTE_DATED)")
    priced_by: list[PricingRuleRead] = Field(description="every rule row that priced the quote, with its source")
    detail: dict[str, Any] = Field(description="the full landed-cost breakdown with rule sources")


class QuotePricingLineRead(BaseModel):
    category: str
    hs_code: str
    quantity: int
    duty_rate: str = Field(description="the stacked duty rate of the line, decimal string")
    vat_rate: str = Field(description="the import tax rate, decimal string")


class QuotePricingRead(BaseModel):
    """How a quote's price was made, without who asked for it: for anyone holding the quote's link."""

    id: uuid.UUID
    destination_country: str
    customs_territory: str
    incoterm: Incoterm
    shipping_service: str
    currency: str
    date: dt.date = Field(description="the day whose rules priced the quote")
    dated: bool
    fx_rate: str
    fx_source: str
    fx_as_of: datetime
    created_at: datetime
    lines: list[QuotePricingLineRead]
    priced_by: list[PricingRuleRead]
    notes: list[str]


# --- Orders ----------------------------------------------------------------------------------


AddressLine = Annotated[str, StringConstraints(max_length=400)]


class ShippingAddress(Strict):
    """The address an order ships to, copied when it is placed. The gateway checked it against the
    country's postal format and the VAT/EORI formats when the buyer saved it."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    company_name: AddressLine = ""
    street_address: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    city: AddressLine = ""
    city_area: AddressLine = ""
    postal_code: AddressLine = ""
    sorting_code: AddressLine = ""
    country_area: AddressLine = ""
    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    phone: Annotated[str, StringConstraints(max_length=40)] = ""
    vat_number: Annotated[str, StringConstraints(max_length=40)] = ""
    eori_number: Annotated[str, StringConstraints(max_length=40)] = ""


class OrderCreate(Strict):
    quote_id: uuid.UUID
    idempotency_key: IdempotencyKey
    shipping_address: ShippingAddress | None = Field(
        default=None, description="where the order ships; its country must be the quote's destination"
    )


class OrderLineRead(Amounts):
    id: uuid.UUID
    line_no: int
    part_id: uuid.UUID
    supplier_id: uuid.UUID
    sku: str
    title: str
    quantity: int
    status: LineStatus
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None = Field(
        default=None, description="the carrier's page for this shipment (data/carriers.json); null if it has none"
    )
    shipped_at: datetime | None
    delivered_at: datetime | None
    supplier_payable: MoneyRead = Field(description="CNY, net of the platform fee")


class StatusChangeRead(BaseModel):
    from_status: str | None
    to_status: str
    actor_id: str
    reason: str | None
    at: datetime


class DisputeRead(BaseModel):
    id: uuid.UUID
    stripe_dispute_id: str
    order_id: uuid.UUID | None
    charge_id: str | None
    payment_intent_id: str | None
    amount: MoneyRead
    reason: str
    status: str
    evidence_due_by: datetime | None = Field(description="Stripe must have our evidence by then")
    created_at: datetime
    updated_at: datetime


class CarrierRead(BaseModel):
    code: str
    name: str
    aliases: list[str]
    formats: list[str] = Field(description="the kinds of tracking number the carrier takes")
    tracking_url: str | None = Field(description="template with {number}; null: no public page by number")
    source: str = Field(description="where the number formats come from")


class AutoDeliverResult(BaseModel):
    delivered: int = Field(description="orders delivered by this run")
    order_ids: list[uuid.UUID]
    after_days: int = Field(description="days after shipment an order without objection is delivered")


class RefundRead(BaseModel):
    id: uuid.UUID
    stripe_refund_id: str | None
    amount: MoneyRead
    reason: str
    created_at: datetime


class RefundListed(RefundRead):
    order_id: uuid.UUID
    order_number: str


class CoreReturnRead(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    order_line_id: uuid.UUID
    supplier_id: uuid.UUID
    hub: dict[str, Any] = Field(description="where the buyer sends the old part")
    status: Literal["REQUESTED", "ACCEPTED", "PARTLY_ACCEPTED", "REJECTED"]
    deposit: MoneyRead
    refunded: MoneyRead
    credited_supplier: MoneyRead = Field(description="CNY")
    accepted_share_pct: int | None
    inspection_note: str | None
    requested_at: datetime
    deadline: datetime = Field(description="the old part must reach the hub by then")
    decided_at: datetime | None


PartReturnReason = Literal["WRONG_PART", "FAULTY", "NOT_AS_DESCRIBED"]
PartReturnStatus = Literal[
    "REQUESTED", "APPROVED", "REJECTED", "SHIPPED_BACK", "REFUNDED", "REPLACEMENT_PENDING", "REPLACED"
]
Carrier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
TrackingNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=4, max_length=100, pattern=r"^[A-Za-z0-9 -]+$")
]


class PartReturnRead(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    order_line_id: uuid.UUID
    supplier_id: uuid.UUID
    reason: PartReturnReason
    description: str
    status: PartReturnStatus
    warranty_until: datetime = Field(description="the end of the part's warranty, which the return was opened within")
    decision_note: str | None
    return_carrier: str | None
    return_tracking_number: str | None
    resolution: Literal["REFUND", "REPLACEMENT"] | None
    refunded: MoneyRead
    replacement_carrier: str | None
    replacement_tracking_number: str | None
    requested_at: datetime
    decided_at: datetime | None
    shipped_back_at: datetime | None
    received_at: datetime | None
    replacement_shipped_at: datetime | None


class DangerousGoodsLineRead(BaseModel):
    line_no: int
    part_id: str | None
    un_number: str = Field(description="UN3480 (lithium ion batteries) or UN3481 (contained in equipment)")
    proper_shipping_name: str
    hazard_class: str
    packing_group: str | None = Field(description="null: none is assigned to lithium batteries")
    packing_instruction: str = Field(description="of the transport mode, e.g. P903 (IMDG, RID) or PI 967 (IATA)")
    regime: str = Field(description="the regulations and edition in force for the mode on the quote's date")
    net_quantity_per_package_kg: str = Field(description="decimal string; one unit per package")
    packages: int
    state_of_charge: str | None = Field(description="air only: the state-of-charge requirement")
    source: str


class DangerousGoodsRead(BaseModel):
    """What a dangerous-goods declaration of the order needs, as quoted."""

    mode: str | None = Field(description="air, sea or rail")
    shipping_service: str | None
    emergency_contact: str | None = Field(description="from the settings; null when production has none set")
    lines: list[DangerousGoodsLineRead]


class OrderRead(Amounts):
    id: uuid.UUID
    number: str = Field(description="what people read and say: TN-<year>-<sequence>")
    buyer_id: str
    quote_id: uuid.UUID
    status: OrderStatus
    payment_status: PaymentStatus
    destination_country: str
    incoterm: Incoterm
    currency: str
    fx_rate: str
    duty_collected: bool
    tax_scheme: str | None = Field(
        default=None, description="the point-of-sale regime the order's VAT/GST was collected under, if any"
    )
    tax_registration: str | None = Field(default=None, description="our registration number under tax_scheme")
    refunded: MoneyRead
    payment_intent_id: str | None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    cancel_requested_at: datetime | None = Field(
        description="a cancellation accepted but not finished (its refund or restock failed); retried"
    )
    attention: str | None = Field(description="why the order waits for an admin, if it does")
    shipping_address: ShippingAddress | None = Field(
        default=None, description="the address copied when the order was placed; null for orders placed without one"
    )
    lines: list[OrderLineRead]
    history: list[StatusChangeRead]
    refunds: list[RefundRead]
    core_returns: list[CoreReturnRead]
    part_returns: list[PartReturnRead] = Field(default_factory=list)
    disputes: list[DisputeRead] = Field(
        default_factory=list, description="card disputes on the order's payment (not shown to suppliers)"
    )
    non_delivery_reported_at: datetime | None = Field(
        default=None, description="when the buyer reported that the shipped order has not arrived"
    )
    non_delivery_note: str | None = Field(default=None, description="what the buyer said then")
    screening_status: Literal["CLEAR", "HELD", "CLEARED", "CONFIRMED"] | None = Field(
        default=None,
        description="sanctions screening of the order's parties: HELD while a potential match waits for review "
        "(not shipped until cleared); null for orders placed before screening",
    )
    dangerous_goods: DangerousGoodsRead | None = Field(
        default=None, description="dangerous-goods declaration data of the lines shown; null when none is dangerous"
    )


class PlaceOrderRead(BaseModel):
    order: OrderRead
    client_secret: str
    publishable_key: str | None


class PageInfo(BaseModel):
    has_next_page: bool
    end_cursor: str | None


class OrderEdge(BaseModel):
    cursor: str
    node: OrderRead


class OrderPage(BaseModel):
    edges: list[OrderEdge]
    page_info: PageInfo


class PayOrder(Strict):
    payment_method_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=100)]


class PayResult(BaseModel):
    order: OrderRead
    payment_intent_status: str
    requires_action: bool
    client_secret: str | None = Field(description="for stripe.confirmCardPayment when requires_action")


class CardSetupRead(BaseModel):
    setup_intent_id: str
    client_secret: str
    publishable_key: str | None


class ShipIn(Strict):
    carrier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)]
    tracking_number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=4, max_length=100, pattern=r"^[A-Za-z0-9 -]+$")
    ]
    line_ids: Annotated[list[uuid.UUID], Field(max_length=200)] | None = Field(
        default=None, description="default: every line of the calling supplier not yet shipped"
    )


class NonDeliveryIn(Strict):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class CancelIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class RefundIn(Strict):
    amount: Annotated[int, Field(gt=0, le=10**12)] = Field(description="minor units of the order currency")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]
    idempotency_key: IdempotencyKey


class CoreReturnCreate(Strict):
    order_line_id: uuid.UUID


class CoreReturnDecision(Strict):
    accepted: bool
    accepted_share_pct: Annotated[int, Field(ge=0, le=100)] | None = Field(
        default=None, description="with accepted=true: 100 (default) or a part for a partly usable core"
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class PartReturnCreate(Strict):
    order_line_id: uuid.UUID
    reason: PartReturnReason
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class PartReturnDecision(Strict):
    approved: bool
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = Field(
        default=None, description="required when rejecting: why"
    )


class PartReturnShipment(Strict):
    carrier: Carrier
    tracking_number: TrackingNumber


class PartReturnReceipt(Strict):
    resolution: Literal["REFUND", "REPLACEMENT"]


class ReconcileResult(BaseModel):
    checked: int = Field(description="orders found pending payment past the limit")
    paid: int
    cancelled: int
    held_for_review: int = Field(description="paid with an amount or currency other than the order's")
    left_pending: int
    cancellations_finished: int = Field(description="requested cancellations whose refund and restock went through")
    cancellations_pending: int = Field(description="requested cancellations still waiting for a refund or restock")
    reservations_released: int = Field(
        description="stock the catalog held for checkouts that never became orders, given back"
    )
    checkouts_abandoned: int = Field(
        default=0, description="orders left RESERVING by a placeOrder that died, cancelled and their stock released"
    )


class WebhookAck(BaseModel):
    received: bool
    outcome: str


# --- Settlement ------------------------------------------------------------------------------


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


# --- Payouts ---------------------------------------------------------------------------------


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
