"""Stripe disputes: `charge.dispute.*` events, signed with the endpoint's secret as Stripe signs
them, become one Dispute record per Stripe dispute however often and in whatever order they come;
admins list them, the order shows them."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from services.orders.models import Dispute, StripeEvent
from tests.factories import as_supplier
from tests.orders.factories import (
    ADMIN,
    Stack,
    as_buyer,
    dispute_event,
    paid_order,
    post_stripe_event,
    signed_by_stripe,
)


def _disputes(stack: Stack, dispute_id: str) -> list[Dispute]:
    with Session(stack.engine) as session:
        return list(session.scalars(select(Dispute).where(Dispute.stripe_dispute_id == dispute_id)))


def test_a_dispute_event_delivered_three_times_is_one_record_and_later_events_update_it(
    stack: Stack, buyer: str, alternator: dict[str, Any]
) -> None:
    order = paid_order(stack, buyer, alternator)
    dispute_id = f"dp_{uuid.uuid4().hex[:24]}"
    opened_at = int(time.time()) - 60
    due_by = opened_at + 7 * 86_400
    created = signed_by_stripe(
        dispute_event(
            "charge.dispute.created", dispute_id, order, status="needs_response", created=opened_at, due_by=due_by
        )
    )

    # The same signed event three times, two of them at once: one record.
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: post_stripe_event(stack, created), range(2)))
    answers.append(post_stripe_event(stack, created))
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    (dispute,) = _disputes(stack, dispute_id)
    assert dispute.order_id == uuid.UUID(order["id"])
    assert (dispute.amount, dispute.currency) == (order["total"]["amount"], order["currency"])
    assert (dispute.status, dispute.reason) == ("needs_response", "product_not_received")
    assert dispute.evidence_due_by is not None and int(dispute.evidence_due_by.timestamp()) == due_by
    with Session(stack.engine) as session:
        event_id = json.loads(created[0])["id"]
        stored = session.scalar(select(func.count()).where(col(StripeEvent.event_id) == event_id))
        assert stored == 1

    # The evidence is sent: Stripe's update moves it on; a forged copy changes nothing.
    updated = dispute_event(
        "charge.dispute.updated", dispute_id, order, status="under_review", created=opened_at + 30, due_by=due_by
    )
    moved = post_stripe_event(stack, signed_by_stripe(updated))
    assert moved.status_code == 200 and "now under_review" in moved.json()["outcome"], moved.text
    forged = dispute_event("charge.dispute.closed", dispute_id, order, status="won", created=opened_at + 40, due_by=0)
    body, signature = signed_by_stripe(forged)
    assert post_stripe_event(stack, (body, signature.replace("v1=", "v1=0"))).status_code == 400
    (dispute,) = _disputes(stack, dispute_id)
    assert dispute.status == "under_review"

    # Closed as lost; then the first update arrives again, late, as a new delivery: still lost.
    closed = dispute_event(
        "charge.dispute.closed", dispute_id, order, status="lost", created=opened_at + 50, due_by=due_by
    )
    assert post_stripe_event(stack, signed_by_stripe(closed)).status_code == 200
    late = {**updated, "id": f"evt_{uuid.uuid4().hex[:24]}"}
    assert post_stripe_event(stack, signed_by_stripe(late)).status_code == 200
    (dispute,) = _disputes(stack, dispute_id)
    assert dispute.status == "lost"

    # The order's buyer and admins see it on the order; its supplier does not.
    seen = stack.order(order["id"], headers=as_buyer(buyer))
    assert [(d["stripe_dispute_id"], d["status"]) for d in seen["disputes"]] == [(dispute_id, "lost")]
    assert seen["disputes"][0]["amount"]["amount"] == order["total"]["amount"]
    assert stack.order(order["id"], headers=as_supplier(alternator["supplier_id"]))["disputes"] == []

    # Finance lists them, by status; nobody else may.
    listed = stack.orders.get("/disputes", headers=ADMIN).json()
    assert [d["stripe_dispute_id"] for d in listed] == [dispute_id]
    assert stack.orders.get("/disputes", params={"status": "won"}, headers=ADMIN).json() == []
    wrong = stack.orders.get("/disputes", params={"status": "maybe"}, headers=ADMIN)
    assert wrong.status_code == 422 and wrong.json()["field"] == "status"
    assert stack.orders.get("/disputes", headers=as_buyer(buyer)).status_code == 403
    assert stack.orders.get("/disputes", headers=as_supplier(alternator["supplier_id"])).status_code == 403


def test_a_dispute_on_a_charge_that_is_none_of_ours_is_still_recorded(stack: Stack) -> None:
    dispute_id = f"dp_{uuid.uuid4().hex[:24]}"
    stranger = {"total": {"amount": 5000}, "currency": "USD", "payment_intent_id": "pi_not_ours"}
    event = dispute_event(
        "charge.dispute.created", dispute_id, stranger, status="warning_needs_response", created=1, due_by=None
    )
    assert post_stripe_event(stack, signed_by_stripe(event)).status_code == 200
    (dispute,) = _disputes(stack, dispute_id)
    assert dispute.order_id is None and dispute.status == "warning_needs_response" and dispute.evidence_due_by is None
