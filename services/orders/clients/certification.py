"""Typed client of the certification service: may these parts be sold in this country?"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.orders.clients.base import UpstreamClient
from services.orders.clients.catalog import PartFacts


@dataclass(frozen=True, slots=True)
class Eligibility:
    part_id: uuid.UUID
    eligible: bool
    missing_schemes: list[str]


class CertificationClient(UpstreamClient):
    name = "certification"

    def eligibility(self, country: str, parts: Sequence[PartFacts]) -> dict[uuid.UUID, Eligibility]:
        body = {
            "country": country,
            "parts": [
                {
                    "part_id": str(p.id),
                    "supplier_id": str(p.supplier_id),
                    "category": p.category,
                    "oem_numbers": p.oem_numbers[:100],
                }
                for p in parts
            ],
        }
        # A read with a body: safe to retry.
        response = self.request("POST", "/eligibility", read=True, json=body)
        self.raise_for(response, field="destinationCountry")
        return {
            uuid.UUID(r["part_id"]): Eligibility(
                uuid.UUID(r["part_id"]), bool(r["eligible"]), list(r["missing_schemes"])
            )
            for r in response.json()["results"]
        }
