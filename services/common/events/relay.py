"""The outbox relay: publishes a database's committed events to JetStream, in order.

A pass takes the oldest unpublished rows (locked, so a second relay on the same database waits
for this one and then finds them published), sends them on one connection in `seq` order with
the row's message id as `Nats-Msg-Id`, waits for every acknowledgement, and marks them
published. A relay that dies after publishing and before marking publishes those rows again
when it comes back; the server drops them as duplicates within its window, and every consumer's
inbox drops anything later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio
from nats.js import JetStreamContext
from sqlalchemy import Engine, Text, cast, select, update

from services.common.clock import utcnow
from services.common.events.tables import EventTables

log = logging.getLogger(__name__)

BATCH = 500
IDLE_POLL_SECONDS = 0.02
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
        while not self._stopping.is_set():
            try:
                published = await self.run_once()
            except Exception:
                log.exception("outbox relay of %s failed; retrying", self.tables.source)
                published = 0
                await self._sleep(ERROR_PAUSE_SECONDS)
                continue
            if published < BATCH:
                await self._sleep(IDLE_POLL_SECONDS)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def stop(self) -> None:
        self._stopping.set()
