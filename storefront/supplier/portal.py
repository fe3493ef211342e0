"""Who is signed in to the supplier portal, and what every page of it does when no supplier is
or when a service behind the API is down."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from storefront import queries
from storefront.api_client import ApiUnavailable, Result
from storefront.web import Page


def supplier_of(data: dict[str, Any] | None) -> dict[str, Any] | None:
    account = ((data or {}).get("viewer") or {}).get("account")
    if not account or account.get("role") != "SUPPLIER" or not account.get("supplier"):
        return None
    return {"email": account["email"], **account["supplier"]}


def to_login(page: Page) -> Response:
    return page.redirect(f"/supplier/login?next={quote(page.here)}")


async def current_supplier(page: Page) -> dict[str, Any] | None:
    if not page.token and not page.refresh_token:
        return None
    result = await page.query(queries.VIEWER)
    return supplier_of(result.data)


def field_or_unavailable(result: Result, name: str) -> Any:
    """A field of the answer; when it is missing because a service behind the API is down, the
    friendly 503 page rather than an empty list or a 404."""
    value = (result.data or {}).get(name)
    if value is None and result.error("UPSTREAM_UNAVAILABLE"):
        raise ApiUnavailable(f"{name}: a service behind the gateway is down")
    return value
