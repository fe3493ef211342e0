"""Submission and review: who may do what, with an append-only history."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from marketplace.roles import Role
from services.certification.models import CertificateEvent
from tests.certification.factories import ANONYMOUS, BUYER, INSPECTOR, certify, pdf_bytes, submit, today, upload
from tests.factories import as_supplier, headers_for


def history(client: TestClient, certificate_id: str) -> list[dict[str, object]]:
    response = client.get(f"/certificates/{certificate_id}/history", headers=INSPECTOR)
    assert response.status_code == 200, response.text
    events: list[dict[str, object]] = response.json()
    return events


def test_a_supplier_submits_for_itself_and_the_record_awaits_review(client: TestClient) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder, number="e4 90r-01  1234/5678", oem_numbers=["04465-33450"])
    assert created["status"] == "PENDING_REVIEW"
    assert created["number"] == "E4 90R-01 1234/5678"
    assert created["holder_id"] == str(holder)
    assert created["scope"]["oem_numbers"] == ["0446533450"]
    assert created["notes"] == "internal: reviewed scan quality"  # the holder sees its notes

    # Others do not see a record awaiting review.
    assert client.get(f"/certificates/{created['id']}", headers=ANONYMOUS).status_code == 404
    assert client.get(f"/certificates/{created['id']}", headers=as_supplier(holder)).status_code == 200
    assert [e["action"] for e in history(client, created["id"])] == ["SUBMITTED"]


def test_a_supplier_cannot_submit_for_another_supplier(client: TestClient, engine: object) -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    response = client.post(
        "/certificates",
        json={
            "scheme": "ECE_R90",
            "number": "E4 90R-01 1111/2222",
            "issuing_body": "RDW",
            "holder_id": str(other),
            "holder_name": "Someone else",
            "scope": {"categories": ["brake_pads"]},
            "valid_from": today().isoformat(),
            "valid_until": (today() + timedelta(days=10)).isoformat(),
        },
        headers=as_supplier(me),
    )
    assert response.status_code == 403
    assert response.json()["field"] == "holder_id"
    listed = client.get("/certificates", params={"holder_id": str(other)}, headers=INSPECTOR).json()
    assert listed["items"] == []
    for caller in (BUYER, ANONYMOUS):
        denied = client.post(
            "/certificates",
            json={
                "scheme": "ISO_9001",
                "number": "Q-1",
                "issuing_body": "SGS",
                "holder_id": str(other),
                "holder_name": "x",
                "valid_from": today().isoformat(),
                "valid_until": today().isoformat(),
            },
            headers=caller,
        )
        assert denied.status_code == 403


def test_a_supplier_cannot_approve_its_own_certificate(client: TestClient) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder)
    upload(client, created["id"], pdf_bytes(), as_supplier(holder))
    response = client.post(f"/certificates/{created['id']}/approve", json={}, headers=as_supplier(holder))
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    after = client.get(f"/certificates/{created['id']}", headers=as_supplier(holder)).json()
    assert after["status"] == "PENDING_REVIEW"
    assert [e["action"] for e in history(client, created["id"])] == ["SUBMITTED", "DOCUMENT_UPLOADED"]


def test_a_supplier_cannot_touch_another_suppliers_certificate(client: TestClient) -> None:
    owner, intruder = uuid.uuid4(), uuid.uuid4()
    pending = submit(client, owner)
    valid = certify(client, owner)
    events_before = {c["id"]: history(client, c["id"]) for c in (pending, valid)}

    for certificate in (pending, valid):
        path = f"/certificates/{certificate['id']}"
        calls = [
            client.post(f"{path}/approve", json={}, headers=as_supplier(intruder)),
            client.post(f"{path}/suspend", json={"reason": "mine now"}, headers=as_supplier(intruder)),
            client.post(f"{path}/revoke", json={"reason": "competitor"}, headers=as_supplier(intruder)),
            client.post(
                f"{path}/document",
                files={"file": ("x.pdf", pdf_bytes("forged"), "application/pdf")},
                headers=as_supplier(intruder),
            ),
            client.get(f"{path}/history", headers=as_supplier(intruder)),
            client.get(f"{path}/document", headers=as_supplier(intruder)),
        ]
        assert [c.status_code for c in calls] == [403] * len(calls)

    assert client.get(f"/certificates/{pending['id']}", headers=INSPECTOR).json()["status"] == "PENDING_REVIEW"
    after_valid = client.get(f"/certificates/{valid['id']}", headers=INSPECTOR).json()
    assert after_valid["status"] == "VALID"
    assert after_valid["document"] == valid["document"]
    assert {c["id"]: history(client, c["id"]) for c in (pending, valid)} == events_before
    # And the intruder never sees the owner's notes or document record.
    public = client.get(f"/certificates/{valid['id']}", headers=as_supplier(intruder)).json()
    assert public["notes"] is None and public["document"] is None


def test_an_inspector_approves_suspends_reinstates_and_revokes_with_reasons(client: TestClient) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder)
    path = f"/certificates/{created['id']}"

    no_document = client.post(f"{path}/approve", json={}, headers=INSPECTOR)
    assert no_document.status_code == 409
    assert no_document.json()["field"] == "document"

    upload(client, created["id"], pdf_bytes(), as_supplier(holder))
    approved = client.post(f"{path}/approve", json={"reason": "matches the RDW register"}, headers=INSPECTOR)
    assert approved.status_code == 200 and approved.json()["status"] == "VALID"

    # A reason is required to suspend.
    assert client.post(f"{path}/suspend", json={}, headers=INSPECTOR).json()["field"] == "reason"
    suspended = client.post(f"{path}/suspend", json={"reason": "COP audit overdue"}, headers=INSPECTOR)
    assert suspended.json()["status"] == "SUSPENDED"
    reinstated = client.post(f"{path}/approve", json={"reason": "COP audit passed"}, headers=INSPECTOR)
    assert reinstated.json()["status"] == "VALID"
    revoked = client.post(f"{path}/revoke", json={"reason": "approval withdrawn by RDW"}, headers=INSPECTOR)
    assert revoked.json()["status"] == "REVOKED"
    again = client.post(f"{path}/approve", json={}, headers=INSPECTOR)
    assert again.status_code == 409

    events = history(client, created["id"])
    assert [e["action"] for e in events] == [
        "SUBMITTED",
        "DOCUMENT_UPLOADED",
        "APPROVED",
        "SUSPENDED",
        "REINSTATED",
        "REVOKED",
    ]
    assert events[-1]["actor_id"] == "inspector-1"
    assert events[-1]["actor_role"] == "INSPECTOR"
    assert events[-1]["reason"] == "approval withdrawn by RDW"
    assert events[-1]["from_status"] == "VALID" and events[-1]["to_status"] == "REVOKED"
    assert all(e["at"] for e in events)


def test_the_holder_may_withdraw_its_own_certificate(client: TestClient) -> None:
    holder = uuid.uuid4()
    valid = certify(client, holder)
    response = client.post(
        f"/certificates/{valid['id']}/revoke", json={"reason": "line closed"}, headers=as_supplier(holder)
    )
    assert response.status_code == 200 and response.json()["status"] == "REVOKED"
    assert history(client, valid["id"])[-1]["action"] == "WITHDRAWN"


def test_bad_submissions_name_the_field(client: TestClient) -> None:
    holder = uuid.uuid4()
    base: dict[str, Any] = {
        "scheme": "ECE_R90",
        "number": "E4 90R-01 1234/5678",
        "issuing_body": "RDW",
        "holder_id": str(holder),
        "holder_name": "Tongnan Brake",
        "scope": {"categories": ["brake_pads"]},
        "valid_from": today().isoformat(),
        "valid_until": (today() + timedelta(days=100)).isoformat(),
    }
    cases: dict[str, dict[str, Any]] = {
        "scheme": {"scheme": "ECE_R999"},
        "number": {"number": "E4 10R-01 1234"},
        "valid_until": {"valid_until": (today() - timedelta(days=1)).isoformat()},
        "scope": {"scope": {}},
        "scope.categories.0": {"scope": {"categories": ["headlamp"]}},  # R90 does not cover lamps
        "holder_id": {"holder_id": "not-a-uuid"},
    }
    for field, change in cases.items():
        response = client.post("/certificates", json=base | change, headers=as_supplier(holder))
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == field, (field, response.json())

    before = client.post(
        "/certificates",
        json=base | {"valid_from": today().isoformat(), "valid_until": (today() - timedelta(days=3)).isoformat()},
        headers=as_supplier(holder),
    )
    assert before.status_code == 422 and before.json()["field"] == "valid_until"
    assert "before valid_from" in before.json()["detail"]


def test_a_number_is_on_record_once(client: TestClient) -> None:
    holder = uuid.uuid4()
    submit(client, holder, number="E4 90R-01 1234/5678")
    response = client.post(
        "/certificates",
        json={
            "scheme": "ECE_R90",
            "number": "E4 90R-01 1234/5678",
            "issuing_body": "RDW",
            "holder_id": str(holder),
            "holder_name": "x",
            "scope": {"categories": ["brake_pads"]},
            "valid_from": today().isoformat(),
            "valid_until": today().isoformat(),
        },
        headers=as_supplier(holder),
    )
    assert response.status_code == 409
    assert response.json()["field"] == "number"


def test_a_retried_submission_with_the_same_idempotency_key_returns_the_first(client: TestClient) -> None:
    holder = uuid.uuid4()
    body = {
        "scheme": "ISO_9001",
        "number": "CN-QMS-2291",
        "issuing_body": "SGS",
        "holder_id": str(holder),
        "holder_name": "Tongnan Reman",
        "valid_from": today().isoformat(),
        "valid_until": (today() + timedelta(days=900)).isoformat(),
    }
    headers = as_supplier(holder) | {"Idempotency-Key": "submit-qms-1"}
    first = client.post("/certificates", json=body, headers=headers)
    second = client.post("/certificates", json=body, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    changed = client.post("/certificates", json=body | {"number": "CN-QMS-2292"}, headers=headers)
    assert changed.status_code == 409 and changed.json()["field"] == "Idempotency-Key"
    assert len(client.get("/certificates", params={"holder_id": str(holder)}, headers=INSPECTOR).json()["items"]) == 1


def test_batch_and_filtered_reads_for_the_gateway(client: TestClient) -> None:
    holder = uuid.uuid4()
    part = uuid.uuid4()
    by_part = certify(client, holder, part_ids=[part])
    by_category = certify(client, holder)
    pending = submit(client, holder)

    batch = client.get(
        "/certificates", params={"ids": f"{by_category['id']},{by_part['id']},{uuid.uuid4()}"}, headers=ANONYMOUS
    )
    assert [c["id"] for c in batch.json()["items"]] == [by_category["id"], by_part["id"]]
    assert batch.json()["items"][0]["notes"] is None

    for_part = client.get("/certificates", params={"part_id": str(part)}, headers=ANONYMOUS).json()
    assert [c["id"] for c in for_part["items"]] == [by_part["id"]]

    public = client.get("/certificates", params={"holder_id": str(holder)}, headers=ANONYMOUS).json()
    assert pending["id"] not in {c["id"] for c in public["items"]}
    own = client.get("/certificates", params={"holder_id": str(holder), "first": 2}, headers=as_supplier(holder)).json()
    assert len(own["items"]) == 2 and own["has_next_page"]
    rest = client.get(
        "/certificates",
        params={"holder_id": str(holder), "first": 2, "after": own["end_cursor"]},
        headers=as_supplier(holder),
    ).json()
    assert {c["id"] for c in own["items"] + rest["items"]} == {by_part["id"], by_category["id"], pending["id"]}

    bad = client.get("/certificates", params={"ids": "nope"}, headers=ANONYMOUS)
    assert bad.status_code == 422 and bad.json()["field"] == "ids"
    bad_cursor = client.get("/certificates", params={"holder_id": str(holder), "after": "!!"}, headers=ANONYMOUS)
    assert bad_cursor.status_code in (400, 422) and bad_cursor.json()["field"] == "after"


def test_every_route_but_health_needs_the_internal_token(client: TestClient) -> None:
    assert client.get("/verify", params={"scheme": "ECE_R90", "number": "x"}).status_code == 401
    assert client.post("/eligibility", json={}).status_code == 401
    assert client.get("/healthz").status_code == 200
    admin = headers_for(Role.ADMIN, actor_id="admin-1")
    assert client.get("/certificates", params={"holder_id": str(uuid.uuid4())}, headers=admin).status_code == 200


def test_the_audit_history_cannot_be_rewritten(client: TestClient, engine: Engine) -> None:
    holder = uuid.uuid4()
    created = submit(client, holder)
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(
            update(CertificateEvent)
            .where(CertificateEvent.certificate_id == uuid.UUID(created["id"]))  # type: ignore[arg-type]
            .values(reason="nothing happened")
        )
    with Session(engine) as session:
        event = session.exec(select(CertificateEvent)).one()
        event.reason = "rewritten"
        session.add(event)
        with pytest.raises(RuntimeError, match="append-only"):
            session.flush()
    assert history(client, created["id"])[0]["reason"] is None


def test_inspectors_have_a_review_queue_and_do_not_approve_what_they_submitted(client: TestClient) -> None:
    holder = uuid.uuid4()
    mine = submit(client, holder)
    on_behalf = submit(client, holder, headers=INSPECTOR)
    upload(client, on_behalf["id"], pdf_bytes("on behalf"), INSPECTOR)
    certify(client, holder)

    queue = client.get("/certificates", params={"status": "pending_review"}, headers=INSPECTOR).json()["items"]
    assert {c["id"] for c in queue} == {mine["id"], on_behalf["id"]}
    assert (
        client.get("/certificates", params={"status": "PENDING_REVIEW"}, headers=as_supplier(holder)).status_code == 422
    )
    bad = client.get("/certificates", params={"status": "LOST", "holder_id": str(holder)}, headers=INSPECTOR)
    assert bad.status_code == 422 and bad.json()["field"] == "status"

    same_inspector = client.post(f"/certificates/{on_behalf['id']}/approve", json={}, headers=INSPECTOR)
    assert same_inspector.status_code == 403
    second_inspector = headers_for(Role.INSPECTOR, actor_id="inspector-2")
    approved = client.post(f"/certificates/{on_behalf['id']}/approve", json={}, headers=second_inspector)
    assert approved.status_code == 200 and approved.json()["status"] == "VALID"
