"""Retention of replaced documents: when an upload replaces a certificate's PDF, the old file
is kept for `replaced_document_retention_days` (a dispute about what was on record can still
be settled with the file), then deleted by the cleanup (`POST /documents/purge`, run by the
scheduler like the other housekeeping jobs). What an auditor needs stays for good: the old
file's SHA-256 and size in `retired_document` and in the certificate's history (the upload's
`replaced` and a DOCUMENT_PURGED event), enough to tell whether a copy someone holds is the
one that was on record.

Files are stored once per SHA-256, so a file is deleted only when no certificate names it any
more. A cleanup and an upload of the same bytes cannot cross: the cleanup claims its rows
with an UPDATE before it looks for users of the file, and an upload locks those rows (after
its own write, which on SQLite takes the database's write lock) before it puts its file in
place; whichever comes second sees what the first did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from marketplace.actors import Actor
from marketplace.roles import Role
from services.certification.models import Certificate, CertificateEvent, RetiredDocument
from services.common.clock import utcnow
from services.common.documents import DocumentStore
from services.common.errors import Forbidden

CLEANUP_ROLES = (Role.SYSTEM, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class PurgeOutcome:
    deleted: int  # files removed from the store
    kept: int  # retired documents whose bytes a certificate still names


def retire(session: Session, certificate: Certificate, *, keep_for: timedelta, now: datetime) -> None:
    """Note the certificate's current document as replaced, due for deletion after `keep_for`."""
    if certificate.document_sha256 is None:
        return
    session.add(
        RetiredDocument(
            certificate_id=certificate.id,
            sha256=certificate.document_sha256,
            size=certificate.document_size or 0,
            retired_at=now,
            purge_after=now + keep_for,
        )
    )


def hold(session: Session, sha256: str) -> None:
    """Before a file with these bytes is put in place: wait for a cleanup that is deleting it
    now, so the file written next is not deleted after it."""
    session.exec(
        select(RetiredDocument.id)
        .where(RetiredDocument.sha256 == sha256, col(RetiredDocument.purged_at).is_(None))
        .with_for_update()
    ).all()


def purge(session: Session, actor: Actor, store: DocumentStore, *, now: datetime | None = None) -> PurgeOutcome:
    """Delete the files of documents replaced more than the retention period ago."""
    if actor.role not in CLEANUP_ROLES:
        raise Forbidden("only the scheduler or an admin runs the document cleanup")
    now = now or utcnow()
    # Claim the due rows first: this write is what an upload of the same bytes waits for.
    claimed = session.execute(
        update(RetiredDocument)
        .where(col(RetiredDocument.purged_at).is_(None), col(RetiredDocument.purge_after) <= now)
        .values(purged_at=now)
        .returning(
            col(RetiredDocument.id),
            col(RetiredDocument.certificate_id),
            col(RetiredDocument.sha256),
            col(RetiredDocument.size),
        )
        .execution_options(synchronize_session=False)
    ).all()
    in_use = set(
        session.exec(
            select(Certificate.document_sha256).where(
                col(Certificate.document_sha256).in_({row.sha256 for row in claimed})
            )
        ).all()
    )
    certificates = {
        c.id: c
        for c in session.exec(
            select(Certificate).where(col(Certificate.id).in_({row.certificate_id for row in claimed}))
        ).all()
    }
    deleted_files: set[str] = set()
    for row in claimed:
        free = row.sha256 not in in_use
        if free and row.sha256 not in deleted_files:
            store.remove(row.sha256)
            deleted_files.add(row.sha256)
        session.execute(
            update(RetiredDocument)
            .where(col(RetiredDocument.id) == row.id)
            .values(file_deleted=free)
            .execution_options(synchronize_session=False)
        )
        if free:
            why = "replaced document past its retention period"
            certificate = certificates[row.certificate_id]
            event = CertificateEvent.of(
                certificate, actor, "DOCUMENT_PURGED", certificate.status, why, sha256=row.sha256, size=row.size
            )
            session.add(event)
    session.flush()
    return PurgeOutcome(deleted=len(deleted_files), kept=sum(1 for row in claimed if row.sha256 in in_use))
