"""Dead letters: events a consumer gave up on after its last delivery, for admins to see and
replay. Each service with event tables keeps its own (catalog, certification, orders) and
decides what a replay does (services/common/events/dead_letters.py); this module maps the API
and refuses anyone but an admin before a service is asked."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.clients import Upstream
from gateway.context import Context
from gateway.ids import global_id, node_uuid
from gateway.mutations import call_upstream, mutation
from gateway.permissions import ADMINS
from gateway.types import PageAfter, PageInfo, PageSize
from services.common.pagination import page_size

PATH = "/events/dead-letters"


@strawberry.enum(description="A service that keeps event tables, and so dead letters.")
class EventService(Enum):
    CATALOG = strawberry.enum_value("catalog", description="The catalog: parts, stock, suppliers.")
    CERTIFICATION = strawberry.enum_value("certification", description="Certification: certificates, markets.")
    ORDERS = strawberry.enum_value("orders", description="Orders: quotes, payments, fulfilment, payouts.")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@strawberry.type(
    description="An event that a consumer failed to apply on every delivery it was allowed, set aside "
    "until an admin fixes the cause and replays it to that one consumer."
)
class DeadLetter(relay.Node):
    id: relay.NodeID[str]
    service: EventService = strawberry.field(description="Whose database keeps it, and whose consumer failed.")
    consumer: str = strawberry.field(description="The durable consumer that gave up on the event.")
    event_id: str = strawberry.field(description="The event's own id, from its envelope.")
    event_type: str = strawberry.field(description="order.paid, stock.changed, ...")
    error: str = strawberry.field(description="The last delivery's error.")
    attempts: int = strawberry.field(description="Deliveries made before it was set aside.")
    failed_at: datetime = strawberry.field(description="When the last delivery failed and it was set aside.")
    replay_requested_at: datetime | None = strawberry.field(description="When an admin replayed it; null until then.")
    replayed_at: datetime | None = strawberry.field(
        description="When the consumer applied the replayed event; null while it waits, or when the replay "
        "failed too (and became a new dead letter)."
    )
    event: strawberry.scalars.JSON = strawberry.field(description="The event's envelope, as it was published.")
    replayed_by_id: strawberry.Private[str | None]

    @strawberry.field(description="The global id of the Account that replayed it (null until replayed).")
    def replayed_by(self) -> strawberry.ID | None:
        if self.replayed_by_id is None:
            return None
        try:
            return strawberry.ID(global_id("Account", str(uuid.UUID(self.replayed_by_id))))
        except ValueError:  # the system's own replays name no account
            return strawberry.ID(self.replayed_by_id)

    @classmethod
    def from_json(cls, service: EventService, data: dict[str, Any]) -> DeadLetter:
        return cls(
            id=str(data["id"]),
            service=service,
            consumer=data["consumer"],
            event_id=data["event_id"],
            event_type=data["event_type"],
            error=data["error"],
            attempts=int(data["attempts"]),
            failed_at=datetime.fromisoformat(data["failed_at"]),
            replay_requested_at=_dt(data.get("replay_requested_at")),
            replayed_at=_dt(data.get("replayed_at")),
            event=data["event"],
            replayed_by_id=data.get("replayed_by"),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[DeadLetter | None]:
        context = info.context
        ids = list(node_ids)
        if not ADMINS_ONLY.allows(context):
            return [None for _ in ids]

        async def one(node_id: str) -> DeadLetter | None:
            # The id does not say which service keeps it: ask each (admins only, and rarely).
            for service in EventService:
                data = await _upstream(context, service).get_json_or_none(
                    f"{PATH}/{node_id}", headers=context.upstream_headers()
                )
                if data is not None:
                    return cls.from_json(service, data)
            return None

        return list(await asyncio.gather(*(one(node_id) for node_id in ids)))


@strawberry.type(description="One dead letter in a page of results, with its cursor.")
class DeadLetterEdge:
    node: DeadLetter = strawberry.field(description="The dead letter.")
    cursor: str = strawberry.field(
        description="Opaque position of this dead letter; pass it as `after` to page on from it."
    )


@strawberry.type(description="A page of dead letters.")
class DeadLetterConnection:
    edges: list[DeadLetterEdge] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")


def _upstream(context: Context, service: EventService) -> Upstream:
    # str(): to mypy a member declared with strawberry.enum_value holds the definition, not the name.
    upstream: Upstream = getattr(context.clients, str(service.value))
    return upstream


ADMINS_ONLY = ADMINS.refusing("dead letters are for admins")


@strawberry.type
class DeadLettersQuery:
    @strawberry.field(
        description="Events one service's consumers gave up on, newest first, replayed ones included (they "
        "show who replayed them and when the replay was applied). Admins only."
    )
    async def dead_letters(
        self,
        info: Info[Context, None],
        service: Annotated[EventService, strawberry.argument(description="The service whose events to list.")],
        first: PageSize = 20,
        after: PageAfter = None,
        consumer: Annotated[str | None, strawberry.argument(description="Only this consumer's.")] = None,
    ) -> DeadLetterConnection:
        context = info.context
        ADMINS_ONLY.check(context)
        params: dict[str, Any] = {"first": page_size(first)}
        if after:
            params["after"] = after
        if consumer:
            params["consumer"] = consumer
        page = await _upstream(context, service).get_json(PATH, params=params, headers=context.upstream_headers())
        edges = [
            DeadLetterEdge(node=DeadLetter.from_json(service, item), cursor=item["cursor"]) for item in page["items"]
        ]
        return DeadLetterConnection(
            edges=edges, page_info=PageInfo(has_next_page=bool(page["has_next_page"]), end_cursor=page["end_cursor"])
        )


@strawberry.type
class DeadLettersMutation:
    @mutation(
        allow=ADMINS_ONLY,
        description="Send a dead letter's event again to the one consumer that failed it, once the cause is "
        "fixed. A repeat answers the same dead letter and sends nothing. Admins only.",
    )
    async def replay_dead_letter(
        self,
        info: Info[Context, None],
        service: Annotated[EventService, strawberry.argument(description="The service that keeps the dead letter.")],
        id: Annotated[strawberry.ID, strawberry.argument(description="The dead letter's global id.")],
    ) -> DeadLetter:
        context = info.context
        dead_letter_id = node_uuid(id, "DeadLetter", field="id")
        data = await call_upstream(context, _upstream(context, service), "POST", f"{PATH}/{dead_letter_id}/replay")
        return DeadLetter.from_json(service, data)
