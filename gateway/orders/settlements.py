"""Settlement statements: the CNY payout batches of the orders service, as suppliers and
finance see them. A supplier sees its own only (the orders service checks it); finance (an
admin) sees every supplier's; buyers none."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.catalog.types import Supplier
from gateway.context import Context
from gateway.ids import global_id, node_uuid
from gateway.orders.types import _supplier, money, orders_nodes
from gateway.types import Money, PageAfter, PageInfo, PageSize
from services.common.pagination import page_size
from services.orders.contract.finance import SettlementBatchRead, SettlementLineRead
from services.orders.contract.finance import SettlementStatement as StatementRead

if TYPE_CHECKING:
    from gateway.orders.payouts import PayoutAttempt, PayoutStatus


@strawberry.type(description="One order line a settlement pays for; amounts in CNY.")
class SettlementLine:
    sku: str = strawberry.field(description="The supplier's SKU of the part on the line.")
    quantity: int = strawberry.field(description="Units on the line.")
    delivered_at: datetime | None = strawberry.field(description="When the line was delivered to the buyer.")
    data: strawberry.Private[SettlementLineRead]

    @strawberry.field(description="The order's global id.")
    def order_id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Order", str(self.data.order_id)))

    @strawberry.field(description="The order's id as the statement CSV writes it (order_id column).")
    def order_reference(self) -> str:
        return str(self.data.order_id)

    @strawberry.field(description="The order line's global id.")
    def order_line_id(self) -> strawberry.ID:
        return strawberry.ID(global_id("OrderLine", str(self.data.order_line_id)))

    @strawberry.field(description="Price of the goods on the line.")
    def goods(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.goods)

    @strawberry.field(description="The platform's fee, kept back.")
    def platform_fee(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.platform_fee)

    @strawberry.field(description="What the supplier is paid for the line (any forfeited core deposit included).")
    def payable(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.payable)


@strawberry.type(description="A CNY payout to one supplier for its delivered lines past the hold period.")
class SettlementStatement(relay.Node):
    id: relay.NodeID[str]
    line_count: int = strawberry.field(description="How many order lines it pays for.")
    created_at: datetime = strawberry.field(description="When the payout batch was made.")
    cutoff: datetime = strawberry.field(description="Lines delivered before this (and not yet settled) are in it.")
    delivered_from: datetime | None = strawberry.field(description="The first delivery it pays for.")
    delivered_until: datetime | None = strawberry.field(description="The last delivery it pays for.")
    # A batch as a page lists it, or the statement with its lines as it is read by id.
    data: strawberry.Private[SettlementBatchRead]
    # The statement with its lines, fetched once however many fields ask for it.
    detail: strawberry.Private[asyncio.Future[StatementRead] | None] = None

    @classmethod
    def from_json(cls, json: dict[str, Any]) -> SettlementStatement:
        """The orders service's statement read by id (with its lines), parsed with its contract."""
        return cls.of(StatementRead.model_validate(json))

    @classmethod
    def of(cls, batch: SettlementBatchRead) -> SettlementStatement:
        return cls(
            id=str(batch.id),
            line_count=batch.line_count,
            created_at=batch.created_at,
            cutoff=batch.cutoff,
            delivered_from=batch.delivered_from,
            delivered_until=batch.delivered_until,
            data=batch,
        )

    @strawberry.field(
        description="Where its payout stands: CREATED, SENT (in a pain.001 file), PAID or FAILED (the bank's report)."
    )
    def payout_status(self) -> Annotated[PayoutStatus, strawberry.lazy("gateway.orders.payouts")]:
        from gateway.orders.payouts import PayoutStatus

        return PayoutStatus(self.data.payout_status)

    @strawberry.field(description="The latest attempt to pay it; null while it is in no bank file.")
    def payout(self) -> Annotated[PayoutAttempt, strawberry.lazy("gateway.orders.payouts")] | None:
        from gateway.orders.payouts import PayoutAttempt

        return PayoutAttempt.of(self.data.payout) if self.data.payout else None

    @strawberry.field(description="The total paid out, in CNY.")
    def total(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.total)

    @strawberry.field(description="The supplier paid.")
    async def supplier(self, info: Info[Context, None]) -> Supplier:
        return await _supplier(info, str(self.data.supplier_id))

    @strawberry.field(description="The order lines paid, oldest delivery first.")
    async def lines(self, info: Info[Context, None]) -> list[SettlementLine]:
        statement = self.data
        if not isinstance(statement, StatementRead):
            if self.detail is None:
                self.detail = asyncio.ensure_future(_get_statement(info.context, self.id))
            statement = self.data = await self.detail
        return [
            SettlementLine(sku=line.sku, quantity=line.quantity, delivered_at=line.delivered_at, data=line)
            for line in statement.lines
        ]

    @strawberry.field(
        description="The statement as CSV (UTF-8, one row per line, amounts in yuan with two decimals), "
        "as the supplier's bookkeeping imports it."
    )
    async def csv(self, info: Info[Context, None]) -> str:
        context = info.context
        response = await context.clients.orders.request(
            "GET", f"/settlements/{self.id}/statement.csv", headers=context.upstream_headers()
        )
        return response.content.decode("utf-8-sig")

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[SettlementStatement | None]:
        return await orders_nodes(info.context, "settlements", node_ids, cls.from_json)


async def _get_statement(context: Context, batch_id: str) -> StatementRead:
    return StatementRead.model_validate(
        await context.clients.orders.get_json(f"/settlements/{batch_id}", headers=context.upstream_headers())
    )


@strawberry.type(description="One settlement statement in a page of results, with its cursor.")
class SettlementEdge:
    node: SettlementStatement = strawberry.field(description="The settlement statement.")
    cursor: str = strawberry.field(
        description="Opaque position of this settlement statement; pass it as `after` to page on from it."
    )


@strawberry.type(description="A page of settlement statements, newest first.")
class SettlementConnection:
    edges: list[SettlementEdge] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")


@strawberry.type
class SettlementsQuery:
    @strawberry.field(
        description="Settlement statements, newest first: a supplier its own; finance (an admin) every "
        "supplier's, or one supplier's with supplierId."
    )
    async def settlements(
        self,
        info: Info[Context, None],
        first: PageSize = 20,
        after: PageAfter = None,
        supplier_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Admins: only this supplier's statements (its global id). A supplier sees its own."
            ),
        ] = None,
    ) -> SettlementConnection:
        context = info.context
        context.require_principal()
        size = page_size(first)
        # One more than asked tells whether another page follows.
        params: dict[str, Any] = {"first": size + 1}
        if after:
            params["after"] = node_uuid(after, "SettlementStatement", field="after")
        if supplier_id:
            params["supplier_id"] = node_uuid(supplier_id, "Supplier", field="supplierId")
        found = await context.clients.orders.get_json("/settlements", params=params, headers=context.upstream_headers())
        nodes = [SettlementStatement.of(SettlementBatchRead.model_validate(b)) for b in found[:size]]
        edges = [SettlementEdge(node=n, cursor=global_id("SettlementStatement", n.id)) for n in nodes]
        return SettlementConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(found) > size, end_cursor=edges[-1].cursor if edges else None),
        )

    @strawberry.field(description="One settlement statement with its lines; null when there is none of yours.")
    async def settlement(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The statement's global id.")],
    ) -> SettlementStatement | None:
        info.context.require_principal()
        batch_id = node_uuid(id, "SettlementStatement", field="id")
        [statement] = await orders_nodes(info.context, "settlements", [batch_id], SettlementStatement.from_json)
        return statement
