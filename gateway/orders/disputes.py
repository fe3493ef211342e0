"""Card disputes (chargebacks) for finance: the orders service records Stripe's dispute events;
admins list them here, newest first, and see each order's on `Order.disputes`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.orders.types import Dispute
from gateway.permissions import ADMINS
from gateway.types import PageInfo
from services.common.errors import BadInput
from services.common.pagination import page_size
from services.orders.contract.checkout import DisputeRead


@strawberry.type(description="One dispute in a page of `disputes`.")
class DisputeEdge:
    node: Dispute = strawberry.field(description="The dispute.")
    cursor: str = strawberry.field(description="Pass as `after` for the page after this dispute.")


@strawberry.type(description="A page of card disputes, newest first.")
class DisputeConnection:
    edges: list[DisputeEdge] = strawberry.field(description="The disputes of this page.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")


@strawberry.type
class DisputesQuery:
    @strawberry.field(
        description="Card disputes of every order, newest first, optionally of one Stripe status "
        "(needs_response, under_review, won, lost, warning_*). Admins only (FORBIDDEN otherwise)."
    )
    async def disputes(
        self,
        info: Info[Context, None],
        status: Annotated[str | None, strawberry.argument(description="Only disputes in this Stripe status.")] = None,
        first: Annotated[int | None, strawberry.argument(description="Page size, at most 100.")] = 20,
        after: Annotated[str | None, strawberry.argument(description="An edge's cursor: the page after it.")] = None,
    ) -> DisputeConnection:
        context = info.context
        ADMINS.refusing("disputes are for admins").check(context)
        size = page_size(first)
        # One more than asked tells whether another page follows.
        params: dict[str, Any] = {"first": size + 1}
        if status:
            params["status"] = status
        if after:
            try:
                params["after"] = str(uuid.UUID(after))
            except ValueError:
                raise BadInput("not a cursor of disputes", field="after") from None
        rows = await context.clients.orders.get_json("/disputes", params=params, headers=context.upstream_headers())
        found = [DisputeRead.model_validate(row) for row in rows]
        edges = [DisputeEdge(node=Dispute.of(d), cursor=str(d.id)) for d in found[:size]]
        return DisputeConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(found) > size, end_cursor=edges[-1].cursor if edges else None),
        )
