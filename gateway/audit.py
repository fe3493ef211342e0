"""The audit trail of what the platform's staff do: who (account id and e-mail), what (the
mutation and the global id of its subject), when, and why (the reason they gave).

Every staff mutation records itself with one call once its change is made:

    await audit.record(context, "approveCertificate", certificate_gid, reason)

or, when the change is in the gateway's own database, in the same transaction:

    audit.record_in(session, principal, "disableAccount", account_gid, reason)

Entries are only ever added; `auditLog` (admins) reads them newest first.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from gateway.context import Context
from gateway.identity.models import Account, AuditEntry
from gateway.identity.tokens import Principal
from services.common.errors import BadInput
from services.common.pagination import decode_cursor, encode_cursor

MAX_REASON_LENGTH = 1000


def require_reason(reason: str | None, *, field: str = "reason") -> str:
    """Every staff action says why: blank is BAD_USER_INPUT naming `field`."""
    text = (reason or "").strip()
    if not text:
        raise BadInput("give the reason for this action", field=field)
    if len(text) > MAX_REASON_LENGTH:
        raise BadInput(f"at most {MAX_REASON_LENGTH} characters", field=field)
    return text


def record_in(session: Session, principal: Principal, action: str, subject_id: str, reason: str) -> AuditEntry:
    """Add the entry in `session`'s transaction (with the change it records, when that is ours)."""
    account = session.get(Account, principal.account_id)
    entry = AuditEntry(
        actor_id=principal.account_id,
        actor_email=account.email if account else "",
        actor_role=principal.role.value,
        action=action,
        subject_id=subject_id,
        reason=reason,
    )
    session.add(entry)
    session.flush()
    return entry


async def record(context: Context, action: str, subject_id: str, reason: str) -> None:
    """Record a staff action another service has just carried out, in a transaction of its own."""
    principal = context.require_principal()
    await context.in_session(lambda session: record_in(session, principal, action, subject_id, reason))


async def record_once(context: Context, action: str, subject_id: str, reason: str, *, since: datetime) -> None:
    """For a retried action: record it unless the same actor's same entry was made `since` then."""
    principal = context.require_principal()

    def work(session: Session) -> None:
        found = session.exec(
            select(AuditEntry.id).where(
                AuditEntry.actor_id == principal.account_id,
                AuditEntry.action == action,
                AuditEntry.subject_id == subject_id,
                AuditEntry.reason == reason,
                col(AuditEntry.at) >= since,
            )
        ).first()
        if found is None:
            record_in(session, principal, action, subject_id, reason)

    await context.in_session(work)


def entries(
    session: Session,
    *,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    first: int = 20,
    after: str | None = None,
) -> tuple[Sequence[AuditEntry], bool, str | None]:
    """Newest first, keyset-paged by (at, id); optionally one actor's or one action's."""
    statement = select(AuditEntry)
    if actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == actor_id)
    if action:
        statement = statement.where(AuditEntry.action == action.strip())
    if after:
        at, last_id = decode_cursor(after, arity=2)
        try:
            cursor_at, cursor_id = datetime.fromisoformat(at), uuid.UUID(last_id)
        except (TypeError, ValueError):
            raise BadInput("malformed cursor", field="after") from None
        statement = statement.where(
            (col(AuditEntry.at) < cursor_at) | ((col(AuditEntry.at) == cursor_at) & (col(AuditEntry.id) < cursor_id))
        )
    statement = statement.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(first + 1)
    rows = list(session.exec(statement))
    has_next = len(rows) > first
    rows = rows[:first]
    end = encode_cursor([rows[-1].at.isoformat(), str(rows[-1].id)]) if rows else None
    return rows, has_next, end
