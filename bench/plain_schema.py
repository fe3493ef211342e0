"""The listing's shape on a plain strawberry schema: every field an attribute, no resolver.

What strawberry's own executor and graphql-core need to execute a response of this many fields
on this machine, with their parser and validation caches on: the machine's yardstick for the
gateway's in-memory figure. The gateway's fields have arguments, DataLoaders, relay ids, enums
and dates, yet it runs its own executor (gateway/execution.py), which skips strawberry's per-field
wrapping where a field needs none of it, and so can come out at or above this.
"""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class PlainMoney:
    amount: int
    currency: str
    formatted: str


@strawberry.type
class PlainSupplier:
    id: strawberry.ID
    name_en: str
    verified: bool


@strawberry.enum
class PlainStatus(Enum):
    PENDING_REVIEW = "PENDING_REVIEW"
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"


@strawberry.type
class PlainCertificate:
    id: strawberry.ID
    scheme: str
    status: PlainStatus
    valid_until: datetime.date


@strawberry.type
class PlainEligibility:
    eligible: bool
    missing_schemes: list[str]


@strawberry.type
class PlainPart:
    id: strawberry.ID
    sku: str
    title: str
    category: str
    available: int
    price: PlainMoney
    supplier: PlainSupplier
    certificates: list[PlainCertificate]
    eligibility: PlainEligibility


@strawberry.type
class PlainEdge:
    cursor: str
    node: PlainPart


@strawberry.type
class PlainPageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class PlainConnection:
    edges: list[PlainEdge]
    page_info: PlainPageInfo


# The gateway's listing query without the arguments that only resolvers can take.
PLAIN_LISTING = """
query Listing {
  parts {
    edges { cursor node {
      id sku title category available
      price { amount currency formatted }
      supplier { id nameEn verified }
      certificates { id scheme status validUntil }
      eligibility { eligible missingSchemes }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def plain_page(answers: dict[str, Any]) -> PlainConnection:
    """The page built from the services' answers, as a resolver would for each request."""
    suppliers = {s["id"]: s for s in answers["/suppliers/batch"]}
    covering = {r["part_id"]: r["certificates"] for r in answers["/certificates/applicable"]["results"]}
    verdicts = {v["part_id"]: v for v in answers["/eligibility"]["results"]}
    prices = answers["/fx/conversions"]["items"]
    page = answers["/parts/search"]
    edges = []
    for edge, price in zip(page["edges"], prices, strict=True):
        part, supplier, verdict = edge["node"], suppliers[edge["node"]["supplier_id"]], verdicts[edge["node"]["id"]]
        node = PlainPart(
            id=part["id"],
            sku=part["sku"],
            title=part["title_en"],
            category=part["category"],
            available=part["available"],
            price=PlainMoney(amount=price["amount"], currency=price["currency"], formatted=str(price["amount"])),
            supplier=PlainSupplier(id=supplier["id"], name_en=supplier["name_en"], verified=supplier["verified"]),
            certificates=[
                PlainCertificate(
                    id=c["id"],
                    scheme=c["scheme"],
                    status=PlainStatus(c["status"]),
                    valid_until=datetime.date.fromisoformat(c["valid_until"]),
                )
                for c in covering.get(part["id"], [])
            ],
            eligibility=PlainEligibility(eligible=verdict["eligible"], missing_schemes=verdict["missing_schemes"]),
        )
        edges.append(PlainEdge(cursor=edge["cursor"], node=node))
    info = page["page_info"]
    return PlainConnection(
        edges=edges, page_info=PlainPageInfo(has_next_page=info["has_next_page"], end_cursor=info["end_cursor"])
    )


def plain_schema(answers: dict[str, Any]) -> strawberry.Schema:
    @strawberry.type
    class PlainQuery:
        @strawberry.field
        def parts(self) -> PlainConnection:
            return plain_page(answers)

    return strawberry.Schema(
        query=PlainQuery, extensions=[lambda: ParserCache(maxsize=16), lambda: ValidationCache(maxsize=16)]
    )
