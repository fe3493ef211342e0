"""Dead letters as an admin sees them, and their replay.

A consumer buries an event that failed its last delivery in its service's `dead_letter` table
(consumer.py). An admin lists them, newest first, fixes the cause, and replays one: the event
goes back, unchanged, to that one consumer on its replay subject `tongnan.replay.<consumer>`,
through the service's outbox, so the replay is committed with the mark that records it and
published by the relay like any other event. The consumer's inbox still applies it at most
once; when it has, it stamps the dead letter's `replayed_at`.

Replaying is idempotent: the first replay of a dead letter writes the outbox row and marks who
asked (`replayed_by`) and when (`replay_requested_at`); any later one (a retried request, a
second admin) answers the same dead letter and sends nothing. A replay that fails again becomes
a new dead letter, replayable in turn.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from services.common.clock import utcnow
from services.common.errors import BadInput, Forbidden, NotFound
from services.common.events.tables import EventTables
from services.common.events.types import replay_subject
from services.common.internal_auth import Caller
from services.common.pagination import decode_cursor, encode_cursor, page_size


@dataclass(frozen=True)
class DeadLetter:
    id: str
    consumer: str
    event_id: str
    event_type: str
    error: str
    attempts: int  # deliveries made before it was buried
    failed_at: datetime
    replay_requested_at: datetime | None  # when an admin replayed it
    replayed_by: str | None  # who: the account id
    replayed_at: datetime | None  # when the consumer applied the replayed event
    envelope: dict[str, Any]

    @classmethod
    def from_row(cls, row: RowMapping) -> DeadLetter:
        return cls(
            id=row["id"],
            consumer=row["consumer"],
            event_id=row["event_id"],
            event_type=row["event_type"],
            error=row["error"],
            attempts=row["deliveries"],
            failed_at=row["failed_at"],
            replay_requested_at=row["replay_requested_at"],
            replayed_by=row["replayed_by"],
            replayed_at=row["replayed_at"],
            envelope=row["envelope"],
        )

    @property
    def cursor(self) -> str:
        """Where a page that ends with this one resumes."""
        return encode_cursor([self.failed_at.isoformat(), self.id])


@dataclass(frozen=True)
class DeadLetterPage:
    items: list[DeadLetter]
    end_cursor: str | None
    has_next_page: bool


def require_replayer(actor: Caller) -> None:
    # The admins' tool, and the system's (a script run by an operator with the internal token):
    # staff, as the token says.
    if not actor.is_staff:
        raise Forbidden("dead letters are for admins")


def parse_id(raw: str, *, field: str = "id") -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise BadInput(f"{raw!r} is not a dead letter id (a UUID)", field=field) from None


def list_dead_letters(
    session: Session,
    tables: EventTables,
    actor: Caller,
    *,
    first: int | None = None,
    after: str | None = None,
    consumer: str | None = None,
) -> DeadLetterPage:
    """Newest first, by keyset cursor on (failed_at, id); replayed ones included (they show who
    replayed them), so the list is also the record of what failed."""
    require_replayer(actor)
    size = page_size(first)
    dead = tables.dead_letter
    query = select(dead)
    if consumer:
        query = query.where(dead.c.consumer == consumer)
    if after:
        failed_at_text, last_id = decode_cursor(after, arity=2)
        try:
            failed_at = datetime.fromisoformat(str(failed_at_text))
        except ValueError:
            raise BadInput("malformed cursor", field="after") from None
        query = query.where(
            or_(dead.c.failed_at < failed_at, and_(dead.c.failed_at == failed_at, dead.c.id < str(last_id)))
        )
    query = query.order_by(dead.c.failed_at.desc(), dead.c.id.desc()).limit(size + 1)
    rows = [DeadLetter.from_row(row) for row in session.execute(query).mappings()]
    items = rows[:size]
    return DeadLetterPage(items=items, end_cursor=items[-1].cursor if items else None, has_next_page=len(rows) > size)


def get_dead_letter(session: Session, tables: EventTables, actor: Caller, dead_letter_id: str) -> DeadLetter:
    require_replayer(actor)
    return _get(session, tables, parse_id(dead_letter_id))


def _get(session: Session, tables: EventTables, dead_letter_id: str) -> DeadLetter:
    dead = tables.dead_letter
    row = session.execute(select(dead).where(dead.c.id == dead_letter_id)).mappings().first()
    if row is None:
        raise NotFound(f"there is no dead letter {dead_letter_id}", field="id")
    return DeadLetter.from_row(row)


def replay_message_id(dead_letter_id: str) -> str:
    """The outbox row's id and the replay's `Nats-Msg-Id`: one per dead letter, distinct from the
    event's own id (which the server has seen, and would drop within its duplicate window)."""
    return f"replay-{dead_letter_id}"


def replay(session: Session, tables: EventTables, actor: Caller, dead_letter_id: str) -> DeadLetter:
    """Send the dead letter's event back to its consumer, once; in the caller's transaction."""
    require_replayer(actor)
    dead_letter_id = parse_id(dead_letter_id)
    found = _get(session, tables, dead_letter_id)
    if found.replay_requested_at is not None:
        return found
    dead = tables.dead_letter
    # The guard on replay_requested_at makes two concurrent replays race on this one row update: only
    # the one that changed it writes the outbox row; the other sees the first's mark.
    marked = session.execute(
        update(dead)
        .where(dead.c.id == dead_letter_id, dead.c.replay_requested_at.is_(None))
        .values(replay_requested_at=utcnow(), replayed_by=actor.id[:80])
    )
    if marked.rowcount == 1:  # type: ignore[attr-defined]
        tables.record_replay(
            session, replay_subject(found.consumer), found.envelope, message_id=replay_message_id(dead_letter_id)
        )
    session.flush()
    return _get(session, tables, dead_letter_id)
