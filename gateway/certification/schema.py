"""Certification queries and mutations."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.types import Info

from gateway.certification.types import Certificate, CertificateStatus, CertificateVerification
from gateway.context import Context
from gateway.ids import node_uuid
from services.common.errors import Forbidden


@strawberry.input
class CertificateInput:
    scheme: str
    number: str
    issuing_body: str
    valid_from: datetime.date
    valid_until: datetime.date
    part_ids: list[strawberry.ID] | None = None
    categories: list[str] | None = None
    oem_numbers: list[str] | None = None


@strawberry.type
class CertificationQuery:
    @strawberry.field(description="Public: is this certificate on record and in force? Rate limited per address.")
    async def verify_certificate(self, info: Info[Context, None], scheme: str, number: str) -> CertificateVerification:
        context = info.context
        data = await context.clients.certification.get_json(
            "/verify",
            params={"scheme": scheme, "number": number},
            headers={**context.upstream_headers(), "X-Client-Address": context.client_address},
        )
        return CertificateVerification(
            status=CertificateStatus(data["status"].upper()),
            holder_name=data.get("holder_name"),
            scope=data.get("scope"),
            valid_from=datetime.date.fromisoformat(data["valid_from"]) if data.get("valid_from") else None,
            valid_until=datetime.date.fromisoformat(data["valid_until"]) if data.get("valid_until") else None,
            issuing_body=data.get("issuing_body"),
        )

    @strawberry.field(description="Scheme codes a part of this category needs to be sold in this country.")
    async def market_requirements(self, info: Info[Context, None], country: str, category: str) -> list[str]:
        context = info.context
        data = await context.clients.certification.get_json(
            "/market-requirements",
            params={"country": country, "category": category},
            headers=context.upstream_headers(),
        )
        return list(data["schemes"])


@strawberry.type
class CertificationMutation:
    @strawberry.mutation(description="A supplier submits a certificate for review by an inspector.")
    async def add_certificate(self, info: Info[Context, None], input: CertificateInput) -> Certificate:
        context = info.context
        principal = context.require_principal()
        if principal.supplier_id is None:
            raise Forbidden("only supplier accounts submit certificates")
        supplier = await context.loaders.supplier.load(str(principal.supplier_id))
        body = {
            "scheme": input.scheme,
            "number": input.number,
            "issuing_body": input.issuing_body,
            "holder_id": str(principal.supplier_id),
            "holder_name": supplier["name_en"] if supplier else str(principal.supplier_id),
            "valid_from": input.valid_from.isoformat(),
            "valid_until": input.valid_until.isoformat(),
            "scope": {
                "part_ids": [node_uuid(p, "Part", field="input.partIds") for p in input.part_ids or []],
                "categories": input.categories or [],
                "oem_numbers": input.oem_numbers or [],
            },
        }
        data = await context.clients.certification.post_json("/certificates", body, headers=context.upstream_headers())
        return Certificate.from_json(data)

    @strawberry.mutation(description="An inspector revokes a certificate (final), or its holder withdraws it.")
    async def revoke_certificate(self, info: Info[Context, None], id: strawberry.ID, reason: str) -> Certificate:
        context = info.context
        context.require_principal()
        certificate_id = node_uuid(id, "Certificate", field="id")
        data = await context.clients.certification.post_json(
            f"/certificates/{certificate_id}/revoke", {"reason": reason}, headers=context.upstream_headers()
        )
        return Certificate.from_json(data)
