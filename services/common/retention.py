"""Retention: deleting what a database stops keeping, and the rules every event database shares.
Each service's own rules are in its `jobs` module; the worker's retention job runs them all.

Rows are deleted in batches of `BATCH`, each in its own short transaction, so a first run over
a year of history does not hold locks for minutes. Every rule is "older than a cutoff", so a
second run, or two workers, delete nothing twice. Dead letters are never deleted here: each is a
failure someone has to look at (and replay or dismiss).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, delete, select, tuple_
from sqlmodel import Session

from services.common.events import EventTables

BATCH = 1000


def in_batches(engine: Engine, pick: Select[Any], remove: Callable[[Session, list[Any]], object]) -> int:
    """Delete what `pick` selects, BATCH keys at a time, each batch in its own transaction."""
    total = 0
    while True:
        with Session(engine) as session, session.begin():
            keys = list(session.scalars(pick.limit(BATCH)))
            if keys:
                remove(session, keys)
        total += len(keys)
        if len(keys) < BATCH:
            return total


def published_outbox(engine: Engine, tables: EventTables, cutoff: datetime) -> int:
    outbox = tables.outbox

    def remove(session: Session, seqs: list[Any]) -> None:
        session.execute(delete(outbox).where(outbox.c.seq.in_(seqs)))

    pick = select(outbox.c.seq).where(outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff)
    return in_batches(engine, pick, remove)


def applied_inbox(engine: Engine, tables: EventTables, cutoff: datetime) -> int:
    """Inbox rows are deleted by (consumer, event_id); a batch is read and deleted by both."""
    inbox = tables.inbox
    total = 0
    while True:
        with Session(engine) as session, session.begin():
            keys = [
                (row.consumer, row.event_id)
                for row in session.execute(
                    select(inbox.c.consumer, inbox.c.event_id).where(inbox.c.applied_at < cutoff).limit(BATCH)
                )
            ]
            if keys:
                session.execute(delete(inbox).where(tuple_(inbox.c.consumer, inbox.c.event_id).in_(keys)))
        total += len(keys)
        if len(keys) < BATCH:
            return total
