"""Core and part return rows -> response schemas (reads only)."""

from __future__ import annotations

from services.orders.contract.fulfilment import CoreReturnRead, PartReturnRead
from services.orders.fulfilment import core_returns as core_service
from services.orders.models import CoreReturn, PartReturn
from services.orders.schemas import money_read


def core_return_read(core: CoreReturn) -> CoreReturnRead:
    return CoreReturnRead(
        id=core.id,
        order_id=core.order_id,
        order_line_id=core.order_line_id,
        supplier_id=core.supplier_id,
        hub=core_service.hub_by_code(core.hub_code),
        status=core.status,
        deposit=money_read(core.deposit, core.currency),
        refunded=money_read(core.refunded, core.currency),
        credited_supplier=money_read(core.credited_supplier_fen, "CNY"),
        accepted_share_pct=core.accepted_share_pct,
        inspection_note=core.inspection_note,
        requested_at=core.requested_at,
        deadline=core.requested_at + core_service.CORE_ARRIVAL_DAYS,
        decided_at=core.decided_at,
    )


def part_return_read(r: PartReturn) -> PartReturnRead:
    return PartReturnRead(
        id=r.id,
        order_id=r.order_id,
        order_line_id=r.order_line_id,
        supplier_id=r.supplier_id,
        reason=r.reason,
        description=r.description,
        status=r.status,
        warranty_until=r.warranty_until,
        decision_note=r.decision_note,
        return_carrier=r.return_carrier,
        return_tracking_number=r.return_tracking_number,
        resolution=r.resolution,
        refunded=money_read(r.refunded, r.currency),
        replacement_carrier=r.replacement_carrier,
        replacement_tracking_number=r.replacement_tracking_number,
        requested_at=r.requested_at,
        decided_at=r.decided_at,
        shipped_back_at=r.shipped_back_at,
        received_at=r.received_at,
        replacement_shipped_at=r.replacement_shipped_at,
    )
