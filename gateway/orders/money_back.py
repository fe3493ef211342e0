"""Money back to buyers as finance reviews it: every refund, newest first (admins only; the
orders service checks the role again)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.ids import global_id, node_uuid
from gateway.orders.types import money
from gateway.types import Money, PageAfter, PageInfo, PageSize
from services.common.pagination import page_size
from services.orders.contract.finance import RefundListed


@strawberry.type(description="Money returned to a buyer's card: a cancellation, a part return or a core deposit.")
class Refund:
    data: strawberry.Private[RefundListed]

    @strawberry.field(description="The refund's global id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Refund", str(self.data.id)))

    @strawberry.field(description="The refunded order's global id.")
    def order_id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Order", str(self.data.order_id)))

    @strawberry.field(description="The refunded order's number (TN-YYYY-NNNNNN).")
    def order_number(self) -> str:
        return self.data.order_number

    @strawberry.field(description="The amount, in the currency the buyer paid in.")
    def amount(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.amount)

    @strawberry.field(
        description="Why, as the orders service records it: cancelled, part returned, core deposit, refunded in"
        " Stripe (by someone at Stripe's dashboard), or a reason an admin gave."
    )
    def reason(self) -> str:
        return self.data.reason

    @strawberry.field(description="Stripe's id of the refund; null until Stripe has accepted it.")
    def stripe_refund_id(self) -> str | None:
        return self.data.stripe_refund_id or None

    @strawberry.field(description="When the refund was made.")
    def created_at(self) -> datetime:
        return self.data.created_at


@strawberry.type(description="A refund in a page of refunds.")
class RefundEdge:
    node: Refund = strawberry.field(description="The refund.")
    cursor: str = strawberry.field(description="Opaque position of this refund; pass it as `after` to page on from it.")


@strawberry.type(description="A page of refunds, newest first.")
class RefundConnection:
    edges: list[RefundEdge] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")


@strawberry.type
class MoneyBackQuery:
    @strawberry.field(description="Every refund, newest first (admins only: FORBIDDEN otherwise).")
    async def refunds(
        self,
        info: Info[Context, None],
        first: PageSize = 20,
        after: PageAfter = None,
    ) -> RefundConnection:
        context = info.context
        context.require_principal()
        size = page_size(first)
        params: dict[str, Any] = {"first": size + 1}
        if after:
            params["after"] = node_uuid(after, "Refund", field="after")
        rows = await context.clients.orders.get_json("/refunds", params=params, headers=context.upstream_headers())
        found = [RefundListed.model_validate(row) for row in rows]
        edges = [RefundEdge(node=Refund(data=r), cursor=global_id("Refund", str(r.id))) for r in found[:size]]
        return RefundConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(found) > size, end_cursor=edges[-1].cursor if edges else None),
        )
