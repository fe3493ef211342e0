"""Request and response shapes of placing and paying orders, and the order as it is read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from services.orders.contract.finance import RefundRead
from services.orders.contract.fulfilment import CoreReturnRead, DangerousGoodsRead, PartReturnRead
from services.orders.contract.quotes import Incoterm
from services.orders.contract.shared import Amounts, IdempotencyKey, MoneyRead, PageInfo, Strict
from services.orders.contract.statuses import LineStatus, OrderStatus, PaymentStatus, ScreeningStatus

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
    screening_status: ScreeningStatus | None = Field(
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
