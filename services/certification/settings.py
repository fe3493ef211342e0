from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.common.documents import DEFAULT_MAX_INFLATED_BYTES
from services.common.objects import check_store_url
from services.common.settings import ServiceSettings


class CertificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TONGNAN_CERTIFICATION_", extra="ignore")

    service_name: ClassVar[str] = "certification"
    default_port: ClassVar[int] = 8003

    # Where certificate PDFs are kept, content-addressed by SHA-256: in S3 under this
    # s3://bucket/prefix URL when set (every replica then serves every PDF), else in
    # document_dir, default <var_dir>/certification-documents.
    documents_url: str | None = None
    document_dir: Path | None = None
    max_document_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # What a PDF's compressed streams may inflate to in all; past it the upload is refused.
    max_document_inflated_bytes: int = Field(default=DEFAULT_MAX_INFLATED_BYTES, ge=1024 * 1024)
    # A replaced document's file is kept this long (for a dispute about what was on record),
    # then deleted by POST /documents/purge; its SHA-256 stays in the history for good.
    replaced_document_retention_days: int = Field(default=30, ge=0, le=3650)
    # Public verification: a token bucket per client address.
    verify_rate_per_minute: float = Field(default=30.0, gt=0)
    verify_burst: int = Field(default=10, ge=1)
    # Eligibility lists certificates that lapse within this many days.
    expiring_soon_days: int = Field(default=30, ge=0, le=365)

    @field_validator("documents_url")
    @classmethod
    def _s3_url(cls, value: str | None) -> str | None:
        return check_store_url(value) if value else None

    @model_validator(mode="after")
    def _document_dir_default(self) -> CertificationSettings:
        if self.document_dir is None:
            self.document_dir = self.var_dir / "certification-documents"
        return self

    @property
    def documents_path(self) -> Path:
        assert self.document_dir is not None  # filled by the validator
        return self.document_dir
