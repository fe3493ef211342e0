"""The certification service's contract: the request and response shapes of its HTTP API, and
nothing else.

The service's routes answer with these models, and its clients (the gateway) parse its answers
with them: one definition of each shape. This module is the only part
of the certification service that another service, the gateway or the storefront's tests may
import, so it imports nothing of the service itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_PARTS_PER_CALL = 100

VerificationStatus = Literal["VALID", "EXPIRED", "SUSPENDED", "REVOKED", "UNKNOWN"]
EffectiveStatus = Literal["PENDING_REVIEW", "VALID", "EXPIRED", "SUSPENDED", "REVOKED"]


class ScopeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    categories: list[str] = Field(default_factory=list, max_length=50)
    oem_numbers: list[str] = Field(default_factory=list, max_length=500)


class ScopeRead(BaseModel):
    part_ids: list[uuid.UUID]
    categories: list[str]
    oem_numbers: list[str]


class CertificateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheme: str = Field(min_length=1, max_length=32)
    number: str = Field(min_length=1, max_length=100)
    issuing_body: str = Field(min_length=1, max_length=200)
    holder_id: uuid.UUID
    holder_name: str = Field(min_length=1, max_length=200)
    scope: ScopeIn = Field(default_factory=ScopeIn)
    valid_from: date
    valid_until: date
    notes: str | None = Field(default=None, max_length=4000)


class DocumentRead(BaseModel):
    sha256: str
    size_bytes: int
    uploaded_at: datetime


class CertificateRead(BaseModel):
    id: uuid.UUID
    scheme: str
    number: str
    issuing_body: str
    holder_id: uuid.UUID
    holder_name: str
    scope: ScopeRead
    valid_from: date
    valid_until: date
    status: EffectiveStatus  # EXPIRED derived from valid_until on the day of the request
    created_at: datetime
    updated_at: datetime
    # Only for the holder and reviewers; null for everyone else.
    notes: str | None = None
    document: DocumentRead | None = None


class CertificatePage(BaseModel):
    items: list[CertificateRead]
    has_next_page: bool = False
    end_cursor: str | None = None


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=4000)


class EventRead(BaseModel):
    id: uuid.UUID
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    detail: dict[str, Any]


class PurgeRead(BaseModel):
    """What the retention cleanup did: files deleted, and replaced documents whose file stays
    because a certificate still names the same bytes."""

    deleted_files: int
    kept_in_use: int


class DocumentCheck(BaseModel):
    certificate_id: uuid.UUID
    matches: bool
    sha256: str  # of the file sent


class DocumentVerification(BaseModel):
    scheme: str
    number: str
    status: VerificationStatus
    matches: bool  # the file is byte for byte the document on record
    sha256: str  # of the file sent


class VerificationRead(BaseModel):
    scheme: str
    number: str
    status: VerificationStatus
    holder_name: str | None = None
    issuing_body: str | None = None
    scope: str | None = None  # human-readable summary
    scope_detail: ScopeRead | None = None
    valid_from: date | None = None
    valid_until: date | None = None


class PartRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part_id: uuid.UUID
    supplier_id: uuid.UUID
    category: str = Field(min_length=1, max_length=40)
    # The part's OEM numbers; needed to match a certificate whose scope lists OEM numbers.
    oem_numbers: list[str] | None = Field(default=None, max_length=100)
    # The catalog's condition (NEW, USED, REMANUFACTURED, REFURBISHED): some destinations
    # restrict the import of non-new parts. None: not checked.
    condition: str | None = Field(default=None, max_length=20)


class EligibilityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    country: str = Field(min_length=1, max_length=10)
    on: date | None = Field(default=None, alias="date")
    parts: list[PartRef] = Field(min_length=1, max_length=MAX_PARTS_PER_CALL)


class ApplicableRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parts: list[PartRef] = Field(min_length=1, max_length=MAX_PARTS_PER_CALL)
    include_revoked: bool = False


class PartCertificates(BaseModel):
    part_id: uuid.UUID
    certificates: list[CertificateRead]


class ApplicableResponse(BaseModel):
    results: list[PartCertificates]


class RefusalRead(BaseModel):
    code: str  # CONDITION_PROHIBITED, CONDITION_LICENCE_REQUIRED, MISSING_CERTIFICATION
    message: str
    source: str


class PartEligibility(BaseModel):
    part_id: uuid.UUID
    eligible: bool
    required_schemes: list[str]
    missing_schemes: list[str]
    reasons: list[RefusalRead] = Field(default_factory=list)  # when not eligible: every reason, sourced
    expiring_soon: list[CertificateRead]
    certificate_ids: list[uuid.UUID]  # the certificates that meet the requirements


class EligibilityResponse(BaseModel):
    country: str
    market: str
    date: dt.date
    rules_as_of: dt.date
    results: list[PartEligibility]


class MarketRequirementsRead(BaseModel):
    country: str
    category: str
    market: str
    market_name: str
    rules_as_of: date
    schemes: list[str]  # all required scheme codes (what GraphQL marketRequirements returns)
    supplier_schemes: list[str]
    part_schemes: list[str]
    note: str | None
    source: str


class NumberFormatRead(BaseModel):
    pattern: str
    example: str
    description: str


class SchemeRead(BaseModel):
    code: str
    name: str
    authority_type: str
    level: str
    covers: list[str]
    number_format: NumberFormatRead | None
    typical_validity_months: int | None
    satisfies: list[str]
    source: str


class MarketRead(BaseModel):
    code: str
    name: str
    countries: list[str]
    supplier_level: list[str]
    categories: dict[str, list[str]]
    notes: dict[str, str]
    source: str
    valid_from: date
    valid_to: date | None
