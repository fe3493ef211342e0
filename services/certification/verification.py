"""Public verification of a certificate by scheme and number.

Answers what a customs broker or buyer needs to trust a certificate: its status on the
day, the holder's name, the scope and the dates. Never the document, its hash or notes.
A record awaiting review is not yet a certificate of ours: it reads UNKNOWN.
"""

from __future__ import annotations

from datetime import date
from typing import BinaryIO

from sqlmodel import Session

from marketplace.compliance import registry
from services.certification import service as certificate_service
from services.certification.contract import DocumentVerification, ScopeRead, VerificationRead
from services.certification.models import Certificate, CertificateStatus
from services.common.documents import hash_stream


def scope_summary(certificate: Certificate, part_count: int) -> str:
    scheme = registry.scheme(certificate.scheme)
    if scheme.level is registry.SchemeLevel.SUPPLIER:
        return f"{scheme.name}: management system of the holder, all its products"
    pieces: list[str] = []
    if certificate.scope_categories:
        text = ", ".join(certificate.scope_categories)
        if certificate.scope_oem_numbers:
            text += f" (OEM numbers {', '.join(certificate.scope_oem_numbers)})"
        pieces.append(text)
    if part_count:
        pieces.append(f"{part_count} listed part{'s' if part_count != 1 else ''}")
    return "; ".join(pieces)


def verify(session: Session, scheme_code: str, number: str, *, today: date) -> VerificationRead:
    scheme = registry.scheme(scheme_code)  # an unknown scheme is bad input, not UNKNOWN
    normalised = registry.normalise_number(number)
    certificate = certificate_service.find_by_number(session, scheme.code, normalised)
    if certificate is None or certificate.status == CertificateStatus.PENDING_REVIEW:
        return VerificationRead(scheme=scheme.code, number=normalised, status="UNKNOWN")
    part_ids = certificate_service.part_ids_of(session, [certificate.id])[certificate.id]
    status = certificate_service.effective_status(certificate, today)
    assert status in ("VALID", "EXPIRED", "SUSPENDED", "REVOKED")
    return VerificationRead(
        scheme=certificate.scheme,
        number=certificate.number,
        status=status,
        holder_name=certificate.holder_name,
        issuing_body=certificate.issuing_body,
        scope=scope_summary(certificate, len(part_ids)),
        scope_detail=ScopeRead(
            part_ids=part_ids,
            categories=certificate.scope_categories,
            oem_numbers=certificate.scope_oem_numbers,
        ),
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
    )


def verify_document(
    session: Session, scheme_code: str, number: str, stream: BinaryIO, *, today: date, max_bytes: int
) -> DocumentVerification:
    """Whether a file someone holds is the document on record for a certificate they name."""
    answer = verify(session, scheme_code, number, today=today)
    sha256, _size = hash_stream(stream, limit=max_bytes)
    matches = False
    if answer.status != "UNKNOWN":
        certificate = certificate_service.find_by_number(session, answer.scheme, answer.number)
        matches = certificate is not None and certificate.document_sha256 == sha256
    return DocumentVerification(
        scheme=answer.scheme, number=answer.number, status=answer.status, matches=matches, sha256=sha256
    )
