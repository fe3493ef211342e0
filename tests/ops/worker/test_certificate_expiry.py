"""certificate.expiring: published by the worker's job once per certificate, 30 days ahead."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from services.certification.models import EVENTS, Certificate, CertificateStatus
from services.common.clock import travel, utcnow
from tests.databases import Databases
from tests.ops.worker.helpers import registered, run_until_ticks, worker_context


def _certificate(engine: Engine, valid_for_days: int, status: CertificateStatus = CertificateStatus.VALID) -> str:
    today = utcnow().date()
    with Session(engine) as session:
        certificate = Certificate(
            scheme="ISO_9001",
            number=f"EXPIRY-{uuid.uuid4().hex[:12].upper()}",
            issuing_body="TÜV Rheinland",
            holder_id=uuid.uuid4(),
            holder_name="Chongqing Tongnan Expiry Test Reman Co., Ltd.",
            valid_from=today - timedelta(days=300),
            valid_until=today + timedelta(days=valid_for_days),
            status=status.value,
            submitted_by="acct-supplier",
        )
        session.add(certificate)
        session.commit()
        return str(certificate.id)


def _notices(engine: Engine, ids: set[str]) -> list[dict[str, Any]]:
    with Session(engine) as session:
        envelopes = session.scalars(select(EVENTS.outbox.c.envelope).order_by(EVENTS.outbox.c.seq))
        return [e for e in envelopes if e["type"] == "certificate.expiring" and e["aggregate_id"] in ids]


def test_each_certificate_is_noticed_once_thirty_days_before_it_expires(databases: Databases, nats_url: str) -> None:
    engine = databases.engine("certification")
    soon = _certificate(engine, 10)
    edge = _certificate(engine, 30)
    later = _certificate(engine, 45)
    suspended = _certificate(engine, 5, CertificateStatus.SUSPENDED)
    gone = _certificate(engine, -1)  # expired yesterday: too late for a notice
    ids = {soon, edge, later, suspended, gone}

    context = worker_context(databases, nats_url, certificate_expiry_every_seconds=1)
    run_until_ticks(context, registered(context, "certificate_expiry"), 2)  # the second tick finds nothing new
    notices = _notices(engine, ids)
    assert sorted(n["aggregate_id"] for n in notices) == sorted([soon, edge])
    first = next(n for n in notices if n["aggregate_id"] == soon)
    assert first["data"]["days_left"] == 10 and first["data"]["scheme"] == "ISO_9001"
    assert first["data"]["valid_until"] == (utcnow().date() + timedelta(days=10)).isoformat()

    # Fifteen days on, the third certificate enters its last 30 days; the others are not noticed again.
    with travel(timedelta(days=15)):
        context = worker_context(databases, nats_url, certificate_expiry_every_seconds=1)
        run_until_ticks(context, registered(context, "certificate_expiry"), 1)
    assert sorted(n["aggregate_id"] for n in _notices(engine, ids)) == sorted([soon, edge, later])

    # A certificate whose validity is extended is noticed again, for its new date, when that comes near.
    with Session(engine) as session:
        renewed = session.get(Certificate, uuid.UUID(soon))
        assert renewed is not None
        renewed.valid_until = renewed.valid_until + timedelta(days=20)
        session.add(renewed)
        session.commit()
    context = worker_context(databases, nats_url, certificate_expiry_every_seconds=1)
    run_until_ticks(context, registered(context, "certificate_expiry"), 1)
    again = [n for n in _notices(engine, ids) if n["aggregate_id"] == soon]
    assert [n["data"]["days_left"] for n in again] == [10, 30]
