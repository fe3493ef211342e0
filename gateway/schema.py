"""The public GraphQL schema, composed from one module per domain."""

from __future__ import annotations

import strawberry


@strawberry.type
class Query:
    @strawberry.field(description="The API's version; a cheap liveness probe for integrators.")
    def api_version(self) -> str:
        return "2026-11"


schema = strawberry.Schema(query=Query)
