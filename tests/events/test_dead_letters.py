"""Dead letters on a real nats-server, seen and replayed through the public GraphQL API.

A consumer whose handler fails until its cause is fixed sets the event aside after its last
delivery; an admin lists it through the gateway, fixes the cause, replays it, and the event
is applied exactly once; a second replay changes nothing; anyone but an admin is refused.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from nats.js import JetStreamContext
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select
from sqlmodel import Session
from strawberry import relay

from gateway.app import create_app as create_gateway
from gateway.identity import service as identity_service
from gateway.identity.models import GatewayTable
from gateway.identity.tokens import issue_access_token
from gateway.ids import global_id
from gateway.settings import GatewaySettings
from marketplace.roles import AccountRole, Role
from services.catalog.app import create_app as create_catalog
from services.catalog.models import EVENTS
from services.catalog.settings import CatalogSettings
from services.common.clock import utcnow
from services.common.db import session_scope
from services.common.errors import Forbidden
from services.common.events import ConsumerRunner, Event, OutboxRelay, Subscription
from services.common.events.dead_letters import replay_message_id
from services.common.events.streams import connect, ensure_streams
from services.common.events.types import replay_subject
from tests.databases import Databases, empty_tables
from tests.events.running import scratch_catalog
from tests.factories import headers_for
from tests.gateway.factories import GraphQL, closed_port

CONSUMER = "test-dead-letters"

scratch = MetaData()
applied = Table(
    "dead_letter_test_applied",
    scratch,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(80), nullable=False),
)

LIST = """
query ($service: EventService!, $first: Int, $after: String) {
  deadLetters(service: $service, first: $first, after: $after) {
    edges { cursor node { id service consumer eventId eventType error attempts failedAt
                          replayRequestedAt replayedBy replayedAt event } }
    pageInfo { hasNextPage endCursor }
  }
}"""
REPLAY = """
mutation ($service: EventService!, $id: ID!) {
  replayDeadLetter(service: $service, id: $id) { id eventId replayRequestedAt replayedBy replayedAt }
}"""


class Cause:
    """What the handler needs; broken until the test fixes it."""

    broken = True


def handler(cause: type[Cause]) -> Callable[[Session, Event], None]:
    def apply(session: Session, event: Event) -> None:
        if cause.broken:
            raise RuntimeError(f"no price list for the part of {event.aggregate_id}")
        session.execute(insert(applied).values(event_id=event.id))

    return apply


class Backbone:
    """The catalog's outbox relay and one consumer, as the worker runs them, on an event loop
    of their own in a thread."""

    def __init__(self, engine: Engine, nats_url: str, subscription: Subscription) -> None:
        self.engine = engine
        self.nats_url = nats_url
        self.subscription = subscription
        self.runner: ConsumerRunner | None = None
        self.js: JetStreamContext | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        nc = await connect(self.nats_url, "test-dead-letters")
        self.js = nc.jetstream()
        await ensure_streams(self.js)
        relay = OutboxRelay(self.engine, EVENTS, self.js)
        self.runner = ConsumerRunner(self.subscription, self.engine, EVENTS, self.js)
        tasks = [asyncio.create_task(relay.run_forever()), asyncio.create_task(self.runner.run_forever())]
        self._ready.set()
        await self._stopping.wait()
        relay.stop()
        self.runner.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        await nc.close()

    def publish(self, subject: str, envelope: dict[str, Any], message_id: str) -> None:
        """A message straight onto the stream, as a relay that sent it twice would."""
        assert self._loop is not None and self.js is not None
        body = json.dumps(envelope).encode()
        coroutine = self.js.publish(subject, body, headers={"Nats-Msg-Id": message_id})
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def __enter__(self) -> Backbone:
        self._thread.start()
        assert self._ready.wait(timeout=30), "the relay and consumer did not start"
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=30)


def eventually(check: Callable[[], bool], *, seconds: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {seconds} s")
        time.sleep(0.05)


def applied_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(applied)).scalar_one())


def replay_rows(engine: Engine) -> int:
    outbox = EVENTS.outbox
    with engine.connect() as connection:
        query = select(func.count()).select_from(outbox).where(outbox.c.subject == replay_subject(CONSUMER))
        return int(connection.execute(query).scalar_one())


@pytest.fixture
def catalog_engine(databases: Databases) -> Iterator[tuple[str, Engine]]:
    with scratch_catalog(databases, scratch) as database:
        yield database


class Api:
    def __init__(self, client: TestClient, databases: Databases, settings: GatewaySettings) -> None:
        self.gql = GraphQL(client)
        self.databases = databases
        self.settings = settings

    def account(self, role: AccountRole) -> tuple[str, str]:
        """A new account's access token and id."""
        with session_scope(self.databases.engine("gateway")) as session:
            account = identity_service.register(
                session,
                email=f"{role.value.lower()}-{uuid.uuid4().hex[:8]}@example.com",
                password="a long passphrase",
                role=role,
                allow_staff_roles=True,
            )
            token = issue_access_token(account, self.settings.jwt_secret.get_secret_value(), ttl_seconds=600)
            return token, str(account.id)

    def ok(self, query: str, variables: dict[str, Any], *, token: str) -> Any:
        result = self.gql(query, variables, token=token)
        assert "errors" not in result, result["errors"]
        return result["data"]

    def error(self, query: str, variables: dict[str, Any], *, token: str | None) -> dict[str, Any]:
        result = self.gql(query, variables, token=token)
        assert result.get("errors"), result
        return {"message": result["errors"][0]["message"], **result["errors"][0]["extensions"]}


@pytest.fixture
def api(catalog_engine: tuple[str, Engine], databases: Databases) -> Iterator[Api]:
    catalog_app = create_catalog(CatalogSettings(database_url=catalog_engine[0]))
    settings = GatewaySettings(
        database_url=databases.migrated("gateway"),
        # Nothing listens here: these tests ask only the catalog.
        orders_url=f"http://127.0.0.1:{closed_port()}",
        certification_url=f"http://127.0.0.1:{closed_port()}",
        upstream_timeout=2.0,
        rate_burst_per_address=10_000,
    )
    gateway = create_gateway(settings, transports={"catalog": httpx.ASGITransport(app=catalog_app)})
    with TestClient(catalog_app), TestClient(gateway) as client:
        yield Api(client, databases, settings)
    empty_tables(databases.engine("gateway"), GatewayTable.metadata)


def test_an_admin_replays_a_dead_letter_once_its_cause_is_fixed(
    catalog_engine: tuple[str, Engine], api: Api, nats_url: str
) -> None:
    engine = catalog_engine[1]
    subscription = Subscription(
        CONSUMER, ["stock.changed"], handler(Cause), max_deliveries=3, backoff=(0.1,), ack_wait_seconds=5
    )
    admin, admin_id = api.account(AccountRole.ADMIN)
    buyer, _ = api.account(AccountRole.BUYER)
    part_id = uuid.uuid4()
    with Backbone(engine, nats_url, subscription) as backbone:
        runner = backbone.runner
        assert runner is not None
        with Session(engine) as session:
            event_id = EVENTS.record(session, "stock.changed", aggregate_id=part_id, data={"on_hand": 3})
            session.commit()
        eventually(lambda: runner.dead == 1, what="the dead letter")
        assert applied_count(engine) == 0

        # Only an admin sees dead letters or replays them.
        variables = {"service": "CATALOG", "first": 10}
        assert api.error(LIST, variables, token=buyer)["code"] == "FORBIDDEN"
        assert api.error(LIST, variables, token=None)["code"] == "UNAUTHENTICATED"

        [edge] = api.ok(LIST, variables, token=admin)["deadLetters"]["edges"]
        letter = edge["node"]
        assert letter["service"] == "CATALOG" and letter["consumer"] == CONSUMER
        assert relay.GlobalID.from_id(letter["id"]).type_name == "DeadLetter"
        assert (letter["eventId"], letter["eventType"], letter["attempts"]) == (event_id, "stock.changed", 3)
        assert letter["error"] == f"RuntimeError: no price list for the part of {part_id}"
        assert (letter["replayRequestedAt"], letter["replayedBy"], letter["replayedAt"]) == (None, None, None)
        assert letter["event"]["data"] == {"on_hand": 3}
        assert api.error(REPLAY, {"service": "CATALOG", "id": letter["id"]}, token=buyer)["code"] == "FORBIDDEN"
        assert replay_rows(engine) == 0

        Cause.broken = False
        try:
            replayed = api.ok(REPLAY, {"service": "CATALOG", "id": letter["id"]}, token=admin)["replayDeadLetter"]
            assert replayed["eventId"] == event_id and replayed["replayRequestedAt"] is not None
            assert replayed["replayedBy"] == global_id("Account", admin_id)
            eventually(lambda: applied_count(engine) == 1, what="the replayed event applied")

            # A second replay answers the same and sends nothing; a redelivery of the replay
            # (a relay that published it twice) is dropped by the consumer's inbox.
            again = api.ok(REPLAY, {"service": "CATALOG", "id": letter["id"]}, token=admin)["replayDeadLetter"]
            assert (again["replayRequestedAt"], again["replayedBy"]) == (
                replayed["replayRequestedAt"],
                replayed["replayedBy"],
            )
            assert replay_rows(engine) == 1
            with engine.connect() as connection:
                sent = connection.execute(select(EVENTS.outbox.c.message_id, EVENTS.outbox.c.published_at)).all()
            assert [(m, p is not None) for m, p in sent if m.startswith("replay-")] == [
                (replay_message_id(relay.GlobalID.from_id(letter["id"]).node_id), True)
            ]
            backbone.publish(replay_subject(CONSUMER), letter["event"], message_id=f"again-{uuid.uuid4()}")
            eventually(lambda: runner.skipped == 1, what="the second replay skipped")
            assert applied_count(engine) == 1 and runner.applied == 1 and runner.dead == 1

            [edge] = api.ok(LIST, variables, token=admin)["deadLetters"]["edges"]
            assert edge["node"]["replayedAt"] is not None  # the consumer applied the replay
            assert edge["node"]["replayRequestedAt"] == replayed["replayRequestedAt"]
        finally:
            Cause.broken = True

    unknown = str(uuid.uuid4())
    error = api.error(REPLAY, {"service": "CATALOG", "id": unknown}, token=admin)
    assert error["code"] == "NOT_FOUND" and unknown in error["message"] and error["field"] == "id"
    malformed = api.error(REPLAY, {"service": "CATALOG", "id": "not-an-id"}, token=admin)
    assert (malformed["code"], malformed["field"]) == ("BAD_USER_INPUT", "id")
    assert replay_rows(engine) == 1


def test_dead_letters_page_newest_first(catalog_engine: tuple[str, Engine], api: Api) -> None:
    engine = catalog_engine[1]
    start = utcnow()
    ids = [str(uuid.uuid4()) for _ in range(5)]
    with engine.begin() as connection:
        for n, letter_id in enumerate(ids):
            envelope = {"id": f"event-{n}", "type": "part.updated", "data": {"n": n}}
            connection.execute(
                insert(EVENTS.dead_letter).values(
                    id=letter_id,
                    consumer="test-paging",
                    event_id=f"event-{n}",
                    event_type="part.updated",
                    envelope=envelope,
                    error="RuntimeError: boom",
                    deliveries=6,
                    failed_at=start + timedelta(seconds=n),
                )
            )
    admin, _ = api.account(AccountRole.ADMIN)
    seen: list[str] = []
    after: str | None = None
    while True:
        page = api.ok(LIST, {"service": "CATALOG", "first": 2, "after": after}, token=admin)["deadLetters"]
        seen += [edge["node"]["eventId"] for edge in page["edges"]]
        assert page["edges"][-1]["cursor"] == page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"event-{n}" for n in reversed(range(5))]
    # By its global id too (asking each service in turn): an admin's, nobody else's.
    node = "query ($id: ID!) { node(id: $id) { ... on DeadLetter { eventId service } } }"
    gid = global_id("DeadLetter", ids[0])
    assert api.ok(node, {"id": gid}, token=admin)["node"] == {"eventId": "event-0", "service": "CATALOG"}
    buyer, _ = api.account(AccountRole.BUYER)
    assert api.ok(node, {"id": gid}, token=buyer)["node"] is None
    for first, field in ((0, "first"), (101, "first")):
        assert api.error(LIST, {"service": "CATALOG", "first": first}, token=admin)["field"] == field
    bad_cursor = api.error(LIST, {"service": "CATALOG", "after": "not a cursor"}, token=admin)
    assert (bad_cursor["code"], bad_cursor["field"]) == ("BAD_USER_INPUT", "after")


@pytest.mark.parametrize("service", ["catalog", "certification", "orders"])
def test_each_service_with_event_tables_serves_its_dead_letters_to_admins_only(
    service: str, databases: Databases, tmp_path: Path
) -> None:
    from services.certification.app import create_app as create_certification
    from services.certification.settings import CertificationSettings
    from services.orders.app import create_app as create_orders
    from services.orders.settings import OrdersSettings

    url = databases.migrated(service)
    app = {
        "catalog": lambda: create_catalog(CatalogSettings(database_url=url)),
        "certification": lambda: create_certification(
            CertificationSettings(database_url=url, document_dir=tmp_path / "documents")
        ),
        "orders": lambda: create_orders(OrdersSettings(database_url=url, register_localstripe_webhook=False)),
    }[service]()
    unknown = str(uuid.uuid4())
    with TestClient(app) as client:
        page = client.get("/events/dead-letters", params={"first": 1}, headers=headers_for(Role.ADMIN))
        assert page.status_code == 200, page.text
        assert set(page.json()) == {"items", "end_cursor", "has_next_page"}
        for role in (Role.BUYER, Role.SUPPLIER, Role.INSPECTOR):
            refused = client.get("/events/dead-letters", headers=headers_for(role))
            assert refused.status_code == 403, refused.text
        assert client.get("/events/dead-letters").status_code == 401
        missing = client.post(f"/events/dead-letters/{unknown}/replay", headers=headers_for(Role.ADMIN))
        assert missing.status_code == 404 and unknown in missing.json()["detail"]
        assert missing.json()["field"] == "id"
        malformed = client.post("/events/dead-letters/nope/replay", headers=headers_for(Role.ADMIN))
        assert malformed.status_code == 422 and malformed.json()["field"] == "id"


def test_replays_racing_for_one_dead_letter_send_it_once(catalog_engine: tuple[str, Engine]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from marketplace.actors import Actor
    from services.common.events import dead_letters

    engine = catalog_engine[1]
    letter_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            insert(EVENTS.dead_letter).values(
                id=letter_id,
                consumer=CONSUMER,
                event_id="event-raced",
                event_type="stock.changed",
                envelope={"id": "event-raced", "type": "stock.changed", "data": {}},
                error="RuntimeError: boom",
                deliveries=6,
                failed_at=utcnow(),
            )
        )
    start = threading.Barrier(4)

    def replay(n: int) -> str | None:
        start.wait()
        with session_scope(engine) as session:
            letter = dead_letters.replay(session, EVENTS, Actor(id=f"admin-{n}", role=Role.ADMIN), letter_id)
            return letter.replayed_by

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(replay, range(4)))
    assert replay_rows(engine) == 1
    # Every answer names the one admin whose replay was sent, not the caller.
    with engine.connect() as connection:
        [winner] = connection.execute(select(EVENTS.dead_letter.c.replayed_by)).scalars().all()
    assert winner in {f"admin-{n}" for n in range(4)} and answers == [winner] * 4
    with pytest.raises(Forbidden, match="dead letters are for admins"), session_scope(engine) as session:
        dead_letters.replay(session, EVENTS, Actor(id="buyer", role=Role.BUYER), letter_id)
