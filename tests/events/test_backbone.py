"""The outbox, the relay and a consumer on a real nats-server: each event applied once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Sequence

import pytest
from asgi_correlation_id import correlation_id
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select
from sqlmodel import Session

from services.catalog.models import EVENTS
from services.common.db import make_engine
from services.common.events import ConsumerRunner, Event, OutboxRelay, Subscription
from services.common.events.streams import connect, ensure_streams
from services.common.migrations import upgrade
from tests.databases import Databases

scratch = MetaData()
applied = Table("applied_event", scratch, Column("n", Integer, primary_key=True), Column("event_id", String(80)))


@pytest.fixture
def engine(databases: Databases) -> Iterator[Engine]:
    # A database of its own: the scratch table would otherwise drift the shared catalog schema.
    url = databases.fresh("catalog")
    upgrade("catalog", url)
    engine = make_engine(url)
    scratch.create_all(engine)
    yield engine
    engine.dispose()


def record(engine: Engine, count: int) -> None:
    with Session(engine) as session:
        for n in range(count):
            EVENTS.record(session, "stock.changed", aggregate_id=uuid.uuid4(), data={"n": n})
        session.commit()


def apply(session: Session, event: Event) -> None:
    session.execute(insert(applied).values(n=event.data["n"], event_id=event.id))


def test_every_event_is_applied_once_even_when_published_twice(engine: Engine, nats_url: str) -> None:
    async def scenario() -> tuple[int, int]:
        nc = await connect(nats_url, "test")
        js = nc.jetstream()
        await ensure_streams(js)
        record(engine, 50)
        relay = OutboxRelay(engine, EVENTS, js)
        assert await relay.run_once() == 50
        # A relay that died before marking its rows: the same rows go out again.
        with engine.begin() as connection:
            connection.execute(EVENTS.outbox.update().values(published_at=None))
        assert await relay.run_once() == 50
        runner = ConsumerRunner(Subscription("test-apply", ["stock.changed"], apply), engine, EVENTS, js)
        task = asyncio.create_task(runner.run_forever())
        for _ in range(100):
            if runner.applied >= 50:
                break
            await asyncio.sleep(0.05)
        # Redeliver everything: the inbox keeps it from being applied again.
        runner.stop()
        await task
        await nc.close()
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(applied)).scalar_one()
            distinct = connection.execute(select(func.count(applied.c.n.distinct()))).scalar_one()
        return rows, distinct

    rows, distinct = asyncio.run(scenario())
    assert (rows, distinct) == (50, 50)


dead_scratch = MetaData()
applied_or_failed = Table(
    "applied_or_failed", dead_scratch, Column("row", Integer, primary_key=True), Column("n", Integer)
)


@pytest.mark.parametrize("with_batch_handler", [False, True], ids=["handler", "batch-handler"])
def test_a_failing_event_in_a_batch_is_buried_alone_and_the_others_are_applied_once(
    engine: Engine, nats_url: str, with_batch_handler: bool
) -> None:
    dead_scratch.create_all(engine)

    def apply_or_fail(session: Session, event: Event) -> None:
        session.execute(insert(applied_or_failed).values(n=event.data["n"]))
        if event.data["n"] == 7:
            raise RuntimeError("event 7 cannot be applied")

    def apply_many_or_fail(session: Session, events: Sequence[Event]) -> None:
        session.execute(insert(applied_or_failed), [{"n": event.data["n"]} for event in events])
        if any(event.data["n"] == 7 for event in events):
            raise RuntimeError("event 7 cannot be applied")

    async def scenario() -> ConsumerRunner:
        nc = await connect(nats_url, "test")
        js = nc.jetstream()
        await ensure_streams(js)
        record(engine, 20)
        assert await OutboxRelay(engine, EVENTS, js).run_once() == 20
        subscription = Subscription(
            "test-batch",
            ["stock.changed"],
            apply_or_fail,
            max_deliveries=2,
            backoff=(0.1,),
            batch_handler=apply_many_or_fail if with_batch_handler else None,
        )
        runner = ConsumerRunner(subscription, engine, EVENTS, js)
        task = asyncio.create_task(runner.run_forever())
        for _ in range(200):
            if runner.applied >= 19 and runner.dead >= 1:
                break
            await asyncio.sleep(0.05)
        runner.stop()
        await task
        await nc.close()
        return runner

    runner = asyncio.run(scenario())
    assert (runner.applied, runner.dead) == (19, 1)
    with engine.connect() as connection:
        numbers = sorted(connection.execute(select(applied_or_failed.c.n)).scalars())
        buried = connection.execute(select(EVENTS.dead_letter.c.envelope)).scalars().all()
    # The batch that held event 7 was rolled back whole; each other event was applied once.
    assert numbers == [n for n in range(20) if n != 7]
    assert [envelope["data"]["n"] for envelope in buried] == [7]


def test_a_consumer_handles_an_event_under_the_request_id_that_caused_it(engine: Engine, nats_url: str) -> None:
    """The id of the request that wrote the event travels on the message: the consumer's log
    lines and calls name that request."""
    seen: list[str | None] = []

    async def handler(event: Event) -> None:
        seen.append(correlation_id.get())

    async def scenario() -> None:
        nc = await connect(nats_url, "test")
        js = nc.jetstream()
        await ensure_streams(js)
        token = correlation_id.set("req-from-the-storefront")
        try:
            record(engine, 1)
        finally:
            correlation_id.reset(token)
        assert await OutboxRelay(engine, EVENTS, js).run_once() == 1
        name = f"test-request-id-{uuid.uuid4().hex[:8]}"
        runner = ConsumerRunner(Subscription(name, ["stock.changed"], handler), engine, EVENTS, js)
        task = asyncio.create_task(runner.run_forever())
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.05)
        runner.stop()
        await task
        await nc.close()

    asyncio.run(scenario())
    assert seen == ["req-from-the-storefront"]
    assert correlation_id.get() is None


def test_an_idle_relay_waits_for_a_commit_instead_of_polling(engine: Engine, nats_url: str) -> None:
    """On PostgreSQL a transaction that writes events notifies the relay at commit: an event leaves
    at once, and an idle relay makes about one pass a second (the fallback), not fifty. SQLite
    has no notifications: there it polls."""
    postgres = engine.dialect.name == "postgresql"

    async def scenario() -> tuple[int, float, int]:
        nc = await connect(nats_url, "test")
        js = nc.jetstream()
        await ensure_streams(js)
        relay = OutboxRelay(engine, EVENTS, js)
        passes = 0
        run_once = relay.run_once

        async def counted() -> int:
            nonlocal passes
            passes += 1
            return await run_once()

        relay.run_once = counted  # type: ignore[method-assign]
        task = asyncio.create_task(relay.run_forever())
        await asyncio.sleep(0.3)  # listening, and past its first pass
        passes = 0
        await asyncio.sleep(1.5)
        idle_passes = passes
        # Just after a pass: polling alone would find the event only at the next one.
        while passes == idle_passes:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        started = asyncio.get_running_loop().time()
        await asyncio.to_thread(record, engine, 1)
        while relay.published < 1 and asyncio.get_running_loop().time() - started < 5:
            await asyncio.sleep(0.005)
        waited = asyncio.get_running_loop().time() - started
        relay.stop()
        await asyncio.wait_for(task, timeout=2)  # a stop does not wait for the fallback
        await nc.close()
        return idle_passes, waited, relay.published

    idle_passes, waited, published = asyncio.run(scenario())
    assert published == 1
    assert waited < 0.25, f"the event left {waited:.3f} s after its commit"
    if postgres:
        assert idle_passes <= 2, f"{idle_passes} passes in 1.5 s idle"
    else:
        assert idle_passes > 20, f"{idle_passes} passes in 1.5 s idle (SQLite polls)"
