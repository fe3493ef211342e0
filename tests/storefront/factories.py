"""Test data and callers for storefront tests: companies with well-formed codes, fresh e-mail
addresses, a browser-like client, and suppliers registered and signed in through the API."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import anyio
import httpx
from fastapi.testclient import TestClient

from services.catalog.domain import uscc_check_character
from storefront import csrf
from storefront.settings import StorefrontSettings
from tests.gateway.factories import Stack

_serial = itertools.count(1)
PASSWORD = "tongnan-remanufacturing-2026"

GOOD_AND_BAD_CSV = "\n".join(
    [
        "sku,title_en,title_zh,category,condition,price_cny,weight_grams,on_hand,oem_numbers,fitments",
        "{p}-ALT-1,Remanufactured alternator for Toyota Corolla,丰田卡罗拉 再制造发电机,alternator,REMANUFACTURED,"
        "980.00,5200,4,27060-0T020,Toyota:Corolla:2014-2019:2ZR-FE",
        "{p}-ALT-2,Alternator with a condition nobody knows,,alternator,BROKEN,700,5200,2,,",
        "{p}-STA-1,Remanufactured starter for Toyota Corolla,丰田卡罗拉 再制造起动机,starter,REMANUFACTURED,"
        "640.50,3100,6,28100-0T031,Toyota:Corolla:2014-2019:2ZR-FE",
        "",
    ]
)


def new_uscc() -> str:
    """A well-formed Unified Social Credit Code (Tongnan division) with the right check character."""
    first17 = f"91500152MB{next(_serial) + uuid.uuid4().int % 9_000_000:07d}"
    return first17 + uscc_check_character(first17)


def unique_email(prefix: str = "sales") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@tn-reman.cn"


def sku_prefix() -> str:
    return f"T{uuid.uuid4().hex[:6].upper()}"


class GatewayTransport(httpx.AsyncBaseTransport):
    """Hands the storefront's requests to the gateway's TestClient (its own thread and loop)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}

        def send() -> httpx.Response:
            return self.client.request(request.method, request.url.path, content=content, headers=headers)

        answer = await anyio.to_thread.run_sync(send)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


_TOKEN_INPUT = re.compile(rf'name="{csrf.TOKEN_FIELD}" value="([^"]+)"')


class BrowserClient(TestClient):
    """A TestClient that sends what a browser sends with a form of the site: the `Origin` of
    the page, and the CSRF token of the last page it was shown (or, with none shown since its
    session changed, the sign-in page's). A test that sets its own Origin or token keeps it;
    `post_by_hand` sends only what it is given."""

    _token: str | None = None
    _token_session: str | None = None

    def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:
        if method.upper() not in csrf.SAFE_METHODS:
            kwargs["headers"] = {"Origin": str(self.base_url).rstrip("/"), **(kwargs.get("headers") or {})}
            token = self.page_token()
            if kwargs.get("json") is not None or kwargs.get("content") is not None:
                # A script's request (pay.js), not a form: the token goes in the header.
                kwargs["headers"] = {csrf.TOKEN_HEADER: token, **kwargs["headers"]}
            else:
                kwargs["data"] = {csrf.TOKEN_FIELD: token, **(kwargs.get("data") or {})}
        response = super().request(method, url, **kwargs)
        found = _TOKEN_INPUT.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        if found:
            self._token, self._token_session = found.group(1), self.session_id()
        return response

    def post_by_hand(self, url: str, **kwargs: Any) -> httpx.Response:
        return super().request("POST", url, **kwargs)

    def session_id(self) -> str | None:
        return self.cookies.get(csrf.session_cookie(self.app_settings()))

    def app_settings(self) -> StorefrontSettings:
        settings: StorefrontSettings = self.app.state.settings  # type: ignore[attr-defined]
        return settings

    def page_token(self) -> str:
        if self._token is None or self._token_session != self.session_id():
            self.get("/account/login")
        assert self._token is not None, "the sign-in page carries no CSRF token"
        return self._token


REGISTER = """
mutation ($input: RegisterInput!) { register(input: $input) { token refreshToken account { supplier { id } } } }"""


def register_supplier(stack: Stack, *, verified: bool = True) -> dict[str, Any]:
    """A new supplier account through the public API; its tokens and e-mail address. Verified
    (licence submitted and reviewed by an admin) unless asked otherwise, so it may list parts."""
    email = unique_email()
    answer = stack.gql(
        REGISTER,
        {
            "input": {
                "email": email,
                "password": PASSWORD,
                "role": "SUPPLIER",
                "supplier": {"nameEn": "Tongnan Test Reman", "nameZh": "潼南测试再制造", "uscc": new_uscc()},
            }
        },
    )
    assert "errors" not in answer, answer
    if verified:
        stack.verify_supplier(answer["data"]["register"]["token"])
    return {"email": email, **answer["data"]["register"]}


def sign_in(client: TestClient, account: dict[str, Any]) -> None:
    client.cookies.set("tn_token", account["token"])
    client.cookies.set("tn_refresh", account["refreshToken"])
