"""The HTTP side of /graphql: strawberry's ASGI view, with our errors, context and JSON.

It is mounted as a plain Starlette route rather than through FastAPI's router: the router
would solve FastAPI dependencies and wrap each request and response once more, which cost
the storefront's listing query about 7% of what the gateway spends on it, and /graphql
needs none of that (the context comes from `context_getter`, the OpenAPI page does not
describe GraphQL).
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from gateway.context import Context, context_getter
from gateway.errors import RequestRefused, coded


class GatewayGraphQL(GraphQL[Context, None]):
    """Every error of every response passes `coded`, parse errors included.

    Multipart requests (file uploads) are taken only with an Authorization or X-API-Key
    header: a form on another site can post multipart/form-data without a CORS preflight,
    but cannot set those headers, so no visitor's browser is made to run a mutation."""

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        return await context_getter(request)

    def encode_json(self, data: object) -> bytes:
        # A page of parts is tens of KB of JSON per response; orjson writes it several times faster.
        return orjson.dumps(data)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [coded(e) for e in result.errors]
        return await super().process_result(request, result)

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        headers = request.headers
        if not (headers.get("authorization", "").strip() or headers.get("x-api-key", "").strip()):
            raise RequestRefused(
                400, "BAD_USER_INPUT", "a multipart request needs an Authorization or X-API-Key header"
            )
        return await super().parse_multipart(request)
