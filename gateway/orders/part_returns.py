"""Part returns (RMA) in the public API: a buyer sends a wrong, faulty or misdescribed part back
under warranty; the part's supplier (or an admin) approves or rejects, receives it and refunds
the line or sends the same part again. Distinct from core returns, which refund a deposit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.context import Context
from gateway.ids import node_uuid
from gateway.mutations import call_upstream, mutation
from gateway.permissions import SIGNED_IN
from gateway.types import Money
from services.orders.contract.fulfilment import PartReturnRead


@strawberry.enum(description="Why a part is sent back.")
class PartReturnReason(Enum):
    WRONG_PART = strawberry.enum_value("WRONG_PART", description="Not the part that was ordered.")
    FAULTY = strawberry.enum_value("FAULTY", description="The part does not work.")
    NOT_AS_DESCRIBED = strawberry.enum_value("NOT_AS_DESCRIBED", description="Not what the listing said.")


@strawberry.enum(description="Where a part return stands.")
class PartReturnStatus(Enum):
    REQUESTED = strawberry.enum_value("REQUESTED", description="Opened by the buyer; the supplier decides.")
    APPROVED = strawberry.enum_value("APPROVED", description="The buyer may send the part back.")
    REJECTED = strawberry.enum_value("REJECTED", description="Refused, with the supplier's reason.")
    SHIPPED_BACK = strawberry.enum_value("SHIPPED_BACK", description="On its way back, with tracking.")
    REFUNDED = strawberry.enum_value("REFUNDED", description="Received; the line was refunded to the card.")
    REPLACEMENT_PENDING = strawberry.enum_value(
        "REPLACEMENT_PENDING", description="Received; the same part is set aside to be sent again."
    )
    REPLACED = strawberry.enum_value("REPLACED", description="The replacement part has shipped.")


@strawberry.enum(description="How the supplier settles a part return it received.")
class PartReturnResolution(Enum):
    REFUND = strawberry.enum_value("REFUND", description="The line back to the buyer's card.")
    REPLACEMENT = strawberry.enum_value("REPLACEMENT", description="The same part sent again, from stock.")


@strawberry.type(description="A shipment of a part return: the part going back, or its replacement.")
class ReturnShipment:
    carrier: str = strawberry.field(description="The carrier's name as we know it.")
    tracking_number: str = strawberry.field(description="As the carrier prints it.")
    shipped_at: datetime = strawberry.field(description="When the shipment was recorded.")


@strawberry.type(
    description="A wrong, faulty or misdescribed part sent back under warranty (an RMA); one per order line."
)
class PartReturn(relay.Node):
    id: relay.NodeID[str]
    reason: PartReturnReason = strawberry.field(description="Why the buyer sends it back.")
    description: str = strawberry.field(description="What the buyer says is wrong.")
    status: PartReturnStatus = strawberry.field(description="Where the return stands.")
    warranty_until: datetime = strawberry.field(description="The end of the part's warranty it was opened within.")
    decision_note: str | None = strawberry.field(description="The supplier's word on its decision (why, if rejected).")
    resolution: PartReturnResolution | None = strawberry.field(description="Once received: refund or replacement.")
    requested_at: datetime = strawberry.field(description="When the buyer opened it.")
    decided_at: datetime | None = strawberry.field(description="When it was approved or rejected; null until then.")
    received_at: datetime | None = strawberry.field(description="When the supplier received the part; null until then.")
    data: strawberry.Private[PartReturnRead]

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> PartReturn:
        """The orders service's part return, parsed with its contract."""
        return cls.of(PartReturnRead.model_validate(json))

    @classmethod
    def of(cls, part_return: PartReturnRead) -> PartReturn:
        return cls(
            id=str(part_return.id),
            reason=PartReturnReason(part_return.reason),
            description=part_return.description,
            status=PartReturnStatus(part_return.status.value),
            warranty_until=part_return.warranty_until,
            decision_note=part_return.decision_note,
            resolution=PartReturnResolution(part_return.resolution) if part_return.resolution else None,
            requested_at=part_return.requested_at,
            decided_at=part_return.decided_at,
            received_at=part_return.received_at,
            data=part_return,
        )

    @strawberry.field(description="The part on its way back to the supplier; null until the buyer sends it.")
    def return_shipment(self) -> ReturnShipment | None:
        data = self.data
        return _shipment(data.return_carrier, data.return_tracking_number, data.shipped_back_at)

    @strawberry.field(description="The replacement part's shipment; null unless one has shipped.")
    def replacement_shipment(self) -> ReturnShipment | None:
        data = self.data
        return _shipment(data.replacement_carrier, data.replacement_tracking_number, data.replacement_shipped_at)

    @strawberry.field(description="What was refunded to the card for it; zero unless refunded.")
    def refunded(self, info: Info[Context, None]) -> Money:
        return Money.read(self.data.refunded, info.context.locale)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[PartReturn | None]:
        from gateway.orders.types import orders_nodes

        return await orders_nodes(info.context, "part-returns", node_ids, cls.from_json)


def _shipment(carrier: str | None, number: str | None, at: datetime | None) -> ReturnShipment | None:
    if carrier is None or number is None or at is None:
        return None
    return ReturnShipment(carrier=carrier, tracking_number=number, shipped_at=at)


async def _post(info: Info[Context, None], path: str, body: dict[str, Any]) -> PartReturn:
    data = await call_upstream(info.context, info.context.clients.orders, "POST", path, json=body)
    return PartReturn.from_json(data)


def _return_path(id: strawberry.ID, step: str) -> str:
    return f"/part-returns/{node_uuid(id, 'PartReturn', field='id')}/{step}"


@strawberry.type
class PartReturnsMutation:
    @mutation(
        allow=SIGNED_IN,
        description="The buyer sends a shipped or delivered line back under the part's warranty. One return per "
        "line: asking again answers the same return.",
    )
    async def open_part_return(
        self,
        info: Info[Context, None],
        order_line_id: Annotated[
            strawberry.ID, strawberry.argument(description="Your order line, shipped or delivered.")
        ],
        reason: Annotated[PartReturnReason, strawberry.argument(description="Why it goes back.")],
        description: Annotated[str, strawberry.argument(description="What is wrong, 1 to 2,000 characters.")],
    ) -> PartReturn:
        body = {
            "order_line_id": node_uuid(order_line_id, "OrderLine", field="orderLineId"),
            "reason": reason.value,
            "description": description,
        }
        return await _post(info, "/part-returns", body)

    @mutation(
        allow=SIGNED_IN,
        description="The part's supplier (or an admin) approves a requested return, or rejects it with a note "
        "saying why. Repeating the same decision changes nothing.",
    )
    async def decide_part_return(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The part return's global id.")],
        approved: Annotated[bool, strawberry.argument(description="True to approve, false to reject.")],
        note: Annotated[
            str | None,
            strawberry.argument(description="Shown to the buyer; required when rejecting. At most 1,000 characters."),
        ] = None,
    ) -> PartReturn:
        body: dict[str, Any] = {"approved": approved}
        if note is not None:
            body["note"] = note
        return await _post(info, _return_path(id, "decision"), body)

    @mutation(allow=SIGNED_IN, description="The buyer has sent the approved return back, with the carrier's tracking.")
    async def ship_part_return(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The part return's global id.")],
        carrier: Annotated[
            str, strawberry.argument(description="The carrier's code, name or an alias (see `carriers`).")
        ],
        tracking_number: Annotated[str, strawberry.argument(description="The carrier's tracking number.")],
    ) -> PartReturn:
        body = {"carrier": carrier, "tracking_number": tracking_number}
        return await _post(info, _return_path(id, "shipment"), body)

    @mutation(
        allow=SIGNED_IN,
        description="The part's supplier (or an admin) received the part: REFUND gives the line back to the "
        "card, REPLACEMENT sells the same part again from stock. Idempotent.",
    )
    async def receive_part_return(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The part return's global id.")],
        resolution: Annotated[PartReturnResolution, strawberry.argument(description="Refund or replacement.")],
    ) -> PartReturn:
        return await _post(info, _return_path(id, "receipt"), {"resolution": resolution.value})

    @mutation(allow=SIGNED_IN, description="The part's supplier (or an admin) shipped the replacement part.")
    async def ship_part_return_replacement(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The part return's global id.")],
        carrier: Annotated[
            str, strawberry.argument(description="The carrier's code, name or an alias (see `carriers`).")
        ],
        tracking_number: Annotated[str, strawberry.argument(description="The carrier's tracking number.")],
    ) -> PartReturn:
        body = {"carrier": carrier, "tracking_number": tracking_number}
        return await _post(info, _return_path(id, "replacement"), body)
