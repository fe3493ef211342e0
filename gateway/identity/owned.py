"""Nodes only their owner may see (an API key, an address): `node(id:)` on someone else's is
null, as on one that is not there."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlmodel import Session
from strawberry.types import Info

from gateway.context import Context

Row = TypeVar("Row")
NodeT = TypeVar("NodeT")


async def owned_nodes(
    info: Info[Context, None],
    table: type[Row],
    node_ids: Iterable[str],
    build: Callable[[Row], NodeT],
) -> list[NodeT | None]:
    """The caller's own rows of `table` by id, each built into its node; None for any other."""
    principal = info.context.principal
    wanted = list(node_ids)

    def load(session: Session) -> list[NodeT | None]:
        found: list[NodeT | None] = []
        for node_id in wanted:
            try:
                record: Any = session.get(table, uuid.UUID(node_id))
            except ValueError:
                record = None
            visible = principal is not None and record is not None and record.account_id == principal.account_id
            found.append(build(record) if visible else None)
        return found

    return await info.context.in_session(load)
