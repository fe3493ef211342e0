"""The worker's settlement and retention jobs over the real orders stack, each run by a tick."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session, col

from gateway.identity.models import Account, RefreshToken
from marketplace.roles import AccountRole
from services.common.clock import travel, utcnow
from services.orders.models import EVENTS, Order, Quote, QuoteLine, StripeEvent
from tests.certification.factories import pdf_bytes, submit, upload
from tests.databases import Databases
from tests.factories import as_supplier
from tests.ops.worker.helpers import registered, run_until_ticks, worker_context
from tests.orders.factories import ADMIN, SYSTEM, Stack, as_buyer, delivered_days_ago, orders_settings, paid_order


def test_the_settlement_job_pays_what_is_due_once_per_supplier(
    stack: Stack, databases: Databases, buyer: str, nats_url: str
) -> None:
    supplier = stack.supplier()
    part = stack.part(supplier, on_hand=5)
    due = delivered_days_ago(stack, buyer, part, days_ago=20)
    recent = delivered_days_ago(stack, buyer, part, days_ago=2)  # inside the 14-day hold
    context = worker_context(databases, nats_url, orders=orders_settings(stack, databases), settlement_every_seconds=1)
    run_until_ticks(context, registered(context, "settlement"), 2)  # a second tick pays nothing twice

    (batch,) = stack.orders.get("/settlements", headers=as_supplier(supplier)).json()
    assert batch["line_count"] == 1 and batch["total"]["amount"] == 106_200  # CNY 1,180 less 10 %
    statement = stack.orders.get(f"/settlements/{batch['id']}", headers=ADMIN).json()
    assert [line["order_id"] for line in statement["lines"]] == [due["id"]]
    assert recent["id"] not in {line["order_id"] for line in statement["lines"]}


def _refresh_token(databases: Databases, expires_in: timedelta) -> uuid.UUID:
    with Session(databases.engine("gateway")) as session:
        account = Account(
            email=f"retention-{uuid.uuid4().hex[:10]}@example.com", password_hash="x", role=AccountRole.BUYER
        )
        session.add(account)
        session.flush()
        token = RefreshToken(
            account_id=account.id,
            token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            family_id=uuid.uuid4(),
            expires_at=utcnow() + expires_in,
        )
        session.add(token)
        session.commit()
        return token.id


def test_retention_deletes_what_is_past_its_time_and_keeps_the_rest(
    stack: Stack, databases: Databases, buyer: str, alternator: dict[str, Any], nats_url: str
) -> None:
    order = paid_order(stack, buyer, alternator)  # a quote with an order, a Stripe event, a committed reservation
    idle = stack.quote(buyer, [(alternator["id"], 1)])  # a quote nobody ordered from
    line = {"part_id": alternator["id"], "quantity": 1}
    assert (
        stack.catalog.post(
            "/reservations", json={"idempotency_key": "retention-released", "lines": [line]}, headers=SYSTEM
        ).status_code
        == 201
    )
    assert stack.catalog.post("/reservations/retention-released/release", headers=SYSTEM).status_code == 200
    # A certificate whose scan was replaced: the first file goes once its 30 days are over.
    holder = uuid.UUID(alternator["supplier_id"])
    certificate = submit(stack.certification, holder, scheme="ISO_9001", headers=as_supplier(holder))
    upload(stack.certification, certificate["id"], pdf_bytes("first scan"), as_supplier(holder))
    upload(stack.certification, certificate["id"], pdf_bytes("legible scan"), as_supplier(holder))
    expired_token = _refresh_token(databases, timedelta(days=0))
    live_token = _refresh_token(databases, timedelta(days=60))
    outbox, inbox, dead = EVENTS.outbox, EVENTS.inbox, EVENTS.dead_letter
    with Session(stack.engine) as session:
        published = EVENTS.record(session, "fx.rates_updated", aggregate_id="fx-rates", data={})
        unpublished = EVENTS.record(session, "fx.rates_updated", aggregate_id="fx-rates", data={})
        session.execute(update(outbox).where(outbox.c.message_id == published).values(published_at=utcnow()))
        session.execute(insert(inbox).values(consumer="retention", event_id="applied-long-ago", applied_at=utcnow()))
        session.execute(
            insert(dead).values(
                id=str(uuid.uuid4()),
                consumer="retention-test",
                event_id="failed-long-ago",
                event_type="fx.rates_updated",
                envelope={},
                error="boom",
                deliveries=6,
                failed_at=utcnow(),
            )
        )
        session.commit()

    with travel(timedelta(days=31)):
        with Session(stack.engine) as session:
            session.execute(insert(inbox).values(consumer="retention", event_id="applied-now", applied_at=utcnow()))
            session.commit()
        context = worker_context(
            databases,
            nats_url,
            orders=orders_settings(stack, databases),
            retention_every_seconds=1,
            certification_url=str(stack.certification.base_url),
        )
        run_until_ticks(context, registered(context, "retention"), 1)

    with Session(stack.engine) as session:
        assert session.get(Quote, uuid.UUID(idle["id"])) is None
        assert not session.scalar(
            select(func.count()).select_from(QuoteLine).where(col(QuoteLine.quote_id) == uuid.UUID(idle["id"]))
        )
        placed = session.get(Order, uuid.UUID(order["id"]))
        assert placed is not None and session.get(Quote, placed.quote_id) is not None  # an order keeps its quote
        assert not session.scalar(select(func.count()).select_from(StripeEvent))
        kept = set(session.scalars(select(outbox.c.message_id)))
        assert published not in kept and unpublished in kept  # never before it is published
        assert set(session.scalars(select(inbox.c.event_id))) == {"applied-now"}
        assert set(session.scalars(select(dead.c.event_id))) == {"failed-long-ago"}  # dead letters are kept
    assert stack.catalog.get("/reservations/retention-released", headers=SYSTEM).status_code == 404
    with Session(stack.engine) as session:
        held = session.get(Order, uuid.UUID(order["id"]))
        assert held is not None
        committed = stack.catalog.get(f"/reservations/{held.reservation_key}", headers=SYSTEM)
    assert committed.status_code == 200 and committed.json()["status"] == "COMMITTED"
    with Session(databases.engine("gateway")) as session:
        assert session.get(RefreshToken, expired_token) is None
        assert session.get(RefreshToken, live_token) is not None
    assert stack.orders.get(f"/quotes/{idle['id']}", headers=as_buyer(buyer)).status_code == 404
    history = stack.certification.get(f"/certificates/{certificate['id']}/history", headers=ADMIN)
    assert history.status_code == 200, history.text
    assert [e["action"] for e in history.json()].count("DOCUMENT_PURGED") == 1
