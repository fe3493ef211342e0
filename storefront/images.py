"""GET /images/{name}: part pictures under the shop's own origin (its Content-Security-Policy
allows images from 'self' only), passed on from the gateway. A name is the SHA-256 of the
file, so the answer never changes and browsers keep it for good."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from storefront.api_client import ApiClient

router = APIRouter()
NAME = re.compile(r"^[0-9a-f]{64}\.webp$")
IMMUTABLE = "public, max-age=31536000, immutable"


def image_src(url: str) -> str:
    """The API's absolute picture URL as a path on this shop: `/images/<sha256>.webp`."""
    return f"/images/{urlsplit(url).path.rsplit('/', 1)[-1]}"


@router.get("/images/{name}", include_in_schema=False)
async def image(name: str, request: Request) -> Response:
    etag = f'"{name}"'
    if not NAME.match(name):
        return Response("no such image", status_code=404, media_type="text/plain")
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": IMMUTABLE})
    api: ApiClient = request.app.state.api
    found = await api.image(name)
    if found is None:
        return Response("no such image", status_code=404, media_type="text/plain")
    return Response(found.content, media_type="image/webp", headers={"ETag": etag, "Cache-Control": IMMUTABLE})
