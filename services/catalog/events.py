"""The catalog's events, each written in the transaction of the change it reports (`EVENTS`).

Payloads are small and stable: ids, what a consumer filters or keys on, and the numbers a
reader model keeps (prices in fen, stock in units). A consumer that needs more reads the part.

- part.created   a new part: its owner, SKU, category, condition, price, and its first stock;
- part.updated   a part's fields changed: which ones, and the price and listing after;
- part.delisted  out of search and checkout (still readable by id for old orders);
- stock.changed  a part's stock after a change: on hand, reserved, available.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from services.catalog.models import EVENTS, Part, Stock, table
from services.common.events.tables import PendingEvent

PART_CREATED = "part.created"
PART_UPDATED = "part.updated"
PART_DELISTED = "part.delisted"
STOCK_CHANGED = "stock.changed"

S = table(Stock)


def _cny(fen: int) -> dict[str, Any]:
    return {"amount": fen, "currency": "CNY"}


def _stock(on_hand: int, reserved: int) -> dict[str, int]:
    return {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}


def parts_created(session: Session, parts: Sequence[tuple[Mapping[str, Any], int]]) -> None:
    """`parts`: each new part's columns as written (a prepared part's row) and its units on hand;
    one statement for them all, as a bulk import writes its parts."""
    EVENTS.record_many(
        session,
        [
            PendingEvent(
                PART_CREATED,
                row["id"],
                {
                    "part_id": str(row["id"]),
                    "supplier_id": str(row["supplier_id"]),
                    "sku": row["sku"],
                    "category": row["category"],
                    "condition": row["condition"],
                    "price": _cny(row["price_cny"]),
                    "core_charge": _cny(row["core_charge_cny"]),
                    "listed": bool(row["listed"]),
                    "stock": _stock(on_hand, 0),
                },
                row["created_at"],
            )
            for row, on_hand in parts
        ],
    )


def part_updated(session: Session, part: Part, changed: Iterable[str]) -> None:
    fields = sorted(set(changed))
    if not fields:
        return
    EVENTS.record(
        session,
        PART_UPDATED,
        aggregate_id=part.id,
        data={
            "part_id": str(part.id),
            "supplier_id": str(part.supplier_id),
            "changed": fields,
            "price": _cny(part.price_cny),
            "listed": part.listed,
        },
        occurred_at=part.updated_at,
    )


def part_delisted(session: Session, part: Part) -> None:
    assert part.delisted_at is not None
    when = part.delisted_at
    data = {"part_id": str(part.id), "supplier_id": str(part.supplier_id), "delisted_at": when.isoformat()}
    EVENTS.record(session, PART_DELISTED, aggregate_id=part.id, data=data, occurred_at=when)


def stock_changed(session: Session, part_ids: Sequence[uuid.UUID]) -> None:
    """One event per part, with its stock as this transaction left it (read back after the
    conditional updates that changed it, so it is exact under concurrent writers)."""
    if not part_ids:
        return
    rows = session.execute(
        select(S.c.part_id, S.c.on_hand, S.c.reserved).where(S.c.part_id.in_(list(part_ids))).order_by(S.c.part_id)
    ).all()
    stock_levels(session, [(part_id, on_hand, reserved) for part_id, on_hand, reserved in rows])


def stock_levels(session: Session, rows: Sequence[tuple[uuid.UUID, int, int]]) -> None:
    """One event per part from its (part_id, on_hand, reserved) as this transaction left it, as
    the statement that changed it returned them."""
    EVENTS.record_many(
        session,
        [
            PendingEvent(STOCK_CHANGED, part_id, {"part_id": str(part_id), **_stock(on_hand, reserved)})
            for part_id, on_hand, reserved in rows
        ],
    )
