"""The outbox relay: publishes a database's committed events to JetStream, in order.

A pass takes the oldest unpublished rows (locked, so a second relay on the same database waits
for this one and then finds them published), sends them on one connection in `seq` order with
the row's message id as `Nats-Msg-Id`, waits for every acknowledgement, and marks them
published. A relay that dies after publishing and before marking publishes those rows again
when it comes back; the server drops them as duplicates within its window, and every consumer's
inbox drops anything later.

Between passes, on PostgreSQL, the relay waits on its outbox's notification channel: a
transaction that writes events notifies it at commit (EventTables.record_many), so an idle relay
costs nothing and an event leaves at once. A pass still runs every WAKE_FALLBACK_SECONDS, should
the listening connection drop (while it cannot listen, it passes each second). SQLite has no
notifications: the relay polls every IDLE_POLL_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio
import psycopg
from nats.js import JetStreamContext
from sqlalchemy import Engine, Text, cast, select, update

from services.common.clock import utcnow
from services.common.events.tables import EventTables

log = logging.getLogger(__name__)

BATCH = 500
IDLE_POLL_SECONDS = 0.02  # SQLite
WAKE_FALLBACK_SECONDS = 1.0  # PostgreSQL, between notifications
ERROR_PAUSE_SECONDS = 1.0
ACK_TIMEOUT_SECONDS = 10.0


class OutboxRelay:
    def __init__(self, engine: Engine, tables: EventTables, js: JetStreamContext) -> None:
        self.engine = engine
        self.tables = tables
        self.js = js
        self.published = 0
        self._stopping = asyncio.Event()

    async def run_once(self) -> int:
        """One pass; returns how many events it published."""
        return await anyio.to_thread.run_sync(self._pass_in_thread)

    def _pass_in_thread(self) -> int:
        outbox = self.tables.outbox
        with self.engine.begin() as connection:
            # The envelope as the JSON text it was written as: sent as it is, not parsed and
            # serialised again for every event.
            query = select(outbox.c.seq, outbox.c.message_id, outbox.c.subject, cast(outbox.c.envelope, Text))
            query = query.where(outbox.c.published_at.is_(None)).order_by(outbox.c.seq).limit(BATCH)
            if connection.dialect.name == "postgresql":
                query = query.with_for_update()
            rows = connection.execute(query).all()
            if not rows:
                return 0
            anyio.from_thread.run(self._publish, [(r.message_id, r.subject, r.envelope.encode()) for r in rows])
            connection.execute(
                update(outbox).where(outbox.c.seq.in_([r.seq for r in rows])).values(published_at=utcnow())
            )
        self.published += len(rows)
        return len(rows)

    async def _publish(self, messages: list[tuple[str, str, bytes]]) -> None:
        # Sent in order on one connection; the acknowledgements are awaited together.
        acks = [
            await self.js.publish_async(subject, payload, headers={"Nats-Msg-Id": message_id})
            for message_id, subject, payload in messages
        ]
        await asyncio.wait_for(asyncio.gather(*acks), timeout=ACK_TIMEOUT_SECONDS)

    async def run_forever(self) -> None:
        notified = self.engine.url.get_backend_name() == "postgresql"
        listener: psycopg.AsyncConnection[object] | None = None
        try:
            while not self._stopping.is_set():
                if notified and (listener is None or listener.closed):
                    # Listening before the pass: what commits after it wakes the wait below.
                    listener = await self._listen()
                try:
                    published = await self.run_once()
                except Exception:
                    log.exception("outbox relay of %s failed; retrying", self.tables.source)
                    await self._sleep(ERROR_PAUSE_SECONDS)
                    continue
                if published >= BATCH:
                    continue
                if listener is not None and not listener.closed:
                    await self._await_events(listener)
                else:
                    await self._sleep(ERROR_PAUSE_SECONDS if notified else IDLE_POLL_SECONDS)
        finally:
            if listener is not None:
                await listener.close()

    async def _listen(self) -> psycopg.AsyncConnection[object] | None:
        """A connection listening on the outbox's channel, or None (then a pass each second)."""
        conninfo = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            listener = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
            await listener.execute(f'LISTEN "{self.tables.channel}"')
        except psycopg.Error:
            log.warning("outbox relay of %s cannot listen; a pass each second", self.tables.source, exc_info=True)
            return None
        return listener

    async def _await_events(self, listener: psycopg.AsyncConnection[object]) -> None:
        """Until a transaction that wrote events commits, the relay stops, or the fallback."""

        async def notified() -> None:
            async for _ in listener.notifies(timeout=WAKE_FALLBACK_SECONDS, stop_after=1):
                pass

        waiting = asyncio.ensure_future(notified())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((waiting, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not waiting.done():
                waiting.cancel()
                with contextlib.suppress(asyncio.CancelledError, psycopg.Error):
                    await waiting
        if waiting.done() and not waiting.cancelled() and waiting.exception() is not None:
            log.warning("outbox relay of %s lost its listener", self.tables.source, exc_info=waiting.exception())
            await listener.close()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def stop(self) -> None:
        self._stopping.set()
