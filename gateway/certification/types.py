"""Certificate, Eligibility and public verification as integrators see them."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from gateway.catalog.types import Supplier
from gateway.context import Context
from gateway.types import PageInfo


@strawberry.enum
class CertificateStatus(Enum):
    PENDING_REVIEW = "PENDING_REVIEW"
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    UNKNOWN = "UNKNOWN"


@strawberry.type(description="The PDF on record for a certificate; shown to its holder and inspectors only.")
class CertificateDocument:
    sha256: str = strawberry.field(description="Anyone holding a copy can check it against this hash.")
    size_bytes: int
    uploaded_at: datetime.datetime


@strawberry.type
class Certificate(relay.Node):
    id: relay.NodeID[str]
    scheme: str
    number: str
    issuing_body: str
    status: CertificateStatus = strawberry.field(description="EXPIRED is derived from validUntil on the day asked.")
    valid_from: datetime.date
    valid_until: datetime.date
    categories: list[str] = strawberry.field(description="Part categories it covers; empty for the whole company.")
    document: CertificateDocument | None = strawberry.field(
        description="The uploaded PDF; null until uploaded, and for anyone but the holder and inspectors."
    )
    holder_id: strawberry.Private[str]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Certificate:
        document = data.get("document")
        return cls(
            id=str(data["id"]),
            scheme=data["scheme"],
            number=data["number"],
            issuing_body=data["issuing_body"],
            status=CertificateStatus(data["status"]),
            valid_from=datetime.date.fromisoformat(data["valid_from"]),
            valid_until=datetime.date.fromisoformat(data["valid_until"]),
            categories=list((data.get("scope") or {}).get("categories") or []),
            document=CertificateDocument(
                sha256=document["sha256"],
                size_bytes=int(document["size_bytes"]),
                uploaded_at=datetime.datetime.fromisoformat(document["uploaded_at"]),
            )
            if document
            else None,
            holder_id=str(data["holder_id"]),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Certificate | None]:
        found = await info.context.loaders.certificate.load_many(list(node_ids))
        return [cls.from_json(c) if c else None for c in found]

    @strawberry.field
    async def holder(self, info: Info[Context, None]) -> Supplier:
        data = await info.context.loaders.supplier.load(self.holder_id)
        if data is None:
            raise LookupError(f"holder {self.holder_id} of certificate {self.id} not found")
        return Supplier.from_json(data)

    @strawberry.field(description="Public page where anyone can check this certificate.")
    def verification_url(self) -> str:
        from urllib.parse import urlencode

        return "/verify?" + urlencode({"scheme": self.scheme, "number": self.number})


@strawberry.type
class CertificateEdge:
    node: Certificate
    cursor: str


@strawberry.type
class CertificateConnection:
    edges: list[CertificateEdge]
    page_info: PageInfo


@strawberry.type
class Eligibility:
    country: str
    eligible: bool
    missing_schemes: list[str]
    required_schemes: list[str]
    expiring_soon: list[Certificate] = strawberry.field(description="Certificates this relies on that lapse soon.")


@strawberry.type
class CertificateVerification:
    status: CertificateStatus = strawberry.field(description="UNKNOWN when there is no such record.")
    holder_name: str | None
    scope: str | None
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    issuing_body: str | None


def eligibility_from_json(country: str, data: dict[str, Any]) -> Eligibility:
    return Eligibility(
        country=country,
        eligible=data["eligible"],
        missing_schemes=data["missing_schemes"],
        required_schemes=data.get("required_schemes", []),
        expiring_soon=[Certificate.from_json(c) for c in data["expiring_soon"]],
    )
