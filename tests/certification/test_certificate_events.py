"""Certification's events: approval, suspension, reinstatement and revocation each write their
event, with the whole certificate, in the transaction of the change; a refused change none."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from services.certification.models import EVENTS
from tests.certification.factories import INSPECTOR, certify
from tests.factories import as_supplier


def events(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return list(connection.execute(select(EVENTS.outbox.c.envelope).order_by(EVENTS.outbox.c.seq)).scalars())


def test_each_review_decision_publishes_the_certificate_as_it_now_is(client: TestClient, engine: Engine) -> None:
    holder = uuid.uuid4()
    part_id = uuid.uuid4()
    valid = certify(
        client, holder, scheme="ECE_R90", part_ids=[part_id], categories=["brake_pads"], oem_numbers=["04465-33450"]
    )
    path = f"/certificates/{valid['id']}"
    assert client.post(f"{path}/suspend", json={"reason": "audit pending"}, headers=INSPECTOR).status_code == 200
    assert client.post(f"{path}/approve", json={"reason": "audit passed"}, headers=INSPECTOR).status_code == 200
    # A supplier cannot suspend: refused, and nothing published.
    assert client.post(f"{path}/suspend", json={"reason": "x"}, headers=as_supplier(holder)).status_code == 403
    assert client.post(f"{path}/revoke", json={"reason": "report withdrawn"}, headers=INSPECTOR).status_code == 200

    published = events(engine)
    assert [(e["type"], e["data"]["action"]) for e in published] == [
        ("certificate.approved", "APPROVED"),
        ("certificate.suspended", "SUSPENDED"),
        ("certificate.approved", "REINSTATED"),
        ("certificate.revoked", "REVOKED"),
    ]
    last = published[-1]
    assert last["aggregate_id"] == valid["id"] and last["source"] == "certification" and last["version"] == 1
    data = last["data"]
    assert data["certificate_id"] == valid["id"] and data["supplier_id"] == str(holder)
    assert (data["scheme"], data["status"], data["reason"]) == ("ECE_R90", "REVOKED", "report withdrawn")
    assert data["scope"]["part_ids"] == [str(part_id)]
    assert data["scope"]["oem_numbers"] == ["0446533450"]
    assert data["valid_until"] == valid["valid_until"]
