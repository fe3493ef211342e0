"""Durable JetStream consumers that apply each event once.

A `Subscription` names a durable consumer, the event types it reads and its handler. The
`ConsumerRunner` pulls its messages and, for each:

- skips it when the consumer's inbox already holds the event id (a redelivery changes nothing);
- otherwise runs the handler and writes the inbox row in the same transaction, then acks;
- on an error, naks with a growing delay; at the last delivery it writes a dead letter, which
  an admin sees and can replay (`POST /events/dead-letters/{id}/replay`), and acks.

A sync handler's events are applied a fetched batch at a time: one transaction holds the
handlers' changes and the inbox rows of the whole batch, and the acks follow its commit; any
error rolls it back and the batch goes through one event at a time as above.

Handlers are plain functions over a SQLModel session, run in a worker thread. A handler whose
work is outside the database (a POST to an integrator) is async and takes no session; the
runner still keeps its inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import anyio
from asgi_correlation_id import correlation_id
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.common.clock import utcnow
from services.common.events.streams import EVENTS_STREAM
from services.common.events.tables import EventTables
from services.common.events.types import replay_subject, subject_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    version: int
    source: str
    aggregate_id: str
    occurred_at: datetime
    data: dict[str, Any]
    # The request that caused it, when there was one (see tables.request_context).
    request_id: str | None = None

    @classmethod
    def from_envelope(cls, envelope: dict[str, Any]) -> Event:
        return cls(
            id=envelope["id"],
            type=envelope["type"],
            version=int(envelope["version"]),
            source=envelope["source"],
            aggregate_id=envelope["aggregate_id"],
            occurred_at=datetime.fromisoformat(envelope["occurred_at"]),
            data=envelope["data"],
            request_id=(envelope.get("context") or {}).get("request_id"),
        )


SyncHandler = Callable[[Session, Event], None]
AsyncHandler = Callable[[Event], Awaitable[None]]
BatchHandler = Callable[[Session, Sequence[Event]], None]

# Waits before the 2nd, 3rd ... delivery of a failing event; the last one repeats.
DEFAULT_BACKOFF = (1.0, 5.0, 30.0, 120.0, 600.0)


@dataclass(frozen=True)
class Subscription:
    """`name` is the durable consumer's name and the key of its inbox rows."""

    name: str
    event_types: Sequence[str]
    handler: SyncHandler | AsyncHandler
    max_deliveries: int = 6
    backoff: Sequence[float] = DEFAULT_BACKOFF
    ack_wait_seconds: float = 60.0
    # Events fetched per pull: several are in flight at once only for async handlers.
    batch: int = 64
    concurrency: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
    # A sync consumer whose change is set-based may also give the batch's form of its handler:
    # the events of a fetched batch not yet applied, in stream order, in one call (one statement
    # for many rows instead of a round trip each). `handler` still applies events one at a time.
    batch_handler: BatchHandler | None = None

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.handler)

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.name,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_seconds,
            max_deliver=self.max_deliveries,
            filter_subjects=[*(subject_for(t) for t in self.event_types), replay_subject(self.name)],
            max_ack_pending=max(1000, self.batch * 4),
        )

    def delay_before(self, delivery: int) -> float:
        """Seconds before delivery number `delivery + 1`, after `delivery` failed."""
        return self.backoff[min(delivery - 1, len(self.backoff) - 1)]


class ConsumerRunner:
    """Runs one subscription against one database until stopped; several runners of the same
    subscription (worker replicas) share its messages."""

    def __init__(self, subscription: Subscription, engine: Engine, tables: EventTables, js: JetStreamContext) -> None:
        self.subscription = subscription
        self.engine = engine
        self.tables = tables
        self.js = js
        self.applied = 0
        self.skipped = 0
        self.dead = 0
        self._stopping = asyncio.Event()
        self._limit = asyncio.Semaphore(subscription.concurrency)

    async def start(self) -> None:
        config = self.subscription.consumer_config()
        # Creates the durable consumer, or updates it when it exists with other settings (a new
        # event type in its filter): the server's create-or-update, idempotent across replicas.
        await self.js.add_consumer(EVENTS_STREAM, config)
        self._pull = await self.js.pull_subscribe_bind(durable=self.subscription.name, stream=EVENTS_STREAM)

    async def run_forever(self) -> None:
        await self.start()
        try:
            await self._loop()
        finally:
            with contextlib.suppress(Exception):
                await self._pull.unsubscribe()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                messages = await self._pull.fetch(self.subscription.batch, timeout=1.0)
            except TimeoutError:
                # Nothing arrived within the second: nats-py raises its own TimeoutError or the
                # built-in one, by where it was waiting; both are this.
                continue
            except Exception:
                if self._stopping.is_set():
                    break
                log.exception("consumer %s could not fetch; retrying", self.subscription.name)
                await asyncio.sleep(1.0)
                continue
            if not self.subscription.is_async:
                await self.process_batch(messages)
            elif self.subscription.concurrency == 1:
                for message in messages:
                    await self.process(message)
            else:
                await asyncio.gather(*(self._bounded(message) for message in messages))

    async def _bounded(self, message: Msg) -> None:
        async with self._limit:
            await self.process(message)

    def stop(self) -> None:
        self._stopping.set()

    async def process(self, message: Msg) -> None:
        envelope = json.loads(message.data)
        event = Event.from_envelope(envelope)
        replayed = message.subject.startswith(replay_subject(""))
        # The handler's log lines, and the calls it makes, carry the request the event came from.
        token = correlation_id.set(event.request_id)
        try:
            await self._process(message, envelope, event, replayed)
        finally:
            correlation_id.reset(token)

    async def _process(self, message: Msg, envelope: dict[str, Any], event: Event, replayed: bool) -> None:
        try:
            if await anyio.to_thread.run_sync(self._already_applied, event.id):
                self.skipped += 1
            elif self.subscription.is_async:
                await cast(AsyncHandler, self.subscription.handler)(event)
                await anyio.to_thread.run_sync(self._apply_sync, event, replayed, False)
            else:
                await anyio.to_thread.run_sync(self._apply_sync, event, replayed, True)
        except Exception as exc:
            await self._failed(message, envelope, event, exc)
            return
        await message.ack()

    async def process_batch(self, messages: list[Msg]) -> None:
        """A fetched batch for a sync handler, applied in one transaction: one inbox look-up,
        the handlers in stream order, every inbox row, one commit, then every ack. At a thousand
        events a second, one transaction per event is what the database cannot keep up with.

        Any error (a handler's, or another replica's inbox row for one of them) rolls the whole
        batch back, and its events go one by one through `process`, which retries, backs off and
        buries only the failing one."""
        try:
            events = [(message, Event.from_envelope(json.loads(message.data))) for message in messages]
            applied = await anyio.to_thread.run_sync(self._apply_batch, events)
        except Exception as exc:
            log.info(
                "consumer %s: batch of %d rolled back (%s); applying one by one",
                self.subscription.name,
                len(messages),
                exc,
            )
            for message in messages:
                await self.process(message)
            return
        self.applied += applied
        self.skipped += len(messages) - applied
        for message in messages:
            await message.ack()

    def _apply_batch(self, events: list[tuple[Msg, Event]]) -> int:
        inbox, dead = self.tables.inbox, self.tables.dead_letter
        name = self.subscription.name
        handler = cast(SyncHandler, self.subscription.handler)
        with Session(self.engine) as session:
            done = set(
                session.execute(
                    select(inbox.c.event_id).where(
                        inbox.c.consumer == name, inbox.c.event_id.in_({event.id for _, event in events})
                    )
                ).scalars()
            )
            now = utcnow()
            fresh: list[dict[str, Any]] = []
            replayed: list[str] = []
            to_apply: list[Event] = []
            for message, event in events:
                if event.id in done:
                    continue  # applied before, or earlier in this batch (a replay beside it)
                done.add(event.id)
                to_apply.append(event)
                fresh.append({"consumer": name, "event_id": event.id, "applied_at": now})
                if message.subject.startswith(replay_subject("")):
                    replayed.append(event.id)
            if self.subscription.batch_handler is not None:
                if to_apply:
                    self.subscription.batch_handler(session, to_apply)
            else:
                for event in to_apply:
                    handler(session, event)
            if fresh:
                session.execute(insert(inbox), fresh)
            if replayed:
                session.execute(
                    update(dead)
                    .where(dead.c.consumer == name, dead.c.event_id.in_(replayed))
                    .where(dead.c.replayed_at.is_(None))
                    .values(replayed_at=now)
                )
            session.commit()
        return len(fresh)

    def _already_applied(self, event_id: str) -> bool:
        inbox = self.tables.inbox
        with self.engine.connect() as connection:
            found = connection.execute(
                select(inbox.c.event_id).where(inbox.c.consumer == self.subscription.name, inbox.c.event_id == event_id)
            ).first()
        return found is not None

    def _apply_sync(self, event: Event, replayed: bool, run_handler: bool) -> None:
        inbox, dead = self.tables.inbox, self.tables.dead_letter
        try:
            with Session(self.engine) as session:
                if run_handler:
                    cast(SyncHandler, self.subscription.handler)(session, event)
                session.execute(
                    insert(inbox).values(consumer=self.subscription.name, event_id=event.id, applied_at=utcnow())
                )
                if replayed:
                    session.execute(
                        update(dead)
                        .where(dead.c.consumer == self.subscription.name, dead.c.event_id == event.id)
                        .where(dead.c.replayed_at.is_(None))
                        .values(replayed_at=utcnow())
                    )
                session.commit()
        except IntegrityError:
            # Another runner applied it between our check and our commit: nothing to do.
            if not self._already_applied(event.id):
                raise
            self.skipped += 1
            return
        self.applied += 1

    async def _failed(self, message: Msg, envelope: dict[str, Any], event: Event, exc: Exception) -> None:
        delivery = message.metadata.num_delivered
        if delivery < self.subscription.max_deliveries:
            log.warning(
                "consumer %s: event %s (%s) failed on delivery %d: %s",
                self.subscription.name,
                event.id,
                event.type,
                delivery,
                exc,
            )
            await message.nak(delay=self.subscription.delay_before(delivery))
            return
        log.error("consumer %s: event %s (%s) is a dead letter: %s", self.subscription.name, event.id, event.type, exc)
        await anyio.to_thread.run_sync(self._bury, envelope, event, f"{type(exc).__name__}: {exc}", delivery)
        self.dead += 1
        await message.ack()

    def _bury(self, envelope: dict[str, Any], event: Event, error: str, deliveries: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(self.tables.dead_letter).values(
                    id=str(uuid.uuid4()),
                    consumer=self.subscription.name,
                    event_id=event.id,
                    event_type=event.type,
                    envelope=envelope,
                    error=error[:4000],
                    deliveries=deliveries,
                    failed_at=utcnow(),
                )
            )
