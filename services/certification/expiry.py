"""certificate.expiring: one notice per certificate, 30 days ahead of the end of its validity,
so a supplier renews before its parts stop being sellable. Run by the worker's expiry job.

A certificate is noticed once per `valid_until`: the date the notice went out for is kept on
the row, in the transaction that writes the event, so a second run (or a second worker, or a
retry after a crash) finds nothing to do; a certificate whose validity is changed is noticed
again for its new date.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from services.certification.models import EVENTS, Certificate, CertificateStatus

NOTICE_DAYS = 30


def publish_expiry_notices(session: Session, *, today: date, limit: int = 500) -> int:
    """Record certificate.expiring for each VALID certificate ending within NOTICE_DAYS and not
    yet noticed for that end date. Returns how many were recorded."""
    due = list(
        session.scalars(
            select(Certificate)
            .where(
                col(Certificate.status) == CertificateStatus.VALID.value,
                col(Certificate.valid_until) >= today,
                col(Certificate.valid_until) <= today + timedelta(days=NOTICE_DAYS),
                or_(
                    col(Certificate.expiry_notice_for).is_(None),
                    col(Certificate.expiry_notice_for) != col(Certificate.valid_until),
                ),
            )
            .order_by(col(Certificate.valid_until), col(Certificate.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for certificate in due:
        EVENTS.record(
            session,
            "certificate.expiring",
            aggregate_id=certificate.id,
            data={
                "certificate_id": str(certificate.id),
                "scheme": certificate.scheme,
                "number": certificate.number,
                "holder_id": str(certificate.holder_id),
                "valid_until": certificate.valid_until.isoformat(),
                "days_left": (certificate.valid_until - today).days,
            },
        )
        certificate.expiry_notice_for = certificate.valid_until
        session.add(certificate)
    session.flush()
    return len(due)
