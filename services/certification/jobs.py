"""Certification's background work, as the worker runs it: its outbox and its scheduled jobs.
The worker (ops/worker) imports this module and nothing else of certification but its settings.
Replaced certificate PDFs are purged by the service itself (POST /documents/purge), since the
files are on its storage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from services.certification import expiry, service
from services.certification.models import EVENTS as EVENTS
from services.common.clock import utcnow
from services.common.db import session_scope

# Certificates noticed per transaction by the expiry job.
NOTICE_BATCH = 500


def publish_expiry_notices(engine: Engine) -> int:
    """certificate.expiring for every certificate due a notice today: how many."""
    total = 0
    while True:
        with session_scope(engine) as session:
            noticed = expiry.publish_expiry_notices(session, today=utcnow().date(), limit=NOTICE_BATCH)
        total += noticed
        if noticed < NOTICE_BATCH:
            return total


def reviewed_certificates(engine: Engine) -> list[dict[str, Any]]:
    """Every reviewed certificate as its latest event describes it: what the catalog decides
    markets from when they are rebuilt."""
    with Session(engine) as session:
        return service.reviewed_payloads(session)
