"""`auditLog`: the staff actions gateway/audit.py records, for admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel import Session
from strawberry.types import Info

from gateway import audit
from gateway.context import Context
from gateway.identity.models import AuditEntry
from gateway.ids import global_id, node_uuid
from gateway.permissions import ADMINS
from gateway.types import PageAfter, PageInfo, PageSize
from marketplace.roles import AccountRole
from services.common.pagination import encode_cursor, page_size


@strawberry.type(description="One action of the platform's staff: who, what, when and why.")
class AuditLogEntry:
    id: strawberry.ID = strawberry.field(description="The entry's own id (not a global node id).")
    at: datetime = strawberry.field(description="When it was done.")
    actor_id: strawberry.ID = strawberry.field(description="The global id of the Account that did it.")
    actor_email: str = strawberry.field(description="That account's e-mail address at the time.")
    actor_role: AccountRole = strawberry.field(description="That account's role at the time.")
    action: str = strawberry.field(description="The mutation, e.g. approveCertificate or disableAccount.")
    subject_id: strawberry.ID = strawberry.field(description="The global id of what it acted on.")
    reason: str = strawberry.field(description="Why, in the words of whoever did it.")

    @classmethod
    def from_record(cls, record: AuditEntry) -> AuditLogEntry:
        return cls(
            id=strawberry.ID(str(record.id)),
            at=record.at,
            actor_id=strawberry.ID(global_id("Account", str(record.actor_id))),
            actor_email=record.actor_email,
            actor_role=AccountRole(record.actor_role),
            action=record.action,
            subject_id=strawberry.ID(record.subject_id),
            reason=record.reason,
        )


@strawberry.type(description="One audit log entry in a page of results, with its cursor.")
class AuditLogEdge:
    node: AuditLogEntry = strawberry.field(description="The audit log entry.")
    cursor: str = strawberry.field(
        description="Opaque position of this audit log entry; pass it as `after` to page on from it."
    )


@strawberry.type(description="A page of the audit log, newest first.")
class AuditLogConnection:
    edges: list[AuditLogEdge] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Whether another page follows, and its cursor.")


@strawberry.type
class AuditLogQuery:
    @strawberry.field(description="What the platform's staff did, newest first. Admins only.")
    async def audit_log(
        self,
        info: Info[Context, None],
        actor: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this Account's actions (its global id).")
        ] = None,
        action: Annotated[
            str | None, strawberry.argument(description="Only this mutation's, e.g. approveCertificate.")
        ] = None,
        first: PageSize = 20,
        after: PageAfter = None,
    ) -> AuditLogConnection:
        context = info.context
        ADMINS.refusing("the audit log is for admins").check(context)
        actor_id = uuid.UUID(node_uuid(actor, "Account", field="actor")) if actor else None
        size = page_size(first)

        def load(session: Session) -> AuditLogConnection:
            rows, has_next, end = audit.entries(session, actor_id=actor_id, action=action, first=size, after=after)
            edges = [
                AuditLogEdge(node=AuditLogEntry.from_record(r), cursor=encode_cursor([r.at.isoformat(), str(r.id)]))
                for r in rows
            ]
            return AuditLogConnection(edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end))

        return await context.in_session(load)
