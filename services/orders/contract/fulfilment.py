"""Request and response shapes of shipment, delivery, cancellation, core and part returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from services.orders.contract.shared import MoneyRead, Strict
from services.orders.contract.statuses import CoreReturnStatus, PartReturnStatus


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


class CoreReturnRead(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    order_line_id: uuid.UUID
    supplier_id: uuid.UUID
    hub: dict[str, Any] = Field(description="where the buyer sends the old part")
    status: CoreReturnStatus
    deposit: MoneyRead
    refunded: MoneyRead
    credited_supplier: MoneyRead = Field(description="CNY")
    accepted_share_pct: int | None
    inspection_note: str | None
    requested_at: datetime
    deadline: datetime = Field(description="the old part must reach the hub by then")
    decided_at: datetime | None


PartReturnReason = Literal["WRONG_PART", "FAULTY", "NOT_AS_DESCRIBED"]


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
