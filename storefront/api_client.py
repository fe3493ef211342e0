"""The storefront's client of the public GraphQL API, its only way to the data: POST a GraphQL
document to the gateway.

One pooled `httpx.AsyncClient` for the life of the app. Transport failures and 5xx
answers become `ApiUnavailable` (a friendly page), 401 becomes `TokenRejected` (the
caller refreshes or signs the user out), 429 becomes `ApiBusy`. GraphQL errors come
back as data with their `extensions.code` and `extensions.field`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.common.logs import carry_request_id_async
from services.common.tracing import trace_client


class ApiUnavailable(Exception):
    """The API cannot be reached, or a service behind it is down."""


class ApiFailed(Exception):
    """The API answered with an unexpected (INTERNAL) error and no data."""


class ApiBusy(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


class TokenRejected(Exception):
    """The access token was refused (expired or revoked)."""


@dataclass(frozen=True)
class ApiError:
    message: str
    code: str
    field: str | None = None
    path: tuple[str | int, ...] = ()
    # Why the field was refused, where the API says (REQUIRED, INVALID, NOT_AN_IMAGE ...): the
    # page words it.
    reason: str | None = None

    def form_field(self, names: Collection[str]) -> str | None:
        """The form field that `extensions.field` names: `input.titleEn` -> `title_en`,
        `fitments.0.year_from` -> `fitments`, `input.supplier.uscc` -> `uscc`."""
        if not self.field:
            return None
        segments = [re.sub(r"(?<!^)(?=[A-Z])", "_", s).lower() for s in re.split(r"[.\[\]]+", self.field)]
        return next((s for s in reversed(segments) if s in names), None)


@dataclass
class Result:
    data: dict[str, Any] | None
    errors: list[ApiError] = field(default_factory=list)

    def error(self, *codes: str) -> ApiError | None:
        return next((e for e in self.errors if not codes or e.code in codes), None)

    def field_errors(self, names: Collection[str]) -> dict[str, str]:
        """Errors by form field, the first message per field; an error naming no field of
        the form is kept under "" so the page still shows it."""
        found: dict[str, str] = {}
        for e in self.errors:
            found.setdefault(e.form_field(names) or "", e.message)
        return found


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str


def multipart(query: str, variables: dict[str, Any] | None, files: dict[str, Upload]) -> dict[str, Any]:
    """The GraphQL multipart request spec: `operations` with nulls where the files go, a `map`
    from each file part to its variable, then the files."""
    names = list(files)
    operations = {"query": query, "variables": {**(variables or {}), **dict.fromkeys(names)}}
    mapping = {str(i): [f"variables.{name}"] for i, name in enumerate(names)}
    return {
        "data": {"operations": json.dumps(operations), "map": json.dumps(mapping)},
        "files": {str(i): (files[n].filename, files[n].content, files[n].content_type) for i, n in enumerate(names)},
    }


class ApiClient:
    def __init__(self, base_url: str, *, timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=3.0),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            transport=transport,
            event_hooks={"request": [carry_request_id_async]},
        )
        trace_client(self.client)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def image(self, name: str) -> httpx.Response | None:
        """A part picture from the gateway, None when there is no such picture."""
        try:
            response = await self.client.get(f"/images/{name}")
        except httpx.HTTPError as exc:
            raise ApiUnavailable(type(exc).__name__) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ApiUnavailable(f"gateway answered {response.status_code} for an image")
        return response

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        locale: str = "en",
        client_address: str | None = None,
        files: dict[str, Upload] | None = None,
    ) -> Result:
        """`files` maps variable names to files, sent as a GraphQL multipart request."""
        headers = {"Accept-Language": locale}
        if client_address:
            # The gateway limits each visitor by address; it trusts this header from us only.
            headers["X-Forwarded-For"] = client_address
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            if files:
                response = await self.client.post("/graphql", headers=headers, **multipart(query, variables, files))
            else:
                response = await self.client.post(
                    "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
                )
        except httpx.HTTPError as exc:
            raise ApiUnavailable(type(exc).__name__) from None
        if response.status_code == 401:
            raise TokenRejected
        if response.status_code == 429:
            retry = response.headers.get("retry-after", "5")
            raise ApiBusy(int(retry) if retry.isdigit() else 5)
        if response.status_code >= 500:
            raise ApiUnavailable(f"gateway answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise ApiUnavailable("gateway answered something that is not JSON") from None
        errors = [
            ApiError(
                message=str(e.get("message", "")),
                code=str((e.get("extensions") or {}).get("code", "INTERNAL")),
                field=(e.get("extensions") or {}).get("field"),
                path=tuple(e.get("path") or ()),
                reason=(e.get("extensions") or {}).get("reason"),
            )
            for e in body.get("errors") or []
        ]
        result = Result(data=body.get("data"), errors=errors)
        if result.error("UPSTREAM_UNAVAILABLE"):
            # The gateway answers what it could and leaves null what needed the service that is
            # down; a page built on that would show "no certificates" or "not sold there" as if
            # true, so the page says the service is down instead (convert_prices, whose CNY
            # prices are honest without the conversion, catches this).
            raise ApiUnavailable("a service behind the gateway is down")
        if result.data is None and result.error("INTERNAL"):
            raise ApiFailed(result.errors[0].message)
        return result
