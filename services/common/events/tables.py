"""The three event tables each service database holds: its outbox, its inbox, its dead letters.

They are SQLAlchemy Core tables added to a service's own MetaData by `event_tables`, so the
service's migrations create them beside its other tables and its transactions write them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asgi_correlation_id import correlation_id
from opentelemetry import propagate
from sqlalchemy import JSON, Column, Index, Integer, MetaData, String, Table, Text, func, insert, select
from sqlalchemy.orm import Session

from services.common.clock import UtcDateTime, utcnow
from services.common.events.types import EVENT_VERSIONS, subject_for

# Session.info's key for the transaction whose commit already wakes the relay.
_WOKEN = "outbox_relay_woken"


@dataclass(frozen=True)
class PendingEvent:
    """An event to record: its type, the id of what it is about, its data, and when it happened
    (default: now)."""

    type: str
    aggregate_id: str | uuid.UUID
    data: dict[str, Any]
    occurred_at: datetime | None = None


def request_context() -> dict[str, str]:
    """The request an event comes from (its id, and its trace when tracing is on), carried on
    the message so that the consumers' log lines and calls name the same request."""
    context = {}
    request_id = correlation_id.get()
    if request_id:
        context["request_id"] = request_id
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    if "traceparent" in carrier:
        context["traceparent"] = carrier["traceparent"]
    return context


@dataclass(frozen=True)
class EventTables:
    """One service's event tables; `record` writes an event in the caller's transaction."""

    source: str
    outbox: Table
    inbox: Table
    dead_letter: Table

    def record(
        self,
        session: Session,
        event_type: str,
        *,
        aggregate_id: str | uuid.UUID,
        data: dict[str, Any],
        occurred_at: datetime | None = None,
    ) -> str:
        """Write one event beside the change it describes: it is committed exactly when the
        change is, and rolled back with it. The relay publishes it afterwards. Returns its id."""
        return self.record_many(session, [PendingEvent(event_type, aggregate_id, data, occurred_at)])[0]

    def record_many(self, session: Session, events: Sequence[PendingEvent]) -> list[str]:
        """`record` for many events at once, in one statement (a bulk import's parts); in order."""
        if not events:
            return []
        rows = [self._row(event) for event in events]
        session.execute(insert(self.outbox), rows)
        self._wake_relay(session)
        return [row["message_id"] for row in rows]

    @property
    def channel(self) -> str:
        """The PostgreSQL notification channel that wakes this outbox's relay."""
        return f"outbox_{self.source}"

    def _wake_relay(self, session: Session) -> None:
        # Delivered at commit, never on rollback: the relay waits for it instead of polling
        # (SQLite has no notifications: it polls). Sent once per transaction, however many
        # events it writes.
        if session.get_bind().dialect.name != "postgresql":
            return
        transaction = session.get_transaction()
        if session.info.get(_WOKEN) is not transaction:
            session.execute(select(func.pg_notify(self.channel, "")))
            session.info[_WOKEN] = transaction

    def _row(self, event: PendingEvent) -> dict[str, Any]:
        if event.type not in EVENT_VERSIONS:
            raise ValueError(f"unknown event type {event.type!r}")
        event_id = str(uuid.uuid4())
        when = event.occurred_at or utcnow()
        envelope = {
            "id": event_id,
            "type": event.type,
            "version": EVENT_VERSIONS[event.type],
            "source": self.source,
            "aggregate_id": str(event.aggregate_id),
            "occurred_at": when.isoformat(),
            "data": event.data,
        }
        context = request_context()
        if context:
            envelope["context"] = context
        return {"message_id": event_id, "subject": subject_for(event.type), "envelope": envelope, "created_at": when}

    def record_replay(self, session: Session, subject: str, envelope: dict[str, Any], message_id: str) -> None:
        """An already published event sent again on `subject` (a dead letter's replay)."""
        session.execute(
            insert(self.outbox).values(message_id=message_id, subject=subject, envelope=envelope, created_at=utcnow())
        )
        self._wake_relay(session)


def event_tables(metadata: MetaData, *, source: str) -> EventTables:
    outbox = Table(
        "outbox_event",
        metadata,
        # Publication order: rows are published in `seq` order, so one aggregate's events reach
        # the stream in the order their transactions wrote them.
        Column("seq", Integer, primary_key=True, autoincrement=True),
        # The JetStream message id (`Nats-Msg-Id`): the server drops a second publish of it.
        Column("message_id", String(80), nullable=False, unique=True),
        Column("subject", String(200), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
        Index("ix_outbox_event_unpublished", "published_at", "seq"),
    )
    inbox = Table(
        "inbox_event",
        metadata,
        Column("consumer", String(80), primary_key=True),
        Column("event_id", String(80), primary_key=True),
        Column("applied_at", UtcDateTime, nullable=False, default=utcnow),
        Index("ix_inbox_event_applied_at", "applied_at"),
    )
    dead_letter = Table(
        "dead_letter",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("consumer", String(80), nullable=False),
        Column("event_id", String(80), nullable=False),
        Column("event_type", String(80), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("error", Text, nullable=False),
        Column("deliveries", Integer, nullable=False),
        Column("failed_at", UtcDateTime, nullable=False),
        # When the consumer applied the event replayed to it (null while it waits, or when it
        # failed again and became a new dead letter).
        Column("replayed_at", UtcDateTime, nullable=True),
        # An admin's replay: when it was asked for, and by whom (the account id).
        Column("replay_requested_at", UtcDateTime, nullable=True),
        Column("replayed_by", String(80), nullable=True),
        Index("ix_dead_letter_consumer_failed_at", "consumer", "failed_at"),
    )
    return EventTables(source=source, outbox=outbox, inbox=inbox, dead_letter=dead_letter)
