"""GET /images/{name}: the part pictures the API's `PartImage` URLs point at.

The catalog keeps the files; the gateway is the only public door, so it passes them on. A
name is the SHA-256 of the file, so an answer never changes: it may be cached for good by
browsers and any CDN in front, and a repeat request with the name as its ETag gets 304.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway.clients import ServiceClients
from gateway.settings import GatewaySettings
from marketplace.actors import ANONYMOUS, internal_headers
from services.common.errors import DomainError, NotFound

IMMUTABLE = "public, max-age=31536000, immutable"


async def image(request: Request) -> Response:
    name = request.path_params["name"]
    etag = f'"{name}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": IMMUTABLE})
    settings: GatewaySettings = request.app.state.settings
    clients: ServiceClients = request.app.state.clients
    headers = internal_headers(ANONYMOUS, settings.internal_secret.get_secret_value())
    try:
        upstream = await clients.catalog.request("GET", f"/images/{name}", headers=headers)
    except NotFound:
        return Response("no such image", status_code=404, media_type="text/plain")
    except DomainError:
        return Response("the image could not be fetched; try again", status_code=503, media_type="text/plain")
    return Response(
        upstream.content,
        media_type=upstream.headers.get("content-type", "image/webp"),
        headers={"Cache-Control": IMMUTABLE, "ETag": etag, "X-Content-Type-Options": "nosniff"},
    )
