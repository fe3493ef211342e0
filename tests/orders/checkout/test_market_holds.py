"""An unpaid order whose part may no longer be sold where it ships: held with the reason, payment
refused, released when the part may be sold again; paid at Stripe anyway, held for review.

The certificate events reach the catalog in line (Stack.deliver_certificate_events) and the
catalog's part.markets_changed reach the orders consumer by a direct call: the same handler the
worker runs, without NATS (tests/events/test_markets.py runs the whole chain on a real server)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from services.catalog.models import EVENTS as CATALOG_EVENTS
from services.common.clock import utcnow
from services.common.events import Event
from services.orders.checkout.market_holds import MarketHolds
from services.orders.clients.catalog import CatalogClient
from tests.databases import Databases
from tests.orders.factories import INSPECTOR, Stack, as_buyer, orders_settings


@pytest.fixture
def holds(stack: Stack, databases: Databases) -> Iterator[MarketHolds]:
    settings = orders_settings(stack, databases)
    catalog = CatalogClient(
        settings.catalog_url, secret=settings.internal_secret.get_secret_value(), timeout=10, read_retries=1
    )
    yield MarketHolds(catalog)
    catalog.close()


def deliver_markets_changed(stack: Stack, holds: MarketHolds) -> int:
    """The catalog's unpublished part.markets_changed, applied by the orders consumer's handler."""
    outbox = CATALOG_EVENTS.outbox
    with Session(stack.catalog_engine) as catalog:
        rows = catalog.execute(
            select(outbox.c.seq, outbox.c.envelope)
            .where(outbox.c.published_at.is_(None), outbox.c.subject == "tongnan.part.markets_changed")
            .order_by(outbox.c.seq)
        ).all()
        for _, envelope in rows:
            with Session(stack.engine) as session:
                holds.handle(session, Event.from_envelope(envelope))
                session.commit()
        if rows:
            catalog.execute(outbox.update().where(outbox.c.seq.in_([r[0] for r in rows])).values(published_at=utcnow()))
            catalog.commit()
    return len(rows)


def r90_number() -> str:
    return f"E4 90R-01 {uuid.uuid4().int % 10_000:04d}/{uuid.uuid4().int % 10_000:04d}"


def brake_pads(stack: Stack) -> tuple[dict[str, Any], str]:
    supplier = stack.supplier()
    r90 = stack.certify(supplier, "ECE_R90", ["brake_pads"], number=r90_number())
    part = stack.part(supplier, category="brake_pads", title_en="Remanufactured brake pads", weight_grams=1800)
    return part, r90


def test_a_revoked_approval_holds_the_unpaid_order_and_a_new_one_releases_it(
    stack: Stack, buyer: str, holds: MarketHolds
) -> None:
    pads, r90 = brake_pads(stack)
    order = stack.place(buyer, stack.quote(buyer, [(pads["id"], 1)])["id"])["order"]
    assert order["payment_status"] == "UNPAID"

    revoked = stack.certification.post(
        f"/certificates/{r90}/revoke", json={"reason": "test report withdrawn by the lab"}, headers=INSPECTOR
    )
    assert revoked.status_code == 200, revoked.text
    stack.deliver_certificate_events()
    assert deliver_markets_changed(stack, holds) == 1
    held = stack.order(order["id"], headers=as_buyer(buyer))
    assert held["status"] == "PENDING_PAYMENT" and held["payment_status"] == "HELD"
    assert "may no longer be sold in DE" in held["attention"] and "ECE_R90" in held["attention"]
    assert "test report withdrawn by the lab" in held["attention"]
    refused = stack.pay(buyer, order["id"], stack.card(buyer), expect=409)
    assert refused["code"] == "PAYMENT_HELD" and "ECE_R90" in refused["detail"]
    # A new quote for the part is refused too.
    assert stack.quote(buyer, [(pads["id"], 1)], expect=422)["code"] == "PART_NOT_ELIGIBLE"
    # Applying the same event again changes nothing.
    assert stack.order(order["id"])["attention"] == held["attention"]

    stack.certify(pads["supplier_id"], "ECE_R90", ["brake_pads"], number=r90_number())
    assert deliver_markets_changed(stack, holds) == 1
    released = stack.order(order["id"], headers=as_buyer(buyer))
    assert (released["payment_status"], released["attention"]) == ("UNPAID", None)


def test_a_held_order_paid_directly_at_stripe_is_held_for_review_not_paid(
    stack: Stack, buyer: str, holds: MarketHolds
) -> None:
    pads, r90 = brake_pads(stack)
    order = stack.place(buyer, stack.quote(buyer, [(pads["id"], 1)])["id"])["order"]
    stack.certification.post(f"/certificates/{r90}/suspend", json={"reason": "audit pending"}, headers=INSPECTOR)
    stack.deliver_certificate_events()
    deliver_markets_changed(stack, holds)
    assert stack.order(order["id"])["payment_status"] == "HELD"

    # The buyer's browser still holds the client secret: confirmed at Stripe, past payOrder.
    intent_id = order["payment_intent_id"]
    stack.stripe.v1.payment_intents.update(intent_id, params={"payment_method": stack.card(buyer)})
    stack.stripe.v1.payment_intents.confirm(intent_id)
    deadline = time.monotonic() + 15
    while (seen := stack.order(order["id"]))["payment_status"] == "HELD":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert seen["status"] == "PENDING_PAYMENT" and seen["payment_status"] == "REVIEW" and seen["paid_at"] is None
    assert "held for review" in seen["attention"] and "audit pending" in seen["attention"]
    assert stack.stock(pads["id"])["reserved"] == 1  # never committed as sold
