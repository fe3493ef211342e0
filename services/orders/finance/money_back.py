"""Money that went back to buyers, as finance reviews it: every refund, newest first."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.common.errors import BadInput, Forbidden
from services.orders.models import Order, Refund


def list_refunds(
    session: Session, actor: Actor, limit: int, after: uuid.UUID | None = None
) -> list[tuple[Refund, str]]:
    """Refunds with their order's number, newest first, keyset-paged after the refund `after`."""
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise Forbidden("the list of refunds is for finance")
    query = select(Refund, Order.number).join(Order, col(Order.id) == col(Refund.order_id))
    if after is not None:
        last = session.get(Refund, after)
        if last is None:
            raise BadInput("no such refund to page after", field="after")
        query = query.where(
            (col(Refund.created_at) < last.created_at)
            | ((col(Refund.created_at) == last.created_at) & (col(Refund.id) < last.id))
        )
    query = query.order_by(col(Refund.created_at).desc(), col(Refund.id).desc()).limit(limit)
    return [(refund, number) for refund, number in session.exec(query)]
