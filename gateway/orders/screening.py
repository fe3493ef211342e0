"""The sanctions screening review for admins: orders on hold with their potential matches, and
the two decisions (clear a false positive; confirm a match, which cancels and refunds the order),
each with a reason and audited. The orders service checks the role again."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from gateway import audit
from gateway.context import Context
from gateway.ids import global_id, node_uuid
from gateway.mutations import call_upstream, mutation
from gateway.orders.types import ScreeningStatus, money
from gateway.permissions import ADMINS
from gateway.types import Money
from services.common.errors import UpstreamUnavailable
from services.orders.contract.screening import ScreeningRead


@strawberry.type(description="A consolidated sanctions list an order was screened against.")
class SanctionsListUsed:
    code: str = strawberry.field(description="un: the UN Security Council Consolidated List.")
    name: str = strawberry.field(description="The list's name.")
    published: date = strawberry.field(description="The list's own date (the UN list's dateGenerated).")
    url: str = strawberry.field(description="Where the list is published.")
    source: str = strawberry.field(description="What the bundled file holds: the list, its issuer and which entries.")
    extract: bool = strawberry.field(description="True for the bundled extract (development), not the full list.")


@strawberry.type(description="A name on the order that scored at or above the cut-off against a listed name.")
class ScreeningMatch:
    list: str = strawberry.field(description="The list's code (un).")
    list_name: str = strawberry.field(description="The list's name.")
    list_published: date = strawberry.field(description="The list's own date.")
    reference: str = strawberry.field(description="The entry's reference number on the list, e.g. KPe.001.")
    listed_name: str = strawberry.field(description="The entry's name on the list.")
    matched_name: str = strawberry.field(description="The listed name or alias that scored.")
    screened_name: str = strawberry.field(description="The name on the order, as given.")
    role: str = strawberry.field(description="Whose name it is: CONSIGNEE (the shipping address) or BUYER.")
    score: float = strawberry.field(description="0-100 (rapidfuzz); matches are at or above the cut-off.")


@strawberry.type(description="An admin's decision on a screening hold.")
class ScreeningDecision:
    outcome: ScreeningStatus = strawberry.field(description="CLEARED or CONFIRMED.")
    decided_by: str = strawberry.field(description="The admin's account id.")
    at: datetime = strawberry.field(description="When the admin decided.")
    reason: str = strawberry.field(description="Why, in the admin's words.")


@strawberry.type(description="An order's sanctions screening: what matched, against which lists, and the decision.")
class ScreeningHold:
    data: strawberry.Private[ScreeningRead]

    @strawberry.field(description="The order's global id.")
    def order_id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Order", str(self.data.order_id)))

    @strawberry.field(description="The order's number (TN-YYYY-NNNNNN).")
    def order_number(self) -> str:
        return self.data.order_number

    @strawberry.field(description="The order's status (PENDING_PAYMENT, PAID, CANCELLED ...).")
    def order_status(self) -> str:
        return self.data.status

    @strawberry.field(description="The order's payment status.")
    def payment_status(self) -> str:
        return self.data.payment_status

    @strawberry.field(description="Where the order ships (ISO 3166-1 alpha-2).")
    def destination_country(self) -> str:
        return self.data.destination_country

    @strawberry.field(description="The order's total, in the buyer's currency.")
    def total(self, info: Info[Context, None]) -> Money:
        return money(info.context, self.data.total)

    @strawberry.field(description="When the order was placed.")
    def placed_at(self) -> datetime:
        return self.data.created_at

    @strawberry.field(description="HELD until an admin decides.")
    def status(self) -> ScreeningStatus:
        return ScreeningStatus(self.data.screening_status.value)

    @strawberry.field(description="The score at or above which a name is a potential match.")
    def cutoff(self) -> float:
        return self.data.cutoff

    @strawberry.field(description="The lists screened against, with their dates.")
    def lists(self) -> list[SanctionsListUsed]:
        return [
            SanctionsListUsed(
                code=str(sl["list"]),
                name=str(sl["name"]),
                published=date.fromisoformat(sl["published"]),
                url=str(sl["url"]),
                source=str(sl["source"]),
                extract=bool(sl.get("extract")),
            )
            # The lists are the screening record's own JSON, untyped in the contract.
            for sl in self.data.lists
        ]

    @strawberry.field(description="The potential matches, best first.")
    def matches(self) -> list[ScreeningMatch]:
        return [
            ScreeningMatch(
                list=m.list,
                list_name=m.list_name,
                list_published=date.fromisoformat(m.list_published),
                reference=m.reference,
                listed_name=m.listed_name,
                matched_name=m.matched_name,
                screened_name=m.screened_name,
                role=m.role,
                score=m.score,
            )
            for m in self.data.matches
        ]

    @strawberry.field(description="The admin's decision; null while the order is held.")
    def decision(self) -> ScreeningDecision | None:
        d = self.data.decision
        if d is None:
            return None
        return ScreeningDecision(outcome=ScreeningStatus(d.outcome), decided_by=d.by, at=d.at, reason=d.reason)


ADMINS_ONLY = ADMINS.refusing("sanctions screening holds are for admins")


@strawberry.type
class ScreeningQuery:
    @strawberry.field(
        description="Orders on a sanctions screening hold, the longest waiting first, each with its potential "
        "matches (list, reference, listed name, score, screened name). Admins only (FORBIDDEN otherwise)."
    )
    async def screening_holds(
        self,
        info: Info[Context, None],
        first: Annotated[int, strawberry.argument(description="At most 100.")] = 20,
        after: Annotated[
            strawberry.ID | None, strawberry.argument(description="The orderId of the last hold of the page before.")
        ] = None,
    ) -> list[ScreeningHold]:
        context = info.context
        ADMINS_ONLY.check(context)
        params: dict[str, Any] = {"first": max(1, min(first, 100))}
        if after:
            params["after"] = node_uuid(after, "Order", field="after")
        found = await context.clients.orders.get_json(
            "/screening/holds", params=params, headers=context.upstream_headers()
        )
        return [ScreeningHold(data=ScreeningRead.model_validate(h)) for h in found]


async def _decide(
    info: Info[Context, None], order_id: strawberry.ID, reason: str, verb: str, action: str
) -> ScreeningHold:
    """An admin's decision on a hold, with its reason, through the orders service; audited once."""
    context = info.context
    why = audit.require_reason(reason)
    uuid_ = node_uuid(order_id, "Order", field="orderId")
    screening = ScreeningRead.model_validate(
        await call_upstream(
            context,
            context.clients.orders,
            "POST",
            f"/orders/{uuid_}/screening/{verb}",
            json={"reason": why},
            fields={"order_id": "orderId"},
        )
    )
    if screening.decision is None:
        raise UpstreamUnavailable("orders answered a screening decision without the decision")
    # A retry answers with the decision already made: audited once.
    await audit.record_once(context, action, global_id("Order", uuid_), why, since=screening.decision.at)
    return ScreeningHold(data=screening)


@strawberry.type
class ScreeningMutation:
    @mutation(
        allow=ADMINS_ONLY,
        description="Admin: the potential match is a false positive; the hold is lifted and the order goes on "
        "(its suppliers see and ship it). A reason is required (BAD_USER_INPUT naming `reason`) and audited. "
        "CONFLICT (SCREENING_DECIDED) once the match was confirmed.",
    )
    async def clear_screening_hold(
        self,
        info: Info[Context, None],
        order_id: Annotated[strawberry.ID, strawberry.argument(description="The held order's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why, kept in the audit log; must not be blank.")],
    ) -> ScreeningHold:
        return await _decide(info, order_id, reason, "clear", "clearScreeningHold")

    @mutation(
        allow=ADMINS_ONLY,
        description="Admin: the match is true; the order is cancelled and, if it was paid, refunded in full "
        "through the ordinary refund. A reason is required and audited. CONFLICT (SCREENING_DECIDED) once cleared.",
    )
    async def confirm_screening_match(
        self,
        info: Info[Context, None],
        order_id: Annotated[strawberry.ID, strawberry.argument(description="The held order's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why, kept in the audit log; must not be blank.")],
    ) -> ScreeningHold:
        return await _decide(info, order_id, reason, "confirm", "confirmScreeningMatch")
