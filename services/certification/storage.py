"""Where the certification service keeps its certificate PDFs: the object store its settings
name, holding documents checked and addressed as services/common/documents.py does."""

from __future__ import annotations

from services.certification.settings import CertificationSettings
from services.common.documents import DocumentStore
from services.common.objects import open_store


def open_document_store(settings: CertificationSettings) -> DocumentStore:
    """The store the settings name: S3 at `documents_url`, else files under `document_dir`."""
    objects = open_store(
        settings.documents_url,
        settings.documents_path,
        environment=settings.environment,
        what="certificate PDFs",
        variable="TONGNAN_CERTIFICATION_DOCUMENTS_URL",
    )
    return DocumentStore(
        objects, max_bytes=settings.max_document_bytes, max_inflated_bytes=settings.max_document_inflated_bytes
    )
